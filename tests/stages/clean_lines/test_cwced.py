"""End to end on real Chinese pages (cwced): the pipeline's text against the hand-cut gold text.

Scored as a character-bag F1 in Simplified script with white space removed, which tolerates the gold's
uneven line breaks. Line cleaning is the main lever after extraction, so the test also checks that it
improves on the same pipeline without it.
"""
from collections import Counter
import re

import opencc
import pytest

from cleaner.config import Config
from cleaner.document import Document
from cleaner.pipeline import Pipeline

_T2S = opencc.OpenCC("t2s.json")
_SPACE = re.compile(r"\s+")


def char_bag_f1(text: str, gold: str) -> float:
    got, want = Counter(_SPACE.sub("", _T2S.convert(text))), Counter(_SPACE.sub("", _T2S.convert(gold)))
    common = sum((got & want).values())
    if not common:
        return 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def test_pipeline_f1_on_cwced_pages(realworld):
    pages = sorted((realworld / "extraction").glob("cwced__*"))
    if not pages:
        pytest.skip("no cwced pages")
    config = Config(script="keep", dedup=False)
    full = Pipeline.for_html(config)
    without_lines = Pipeline([s for s in Pipeline.for_html(config).stages if s.name != "clean_lines"])
    with_scores, without_scores = [], []
    for page in pages:
        data, gold = (page / "page.html").read_bytes(), (page / "gold.txt").read_text("utf-8")
        with_scores.append(char_bag_f1(full.run(Document(raw=data)).text, gold))
        without_scores.append(char_bag_f1(without_lines.run(Document(raw=data)).text, gold))
    mean_with = sum(with_scores) / len(pages)
    mean_without = sum(without_scores) / len(pages)
    assert mean_with >= 0.92, f"mean F1 {mean_with:.3f} (without line cleaning {mean_without:.3f})"
    assert mean_with > mean_without + 0.01
    worse = [(p.name, w, wo) for p, w, wo in zip(pages, with_scores, without_scores) if w < wo - 0.01]
    assert not worse, f"line cleaning lowered F1 on: {worse}"
