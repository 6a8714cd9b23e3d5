"""A persisted near-duplicate index, so that a new crawl is deduplicated against earlier ones.

``DedupIndex(path)`` keeps, per document, what :func:`cleaner.dedup.find_duplicates` needs to run again
over every crawl together: the signature, its LSH band keys, the hash of the whole view, the clean
length, the id, and the view itself (zlib-compressed UTF-8), which the exact check of pairs near the
threshold shingles again.
:meth:`DedupIndex.add` runs that joint dedup over the earlier documents and the new ones and reports the
new ones' fields, so a later crawl's flags equal those of one run over all crawls together (on its own
records), while earlier outputs stay as they were written.

On disk (``path``), append-only files and one small ``state.json``:

=================  ==========================================================================
``signatures.u32``  ``num_perm`` ``uint32`` a document (memory-mapped)
``bands.u64``       the signature's LSH band keys, ``bands`` ``uint64`` a document (memory-mapped)
``exact.u64``       hash of the whole view (``uint64``)
``flags.u8``        bit 0: has a signature; bit 1: word shingles
``lengths.i64``     clean text length, which picks a cluster's representative
``views.end.i64``   end offset of the document's compressed view in ``views.bin``
``views.bin``       the views, zlib-compressed one by one
``ids.jsonl``       the ids, one JSON string a line
``state.json``      the committed document count and file sizes, the config, the batches added
=================  ==========================================================================

A document costs 4 * ``num_perm`` + 8 * ``bands`` + 25 bytes plus its id and compressed view, about
1.2 bytes a character of Chinese text: 705 bytes + id + view at 128 permutations and threshold 0.8
(21 bands), some 3 KB for an article of 1,900 characters (``tests/dedup/test_index.py`` measures it).
Each :meth:`~DedupIndex.add` computes signatures and band keys for the new documents only; the LSH then
groups the stored keys with theirs (memory-mapped, a band at a time), estimates the pairs that share
a bucket from their signatures, and reads back only the views of the pairs near the threshold.

Crash safety: data is appended past the committed sizes, flushed to disk, and only then is
``state.json`` replaced (write, fsync, rename). A kill at any point leaves the committed state intact;
the next :meth:`~DedupIndex.add` cuts the files back to it before appending. Adding a batch whose ids
were already committed (a rerun after a kill that came after the commit) adds nothing and returns the
fields that batch got the first time.
"""
from __future__ import annotations

import hashlib
import json
import os
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config import Config
from . import exact_jaccard_in_groups, find_duplicates
from .lsh import band_keys, choose_bands
from .shingles import Views
from .signatures import Signatures, batches, signatures_of_views

_STATE = "state.json"
# (file name, dtype, values a document) of the fixed-width columns; num_perm for the signatures.
_COLUMNS = (("exact.u64", np.uint64, 1), ("flags.u8", np.uint8, 1), ("lengths.i64", np.int64, 1),
            ("views.end.i64", np.int64, 1))
_SIGNATURES = "signatures.u32"
_BANDS = "bands.u64"
_VIEWS = "views.bin"
_IDS = "ids.jsonl"
_HAS_SIGNATURE, _WORD_MODE = 1, 2
# The config fields that decide signatures and matches: an index is only reopened with the same ones.
_MATCHING = ("threshold", "num_perm", "cjk_shingle_size", "word_shingle_size", "spin_pairs", "exact_jaccard",
             "one_permutation")


@dataclass
class IndexMatches:
    """Per new document (in the order given): the id of the document it duplicates (its neighbour
    towards the representative, which may be in an earlier crawl), the similarity of that pair, and the
    id of its cluster's representative; None where it is kept / in no cluster, as in ``DedupResult``."""

    duplicate_of: list[str | None]
    similarity: list[float | None]
    cluster: list[str | None]


class DedupIndex:
    """Near-duplicate index in directory ``path`` (created when missing); see the module docstring.

    ``config`` decides threshold, permutations, shingles and spin pairs; an existing index keeps the
    ones it was made with, and opening it with others raises ``ValueError``.
    """

    def __init__(self, path: str | Path, config: Config | None = None):
        self.path = Path(path)
        self.config = config or Config()
        matching = {name: getattr(self.config, name) for name in _MATCHING}
        state_file = self.path / _STATE
        if state_file.exists():
            self.state = json.loads(state_file.read_text("utf-8"))
            if "bands" not in self.state:
                raise ValueError(f"{self.path}: index made before band keys were stored; rebuild it from its crawls")
            if self.state["config"] != matching:
                raise ValueError(f"{self.path}: index made with {self.state['config']}, not {matching}")
        else:
            self.state = {"count": 0, "views_bytes": 0, "ids_bytes": 0, "config": matching, "batches": [],
                          "bands": choose_bands(self.config.threshold, self.config.num_perm)[0]}

    def __len__(self) -> int:
        return self.state["count"]

    # --- reading -----------------------------------------------------------------------------------------

    def _column(self, name: str, dtype, width: int, count: int) -> np.ndarray:
        if count == 0:
            return np.zeros((0, width) if width > 1 else 0, dtype=dtype)
        return np.memmap(self.path / name, dtype=dtype, mode="r", shape=(count, width) if width > 1 else (count,))

    def _stored(self, count: int) -> tuple[Signatures, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(signatures, band keys, lengths, word_mode, view ends) of the first ``count`` documents,
        memory-mapped."""
        exact, flags, lengths, ends = (self._column(name, dtype, width, count) for name, dtype, width in _COLUMNS)
        minhash = self._column(_SIGNATURES, np.uint32, self.config.num_perm, count)
        keys = self._column(_BANDS, np.uint64, self.state["bands"], count).reshape(count, self.state["bands"])
        return (Signatures(minhash, exact, (flags & _HAS_SIGNATURE) != 0), keys, lengths,
                (flags & _WORD_MODE) != 0, ends)

    def _ids(self, count: int) -> list[str]:
        if count == 0:
            return []
        with open(self.path / _IDS, "rb") as f:
            return [json.loads(line) for line in f.read(self.state["ids_bytes"]).splitlines()[:count]]

    # --- the joint run ----------------------------------------------------------------------------------

    def _matches(self, sigs: Signatures, keys: np.ndarray, lengths: np.ndarray, views_of, ids: list[str],
                 first: int) -> IndexMatches:
        """``find_duplicates`` over all of ``sigs`` with their band ``keys``; the fields of documents
        ``first`` onwards, as ids. ``views_of(rows)`` gives (view strings, word_mode) for the exact check."""
        config = self.config

        def check(pairs: np.ndarray) -> np.ndarray:
            return exact_jaccard_in_groups(pairs, lengths, lambda rows: Views.from_strings(*views_of(rows)), config)

        result = find_duplicates(sigs, lengths, config, exact_jaccard=check if config.exact_jaccard else None,
                                 keys=keys)
        name = lambda i: None if i is None else ids[i]  # noqa: E731
        return IndexMatches([name(d) for d in result.duplicate_of[first:]], result.similarity[first:],
                            [name(r) for r in result.representative[first:]])

    def _stored_views(self, rows: np.ndarray, ends: np.ndarray) -> list[str]:
        blob = np.memmap(self.path / _VIEWS, dtype=np.uint8, mode="r", shape=(int(ends[-1]),)) if len(ends) else b""
        starts = np.concatenate([[0], ends[:-1]])
        return [zlib.decompress(bytes(blob[starts[r]:ends[r]])).decode("utf-8") for r in rows.tolist()]

    @staticmethod
    def _new_batch(texts: Sequence[str], config: Config) -> tuple[Signatures, np.ndarray, list[str], np.ndarray]:
        """(signatures, band keys, view strings, word_mode) of new texts."""
        views = Views.from_texts(texts, config)
        strings = [views.codepoints[views.offsets[i]:views.offsets[i + 1]].tobytes().decode("utf-32-le")
                   for i in range(len(views))]
        sigs = signatures_of_views(views, config)
        return sigs, band_keys(sigs, config), strings, views.word_mode

    # --- public ------------------------------------------------------------------------------------------

    def query(self, texts: Sequence[str], ids: Sequence[str] | None = None) -> IndexMatches:
        """The fields ``texts`` would get if added now (``ids`` name them in the result; default
        ``"new:<k>"``), leaving the index as it is. Holds the index's signatures and band keys in memory
        once."""
        texts = list(texts)
        ids = list(ids) if ids is not None else [f"new:{k}" for k in range(len(texts))]
        count = len(self)
        stored, stored_keys, lengths, word_mode, ends = self._stored(count)
        parts = [self._new_batch(batch, self.config) for batch in batches(texts)]
        new_views = [v for _, _, views, _ in parts for v in views]
        new_word_mode = np.concatenate([w for _, _, _, w in parts] or [np.zeros(0, dtype=bool)])
        sigs = Signatures.concat([stored] + [s for s, _, _, _ in parts])
        keys = np.concatenate([stored_keys] + [k for _, k, _, _ in parts])
        all_word_mode = np.concatenate([word_mode, new_word_mode])

        def views_of(rows: np.ndarray) -> tuple[list[str], np.ndarray]:
            old = rows[rows < count]
            views = self._stored_views(old, ends) + [new_views[r - count] for r in rows[rows >= count].tolist()]
            return views, all_word_mode[rows]

        all_lengths = np.concatenate([lengths, np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))])
        return self._matches(sigs, keys, all_lengths, views_of, self._ids(count) + ids, count)

    def add(self, texts: Iterable[str], ids: Sequence[str]) -> IndexMatches:
        """Add a crawl's documents (``texts`` in the order of ``ids``, which must be new to the index) and
        return their fields against everything added before and each other. ``texts`` may be any
        iterable (read a :func:`batch <cleaner.dedup.signatures.batches>` at a time)."""
        ids = list(ids)
        if len(set(ids)) != len(ids):
            raise ValueError("ids must be distinct")
        key = hashlib.sha256("\n".join(ids).encode("utf-8", "surrogatepass")).hexdigest()
        done = next((b for b in self.state["batches"] if b["key"] == key), None)
        if done is None:
            start = len(self)
            self._append(texts, ids)
            end = len(self)
        else:  # committed before: the same joint run as then
            start, end = done["start"], done["end"]
        sigs, keys, lengths, word_mode, ends = self._stored(end)
        if done is None:
            self.state["batches"].append({"key": key, "start": start, "end": end})
            self._commit()
        return self._matches(sigs, keys, lengths, lambda rows: (self._stored_views(rows, ends), word_mode[rows]),
                             self._ids(end), start)

    # --- writing -----------------------------------------------------------------------------------------

    def _append(self, texts: Iterable[str], ids: list[str]) -> None:
        """Append past the committed sizes (cut back first) and flush; updates ``self.state`` but does
        not commit it."""
        self.path.mkdir(parents=True, exist_ok=True)
        count, num_perm = len(self), self.config.num_perm
        sizes = {_SIGNATURES: count * num_perm * 4, _BANDS: count * self.state["bands"] * 8,
                 _VIEWS: self.state["views_bytes"], _IDS: self.state["ids_bytes"]}
        sizes.update({name: count * np.dtype(dtype).itemsize for name, dtype, _ in _COLUMNS})
        files = {}
        try:
            for name, size in sizes.items():
                f = files[name] = open(self.path / name, "ab")
                f.truncate(size)
            views_end = self.state["views_bytes"]
            added = 0
            for batch in batches(texts):
                sigs, keys, views, word_mode = self._new_batch(batch, self.config)
                compressed = [zlib.compress(v.encode("utf-8"), 6) for v in views]
                ends = views_end + np.cumsum([len(c) for c in compressed], dtype=np.int64)
                views_end = int(ends[-1])
                flags = sigs.has_signature.astype(np.uint8) * _HAS_SIGNATURE | word_mode.astype(np.uint8) * _WORD_MODE
                lengths = np.fromiter((len(t) for t in batch), dtype=np.int64, count=len(batch))
                files[_SIGNATURES].write(np.ascontiguousarray(sigs.minhash, dtype=np.uint32).tobytes())
                files[_BANDS].write(np.ascontiguousarray(keys, dtype=np.uint64).tobytes())
                for (name, dtype, _), column in zip(_COLUMNS, (sigs.exact, flags, lengths, ends)):
                    files[name].write(np.asarray(column, dtype=dtype).tobytes())
                files[_VIEWS].write(b"".join(compressed))
                added += len(batch)
            if added != len(ids):
                raise ValueError(f"{len(ids)} ids for {added} texts")
            if set(self._ids(count)).intersection(ids):
                raise ValueError("ids must be new to the index")
            id_lines = "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in ids).encode("utf-8", "surrogatepass")
            files[_IDS].write(id_lines)
            for f in files.values():
                f.flush()
                os.fsync(f.fileno())
        finally:
            for f in files.values():
                f.close()
        self.state.update(count=count + added, views_bytes=views_end, ids_bytes=self.state["ids_bytes"] + len(id_lines))

    def _commit(self) -> None:
        """Replace ``state.json`` atomically: the appended documents become part of the index."""
        temporary = self.path / (_STATE + ".tmp")
        with open(temporary, "w", encoding="utf-8") as f:
            json.dump(self.state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, self.path / _STATE)
        directory = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

