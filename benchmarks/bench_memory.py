"""Peak memory (RSS) of clean-corpus on very long documents, main process and worker, against small ones.

Documents of just under ``max_doc_chars`` (2 M characters) are built from the seed texts' paragraphs, as
JSONL text records and as HTML pages; a baseline corpus holds the same paragraphs as 2,000-character
documents. Each corpus goes through ``clean-corpus`` in a fresh process (numba kernels cached first by a
warm-up run), and the peaks come from its ``--stats`` (``peak_rss_mb``: ``ru_maxrss`` of the main process
and the largest of the workers).

    python benchmarks/bench_memory.py [--docs 4] [--chars 1990000] [--workers 1]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


def paragraphs() -> list[str]:
    lines = []
    for path in sorted(SEEDS.glob("*.txt")):
        lines += [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if len(line.strip()) > 20]
    return lines


def document(lines: list[str], chars: int, salt: int) -> list[str]:
    """Paragraphs adding up to about ``chars`` characters, numbered so that no two documents are alike."""
    out, size, k = [], 0, 0
    while True:
        line = f"{lines[(k * 7 + salt) % len(lines)]}（第{salt}篇第{k}段）"
        if size + len(line) + 1 > chars:
            return out
        out.append(line)
        size += len(line) + 1
        k += 1


def write_corpora(folder: Path, docs: int, chars: int) -> dict[str, Path]:
    lines = paragraphs()
    corpora = {"long text": folder / "long-text", "long html": folder / "long-html", "short text": folder / "short"}
    for path in corpora.values():
        path.mkdir()
    with open(corpora["long text"] / "long.jsonl", "w", encoding="utf-8") as f:
        for i in range(docs):
            f.write(json.dumps({"id": f"t{i}", "text": "\n".join(document(lines, chars, i))}, ensure_ascii=False) + "\n")
    for i in range(docs):
        # markup adds about a fifth: keep the page's text near `chars` and its bytes under max_page_bytes
        body = "".join(f"<p>{p}</p>\n" for p in document(lines, int(chars * 0.8), 100 + i))
        (corpora["long html"] / f"page-{i}.html").write_text(
            f"<html><head><meta charset='utf-8'><title>长页面{i}</title></head><body><article>{body}</article></body></html>",
            encoding="utf-8")
    with open(corpora["short text"] / "short.jsonl", "w", encoding="utf-8") as f:
        for i in range(docs * chars // 2000):
            f.write(json.dumps({"id": f"s{i}", "text": "\n".join(document(lines, 2000, i))}, ensure_ascii=False) + "\n")
    return corpora


def run(corpus: Path, out: Path, workers: int) -> dict:
    stats = out.with_suffix(".stats.json")
    config = out.with_suffix(".toml")
    config.write_text("timeout_s = 3600\n")  # a slow or busy machine must not turn the long documents into timeouts
    subprocess.run([sys.executable, "-m", "cleaner.cli", str(corpus), "-o", str(out), "--stats", str(stats),
                    "--workers", str(workers), "--config", str(config)], check=True, capture_output=True, timeout=3600)
    return json.loads(stats.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=4)
    parser.add_argument("--chars", type=int, default=1_990_000)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        corpora = write_corpora(folder, args.docs, args.chars)
        run(corpora["short text"], folder / "warm.jsonl", 1)  # numba's kernels compiled and cached once
        print(f"{'corpus':<12} {'docs':>6} {'chars in':>12} {'written':>8} {'rejected':>8} {'main MB':>8} "
              f"{'worker MB':>10} {'s':>6}")
        for name, corpus in corpora.items():
            stats = run(corpus, folder / f"{name.replace(' ', '-')}.jsonl", args.workers)
            print(f"{name:<12} {stats['read']:>6,} {stats['chars_in']:>12,} {stats['written']:>8,} {stats['rejected']:>8,} "
                  f"{stats['peak_rss_mb']['main']:>8.0f} {stats['peak_rss_mb']['worker']:>10.0f} {stats['seconds']:>6.1f}")


if __name__ == "__main__":
    main()
