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
def _link_band(minhash, universe, keys, order, window, accept, low, parent):
    """Confirm the candidate pairs of one band and link the accepted ones in ``parent`` (doc indices).

    Pairs already in one component are skipped; the components do not depend on which of their edges
    were looked at. Returns the accepted pairs (m, 2) with their estimates, and the pairs whose estimate
    lies in ``[low, accept)`` (k, 2), left for an exact check.
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
                if root_a == root_b:
                    continue
                similarity = estimate(minhash, a, b)
                if similarity >= accept:
                    parent[max(root_a, root_b)] = min(root_a, root_b)
                    accepted.append(a)
                    accepted.append(b)
                    accepted_similarity.append(similarity)
                elif similarity >= low:
                    border.append(a)
                    border.append(b)
        start = end
    return (np.array(accepted, dtype=np.int64).reshape(-1, 2), np.array(accepted_similarity, dtype=np.float64),
            np.array(border, dtype=np.int64).reshape(-1, 2))


def link_candidates(sigs: Signatures, universe: np.ndarray, parent: np.ndarray, threshold: float,
                    accept: float, low: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run every band over the texts ``universe`` (doc indices), linking confirmed pairs in ``parent``.

    Pairs whose estimate is at least ``accept`` are linked; pairs in ``[low, accept)`` come back for an
    exact check. Returns the accepted pairs (m, 2), their estimates, and the borderline pairs (k, 2),
    each once, (smaller, larger).
    """
    bands, rows = choose_bands(threshold, sigs.num_perm)
    accepted, accepted_similarity, border = [], [], []
    for band in range(bands):
        keys = _band_key(sigs.minhash, universe, band * rows, rows)
        order = np.argsort(keys, kind="stable")
        pairs, similarity, band_border = _link_band(sigs.minhash, universe, keys, order, WINDOW, accept, low,
                                                    parent)
        accepted.append(pairs)
        accepted_similarity.append(similarity)
        border.append(band_border)
    border_pairs = np.unique(np.sort(np.concatenate(border), axis=1), axis=0)
    return np.concatenate(accepted), np.concatenate(accepted_similarity), border_pairs
