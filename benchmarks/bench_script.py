"""Script conversion throughput: converting only the stretches that need it, beside OpenCC on all text.

Corpus: the seeds and the 23 cwced gold texts (mostly Simplified, one Traditional, one mixed), repeated.
For each target script, both ways convert the same documents in the same run, alternating rounds so
that load on a shared machine hits both alike; times are CPU seconds of this process (steadier than
wall time when other work shares the cores), and the ratio of the best rounds is the number to read.
Outputs are compared too: the two must be equal. Also times the comparison view dedup uses.

    python benchmarks/bench_script.py [--repeat 20] [--rounds 5] [--realworld PATH]

Works with either package that installs the module ``opencc`` (the C++ binding or
opencc-python-reimplemented); which one ran is printed first.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import opencc

from cleaner.dedup.view import comparison_view
from cleaner.text.opencc import OPENCC_CONFIGS, converter_for

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REALWORLD = ROOT.parent / "shared" / "realworld"


def corpus(realworld: Path, repeat: int) -> list[str]:
    texts = [p.read_text("utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    texts += [p.read_text("utf-8") for p in sorted(realworld.glob("extraction/cwced__*/gold.txt"))]
    return texts * repeat


def best_seconds(fn, other, texts: list[str], rounds: int) -> tuple[float, float]:
    """Best of ``rounds`` for ``fn`` and ``other`` over ``texts``, alternating the two."""
    best, best_other = float("inf"), float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for text in texts:
            fn(text)
        best = min(best, time.process_time() - start)
        start = time.process_time()
        for text in texts:
            other(text)
        best_other = min(best_other, time.process_time() - start)
    return best, best_other


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--realworld", type=Path, default=DEFAULT_REALWORLD)
    args = parser.parse_args()

    texts = corpus(args.realworld, args.repeat)
    chars = sum(map(len, texts))
    print(f"opencc module: {opencc.__file__} (version {getattr(opencc, '__version__', '?')})")
    print(f"corpus: {len(texts)} documents, {chars / 1e6:.2f} M characters")
    print(f"{'target':8} {'stretches M char/s':>19} {'whole text M char/s':>20} {'speed-up':>9}")
    for target in OPENCC_CONFIGS:
        convert = converter_for(target)
        assert all(convert(t) == convert.convert_all(t) for t in texts[:len(texts) // args.repeat])
        ours, whole = best_seconds(convert, convert.convert_all, texts, args.rounds)
        print(f"{target:8} {chars / ours / 1e6:19.2f} {chars / whole / 1e6:20.2f} {whole / ours:8.2f}x")
    start = time.process_time()
    for text in texts:
        comparison_view(text)
    print(f"comparison_view: {chars / (time.process_time() - start) / 1e6:.2f} M char/s")


if __name__ == "__main__":
    main()
