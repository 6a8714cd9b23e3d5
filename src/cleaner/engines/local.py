"""clean-corpus on one machine: shards, worker processes, resume, and the closing numbers.

The document stream is cut, in input order, into shards of ``Config.shard_docs`` documents (fewer when
they pass ``Config.shard_bytes``). Worker processes clean whole shards and write each one under a work
folder next to the output (``OUT.parts/``): the shard's records, then a metadata file (rejects, ids,
text lengths, MinHash signatures, stats). Every file goes in under a temporary name and is renamed when
complete; the metadata file goes last, so a shard is complete exactly when its metadata file exists.
The input order is deterministic, so shard k is always the same documents and ``--resume`` simply skips
the complete shards. When every shard is complete the main process runs the corpus-level dedup on the
signatures and streams the shard records, in order, into the output; then it removes the work folder.

``--resume`` trusts nothing it can check: the manifest holds the SHA-256 of every rule file, and next to
each shard the main process keeps the SHA-256 of the input bytes read up to the moment the shard was cut
(hashed while reading, not a size and a time); a resumed run that reads other bytes, or runs under another
rule file, stops with a line naming the file. A lock (``flock`` on ``.OUT.lock`` next to the output) lets
one run at a time write an output; a second one stops at once. Temporary files of earlier runs that were
killed are removed.

The main process keeps one shard per worker plus one read ahead, so memory stays flat however large
the input. A document is limited to ``Config.timeout_s`` inside the worker by SIGALRM, which stops
Python code; a hang inside C code does not return to Python, so the main process watches when each
worker started its current document, kills a worker that overruns by :data:`cleaner.engines.workers.HANG_GRACE_S` (or that
dies), rejects that document and gives the rest of its shard to a fresh worker.

:func:`process_shard` (Documents in, records + rejects + signatures + stats out) is the unit of work
that other engines reuse.
"""
from __future__ import annotations

import json
import logging
import os
import pickle
import resource
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np

from ..config import Config
from ..dedup import Signatures, exact_jaccard_of_texts, find_duplicates
from ..dedup.index import DedupIndex
from ..document import Document
from ..io import remote
from ..io.parquet import kept_types
from ..io.readers import iter_file, list_input_files, overwrites_input
from ..io.streams import DigestReader
from ..io.writers import open_writer
from .progress import Progress
from .workers import InlineRunner, ShardTask, Supervisor
from .workfolder import (check_inputs, inputs_path, lock_output, manifest, meta_path, prepare_work_folder,
                         records_path, remove_stale_temp_files, unlock_output, work_folder, write_atomically)
from .base import RunError, Stats
from .shards import ShardFunction, cut_shards, process_shard

# Input of at most this many bytes is cleaned in the main process when no worker count is set: starting
# workers (each loading every rule file and dictionary) costs more than they save
INLINE_BYTES = 256 << 10
log = logging.getLogger("cleaner")


# --- the run -------------------------------------------------------------------------------------------


def input_files(inputs: list[str], own: list[Path], config: Config,
                skipped: Counter | None = None) -> list[tuple[Path, str]]:
    """(file, id base) of every input file, leaving out this run's own folders (``own``: the work folder,
    which lies inside an input folder when the output is written into it). ``skipped["files"]`` counts the
    files of a folder that are of no kind the readers know (``config.input_glob`` selects files)."""
    return list_input_files(inputs, config.input_glob, skipped, follow_symlinks=config.follow_symlinks,
                            leave_out=own)


def _size(path: Path | str) -> int:
    """An input file's size in bytes (0 when it cannot be read: it becomes a reject), for progress."""
    try:
        return remote.size(path) if remote.is_url(path) else path.stat().st_size
    except OSError:
        return 0


def _merge(work: Path, n_shards: int, output: str | Path, rejects_path: str | Path | None,
           config: Config, stats: Stats, kept=None, dedup_index: str | None = None) -> None:
    """All shards complete: dedup over every record (and the records in ``dedup_index``, to which they are
    then added), then stream records and rejects into place."""
    ids: list[str] = []
    lengths: list[np.ndarray] = []
    signatures: list[Signatures] = []
    with ExitStack() as files:
        rejects_writer = files.enter_context(open_writer(rejects_path)) if rejects_path else None
        for index in range(n_shards):
            with open(meta_path(work, index), "rb") as f:
                meta = pickle.load(f)
            stats.add(meta["stats"])
            ids.extend(meta["ids"])
            lengths.append(meta["lengths"])
            if meta["signatures"] is not None:
                signatures.append(meta["signatures"])
            if rejects_writer:
                for reject in meta["rejects"]:
                    rejects_writer.write(reject)
        if dedup_index and config.dedup:
            duplicate_of, similarity, representative = _dedup_with_index(dedup_index, ids, n_shards, config, stats, work)
        else:
            duplicate_of, similarity, representative = _dedup(signatures, lengths, ids, config, stats, work)
        log.info("writing %s", output)
        writer = files.enter_context(open_writer(output, kept))
        position = 0
        for index in range(n_shards):
            with open(records_path(work, index), "rb") as f:
                for line in f:
                    record = json.loads(line)
                    i, position = position, position + 1
                    if duplicate_of is not None:
                        record["duplicate_of"] = duplicate_of[i]
                        record["similarity"] = similarity[i]
                        record["cluster"] = representative[i]
                        if config.drop_duplicates and duplicate_of[i] is not None:
                            stats.dropped_duplicates += 1
                            continue
                    writer.write(record)
                    stats.written += 1


def _exact_jaccard_from_shards(work: Path, shard_sizes: list[int],
                               config: Config) -> Callable[[np.ndarray], np.ndarray]:
    """``find_duplicates``'s exact check over record positions: one pass over the shard record files, in
    order, keeping the texts of just the records in the pairs (shards without one are not opened)."""
    def exact_jaccard(pairs: np.ndarray) -> np.ndarray:
        needed = np.unique(pairs)
        texts: list[str] = []
        start = 0
        for index, size in enumerate(shard_sizes):
            end = start + size
            if len(texts) < needed.size and needed[len(texts)] < end:
                with open(records_path(work, index), "rb") as f:
                    for position, line in enumerate(f, start):
                        if len(texts) < needed.size and needed[len(texts)] == position:
                            texts.append(json.loads(line)["text"])
            start = end
        return exact_jaccard_of_texts(texts, np.searchsorted(needed, pairs), config)

    return exact_jaccard


def _dedup(signatures: list[Signatures], lengths: list[np.ndarray], ids: list[str], config: Config, stats: Stats,
           work: Path):
    """(duplicate_of: the id of the confirmed neighbour towards the representative, similarity of that
    pair, cluster: the representative's id) per record position; Nones without dedup.
    The signatures of the whole corpus are memory-mapped from the work folder, not held twice."""
    if not config.dedup or not signatures:
        return None, None, None
    started = time.monotonic()
    everything = Signatures.concat(signatures, path=work / "signatures")
    signatures.clear()
    log.info("dedup: %s documents, threshold %s", f"{len(everything):,}", config.threshold)
    exact_jaccard = None
    if config.exact_jaccard:
        exact_jaccard = _exact_jaccard_from_shards(work, [len(x) for x in lengths], config)
    result = find_duplicates(everything, np.concatenate(lengths), config, exact_jaccard=exact_jaccard)
    stats.clusters = len(result.clusters)
    stats.duplicates = sum(d is not None for d in result.duplicate_of)
    log.info("dedup: %s duplicates in %s clusters (%.1f s)", f"{stats.duplicates:,}", f"{stats.clusters:,}",
             time.monotonic() - started)
    name = lambda i: None if i is None else ids[i]  # noqa: E731
    return ([name(d) for d in result.duplicate_of], result.similarity, [name(r) for r in result.representative])


def _dedup_with_index(index: str, ids: list[str], n_shards: int, config: Config, stats: Stats, work: Path):
    """:func:`_dedup`'s fields from a :class:`~cleaner.dedup.index.DedupIndex`: the records are added to
    the index at ``index`` (their texts read back from the shard files) and matched against it."""
    def texts() -> Iterator[str]:
        for shard in range(n_shards):
            with open(records_path(work, shard), "rb") as f:
                for line in f:
                    yield json.loads(line)["text"]

    try:
        matches = DedupIndex(index, config).add(texts(), ids)
    except ValueError as e:
        raise RunError(f"--index {index}: {e}") from None
    stats.clusters = len({c for c in matches.cluster if c is not None})
    stats.duplicates = sum(d is not None for d in matches.duplicate_of)
    return matches.duplicate_of, matches.similarity, matches.cluster


def run(inputs: list[str], output: str | Path, config: Config, *, rejects: str | Path | None = None,
        stats_path: str | Path | None = None, resume: bool = False, progress: bool = False,
        process: ShardFunction = process_shard, index: str | None = None) -> Stats:
    """Clean every document under ``inputs`` into ``output`` (``.jsonl``, ``.jsonl.gz``, ``.jsonl.zst`` or
    ``.parquet``), rejects into ``rejects``; returns the run's numbers (which the caller writes to
    ``stats_path``: it is only kept out of the inputs here). Raises :class:`RunError` when it cannot go
    on. ``process`` is the per-shard function (tests substitute one that misbehaves). With ``index`` (a
    folder), duplicates are also found among the records of earlier runs kept there, and this run's
    records are added to it (:class:`~cleaner.dedup.index.DedupIndex`)."""
    started, cpu_start = time.monotonic(), time.process_time()
    workers = config.workers or len(os.sched_getaffinity(0))
    work = work_folder(output)
    skipped: Counter = Counter()
    files = input_files(inputs, [work], config, skipped)
    problem = overwrites_input(files, {"output": output, "rejects": rejects, "stats": stats_path})
    if problem:
        raise RunError(problem)
    lock = None if remote.is_url(output) else lock_output(output)  # an object store has no flock
    try:
        remove_stale_temp_files([p for p in (output, rejects) if p and not remote.is_url(p)])
        prepare_work_folder(work, manifest(files, output, config), resume)
        return _run_locked(files, work, output, config, rejects, progress, process, workers, skipped,
                           started, cpu_start, index)
    finally:
        if lock is not None:
            unlock_output(output, lock)


def _run_locked(files, work, output, config, rejects, progress, process, workers, skipped, started,
                cpu_start, index) -> Stats:
    sizes = [_size(path) for path, _ in files]
    inline = config.workers is None and sum(sizes) <= INLINE_BYTES  # --workers N always gets its N workers
    log.info("%s input files, %s bytes; %s", f"{len(files):,}", f"{sum(sizes):,}",
             "cleaning in this process (small input)" if inline else f"{workers} worker processes")
    status = Progress(sum(sizes), enabled=progress)
    counts = {"read": 0, "done": 0, "rejected": 0, "resumed": 0, "shards": 0, "done_bytes": 0}
    reading: dict[str, Any] = {"before": 0, "file": None, "size": 0}
    opened: list[tuple[str, DigestReader]] = []  # input files opened since the last cut, for --resume

    def read_bytes() -> int:
        """Input bytes read so far: whole files, and the position in the open one."""
        f = reading["file"]
        try:
            inside = min(f.tell(), reading["size"]) if f is not None and not f.closed else 0
        except (OSError, ValueError):
            inside = 0
        return reading["before"] + inside

    def documents() -> Iterator[Document]:
        for (path, id_base), size in zip(files, sizes):
            reading.update(file=None, size=size)
            yield from iter_file(path, id_base, config, skipped=skipped, opened=lambda f: reading.update(file=f),
                                 track=lambda f, name=str(path): opened.append((name, f)))
            reading.update(file=None, before=reading["before"] + size)

    def tasks() -> Iterator[ShardTask]:
        for index, docs in enumerate(cut_shards(documents(), config)):
            counts["read"] += len(docs)
            counts["shards"] = index + 1
            read_so_far = [[name, *f.state()] for name, f in opened]
            del opened[:-1]  # the file being read goes on into the next shard
            if meta_path(work, index).exists():
                check_inputs(work, index, read_so_far)
                counts["done"] += len(docs)
                counts["resumed"] += len(docs)
                counts["done_bytes"] = read_bytes()
                continue
            write_atomically(inputs_path(work, index), json.dumps(read_so_far).encode("utf-8"))
            yield ShardTask(index, docs, read_bytes=read_bytes())

    def on_shard_done(task: ShardTask, rejected: int) -> None:
        counts["done"] += len(task.docs)
        counts["rejected"] += rejected
        counts["done_bytes"] = max(counts["done_bytes"], task.read_bytes)

    supervisor = (InlineRunner if inline else Supervisor)(config, work, workers, process)

    def on_tick() -> None:
        # documents done inside unfinished shards stand for their share of the bytes read past done_bytes
        in_progress = supervisor.documents_in_progress()
        pending = counts["read"] - counts["done"]
        done_bytes = counts["done_bytes"]
        if in_progress and pending:
            done_bytes += (read_bytes() - done_bytes) * min(in_progress / pending, 1.0)
        status.show(int(done_bytes), counts["done"] + in_progress, counts["rejected"], counts["resumed"])

    supervisor.run(tasks(), on_shard_done, on_tick)
    status.show(sum(sizes), counts["done"], counts["rejected"], counts["resumed"], final=True)
    if supervisor.replaced:
        log.warning("%s worker processes replaced after a hang or crash", supervisor.replaced)

    skipped_files = skipped.pop("files", 0)
    stats = Stats(workers=1 if inline else workers, workers_replaced=supervisor.replaced,
                  skipped=dict(sorted(skipped.items())), skipped_files=skipped_files)
    kept = kept_types(files, config) if config.keep_fields else None
    _merge(work, counts["shards"], output, rejects, config, stats, kept, index)
    shutil.rmtree(work)
    stats.seconds = time.monotonic() - started
    stats.peak_rss_mb = {"main": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                         "worker": supervisor.peak_worker_rss_mb}
    stats.cpu_seconds = {"main": round(time.process_time() - cpu_start, 3),
                         "workers": round(supervisor.worker_cpu_seconds, 3)}
    return stats
