"""From linked pairs to the result: connected components, one representative each, per-text fields."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numba import prange

from .compiled import kernel
from .lsh import estimate, find


@dataclass
class DedupResult:
    """Outcome of near-duplicate detection over n texts.

    ``duplicate_of[i]``: the representative of ``i``'s cluster, or None when ``i`` is kept (it is a
    representative or has no duplicate). ``similarity[i]``: estimated Jaccard similarity of ``i`` to that
    representative (1.0 for identical normalised views), or None. Members are linked through confirmed
    pairs, so a member reached through a chain may be less similar to the representative than the
    threshold. ``clusters``: the groups of two or more, each sorted, ordered by first member.
    ``edges`` (m, 2) and ``edge_similarity`` (m,): the confirmed pairs that built the clusters (a
    spanning forest; similarity 1.0 for exact duplicates, else the estimate, or the exact Jaccard where
    one was computed).
    """

    duplicate_of: list[int | None]
    similarity: list[float | None]
    clusters: list[list[int]]
    edges: np.ndarray = field(default_factory=lambda: np.empty((0, 2), dtype=np.int64), repr=False)
    edge_similarity: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)


@kernel(parallel=True)
def roots(parent):
    """Root of every element (without changing ``parent``; the forest is shallow after halving)."""
    out = np.empty(parent.size, dtype=np.int64)
    for i in prange(parent.size):
        x = np.int64(i)  # prange's index is unsigned; mixing it with int64 would make x a float
        while parent[x] != x:
            x = parent[x]
        out[i] = x
    return out


@kernel(parallel=True)
def pair_estimates(minhash, a, b):
    """Signature estimate for each pair ``(a[k], b[k])``."""
    out = np.empty(a.size, dtype=np.float64)
    for k in prange(a.size):
        out[k] = estimate(minhash, a[k], b[k])
    return out


@kernel()
def link_pairs(parent, a, b):
    """Union each pair ``(a[k], b[k])``; returns which pairs joined two components."""
    joined = np.zeros(a.size, dtype=np.bool_)
    for k in range(a.size):
        root_a, root_b = find(parent, a[k]), find(parent, b[k])
        if root_a != root_b:
            parent[max(root_a, root_b)] = min(root_a, root_b)
            joined[k] = True
    return joined


def assemble(parent: np.ndarray, minhash: np.ndarray, exact: np.ndarray, lengths: np.ndarray,
             edges: np.ndarray, edge_similarity: np.ndarray) -> DedupResult:
    """Clusters are the components of ``parent``; each keeps its longest text, the earliest among equals.

    Length is that of the clean text, so a repost that lost a paragraph or its chrome points at the
    fuller copy; the index only breaks ties.
    """
    n = parent.size
    root = roots(parent)
    index = np.arange(n, dtype=np.int64)
    order = np.lexsort((index, -np.asarray(lengths, dtype=np.int64), root))
    first = np.ones(n, dtype=bool)
    first[1:] = root[order[1:]] != root[order[:-1]]
    group = np.cumsum(first) - 1
    representative_of_group = order[first]
    representative = np.empty(n, dtype=np.int64)
    representative[order] = representative_of_group[group]

    members = np.flatnonzero(representative != index)
    reps = representative[members]
    similarity_values = np.ones(members.size)
    differ = exact[members] != exact[reps]
    similarity_values[differ] = pair_estimates(minhash, members[differ], reps[differ])

    duplicate_of: list[int | None] = [None] * n
    similarity: list[float | None] = [None] * n
    for m, r, s in zip(members.tolist(), reps.tolist(), similarity_values.tolist()):
        duplicate_of[m] = r
        similarity[m] = s

    in_cluster = np.zeros(n, dtype=bool)
    in_cluster[members] = True
    in_cluster[reps] = True
    clustered = np.flatnonzero(in_cluster)  # ascending, so members come out sorted
    by_root = clustered[np.argsort(root[clustered], kind="stable")]
    boundaries = np.flatnonzero(np.diff(root[by_root])) + 1
    clusters = sorted((part.tolist() for part in np.split(by_root, boundaries) if part.size), key=lambda c: c[0])
    return DedupResult(duplicate_of, similarity, clusters, edges, edge_similarity)
