"""Acceptance: every seed, cleaned with ``clean_text``, meets every expectation in ``seeds/expected/``.

Expectations are compared in Simplified script with white space removed, so either output script passes:
``keep`` text must be inside the output; a ``drop`` ``line`` must not be a whole output line, a ``drop``
``substring`` must not be inside any output line; ``spam`` words must be gone; ``max_line_count`` caps how
often a line appears; ``no_pinyin_annotations`` means no tone-marked reading in parentheses is left.
``optional`` lines may go either way and ``spun`` is checked by the spin tests.
"""
import json
import re

import opencc
import pytest

from cleaner import clean_text

from conftest import SEEDS

SEED_NAMES = sorted(p.stem for p in (SEEDS / "expected").glob("*.json"))
_T2S = opencc.OpenCC("t2s.json")
_SPACE = re.compile(r"\s+")
_PINYIN_READING = re.compile(r"[(（][a-zü]{0,6}[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]{0,6}[)）]")


def norm(text: str) -> str:
    return _SPACE.sub("", _T2S.convert(text))


def unmet_expectations(expected: dict, output: str) -> list[str]:
    lines = [norm(line) for line in output.split("\n")]
    whole = "".join(lines)
    unmet = [f"keep missing: {k}" for k in expected.get("keep", []) if norm(k) not in whole]
    for drop in expected.get("drop", []):
        if "line" in drop and norm(drop["line"]) in lines:
            unmet.append(f"drop line present: {drop['line']}")
        if "substring" in drop and any(norm(drop["substring"]) in line for line in lines):
            unmet.append(f"drop substring present: {drop['substring']}")
    unmet += [f"spam left: {w}" for w in expected.get("spam", []) if norm(w) in whole]
    for line, most in expected.get("max_line_count", {}).items():
        if (count := lines.count(norm(line))) > most:
            unmet.append(f"{count} times (at most {most}): {line}")
    if expected.get("no_pinyin_annotations") and (m := _PINYIN_READING.search(output)):
        unmet.append(f"pinyin annotation left: {m.group(0)}")
    return unmet


@pytest.mark.parametrize("seed", SEED_NAMES)
def test_seed_meets_expectations(seed):
    expected = json.loads((SEEDS / "expected" / f"{seed}.json").read_text("utf-8"))
    doc = clean_text((SEEDS / f"{seed}.txt").read_text("utf-8"))
    assert doc.rejected is None, doc.reject_detail
    unmet = unmet_expectations(expected, doc.text)
    assert not unmet, "\n".join(unmet)


def test_expectation_checker_catches_a_kept_drop_line():
    """The checker itself must fail on output that still has what the expectations drop."""
    expected = {"keep": ["正文。"], "drop": [{"line": "• 健康"}, {"substring": "快照"}],
                "max_line_count": {"标题": 1}, "spam": ["娱乐城"], "no_pinyin_annotations": True}
    assert unmet_expectations(expected, "标题\n正文。") == []
    bad = "標題\n•  健康\n正文。\n以上内容为快照\n標題\n娛樂城\n醫(yī)院"
    assert len(unmet_expectations(expected, bad)) == 5
