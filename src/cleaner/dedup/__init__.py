"""Near-duplicate detection: exact hashes first, then MinHash signatures, banded LSH and clusters.

``dedup`` does it all for texts in memory. The CLI engine splits it: :func:`signatures_for` per batch in
worker processes, :meth:`Signatures.concat`, then :func:`find_duplicates` once; :func:`band_keys` gives
the LSH buckets to a distributed group-by instead.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy as np

from ..config import Config
from ..document import Document
from .clusters import DedupResult, assemble, roots
from .lsh import band_keys, choose_bands, estimate_sd, link_candidates, link_pairs, spanning_forest
from .shingles import Views
from .signatures import BATCH_CHARACTERS, Signatures, signatures_for, signatures_of_views

__all__ = ["DedupResult", "Signatures", "Views", "band_keys", "choose_bands", "confirmation_bounds", "dedup",
           "exact_jaccard_of_texts", "find_duplicates", "signatures_for", "signatures_of_views"]

# With ``exact_jaccard``, estimates within this many standard deviations of the threshold are checked
# exactly; beyond it the estimate decides (a 4-sd miss has probability about 3e-5).
EXACT_CHECK_SD = 4.0


def confirmation_bounds(config: Config) -> tuple[float, float]:
    """(accept, low): candidates whose estimate reaches ``accept`` are linked, those in ``[low, accept)``
    are border pairs left to the exact check; both are the threshold without ``config.exact_jaccard``."""
    if not config.exact_jaccard:
        return config.threshold, config.threshold
    margin = EXACT_CHECK_SD * estimate_sd(config.threshold, config.num_perm)
    return min(config.threshold + margin, 1.0), config.threshold - margin


def pair_groups(pairs: np.ndarray, lengths: np.ndarray, budget: int = BATCH_CHARACTERS) -> Iterator[np.ndarray]:
    """Positions into ``pairs`` (k, 2) in consecutive groups whose distinct texts (``lengths`` of each
    index) hold at most ``budget`` characters, or one pair where that alone is more. The exact check
    normalises a group's texts at a time, so the memory it holds does not grow with the pairs."""
    start, rows, characters = 0, set(), 0
    for k, pair in enumerate(pairs.tolist()):
        if k > start and characters + sum(int(lengths[r]) for r in set(pair) - rows) > budget:
            yield np.arange(start, k)
            start, rows, characters = k, set(), 0
        characters += sum(int(lengths[r]) for r in set(pair) - rows)
        rows.update(pair)
    if len(pairs) > start:
        yield np.arange(start, len(pairs))


def exact_jaccard_in_groups(pairs: np.ndarray, lengths: np.ndarray, views_of: Callable[[np.ndarray], Views],
                            config: Config) -> np.ndarray:
    """Exact Jaccard of ``pairs`` (k, 2), a :func:`pair_groups` group at a time; ``views_of(rows)``
    gives the views of the (ascending, distinct) indices ``rows``."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    out = np.empty(len(pairs), dtype=np.float64)
    for group in pair_groups(pairs, lengths):
        needed = np.unique(pairs[group])
        out[group] = views_of(needed).exact_jaccard(np.searchsorted(needed, pairs[group]), config)
    return out


def exact_jaccard_of_texts(texts: Sequence[str], pairs: np.ndarray, config: Config) -> np.ndarray:
    """Exact Jaccard of the pairs (k, 2) of indices into ``texts``, as :func:`dedup` computes it. A text's
    view and shingling do not depend on the other texts, so any subset holding the pairs' texts will do."""
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    return exact_jaccard_in_groups(pairs, lengths, lambda rows: Views.from_texts([texts[i] for i in rows.tolist()],
                                                                                 config), config)


def dedup(docs: Iterable[Document | str], threshold: float = 0.8, *, config: Config | None = None,
          exact_jaccard: bool | None = None) -> DedupResult:
    """Flag near-duplicates among ``docs`` (see :class:`DedupResult`); each cluster keeps its longest
    clean text, the earliest among equally long ones, and every other member points at a text it was
    confirmed to duplicate (its neighbour towards that representative), with their similarity.

    ``threshold`` is the Jaccard similarity of shingle sets above which two texts are duplicates; it
    overrides ``config.threshold``. With ``exact_jaccard`` the pairs whose signature estimate lies near
    the threshold are decided by their exact Jaccard similarity, which removes nearly all estimate errors
    for the price of normalising and shingling those texts again (only signatures are kept for the whole
    batch). None means ``config.exact_jaccard`` (on by default).
    """
    config = (config or Config()).replace(threshold=threshold, exact_jaccard=exact_jaccard)
    texts = [d.text if isinstance(d, Document) else d for d in docs]
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))

    def check(pairs: np.ndarray) -> np.ndarray:  # views again for just the border pairs' texts
        return exact_jaccard_of_texts(texts, pairs, config)

    return find_duplicates(signatures_for(texts, config), lengths, config,
                           exact_jaccard=check if config.exact_jaccard else None)


def find_duplicates(sigs: Signatures, lengths: np.ndarray, config: Config, *,
                    exact_jaccard: Callable[[np.ndarray], np.ndarray] | None = None,
                    keys: np.ndarray | None = None) -> DedupResult:
    """Clusters of near-duplicates from precomputed signatures.

    1. Texts with the same normalised view (same ``sigs.exact``, not 0) are linked directly.
    2. One text per distinct view enters the LSH (see :mod:`cleaner.dedup.lsh`), in order of its view
       hash, so the candidate pairs do not depend on input order. Texts without a signature stay out.
    3. Candidates whose signature estimate reaches ``config.threshold`` are linked. Given
       ``exact_jaccard`` (pairs (k, 2) of text indices -> their exact Jaccard), only estimates beyond
       :data:`EXACT_CHECK_SD` standard deviations above it are taken as they are; those within that
       distance of the threshold are decided by the exact value.
    4. The edges kept are the maximum spanning forest of all those confirmed pairs
       (:func:`cleaner.dedup.lsh.spanning_forest`): unique, so it does not depend on the order in
       which pairs were found, and the Ray engine, which finds them in another order, keeps the same.
    5. Components, representatives and the per-text fields: :func:`cleaner.dedup.clusters.assemble`;
       each member's ``duplicate_of`` is its neighbour towards the representative in that forest, so
       every reported pair is a confirmed one.

    ``lengths`` (clean text lengths) choose the representative: the longest text, then the earliest.
    ``keys`` (n, bands): the texts' :func:`band_keys` where they are kept (:class:`cleaner.DedupIndex`);
    the same candidates as without them, whose keys are then computed from ``sigs``.

    Memory beyond the signatures: about 70 bytes a text (union-find parents, the view-hash order and
    heads, one band's keys and sort order at a time), the spanning forest (24 bytes an edge) and one
    band's confirmed pairs (at most :data:`~cleaner.dedup.lsh.WINDOW` a text) plus the result. The signatures may be memory-mapped
    (:meth:`Signatures.concat` with ``path``): they are read a band at a time and per candidate pair.
    """
    n = len(sigs)
    threshold = config.threshold
    lengths = np.asarray(lengths)
    if lengths.shape != (n,):
        raise ValueError(f"lengths has shape {lengths.shape}, expected ({n},)")
    parent = np.arange(n, dtype=np.int64)

    order = np.argsort(sigs.exact, kind="stable")
    sorted_exact = sigs.exact[order]
    starts_view = np.ones(n, dtype=bool)
    starts_view[1:] = sorted_exact[1:] != sorted_exact[:-1]
    head = order[starts_view][np.cumsum(starts_view) - 1]
    matchable = sorted_exact != 0
    parent[order[matchable]] = head[matchable]
    copies = matchable & ~starts_view
    exact_edges = np.stack([head[copies], order[copies]], axis=1)

    universe = order[starts_view & matchable & sigs.has_signature[order]]
    accept, low = confirmation_bounds(config.replace(num_perm=sigs.num_perm,
                                                     exact_jaccard=exact_jaccard is not None))
    lsh_edges, lsh_similarity, border = link_candidates(
        sigs, universe, parent, threshold, accept, low, keys)

    edges = [exact_edges, lsh_edges]
    similarity = [np.ones(len(exact_edges)), lsh_similarity]
    if exact_jaccard is not None and len(border):
        root = roots(parent)
        border = border[root[border[:, 0]] != root[border[:, 1]]]
        border_jaccard = np.asarray(exact_jaccard(border), dtype=np.float64)
        confirmed = border_jaccard >= threshold
        link_pairs(parent, border[confirmed, 0], border[confirmed, 1])
        edges.append(border[confirmed])
        similarity.append(border_jaccard[confirmed])
    pairs = np.concatenate(edges)
    forest, forest_similarity = spanning_forest(pairs[:, 0], pairs[:, 1], np.concatenate(similarity))
    return assemble(parent, lengths, forest, forest_similarity)
