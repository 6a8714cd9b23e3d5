"""Extraction quality: ``cleaner.clean_html`` beside trafilatura alone, page by page, in one run.

Material: ``../shared/realworld/extraction/`` (real pages with hand-cut gold). Score: character-bag F1
in Simplified script with white space removed, which tolerates the gold's hard line breaks and
paragraph order. Pages that come with ``gold.json`` (trafilatura's own test pages) are also checked
for their must-contain / must-not-contain snippets.

The baseline is what the issue measured: the page bytes decoded with chardet, then
``trafilatura.extract`` with its defaults. A third column, "stage 2", runs the pipeline only up to
extraction (decode, prepare HTML, extract; no line cleaning or script conversion), to show what the
later stages add.

    python benchmarks/eval_extraction.py [--realworld PATH] [--only cwced]
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import chardet
import opencc
import trafilatura

import cleaner
from cleaner.config import Config
from cleaner.document import Document
from cleaner.stages.decode import DecodeStage
from cleaner.stages.extract import ExtractStage
from cleaner.stages.prepare_html import PrepareHtmlStage
from cleaner.pipeline import Pipeline

DEFAULT_REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "realworld"
_T2S = opencc.OpenCC("t2s")


def char_bag(text: str) -> Counter:
    """Characters of ``text`` in Simplified script, white space removed, as a multiset."""
    return Counter(ch for ch in _T2S.convert(text) if not ch.isspace())


def char_bag_f1(predicted: str, gold: str) -> float:
    pred, ref = char_bag(predicted), char_bag(gold)
    overlap = sum((pred & ref).values())
    if not overlap:
        return 0.0
    precision = overlap / sum(pred.values())
    recall = overlap / sum(ref.values())
    return 2 * precision * recall / (precision + recall)


def trafilatura_alone(data: bytes) -> str:
    """The baseline: chardet's guess for the bytes, then trafilatura with its defaults."""
    encoding = chardet.detect(data)["encoding"] or "utf-8"
    try:
        markup = data.decode(encoding, errors="replace")
    except LookupError:
        markup = data.decode("utf-8", errors="replace")
    return trafilatura.extract(markup) or ""


def _up_to_extraction() -> Pipeline:
    config = Config()
    return Pipeline([DecodeStage(config), PrepareHtmlStage(config), ExtractStage(config)])


_STAGE_2 = _up_to_extraction()


@dataclass
class PageScore:
    page: str
    f1_cleaner: float | None = None
    f1_trafilatura: float | None = None
    f1_stage2: float | None = None
    # gold.json pages: snippets found / expected, for "with" and absent / expected for "without"
    snippets_cleaner: tuple[int, int, int, int] | None = None
    snippets_trafilatura: tuple[int, int, int, int] | None = None
    snippets_stage2: tuple[int, int, int, int] | None = None
    rejected: str | None = None


def _snippet_score(text: str, gold: dict) -> tuple[int, int, int, int]:
    must, must_not = gold.get("with", []), gold.get("without", [])
    found = sum(1 for s in must if s in text)
    absent = sum(1 for s in must_not if s not in text)
    return found, len(must), absent, len(must_not)


def page_dirs(realworld: Path, only: str | None = None) -> list[Path]:
    root = realworld / "extraction"
    dirs = sorted(p for p in root.iterdir() if (p / "page.html").is_file())
    if only:
        dirs = [p for p in dirs if p.name.startswith(only + "__")]
    return dirs


def score_page(page_dir: Path) -> PageScore:
    data = (page_dir / "page.html").read_bytes()
    doc = cleaner.clean_html(data)
    ours = doc.text
    theirs = trafilatura_alone(data)
    stage2 = _STAGE_2.run(Document(raw=data)).text
    score = PageScore(page=page_dir.name, rejected=doc.rejected)
    gold_txt = page_dir / "gold.txt"
    if gold_txt.is_file():
        gold = gold_txt.read_text(encoding="utf-8")
        score.f1_cleaner = char_bag_f1(ours, gold)
        score.f1_trafilatura = char_bag_f1(theirs, gold)
        score.f1_stage2 = char_bag_f1(stage2, gold)
    gold_json = page_dir / "gold.json"
    if gold_json.is_file():
        gold = json.loads(gold_json.read_text(encoding="utf-8"))
        score.snippets_cleaner = _snippet_score(ours, gold)
        score.snippets_trafilatura = _snippet_score(theirs, gold)
        score.snippets_stage2 = _snippet_score(stage2, gold)
    return score


def evaluate(realworld: Path, only: str | None = None) -> list[PageScore]:
    return [score_page(p) for p in page_dirs(realworld, only)]


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def _fmt(value: float | None) -> str:
    return "    -" if value is None else f"{value:5.3f}"


def _fmt_snippets(s: tuple[int, int, int, int] | None) -> str:
    return "" if s is None else f"with {s[0]}/{s[1]} without {s[2]}/{s[3]}"


def report(scores: list[PageScore], out=sys.stdout) -> None:
    print(f"{'page':58} {'cleaner':>7} {'trafil.':>7} {'stage 2':>7}  notes", file=out)
    for s in scores:
        notes = []
        if s.rejected:
            notes.append(f"rejected: {s.rejected}")
        if s.snippets_cleaner:
            notes.append(f"cleaner {_fmt_snippets(s.snippets_cleaner)}; "
                         f"trafilatura {_fmt_snippets(s.snippets_trafilatura)}; "
                         f"stage 2 {_fmt_snippets(s.snippets_stage2)}")
        print(f"{s.page[:58]:58} {_fmt(s.f1_cleaner):>7} {_fmt(s.f1_trafilatura):>7} {_fmt(s.f1_stage2):>7}  "
              f"{'; '.join(notes)}", file=out)
    groups = sorted({s.page.split("__")[0] for s in scores})
    print(file=out)
    for group in groups:
        rows = [s for s in scores if s.page.startswith(group + "__") and s.f1_cleaner is not None]
        if rows:
            print(f"mean F1 {group:12} ({len(rows):2} pages): cleaner {mean([s.f1_cleaner for s in rows]):.3f}"
                  f"  trafilatura {mean([s.f1_trafilatura for s in rows]):.3f}"
                  f"  stage 2 {mean([s.f1_stage2 for s in rows]):.3f}", file=out)
    snip = [s for s in scores if s.snippets_cleaner]
    if snip:
        for label, attr in (("cleaner", "snippets_cleaner"), ("trafilatura", "snippets_trafilatura"),
                            ("stage 2", "snippets_stage2")):
            totals = [sum(getattr(s, attr)[i] for s in snip) for i in range(4)]
            print(f"gold.json snippets {label:12}: with {totals[0]}/{totals[1]}, without {totals[2]}/{totals[3]}",
                  file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realworld", type=Path, default=DEFAULT_REALWORLD)
    parser.add_argument("--only", help="one source prefix, e.g. cwced")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # trafilatura logs every page it finds little on
    report(evaluate(args.realworld, args.only))
    return 0


if __name__ == "__main__":
    sys.exit(main())
