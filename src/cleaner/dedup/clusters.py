"""From linked pairs to the result: connected components, one representative each, per-text fields."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numba import prange

from .compiled import kernel


@dataclass
class DedupResult:
    """Outcome of near-duplicate detection over n texts.

    ``edges`` (m, 2) and ``edge_similarity`` (m,): the confirmed pairs that hold the clusters together,
    the maximum spanning forest of every confirmed pair (:func:`cleaner.dedup.lsh.spanning_forest`;
    similarity 1.0 for exact duplicates, else the exact Jaccard where one was computed, else the
    signature estimate). ``clusters``: the groups of two or more (the components of ``edges``), each
    sorted, ordered by first member. ``representative[i]``: the text that ``i``'s cluster keeps (its
    longest, then earliest), or None when ``i`` is in no cluster.

    ``duplicate_of[i]``: the text that ``i`` was found to duplicate, its neighbour one step closer to the
    representative along ``edges``, so ``(i, duplicate_of[i])`` is always a confirmed pair; None when
    ``i`` is kept (a representative, or in no cluster). ``similarity[i]``: the similarity of that pair,
    as in ``edge_similarity``, or None. A member reached through a chain (A~B, B~C) is not compared with
    the representative: it may be less similar to it than the threshold.
    """

    duplicate_of: list[int | None]
    similarity: list[float | None]
    clusters: list[list[int]]
    edges: np.ndarray = field(default_factory=lambda: np.empty((0, 2), dtype=np.int64), repr=False)
    edge_similarity: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)
    representative: list[int | None] = field(default_factory=list, repr=False)


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


@kernel()
def _bfs(starts, neighbours, weights, sources, parent, parent_weight):
    queue = np.empty(parent.size, dtype=np.int64)
    for s in sources:
        if parent[s] != -2:
            continue
        parent[s] = -1
        head, tail = 0, 1
        queue[0] = s
        while head < tail:
            x = queue[head]
            head += 1
            for k in range(starts[x], starts[x + 1]):
                y = neighbours[k]
                if parent[y] == -2:
                    parent[y] = x
                    parent_weight[y] = weights[k]
                    queue[tail] = y
                    tail += 1


def tree_parents(n: int, edges: np.ndarray, similarity: np.ndarray,
                 sources: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Breadth-first search over ``edges`` (node indices below ``n``) from each of ``sources`` in turn,
    neighbours in ascending order: each reached node's parent (the neighbour one step closer to its
    source) and the similarity of that edge. Parent -1 for a source, -2 for a node not reached."""
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    tail = np.concatenate([edges[:, 0], edges[:, 1]])
    head = np.concatenate([edges[:, 1], edges[:, 0]])
    weight = np.concatenate([similarity, similarity]).astype(np.float64)
    sort = np.lexsort((head, tail))
    starts = np.zeros(n + 1, dtype=np.int64)
    starts[1:] = np.cumsum(np.bincount(tail, minlength=n))
    parent = np.full(n, -2, dtype=np.int64)
    parent_weight = np.full(n, np.nan)
    _bfs(starts, head[sort], weight[sort], np.asarray(sources, dtype=np.int64), parent, parent_weight)
    return parent, parent_weight


def assemble(parent: np.ndarray, lengths: np.ndarray, edges: np.ndarray, edge_similarity: np.ndarray) -> DedupResult:
    """Clusters are the components of ``parent``; each keeps its longest text, the earliest among equals.

    Length is that of the clean text, so a repost that lost a paragraph or its chrome points at the
    fuller copy; the index only breaks ties. Every other member points at its parent in the
    breadth-first tree of ``edges`` (the spanning forest of the confirmed pairs) rooted at the
    representative.
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
    in_cluster = np.zeros(n, dtype=bool)
    in_cluster[members] = True
    in_cluster[representative[members]] = True
    tree_parent, tree_similarity = tree_parents(n, edges, edge_similarity, np.unique(representative[members]))
    if (tree_parent[members] < 0).any():
        raise RuntimeError("the edges do not span the clusters")

    duplicate_of: list[int | None] = [None] * n
    similarity: list[float | None] = [None] * n
    representative_list: list[int | None] = [None] * n
    for m, p, s in zip(members.tolist(), tree_parent[members].tolist(), tree_similarity[members].tolist()):
        duplicate_of[m] = p
        similarity[m] = s
    clustered = np.flatnonzero(in_cluster)  # ascending, so members come out sorted
    for m, r in zip(clustered.tolist(), representative[clustered].tolist()):
        representative_list[m] = r

    by_root = clustered[np.argsort(root[clustered], kind="stable")]
    boundaries = np.flatnonzero(np.diff(root[by_root])) + 1
    clusters = sorted((part.tolist() for part in np.split(by_root, boundaries) if part.size), key=lambda c: c[0])
    return DedupResult(duplicate_of, similarity, clusters, edges, edge_similarity, representative_list)
