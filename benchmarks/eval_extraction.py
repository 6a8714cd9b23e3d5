"""Extraction quality: ``cleaner.clean_html`` beside trafilatura alone, per source and per language, in one run.

Material: ``../shared/realworld/extraction/`` (real pages; the directory name's prefix is the source).
Pages with ``gold.txt`` (hand-cut article text) are scored by character-bag F1 in Simplified script with
white space and invisible hints (soft hyphens, zero-width spaces) removed, which tolerates the gold's hard
line breaks and paragraph order. Pages with
``gold.json`` (trafilatura's own evaluation set) are scored by their snippets: the share of the "with"
snippets found plus the "without" snippets absent, out of all of them.

Contenders, on the same page bytes: ``cleaner.clean_html``; trafilatura alone as the issue measured it
(chardet's guess for the bytes, ``trafilatura.extract`` with its defaults); the same in precision mode;
resiliparse's main-content extraction when it is installed. The language of a page is its ``meta.json``
``lang`` or, without one, py3langid's reading of its gold text (snippets for ``gold.json`` pages).

Last table: the gold characters each line rule and hiding rule removed (``doc.removed`` entries of at
least ``MIN_EVIDENCE`` characters found, white space aside, in the gold text or in a "with" snippet):
any figure above zero is a rule taking article text.

    python benchmarks/eval_extraction.py [--realworld PATH] [--only cwced] [--jobs 2] [--pages]
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from multiprocessing import Pool
from pathlib import Path

import chardet
import opencc
import py3langid
import trafilatura

import cleaner
from cleaner.text.chars import INVISIBLE_HINTS

try:  # optional reference
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree
except ImportError:
    extract_plain_text = None

DEFAULT_REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "realworld"
SOURCES = ("cwced", "scrapinghub", "readability", "newspaper4k", "trafilatura")
MIN_EVIDENCE = 12  # shorter removals ("Home", a date) occur in any gold by chance
_T2S = opencc.OpenCC("t2s")
_INVISIBLE = {ord(c): None for c in INVISIBLE_HINTS}  # a browser draws none of them; some golds keep them


def char_bag(text: str) -> Counter:
    """Characters of ``text`` in Simplified script, white space and invisible hints removed, as a multiset."""
    return Counter(ch for ch in _T2S.convert(text.translate(_INVISIBLE)) if not ch.isspace())


def char_bag_f1(predicted: str, gold: str) -> float:
    pred, ref = char_bag(predicted), char_bag(gold)
    overlap = sum((pred & ref).values())
    if not overlap:
        return 0.0
    precision = overlap / sum(pred.values())
    recall = overlap / sum(ref.values())
    return 2 * precision * recall / (precision + recall)


def _markup(data: bytes) -> str:
    encoding = chardet.detect(data)["encoding"] or "utf-8"
    try:
        return data.decode(encoding, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def trafilatura_alone(data: bytes, **settings) -> str:
    """The baseline: chardet's guess for the bytes, then trafilatura with its defaults (or ``settings``)."""
    return trafilatura.extract(_markup(data), **settings) or ""


def resiliparse_alone(data: bytes) -> str:
    return extract_plain_text(HTMLTree.parse(_markup(data)), main_content=True)


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFC", text).translate(_INVISIBLE).split())


def snippet_hits(text: str, gold: dict) -> tuple[int, int]:
    """(snippets right, snippets in all): "with" snippets present, "without" snippets absent."""
    folded = _fold(text)
    must, must_not = gold.get("with", []), gold.get("without", [])
    right = sum(_fold(s) in folded for s in must) + sum(_fold(s) not in folded for s in must_not)
    return right, len(must) + len(must_not)


@dataclass
class PageScore:
    page: str
    source: str = ""
    lang: str = ""
    f1: dict[str, float] = field(default_factory=dict)              # contender -> char F1 (gold.txt)
    snippets: dict[str, tuple[int, int]] = field(default_factory=dict)  # contender -> (right, all) (gold.json)
    gold_removed: dict[str, int] = field(default_factory=dict)      # rule -> gold characters it removed
    removed: dict[str, int] = field(default_factory=dict)           # rule -> characters it removed
    rejected: str | None = None
    extractor: str = ""

    @property
    def f1_cleaner(self) -> float | None:
        return self.f1.get("cleaner")

    @property
    def f1_trafilatura(self) -> float | None:
        return self.f1.get("trafilatura")


def contenders() -> dict:
    found = {
        "cleaner": None,  # filled per page from clean_html
        "trafilatura": trafilatura_alone,
        "trafil.prec": lambda data: trafilatura_alone(data, favor_precision=True),
    }
    if extract_plain_text is not None:
        found["resiliparse"] = resiliparse_alone
    return found


def _language(page_dir: Path, gold_text: str) -> str:
    meta = page_dir / "meta.json"
    lang = json.loads(meta.read_text(encoding="utf-8")).get("lang") if meta.is_file() else None
    if page_dir.name.startswith("cwced__"):
        lang = "zh"
    return (lang or py3langid.classify(gold_text)[0]).split("-")[0].lower()


def score_page(page_dir: Path) -> PageScore:
    logging.disable(logging.WARNING)  # trafilatura logs every page it finds little on
    data = (page_dir / "page.html").read_bytes()
    doc = cleaner.clean_html(data)
    texts = {name: doc.text if fn is None else fn(data) for name, fn in contenders().items()}
    score = PageScore(page=page_dir.name, source=page_dir.name.split("__")[0], rejected=doc.rejected,
                      extractor=str(doc.meta.get("extractor", "")))
    evidence = ""
    if (page_dir / "gold.txt").is_file():
        gold = (page_dir / "gold.txt").read_text(encoding="utf-8")
        score.f1 = {name: char_bag_f1(text, gold) for name, text in texts.items()}
        evidence = gold
    if (page_dir / "gold.json").is_file():
        snippets = json.loads((page_dir / "gold.json").read_text(encoding="utf-8"))
        score.snippets = {name: snippet_hits(text, snippets) for name, text in texts.items()}
        evidence = "\n".join(snippets.get("with", []))
    score.lang = _language(page_dir, evidence)
    folded_gold = _fold(evidence)
    for rule, text in doc.removed:
        folded = _fold(text)
        score.removed[rule] = score.removed.get(rule, 0) + len(folded)
        if len(folded) >= MIN_EVIDENCE and (folded in folded_gold or (
                not (page_dir / "gold.txt").is_file() and any(_fold(s) in folded for s in snippets.get("with", [])))):
            score.gold_removed[rule] = score.gold_removed.get(rule, 0) + len(folded)
    return score


def page_dirs(realworld: Path, only: str | None = None) -> list[Path]:
    root = realworld / "extraction"
    dirs = sorted(p for p in root.iterdir() if (p / "page.html").is_file())
    if only:
        dirs = [p for p in dirs if p.name.split("__")[0] in only.split(",")]
    return dirs


def evaluate(realworld: Path, only: str | None = None, jobs: int = 1) -> list[PageScore]:
    dirs = page_dirs(realworld, only)
    if jobs <= 1:
        return [score_page(p) for p in dirs]
    with Pool(jobs) as pool:
        return pool.map(score_page, dirs, chunksize=1)


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def _table(title: str, groups: dict[str, list[PageScore]], names: list[str], out) -> None:
    print(f"\n{title:14} {'F1 pages':>8} " + " ".join(f"{n:>11}" for n in names)
          + f" {'snip pages':>10} " + " ".join(f"{n:>11}" for n in names)
          + f" {'worse>0.10':>10}", file=out)
    for key, rows in groups.items():
        f1_rows = [s for s in rows if s.f1]
        snip_rows = [s for s in rows if s.snippets]
        f1 = [mean([s.f1[n] for s in f1_rows]) if f1_rows else None for n in names]
        snip = []
        for n in names:
            right = sum(s.snippets[n][0] for s in snip_rows)
            total = sum(s.snippets[n][1] for s in snip_rows)
            snip.append(right / total if total else None)
        worse = sum(1 for s in f1_rows if s.f1["cleaner"] < s.f1["trafilatura"] - 0.10)
        cells = " ".join("          -" if v is None else f"{v:11.3f}" for v in f1)
        snip_cells = " ".join("          -" if v is None else f"{v:11.3f}" for v in snip)
        print(f"{key:14} {len(f1_rows):8} {cells} {len(snip_rows):10} {snip_cells} {worse:10}", file=out)


def report(scores: list[PageScore], out=sys.stdout, pages: bool = False) -> None:
    names = list(contenders())
    if pages:
        print(f"{'page':58} {'extractor':22} " + " ".join(f"{n:>11}" for n in names), file=out)
        for s in scores:
            values = s.f1 or {n: s.snippets[n][0] / max(s.snippets[n][1], 1) for n in names}
            print(f"{s.page[:58]:58} {s.extractor[:22]:22} " + " ".join(f"{values[n]:11.3f}" for n in names)
                  + (f"  rejected: {s.rejected}" if s.rejected else ""), file=out)
    by_source = {src: [s for s in scores if s.source == src] for src in SOURCES}
    by_source = {k: v for k, v in by_source.items() if v}
    by_source["all"] = scores
    _table("source", by_source, names, out)
    langs = Counter(s.lang for s in scores)
    by_lang = {lang: [s for s in scores if s.lang == lang] for lang, _ in langs.most_common()}
    _table("language", by_lang, names, out)
    rejected = Counter(s.rejected for s in scores if s.rejected)
    if rejected:
        print(f"\nrejected by clean_html: {dict(rejected)}", file=out)
    extractors = Counter(s.extractor for s in scores)
    print(f"\nextractor chosen: {dict(extractors.most_common())}", file=out)
    gold_removed: dict[str, Counter] = defaultdict(Counter)
    removed: Counter = Counter()
    for s in scores:
        for rule, n in s.gold_removed.items():
            gold_removed[rule][s.source] += n
        removed.update(s.removed)
    sources = list(by_source)[:-1]
    print(f"\n{'rule: gold chars removed':32} " + " ".join(f"{src:>12}" for src in sources)
          + f" {'all removed':>12}", file=out)
    for rule in sorted(removed):
        print(f"{rule:32} " + " ".join(f"{gold_removed[rule][src]:12}" for src in sources)
              + f" {removed[rule]:12}", file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realworld", type=Path, default=DEFAULT_REALWORLD)
    parser.add_argument("--only", help="source prefixes, comma separated, e.g. cwced,readability")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--pages", action="store_true", help="one line per page too")
    parser.add_argument("--json", type=Path, help="write the per-page scores here")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    scores = evaluate(args.realworld, args.only, args.jobs)
    report(scores, pages=args.pages)
    if args.json:
        args.json.write_text(json.dumps([s.__dict__ for s in scores], ensure_ascii=False, indent=0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
