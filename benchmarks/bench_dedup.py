"""Near-duplicate detection end to end on raw texts: cleaner against datasketch and rensa, in one run.

    python benchmarks/bench_dedup.py -n 10000
    python benchmarks/bench_dedup.py -n 100000

Every engine gets the same raw texts (``corpus.generate``: Chinese articles with planted edited copies,
Traditional-script and re-punctuated ones among them) and must find near-duplicates at Jaccard 0.8 on
character 5-grams of the comparison view, 128 permutations:

- cleaner: ``cleaner.dedup(texts)``, the library call (compiled views, signatures, LSH, exact check of
  the pairs near the threshold, clusters).
- cleaner-oph: the same with ``Config(one_permutation=True)`` (one-permutation hashing with
  densification instead of 128 hash functions; off by default).
- datasketch: per text ``comparison_view`` (the Python definition of the same view; the references have
  no normaliser of their own), ``MinHash.update_batch`` of its 5-grams; ``MinHashLSH`` insert and query,
  candidates confirmed by ``MinHash.jaccard``; union-find. Single-threaded.
- rensa: the same with ``RMinHash`` and ``RMinHashLSH`` (its per-document API).

Each engine runs in its own process on texts read from a file, so that its peak memory is its own: the
peak resident set above what the process held with the texts loaded (imports and all else counted),
and, as "base", the part of it already held after the imports and a warm-up call on a few texts, before
the timed run. Peak minus base is what grows with the texts. cleaner's base holds numba's runtime with
the kernels loaded from its cache and the view's lookup tables; the references' base holds their
library and numba's import (their view, ``comparison_view``, lives in a module that imports numba) but
not its runtime. With ``--reference-sample N`` the references run on the first N texts only (their
seconds scaled to n); memory is then compared on those same texts: cleaner runs on them once more
("cleaner@N"), and the last line sets its peak against the references'.

Seconds are wall time, which other jobs on a shared machine stretch; the CPU seconds of each engine
(all its threads) are printed beside them.

Quality is measured against exact Jaccard of the 5-gram sets over every pair inside a planted group or
in a reported cluster: recall of the pairs at or above the threshold (found when both texts share a
cluster), precision of the reported pairs (cleaner: ``(i, duplicate_of[i])``; the references: their
confirmed candidate pairs).
"""
from __future__ import annotations

import argparse
import itertools
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus as corpus_module  # noqa: E402

SHINGLE = 5
NUM_PERM = 128
RENSA_BANDS = 16
ENGINES = ("cleaner", "cleaner-oph", "datasketch", "rensa")


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def cpu_seconds() -> float:
    """CPU time of this process, all its threads, user and system."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_bytes() -> int:
    """This process's peak resident set (``VmHWM``; unlike ``ru_maxrss`` it starts afresh at exec, so
    the parent's size does not count)."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))


def shingle_strings(view: str) -> set[str]:
    return {view[i:i + SHINGLE] for i in range(len(view) - SHINGLE + 1)}


class UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def clusters(self) -> list[list[int]]:
        groups: dict[int, list[int]] = {}
        for i in range(len(self.parent)):
            groups.setdefault(self.find(i), []).append(i)
        return [g for g in groups.values() if len(g) > 1]


def reference_engine(texts: list[str], threshold: float, signature, lsh) -> tuple[list, list]:
    """View, shingles and ``signature(shingles)`` per text, then the library's LSH, confirmation and
    union-find."""
    from cleaner.dedup.view import comparison_view

    sigs = [signature(shingle_strings(comparison_view(text))) for text in texts]
    for i, m in enumerate(sigs):
        lsh.insert(i, m)
    edges = []
    uf = UnionFind(len(sigs))
    for i, m in enumerate(sigs):
        for j in lsh.query(m):
            if j > i and m.jaccard(sigs[j]) >= threshold:
                edges.append((i, j))
                uf.union(i, j)
    return edges, uf.clusters()


def warm_up(texts: list[str], signature) -> int:
    """A reference's view and signature of a few texts, as cleaner's warm-up call; the resident set after."""
    from cleaner.dedup.view import comparison_view

    for text in texts[:64]:
        signature(shingle_strings(comparison_view(text)))
    return rss_bytes()


def worker(engine: str, texts_path: str, threshold: float, out_path: str) -> None:
    """One engine on the texts in ``texts_path``; its pairs, clusters, seconds and peak memory to ``out_path``."""
    with open(texts_path, "rb") as f:
        texts = pickle.load(f)
    base = rss_bytes()
    if engine.startswith("cleaner"):
        from cleaner import Config, dedup

        config = Config(num_perm=NUM_PERM, cjk_shingle_size=SHINGLE, one_permutation=engine == "cleaner-oph")
        dedup(texts[:64], threshold, config=config)  # compile or load the cached kernels: not part of the time
        warm = rss_bytes()                           # (but of the memory)
        start, start_cpu = time.perf_counter(), cpu_seconds()
        result = dedup(texts, threshold, config=config)
        edges = [(i, d) for i, d in enumerate(result.duplicate_of) if d is not None]
        clusters = result.clusters
    elif engine == "datasketch":
        from datasketch import MinHash, MinHashLSH

        def signature(shingles: set[str]) -> MinHash:
            m = MinHash(num_perm=NUM_PERM)
            m.update_batch([s.encode("utf-8") for s in shingles])
            return m

        warm = warm_up(texts, signature)
        start, start_cpu = time.perf_counter(), cpu_seconds()
        edges, clusters = reference_engine(texts, threshold, signature,
                                           MinHashLSH(threshold=threshold, num_perm=NUM_PERM))
    else:
        from rensa import RMinHash, RMinHashLSH

        def signature(shingles: set[str]) -> RMinHash:
            m = RMinHash(num_perm=NUM_PERM, seed=42)
            m.update(list(shingles))
            return m

        warm = warm_up(texts, signature)
        start, start_cpu = time.perf_counter(), cpu_seconds()
        edges, clusters = reference_engine(texts, threshold, signature,
                                           RMinHashLSH(threshold=threshold, num_perm=NUM_PERM, num_bands=RENSA_BANDS))
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - start_cpu
    peak = peak_rss_bytes()
    with open(out_path, "wb") as f:
        pickle.dump({"edges": edges, "clusters": clusters, "seconds": seconds, "cpu": cpu, "peak_mb": (peak - base) / 2**20,
                     "base_mb": (warm - base) / 2**20}, f)


def true_jaccard(views: list[str], groups: list[list[int]]) -> dict[tuple[int, int], float]:
    """Exact 5-gram Jaccard of every pair inside each group."""
    out = {}
    for g in groups:
        sets = {i: shingle_strings(views[i]) for i in g}
        for a, b in itertools.combinations(sorted(g), 2):
            union = len(sets[a] | sets[b])
            out[(a, b)] = len(sets[a] & sets[b]) / union if union else 0.0
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--reference-sample", type=int, default=0,
                        help="run datasketch and rensa on the first N texts only and scale their time to n "
                             "(said in the output); quality is then theirs on those N")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--texts", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.texts, args.threshold, args.out)
        return
    n, t = args.n, args.threshold
    corpus = corpus_module.generate(n, seed=args.seed)
    texts = corpus.texts
    print(f"{n} raw texts, {np.mean([len(x) for x in texts]):.0f} characters on average; threshold {t}, "
          f"{NUM_PERM} permutations, character {SHINGLE}-grams; {len(os.sched_getaffinity(0))} cores")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        texts_path = Path(tmp) / "texts.pickle"
        with open(texts_path, "wb") as f:
            pickle.dump(texts, f)
        sample = args.reference_sample if 0 < args.reference_sample < n else n
        sample_path = Path(tmp) / "sample.pickle"
        with open(sample_path, "wb") as f:
            pickle.dump(texts[:sample], f)
        runs = [(engine, engine, n if engine.startswith("cleaner") else sample) for engine in args.engines.split(",")]
        if sample < n and "cleaner" in args.engines:  # memory on the same texts as the references
            runs.append((f"cleaner@{sample}", "cleaner", sample))
        for name, engine, limit in runs:
            out = Path(tmp) / f"{name}.pickle"
            subprocess.run([sys.executable, __file__, "--worker", engine, "--out", str(out), "--threshold", str(t),
                            "--texts", str(texts_path if limit == n else sample_path)], check=True)
            with open(out, "rb") as f:
                results[name] = pickle.load(f)
            results[name]["limit"] = limit
            results[name]["seconds"] *= n / limit
            results[name]["cpu"] *= n / limit

    from cleaner.dedup.view import comparison_views

    views = []
    for start in range(0, n, 8192):
        codes, offsets = comparison_views(texts[start:start + 8192])
        views += [codes[offsets[i]:offsets[i + 1]].tobytes().decode("utf-32-le") for i in range(len(offsets) - 1)]
    uf = UnionFind(n)
    for i, g in enumerate(corpus.group.tolist()):
        uf.union(i, g)
    for r in results.values():
        for c in r["clusters"]:
            for j in c[1:]:
                uf.union(c[0], j)
    truth = true_jaccard(views, uf.clusters())
    true_pairs = {p for p, j in truth.items() if j >= t}
    if sample < n:
        print(f"NOTE: datasketch and rensa ran on the first {sample} texts; their seconds are scaled by {n / sample:g}, "
              f"their recall is over the true pairs among those texts; cleaner@{sample} is cleaner on the same "
              f"texts, for their peak memory.")

    print(f"\n{'engine':12s} {'seconds':>8s} {'texts/s':>9s} {'cleaner is':>11s} {'CPU s':>8s} {'recall':>7s} "
          f"{'precision':>9s} {'base MB':>8s} {'peak MB':>8s}")
    cleaner_seconds = results["cleaner"]["seconds"] if "cleaner" in results else None
    for engine, r in results.items():
        found = {(a, b) for c in r["clusters"] for a, b in itertools.combinations(sorted(c), 2)}
        mine = {p for p in true_pairs if p[1] < r["limit"]}
        recall = len(mine & found) / max(1, len(mine))
        reported = [truth[(min(a, b), max(a, b))] for a, b in r["edges"]]
        precision = sum(j >= t for j in reported) / max(1, len(reported))
        ratio = (f"{r['seconds'] / cleaner_seconds:10.1f}x" if cleaner_seconds and engine != "cleaner" and "@" not in engine
                 else f"{'':11s}")
        print(f"{engine:12s} {r['seconds']:8.1f} {n / r['seconds']:9.0f} {ratio} {r['cpu']:8.1f} {recall:7.4f} "
              f"{precision:9.4f} {r['base_mb']:8.0f} {r['peak_mb']:8.0f}")
    print(f"({len(truth)} pairs checked exactly, {len(true_pairs)} at or above {t}; 'cleaner is': how many times "
          f"faster than that engine (wall time); CPU s: CPU time of all its threads; peak MB: resident memory above "
          f"the loaded texts, base MB: the part held after imports and warm-up)")
    same = f"cleaner@{sample}" if sample < n else "cleaner"
    if same in results:
        print(f"peak memory on the same {sample} texts: " + ", ".join(
            f"{name} {results[name]['peak_mb']:.0f} MB" for name in [same, *(e for e in ENGINES[2:] if e in results)]))


if __name__ == "__main__":
    main()
