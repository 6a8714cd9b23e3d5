"""Near-duplicate detection: cleaner against datasketch and rensa, on the same texts, in one process.

    python benchmarks/bench_dedup.py -n 10000
    python benchmarks/bench_dedup.py -n 100000 --datasketch-sample 20000

All three shingle the same normalised views (``cleaner.dedup.view.comparison_view``, timed once on its own)
into character 5-grams, with 128 permutations and threshold 0.8:

- cleaner: flat code point arrays, numba signatures on all cores, banded LSH with confirmation, clusters.
- datasketch: ``MinHash.update_batch`` per text, ``MinHashLSH`` insert and query (single-threaded).
- rensa: ``RMinHash.update`` per text, ``RMinHashLSH`` insert and query (its per-document API).

Candidates of the two references are confirmed with their own signature estimate (``jaccard``) so that
all three report confirmed pairs; clusters are connected components. Quality is measured against exact
Jaccard of the 5-gram sets (Python sets of strings) over every pair inside a planted group or reported
by any engine: recall of pairs at or above the threshold (counted found when both texts share a
cluster), precision of the confirmed pairs, precision of all same-cluster pairs, and (cleaner only)
precision of the reported pairs ``(i, duplicate_of[i])``.
"""
from __future__ import annotations

import argparse
import itertools
import os
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus as corpus_module  # noqa: E402

from cleaner import Config  # noqa: E402
from cleaner.dedup import Signatures, Views, dedup, find_duplicates, signatures_of_views  # noqa: E402
from cleaner.dedup.signatures import BATCH_TEXTS  # noqa: E402
from cleaner.dedup.view import comparison_view  # noqa: E402

SHINGLE = 5
NUM_PERM = 128
RENSA_BANDS = 16


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class Stages:
    """Wall time and peak resident memory above the stage's start, per named stage (median over runs)."""

    def __init__(self) -> None:
        self.runs: dict[str, list[tuple[float, float]]] = {}

    @property
    def seconds(self) -> dict[str, float]:
        return {name: float(np.median([r[0] for r in runs])) for name, runs in self.runs.items()}

    @property
    def peak_mb(self) -> dict[str, float]:
        return {name: max(r[1] for r in runs) for name, runs in self.runs.items()}

    @contextmanager
    def stage(self, name: str):
        start_rss = rss_bytes()
        peak = [start_rss]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.005):
                peak[0] = max(peak[0], rss_bytes())

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        start = time.perf_counter()
        try:
            yield
        finally:
            seconds = time.perf_counter() - start
            done.set()
            sampler.join()
            self.runs.setdefault(name, []).append((seconds, (max(peak[0], rss_bytes()) - start_rss) / 2**20))


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


def run_datasketch(views: list[str], threshold: float, stages: Stages, prefix: str):
    from datasketch import MinHash, MinHashLSH

    with stages.stage(f"{prefix} shingles+signatures"):
        sigs = []
        for view in views:
            m = MinHash(num_perm=NUM_PERM)
            m.update_batch([s.encode("utf-8") for s in shingle_strings(view)])
            sigs.append(m)
    with stages.stage(f"{prefix} LSH+confirm+clusters"):
        lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        edges, clusters = confirm_and_cluster(lsh, sigs, threshold)
    return edges, clusters, lsh.b, lsh.r


def confirm_and_cluster(lsh, sigs: list, threshold: float) -> tuple[list[tuple[int, int]], list[list[int]]]:
    """The reference libraries' own LSH query, each candidate confirmed with their own ``jaccard``, then
    union-find: the same steps cleaner takes."""
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


def run_rensa(views: list[str], threshold: float, stages: Stages):
    from rensa import RMinHash, RMinHashLSH

    with stages.stage("rensa shingles+signatures"):
        sigs = []
        for view in views:
            m = RMinHash(num_perm=NUM_PERM, seed=42)
            m.update(list(shingle_strings(view)))
            sigs.append(m)
    with stages.stage("rensa LSH+confirm+clusters"):
        lsh = RMinHashLSH(threshold=threshold, num_perm=NUM_PERM, num_bands=RENSA_BANDS)
        edges, clusters = confirm_and_cluster(lsh, sigs, threshold)
    return edges, clusters


def pairs_of(clusters) -> set[tuple[int, int]]:
    return {(a, b) for c in clusters for a, b in itertools.combinations(sorted(c), 2)}


def true_jaccard(views: list[str], groups: list[list[int]]) -> dict[tuple[int, int], float]:
    """Exact 5-gram Jaccard of every pair inside each group; one group's shingle sets in memory at a time."""
    out = {}
    for g in groups:
        sets = {i: shingle_strings(views[i]) for i in g}
        for a, b in itertools.combinations(sorted(g), 2):
            sa, sb = sets[a], sets[b]
            union = len(sa | sb)
            out[(a, b)] = len(sa & sb) / union if union else 0.0
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--datasketch-sample", type=int, default=0,
                        help="run datasketch on the first N texts only and extrapolate its rate (stated in the output)")
    parser.add_argument("--skip-quality", action="store_true", help="timings only")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the cleaner stages (median reported)")
    args = parser.parse_args()
    n, t = args.n, args.threshold
    config = Config(threshold=t, num_perm=NUM_PERM, cjk_shingle_size=SHINGLE)
    stages = Stages()

    with stages.stage("generate corpus"):
        corpus = corpus_module.generate(n, seed=args.seed)
    texts = corpus.texts
    lengths = np.array([len(x) for x in texts])
    print(f"{n} texts, {lengths.mean():.0f} characters on average; threshold {t}, {NUM_PERM} permutations, "
          f"character {SHINGLE}-grams; {os.cpu_count()} cores; numba threads {os.environ.get('NUMBA_NUM_THREADS', 'all')}")

    warm = Views.from_strings([comparison_view(x) for x in texts[:64]], np.zeros(64, dtype=bool))
    with stages.stage("cleaner compile or cache load"):
        find_duplicates(signatures_of_views(warm, config), lengths[:64], config)
        warm.exact_jaccard(np.array([[0, 1]]), config)

    with stages.stage("normalise (comparison_view)"):
        views = [comparison_view(x) for x in texts]
    for _ in range(args.repeat):  # cheap, so repeated: the median is what is reported
        with stages.stage("cleaner flatten+signatures (batches)"):
            sigs = Signatures.concat([
                signatures_of_views(Views.from_strings(views[i:i + BATCH_TEXTS], np.zeros(len(views[i:i + BATCH_TEXTS]), dtype=bool)), config)
                for i in range(0, n, BATCH_TEXTS)])
        with stages.stage("cleaner LSH+confirm+clusters"):
            ours = find_duplicates(sigs, lengths, config)
        with stages.stage("cleaner flatten+signatures (one array)"):
            flat = Views.from_strings(views, np.zeros(n, dtype=bool))
            sigs = signatures_of_views(flat, config)
        with stages.stage("cleaner LSH+exact check+clusters"):
            ours_exact = find_duplicates(sigs, lengths, config,
                                         exact_jaccard=lambda pairs: flat.exact_jaccard(pairs, config))
        del flat, sigs
    with stages.stage("cleaner.dedup end to end (normalise included)"):
        dedup(texts, t, config=config)

    sample = args.datasketch_sample if 0 < args.datasketch_sample < n else n
    ds_edges, ds_clusters, ds_b, ds_r = run_datasketch(views[:sample], t, stages, "datasketch")
    rensa_edges, rensa_clusters = run_rensa(views, t, stages)

    s = stages.seconds
    ours_time = s["cleaner flatten+signatures (batches)"] + s["cleaner LSH+confirm+clusters"]
    ours_exact_time = s["cleaner flatten+signatures (one array)"] + s["cleaner LSH+exact check+clusters"]
    ds_time = (s["datasketch shingles+signatures"] + s["datasketch LSH+confirm+clusters"]) * n / sample
    rensa_time = s["rensa shingles+signatures"] + s["rensa LSH+confirm+clusters"]

    print(f"\n{'stage':48s} {'seconds':>9s} {'texts/s':>10s} {'peak MB':>8s} runs")
    for name, sec in s.items():
        count = sample if name.startswith("datasketch") else (64 if "compile" in name else n)
        print(f"{name:48s} {sec:9.2f} {count / sec:10.0f} {stages.peak_mb[name]:8.0f} {len(stages.runs[name]):4d}")
    if sample < n:
        print(f"NOTE: datasketch ran on the first {sample} texts only; its rate is extrapolated linearly to {n}.")
    print(f"\nend to end on the same normalised views (signatures + LSH + clusters), texts/s:")
    print(f"  cleaner (estimate)     {n / ours_time:10.0f}")
    print(f"  cleaner (exact check)  {n / ours_exact_time:10.0f}")
    print(f"  datasketch             {n / ds_time:10.0f}" + ("  (extrapolated)" if sample < n else ""))
    print(f"  rensa per-document     {n / rensa_time:10.0f}")
    print(f"  cleaner / datasketch   {ds_time / ours_time:10.1f}x   (exact check: {ds_time / ours_exact_time:.1f}x)")
    print(f"  cleaner / rensa        {rensa_time / ours_time:10.1f}x   (exact check: {rensa_time / ours_exact_time:.1f}x)")
    norm = s["normalise (comparison_view)"]
    print(f"  normalisation alone    {n / norm:10.0f} texts/s ({norm / (ours_time + norm):.0%} of cleaner's total)")
    print(f"with the shared normalisation added to each: cleaner {n / (ours_time + norm):.0f} texts/s, "
          f"{(ds_time + norm) / (ours_time + norm):.1f}x datasketch, {(rensa_time + norm) / (ours_time + norm):.1f}x rensa")

    if args.skip_quality:
        return
    # Every pair that could be a true duplicate: inside a planted group, or reported by any engine.
    uf = UnionFind(n)
    for i, g in enumerate(corpus.group.tolist()):
        uf.union(i, g)
    engines = {
        "cleaner (estimate)": (ours.edges.tolist(), ours.clusters, n, ours.duplicate_of),
        "cleaner (exact check)": (ours_exact.edges.tolist(), ours_exact.clusters, n, ours_exact.duplicate_of),
        f"datasketch ({ds_b}x{ds_r} bands)": (ds_edges, ds_clusters, sample, None),
        f"rensa ({RENSA_BANDS} bands)": (rensa_edges, rensa_clusters, n, None),
    }
    for edges, clusters, _, _ in engines.values():
        for c in clusters:
            for j in c[1:]:
                uf.union(c[0], j)
    with stages.stage("ground truth (exact Jaccard)"):
        truth = true_jaccard(views, uf.clusters())
    print(f"\nquality against exact {SHINGLE}-gram Jaccard ({len(truth)} pairs checked in "
          f"{stages.seconds['ground truth (exact Jaccard)']:.0f} s):")
    print(f"  {'engine':28s} {'recall':>7s} {'edge prec':>9s} {'pair prec':>9s} {'reported-pair prec':>18s} "
          f"{'true pairs':>10s} {'edges':>7s}")
    for name, (edges, clusters, limit, duplicate_of) in engines.items():
        true_pairs = {p for p, j in truth.items() if j >= t and p[1] < limit}
        found = pairs_of(clusters)
        recall = len(true_pairs & found) / max(1, len(true_pairs))
        edge_sims = [truth[(min(a, b), max(a, b))] for a, b in edges]
        edge_precision = sum(j >= t for j in edge_sims) / max(1, len(edge_sims))
        pair_precision = len(found & true_pairs) / max(1, len(found))
        reported = "-"
        if duplicate_of is not None:
            reported_sims = [truth[(min(i, d), max(i, d))] for i, d in enumerate(duplicate_of) if d is not None]
            reported = f"{sum(j >= t for j in reported_sims) / max(1, len(reported_sims)):.4f}"
        print(f"  {name:28s} {recall:7.4f} {edge_precision:9.4f} {pair_precision:9.4f} {reported:>18s} "
              f"{len(true_pairs):10d} {len(edges):7d}")


if __name__ == "__main__":
    main()
