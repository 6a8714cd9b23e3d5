"""Banded locality-sensitive hashing over MinHash signatures, and confirmation of its candidate pairs.

Signatures are cut into ``bands`` bands of ``rows`` rows; two texts are candidates when all rows of some
band agree. For a pair with Jaccard similarity s, one band agrees with probability s^rows, so

    P(candidate | s) = 1 - (1 - s^rows)^bands                          (the "S-curve")

:func:`choose_bands` takes the most rows (fewest chance candidates below the threshold) for which the
S-curve at the threshold still reaches :data:`CANDIDATE_RECALL`: with 128 permutations and threshold 0.8
that is 21 bands of 6 rows, P = 0.998 at s = 0.8, 0.28 at s = 0.5 and 0.015 at s = 0.3. (datasketch's
choice for 0.8, 9 bands of 13 rows, gives only P = 0.40 at s = 0.8.)

Candidates are then confirmed with the signature estimate (the share of the ``num_perm`` positions that
agree) before they are linked, so the chance candidates never reach the output.
"""
from __future__ import annotations

import math

import numpy as np

from ..config import Config
from .compiled import kernel
from .shingles import STEP, mix64
from .signatures import Signatures

CANDIDATE_RECALL = 0.995
# Within a bucket, each text is compared with at most this many texts before it (in the bucket's order,
# which is content-determined). Smaller buckets are compared all against all; a bucket of thousands of
# near-identical texts costs O(size * WINDOW) instead of O(size^2) and still comes out connected.
WINDOW = 32


def candidate_probability(similarity: float, bands: int, rows: int) -> float:
    """The S-curve: probability that a pair of this Jaccard similarity shares at least one band."""
    return 1.0 - (1.0 - similarity**rows) ** bands


def choose_bands(threshold: float, num_perm: int, recall: float = CANDIDATE_RECALL) -> tuple[int, int]:
    """(bands, rows) with the most rows per band whose S-curve at ``threshold`` is at least ``recall``
    (one row per band, the most sensitive choice, when none reaches it)."""
    for rows in range(num_perm, 0, -1):
        bands = num_perm // rows
        if candidate_probability(threshold, bands, rows) >= recall:
            return bands, rows
    return num_perm, 1


def estimate_sd(similarity: float, num_perm: int) -> float:
    """Standard deviation of the signature estimate of a pair with this Jaccard similarity."""
    return math.sqrt(similarity * (1.0 - similarity) / num_perm)


@kernel()
def _band_key(minhash, rows_of, first_column, rows):
    """Hash of columns ``first_column : first_column + rows`` of the signature rows ``rows_of``."""
    keys = np.empty(rows_of.size, dtype=np.uint64)
    for i in range(rows_of.size):
        h = np.uint64(first_column + 1)
        for c in range(first_column, first_column + rows):
            h = mix64(h * STEP + np.uint64(minhash[rows_of[i], c]))
        keys[i] = h
    return keys


def band_keys(sigs: Signatures, config: Config) -> np.ndarray:
    """(n, bands) ``uint64``: texts that share a value in some column are LSH candidates.

    For grouping outside this process (Ray). Rows where ``sigs.has_signature`` is False carry no
    information and must be left out of the grouping, or all short texts would collide.
    """
    bands, rows = choose_bands(config.threshold, sigs.num_perm)
    everyone = np.arange(len(sigs), dtype=np.int64)
    out = np.empty((len(sigs), bands), dtype=np.uint64)
    for band in range(bands):
        out[:, band] = _band_key(sigs.minhash, everyone, band * rows, rows)
    return out


@kernel(inline="always")
def find(parent, x):
    """Root of ``x`` in the union-find forest, halving the path on the way."""
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


@kernel(inline="always")
def estimate(minhash, a, b):
    """Share of signature positions where rows ``a`` and ``b`` agree: the MinHash Jaccard estimate."""
    same = 0
    for p in range(minhash.shape[1]):
        if minhash[a, p] == minhash[b, p]:
            same += 1
    return same / minhash.shape[1]


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


def spanning_forest(a: np.ndarray, b: np.ndarray, similarity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The maximum spanning forest of the pairs ``(a[k], b[k])`` weighted by ``similarity``, ties broken by
    the smaller then the larger end: edges (m, 2), each (smaller, larger), and their similarities.

    It is unique, so it depends only on the set of pairs, not on their order; and the forest of a union
    of pair sets is the forest of the union of their forests, so it can be built in parts (per band, per
    partition) and combined.
    """
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    similarity = np.asarray(similarity, dtype=np.float64)
    low, high = np.minimum(a, b), np.maximum(a, b)
    sort = np.lexsort((high, low, -similarity))
    low, high, similarity = low[sort], high[sort], similarity[sort]
    nodes, index = np.unique(np.concatenate([low, high]), return_inverse=True)
    parent = np.arange(nodes.size, dtype=np.int64)
    joined = link_pairs(parent, index[:low.size], index[low.size:])
    return np.stack([low[joined], high[joined]], axis=1), similarity[joined]


@kernel()
def _link_band(minhash, universe, keys, order, window, accept, low, parent):
    """Confirm the candidate pairs of one band and link the accepted ones in ``parent`` (doc indices).

    Every pair in the window is estimated, also when its texts are already in one component, so that the
    accepted pairs do not depend on the order of linking (:func:`spanning_forest` keeps the strongest).
    Returns the accepted pairs (m, 2) with their estimates, and the pairs whose estimate lies in
    ``[low, accept)`` (k, 2) and whose texts are not yet in one component, left for an exact check.
    """
    accepted = []
    accepted_similarity = []
    border = []
    n = order.size
    start = 0
    while start < n:
        end = start + 1
        while end < n and keys[order[end]] == keys[order[start]]:
            end += 1
        for k in range(start + 1, end):
            b = universe[order[k]]
            for m in range(max(start, k - window), k):
                a = universe[order[m]]
                root_a, root_b = find(parent, a), find(parent, b)
                similarity = estimate(minhash, a, b)
                if similarity >= accept:
                    if root_a != root_b:
                        parent[max(root_a, root_b)] = min(root_a, root_b)
                    accepted.append(a)
                    accepted.append(b)
                    accepted_similarity.append(similarity)
                elif similarity >= low and root_a != root_b:
                    border.append(a)
                    border.append(b)
        start = end
    return (np.array(accepted, dtype=np.int64).reshape(-1, 2), np.array(accepted_similarity, dtype=np.float64),
            np.array(border, dtype=np.int64).reshape(-1, 2))


def link_candidates(sigs: Signatures, universe: np.ndarray, parent: np.ndarray, threshold: float,
                    accept: float, low: float, keys: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run every band over the texts ``universe`` (doc indices), linking confirmed pairs in ``parent``.
    ``keys``: the texts' :func:`band_keys` where they are stored (a persisted index), else computed here.

    Pairs whose estimate is at least ``accept`` are linked; pairs in ``[low, accept)`` come back for an
    exact check. Returns the :func:`spanning_forest` of the accepted pairs (m, 2) with their estimates
    (built band by band, so at most one band's pairs are held beyond it), and the borderline pairs
    (k, 2), each once, (smaller, larger).
    """
    bands, rows = choose_bands(threshold, sigs.num_perm)
    forest, forest_similarity = np.empty((0, 2), dtype=np.int64), np.empty(0, dtype=np.float64)
    border = []
    for band in range(bands):
        band_key = (_band_key(sigs.minhash, universe, band * rows, rows) if keys is None
                    else np.asarray(keys[:, band])[universe])
        order = np.argsort(band_key, kind="stable")
        pairs, similarity, band_border = _link_band(sigs.minhash, universe, band_key, order, WINDOW, accept, low,
                                                    parent)
        if len(pairs):
            forest, forest_similarity = spanning_forest(np.concatenate([forest[:, 0], pairs[:, 0]]),
                                                        np.concatenate([forest[:, 1], pairs[:, 1]]),
                                                        np.concatenate([forest_similarity, similarity]))
        border.append(band_border)
    border_pairs = np.unique(np.sort(np.concatenate(border), axis=1), axis=0)
    return forest, forest_similarity, border_pairs
