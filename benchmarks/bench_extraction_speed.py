"""Pages per second of ``cleaner.clean_html`` against ``trafilatura.extract`` alone, side by side in one run.

Both get the same page bytes, page by page in turn, so that load from other processes hits both
alike; the verdict is the ratio, not the absolute numbers. Reported beside it: trafilatura on a tree
parsed beforehand (its parse not timed: a stricter reference), the ratio on the pages of each extraction
path (the precision run alone; with readability's opinion; with the default mode too) and of each source,
where clean_html spends its time, and the pages on which it spends the most beyond the reference.
CPU time of this process is reported next to wall time because it is less disturbed by a busy machine.

    python benchmarks/bench_extraction_speed.py [--realworld PATH] [--rounds 3] [--limit N]
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from collections import Counter
from pathlib import Path

import lxml.html
import trafilatura

import cleaner
from cleaner.config import Config
from cleaner.pipeline import pipelines  # the pipelines clean_html runs, for its per-stage seconds
from cleaner.stages.extract.candidates import PRECISION_ALONE, PRECISION_WITH_OPINION

DEFAULT_REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "realworld"


def load_pages(realworld: Path, limit: int | None = None) -> tuple[list[str], list[bytes]]:
    """(the name of each page, the pages): the shared pages, every ``len // limit``-th one when ``limit`` is
    given (all sources alike). A name is ``SOURCE__PAGE``: an extraction page's directory, which is named so,
    or ``resiliparse__`` and the file name of a Chinese Common Crawl page."""
    paths = sorted((realworld / "extraction").glob("*/page.html"))
    paths += sorted((realworld / "warc" / "resiliparse_cc2020_zh_pages").glob("*.html"))
    if limit and limit < len(paths):
        paths = paths[::len(paths) // limit][:limit]
    names = [p.parent.name if p.name == "page.html" else f"resiliparse__{p.name}" for p in paths]
    return names, [p.read_bytes() for p in paths]


def source_of(name: str) -> str:
    return name.split("__")[0]


def _timed(fn, arg) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn(arg)
    return time.perf_counter() - wall, time.process_time() - cpu


# The candidates clean_html ran on a page, read from the extractor it chose and the reason it gives (extract.py).
PATHS = ("precision run only", "with readability's opinion", "with the default mode too", "baseline")


# How many of the pages with the most CPU time beyond the reference's are named.
TOP_PAGES = 5


def extraction_path(meta: dict) -> str:
    if meta.get("extractor") == "trafilatura-baseline":
        return PATHS[3]
    reason = meta.get("extractor_reason")
    return PATHS[0] if reason == PRECISION_ALONE else PATHS[1] if reason == PRECISION_WITH_OPINION else PATHS[2]


def run(pages: list[bytes], names: list[str], rounds: int) -> tuple[dict[str, list[float]],
                                                                    dict[str, dict[str, list]]]:
    """Totals per round: wall and CPU seconds of each contender over all pages; and by the extraction path
    clean_html took, by source and by page, for each label: the pages and the CPU seconds of clean_html and of
    trafilatura.extract(bytes) on them."""
    trees = [lxml.html.document_fromstring(p) for p in pages]
    contenders = {
        "trafilatura.extract(bytes)": lambda i: trafilatura.extract(pages[i]),
        "trafilatura.extract(tree)": lambda i: trafilatura.extract(trees[i]),
        "cleaner.clean_html(bytes)": lambda i: cleaner.clean_html(pages[i]),
    }
    paths = []
    for i in range(len(pages)):  # warm-up (lazy imports, stop lists, caches), which also gives each page's path
        for name, fn in contenders.items():
            result = fn(i)
            if name == "cleaner.clean_html(bytes)":
                paths.append(extraction_path(result.meta))
    groups = {"extraction path": paths, "source": [source_of(name) for name in names], "page": names}
    by_group = {grouping: {label: [count, 0.0, 0.0] for label, count in Counter(labels).items()}
                for grouping, labels in groups.items()}
    pipelines(Config())[0].seconds.clear()
    totals: dict[str, list[float]] = {f"{name} {kind}": [] for name in contenders for kind in ("wall", "cpu")}
    for _ in range(rounds):
        round_totals = dict.fromkeys(totals, 0.0)
        for i in range(len(pages)):
            for name, fn in contenders.items():
                wall, cpu = _timed(fn, i)
                round_totals[f"{name} wall"] += wall
                round_totals[f"{name} cpu"] += cpu
                if name in ("cleaner.clean_html(bytes)", "trafilatura.extract(bytes)"):
                    for grouping, labels in groups.items():
                        by_group[grouping][labels[i]][1 if name.startswith("cleaner") else 2] += cpu
        for key, value in round_totals.items():
            totals[key].append(value)
    return totals, by_group


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realworld", type=Path, default=DEFAULT_REALWORLD)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--limit", type=int, help="this many pages, spread over the sources")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # trafilatura logs every page it finds little on

    names, pages = load_pages(args.realworld, args.limit)
    totals, by_group = run(pages, names, args.rounds)
    n = len(pages) * args.rounds
    print(f"{len(pages)} pages x {args.rounds} rounds")
    for key, values in totals.items():
        print(f"  {key:36} {n / sum(values):7.1f} pages/s   rounds: {', '.join(f'{v:.2f}s' for v in values)}")
    for kind in ("wall", "cpu"):
        ours = sum(totals[f"cleaner.clean_html(bytes) {kind}"])
        for ref in ("trafilatura.extract(bytes)", "trafilatura.extract(tree)"):
            print(f"ratio ({kind}) clean_html / {ref}: {sum(totals[f'{ref} {kind}']) / ours:.2f} "
                  "(pages/s of clean_html over the reference's; 1.0 = as fast)")
    for grouping in ("extraction path", "source"):
        labels = by_group[grouping]
        order = PATHS if grouping == "extraction path" else sorted(labels)
        print(f"ratio (cpu) by {grouping}: " + "; ".join(
            f"{label} ({labels[label][0]} pages) {labels[label][2] / labels[label][1]:.2f}"
            for label in order if label in labels))
    # Where the time goes beyond the reference's: a few long or table-built pages weigh as much as a hundred others.
    by_page = by_group["page"]
    extra = sorted(by_page, key=lambda name: by_page[name][2] - by_page[name][1])[:TOP_PAGES]
    print("pages where clean_html spends the most CPU beyond trafilatura.extract (ms a round): " + "; ".join(
        f"{name[:60]} {1000 * by_page[name][1] / args.rounds:.0f} vs {1000 * by_page[name][2] / args.rounds:.0f}"
        for name in extra))
    seconds = pipelines(Config())[0].seconds
    spent = sum(seconds.values())
    print("clean_html time by stage: " + ", ".join(f"{k} {v / spent:.0%}" for k, v in seconds.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
