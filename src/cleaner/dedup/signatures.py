"""MinHash signatures for a whole batch at once, in one numba kernel over flat arrays.

For a shingle set S and a hash function h drawn at random, P[min h(S) == min h(T)] = |S ∩ T| / |S ∪ T|,
the Jaccard similarity J(S, T). A signature keeps the minimum under ``num_perm`` such functions, so the
share of positions where two signatures agree is an unbiased estimate of J with standard deviation
sqrt(J (1 - J) / num_perm) (0.035 at J = 0.8 with 128 permutations).

The functions act on the top 32 bits x of a shingle's 64-bit hash (:func:`shingles.mix64` output, so
already uniformly mixed): ``h_p(x) = (a_p * x + b_p) mod 2^32`` with ``a_p`` odd and ``a_p, b_p`` drawn
once from a fixed seed, so signatures from different processes or runs are comparable. Each ``h_p`` is a
bijection of 32-bit values, and which value is smallest is decided by the top bits, which are
Dietzfelbinger's multiply-shift hash of x (universal: two inputs collide with probability about 2^-l in
the top l bits). Working in 32-bit lanes lets one AVX-512 instruction hash 16 shingles (AVX2: 8), three times the
speed of 64-bit arithmetic; the tests check that the estimate stays unbiased against exact Jaccard.

With ``Config.one_permutation``, one hash per shingle fills all positions instead (one-permutation
hashing, Li, Owen and Zhang 2012): the top 32 bits of the shingle's hash pick its bin (multiply-shift
onto ``num_perm`` bins), and each bin keeps the least low 32 bits that fall in it. A bin that no shingle
reaches (only in texts with few shingles) copies the bin that a fixed probe sequence of its own index
reaches first among the filled ones (optimal densification, Shrivastava 2017): texts that share it fill
it alike, so agreeing positions still estimate J. Both kinds estimate J with about the same error on
texts of hundreds of shingles or more; they do not compare with each other.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numba
import numpy as np
from numba import prange

from ..config import Config
from .compiled import kernel
from .shingles import STEP, Views, mix64, shingle_hashes, shingle_sizes, tokens_of, view_hash

PERMUTATION_SEED = 0x5EED_C1EA_2E12
# Texts are normalised and hashed at most this many, and this many characters, at a time: a batch's
# flat code point arrays (about 16 bytes a character at their peak) stay near 16 MB whatever the corpus.
BATCH_TEXTS = 8192
BATCH_CHARACTERS = 1 << 20
PARALLEL_CHUNK = 8


def batches(texts: Iterable[str]) -> Iterator[list[str]]:
    """``texts`` in consecutive batches of at most :data:`BATCH_TEXTS` texts and, unless one text is
    longer, :data:`BATCH_CHARACTERS` characters."""
    batch: list[str] = []
    characters = 0
    for text in texts:
        if batch and (len(batch) == BATCH_TEXTS or characters + len(text) > BATCH_CHARACTERS):
            yield batch
            batch, characters = [], 0
        batch.append(text)
        characters += len(text)
    if batch:
        yield batch


def permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """The multipliers (odd) and addends of the ``num_perm`` hash functions, both ``uint32``."""
    if num_perm < 1:
        raise ValueError("num_perm must be at least 1")
    rng = np.random.default_rng(PERMUTATION_SEED)
    mult = rng.integers(0, 2**32, size=num_perm, dtype=np.uint32) | np.uint32(1)
    add = rng.integers(0, 2**32, size=num_perm, dtype=np.uint32)
    return mult, add


@dataclass
class Signatures:
    """Signatures of a batch: row ``i`` of every array belongs to text ``i``.

    ``minhash`` (n, num_perm) uint32; ``exact`` (n,) uint64 hash of the whole normalised view (0 for an
    empty view, which matches nothing); ``has_signature`` (n,) bool, False where the view is shorter
    than one shingle: such texts are matched exactly only, and their ``minhash`` rows are all
    ``0xFFFFFFFF`` and never used.

    For corpora whose signatures do not fit in memory, :meth:`concat` writes them to a ``.npy`` file
    (pass ``path``) and returns a ``np.memmap``-backed instance; :meth:`load` reopens one.
    """

    minhash: np.ndarray
    exact: np.ndarray
    has_signature: np.ndarray

    def __len__(self) -> int:
        return len(self.exact)

    @property
    def num_perm(self) -> int:
        return self.minhash.shape[1]

    @classmethod
    def concat(cls, parts: Sequence["Signatures"], path: str | Path | None = None) -> "Signatures":
        """Stack batches in order; with ``path`` (a directory), ``minhash`` is written there and memory-mapped."""
        if not parts:
            raise ValueError("nothing to concatenate")
        exact = np.concatenate([p.exact for p in parts])
        has_signature = np.concatenate([p.has_signature for p in parts])
        if path is None:
            return cls(np.concatenate([p.minhash for p in parts]), exact, has_signature)
        directory = Path(path)
        directory.mkdir(parents=True, exist_ok=True)
        shape = (len(exact), parts[0].num_perm)
        minhash = np.lib.format.open_memmap(directory / "minhash.npy", mode="w+", dtype=np.uint32, shape=shape)
        row = 0
        for p in parts:
            minhash[row:row + len(p)] = p.minhash
            row += len(p)
        minhash.flush()
        np.save(directory / "exact.npy", exact)
        np.save(directory / "has_signature.npy", has_signature)
        return cls.load(directory)

    def to_lean_minhash(self) -> list:
        """The signatures as datasketch ``LeanMinHash`` objects (one per text; None where a text has no
        signature), for datasketch's ``MinHashLSH`` and its storage backends (Redis, Cassandra).

        They keep these signatures' values under datasketch's ``affine32`` scheme (32-bit ``a * x + b``
        permutations of mixed hashes, as here), so they compare with each other, not with signatures
        that datasketch computes from shingles itself (other shingle hashes and permutations); ``seed``
        marks them as cleaner's (:data:`PERMUTATION_SEED`). With ``MinHashLSH(params=choose_bands(threshold, num_perm))``, the
        band split cleaner uses, datasketch finds the same candidate pairs (tests/dedup check it).
        Needs datasketch installed (``pip install datasketch``).
        """
        from datasketch import LeanMinHash

        return [LeanMinHash(seed=PERMUTATION_SEED, hashvalues=self.minhash[i], scheme="affine32")
                if self.has_signature[i] else None for i in range(len(self))]

    def save(self, path: str | Path) -> None:
        """Write the three arrays as ``.npy`` files in directory ``path``."""
        directory = Path(path)
        directory.mkdir(parents=True, exist_ok=True)
        np.save(directory / "minhash.npy", self.minhash)
        np.save(directory / "exact.npy", self.exact)
        np.save(directory / "has_signature.npy", self.has_signature)

    @classmethod
    def load(cls, path: str | Path, mmap: bool = True) -> "Signatures":
        """Open signatures written by :meth:`save` or :meth:`concat`; ``minhash`` memory-mapped unless ``mmap=False``."""
        directory = Path(path)
        minhash = np.load(directory / "minhash.npy", mmap_mode="r" if mmap else None)
        return cls(minhash, np.load(directory / "exact.npy"), np.load(directory / "has_signature.npy"))


@kernel(parallel=True)
def _minhash_batch(codepoints, offsets, word_mode, cjk_size, word_size, mult, add,
                   minhash, exact, has_signature):
    n = offsets.size - 1
    num_perm = mult.size
    for d in prange(n):
        tokens = tokens_of(codepoints, offsets[d], offsets[d + 1], word_mode[d])
        exact[d] = view_hash(tokens)
        shingles = shingle_hashes(tokens, word_size if word_mode[d] else cjk_size)
        has_signature[d] = shingles.size > 0
        top = (shingles >> np.uint64(32)).astype(np.uint32)
        # Permutations two at a time over all shingles: the minima stay in registers, the loop vectorises
        # over shingles, and two independent minima hide each other's latency (2.7 times faster than
        # all permutations per shingle). The explicit uint32 keeps numba from widening the product to
        # 64 bits, which would lose the wrap-around.
        for p in range(0, num_perm - 1, 2):
            a0, b0, a1, b1 = mult[p], add[p], mult[p + 1], add[p + 1]
            low0 = low1 = np.uint32(0xFFFFFFFF)
            for s in range(top.size):
                x = top[s]
                low0 = min(low0, np.uint32(a0 * x + b0))
                low1 = min(low1, np.uint32(a1 * x + b1))
            minhash[d, p] = low0
            minhash[d, p + 1] = low1
        if num_perm % 2:
            a0, b0 = mult[num_perm - 1], add[num_perm - 1]
            low0 = np.uint32(0xFFFFFFFF)
            for s in range(top.size):
                low0 = min(low0, np.uint32(a0 * top[s] + b0))
            minhash[d, num_perm - 1] = low0


@kernel(parallel=True)
def _one_permutation_batch(codepoints, offsets, word_mode, cjk_size, word_size, num_perm, minhash, exact,
                           has_signature):
    n = offsets.size - 1
    for d in prange(n):
        tokens = tokens_of(codepoints, offsets[d], offsets[d + 1], word_mode[d])
        exact[d] = view_hash(tokens)
        shingles = shingle_hashes(tokens, word_size if word_mode[d] else cjk_size)
        has_signature[d] = shingles.size > 0
        filled = np.zeros(num_perm, dtype=np.bool_)
        minhash[d, :] = np.uint32(0xFFFFFFFF)
        for s in range(shingles.size):
            h = shingles[s]
            position = ((h >> np.uint64(32)) * np.uint64(num_perm)) >> np.uint64(32)
            minhash[d, position] = min(minhash[d, position], np.uint32(h & np.uint64(0xFFFFFFFF)))
            filled[position] = True
        if shingles.size == 0:
            continue
        for p in range(num_perm):  # densification: probe (p, 1), (p, 2), ... until a filled bin
            attempt = np.uint64(1)
            while not filled[p]:
                probe = ((mix64(np.uint64(p) * STEP + attempt) >> np.uint64(32)) * np.uint64(num_perm)) >> np.uint64(32)
                if filled[probe]:
                    minhash[d, p] = minhash[d, probe]
                    break
                attempt += np.uint64(1)


def signatures_of_views(views: Views, config: Config) -> Signatures:
    """Signatures of already-normalised views (see :class:`cleaner.dedup.shingles.Views`)."""
    cjk_size, word_size = shingle_sizes(config)
    mult, add = permutations(config.num_perm)
    n = len(views)
    minhash = np.empty((n, config.num_perm), dtype=np.uint32)
    exact = np.empty(n, dtype=np.uint64)
    has_signature = np.empty(n, dtype=bool)
    if n:
        # Small chunks handed out as threads free up: texts differ in length and the cores may be shared.
        with numba.parallel_chunksize(PARALLEL_CHUNK):
            if config.one_permutation:
                _one_permutation_batch(views.codepoints, views.offsets, views.word_mode, cjk_size, word_size,
                                       config.num_perm, minhash, exact, has_signature)
            else:
                _minhash_batch(views.codepoints, views.offsets, views.word_mode, cjk_size, word_size, mult, add,
                               minhash, exact, has_signature)
    return Signatures(minhash, exact, has_signature)


def signatures_for(texts: Sequence[str], config: Config) -> Signatures:
    """Normalise ``texts`` and compute their signatures, a :func:`batch <batches>` at a time, into
    arrays allocated once for all of them."""
    n = len(texts)
    sigs = Signatures(np.empty((n, config.num_perm), dtype=np.uint32), np.empty(n, dtype=np.uint64),
                      np.empty(n, dtype=bool))
    start = 0
    for batch in batches(texts):
        part = signatures_of_views(Views.from_texts(batch, config), config)
        end = start + len(batch)
        sigs.minhash[start:end], sigs.exact[start:end], sigs.has_signature[start:end] = (
            part.minhash, part.exact, part.has_signature)
        start = end
    return sigs
