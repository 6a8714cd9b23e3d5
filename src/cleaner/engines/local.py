"""clean-corpus on one machine: shards, worker processes, resume, and the closing numbers.

The document stream is cut, in input order, into shards of ``Config.shard_docs`` documents (fewer when
they pass ``Config.shard_bytes``). Worker processes clean whole shards and write each one under a work
folder next to the output (``OUT.parts/``): the shard's records, then a metadata file (rejects, ids,
text lengths, MinHash signatures, stats). Every file goes in under a temporary name and is renamed when
complete; the metadata file goes last, so a shard is complete exactly when its metadata file exists.
The input order is deterministic, so shard k is always the same documents and ``--resume`` simply skips
the complete shards. When every shard is complete the main process runs the corpus-level dedup on the
signatures and streams the shard records, in order, into the output; then it removes the work folder.

The main process keeps one shard per worker plus one read ahead, so memory stays flat however large
the input. A document is limited to ``Config.timeout_s`` inside the worker by SIGALRM, which stops
Python code; a hang inside C code does not return to Python, so the main process watches when each
worker started its current document, kills a worker that overruns by :data:`HANG_GRACE_S` (or that
dies), rejects that document and gives the rest of its shard to a fresh worker.

:func:`process_shard` (Documents in, records + rejects + signatures + stats out) is the unit of work
that other engines reuse.
"""
from __future__ import annotations

import ctypes
import hashlib
import json
import logging
import multiprocessing
import os
import pickle
import resource
import shutil
import signal
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

import numba
import numpy as np

from .. import errors
from ..config import Config
from ..dedup import Signatures, exact_jaccard_of_texts, find_duplicates
from ..dedup.index import DedupIndex
from ..document import Document
from ..io import remote
from ..io.parquet import kept_types
from ..io.readers import iter_file, list_input_files
from ..io.writers import open_writer
from .progress import Progress
from .base import RunError, Stats
from .shards import ShardFunction, ShardResult, cut_shards, process_shard

HANG_GRACE_S = 10.0  # past timeout_s, before the main process kills a worker stuck in C code
# Input of at most this many bytes is cleaned in the main process when no worker count is set: starting
# workers (each loading every rule file and dictionary) costs more than they save
INLINE_BYTES = 256 << 10
log = logging.getLogger("cleaner")
_MANIFEST = "manifest.json"
_POLL_S = 0.2


# --- shard files ---------------------------------------------------------------------------------------


def _json_line(record: dict[str, Any]) -> bytes:
    """One JSON line in UTF-8. A lone surrogate (JSON input may hold ``"\\ud800"``) has no UTF-8 form and
    is written as its JSON escape, which reads back as the same string (as :mod:`cleaner.io.writers` does)."""
    return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8", "backslashreplace")


def _records_path(work: Path, index: int) -> Path:
    return work / f"shard-{index:07d}.jsonl"


def _meta_path(work: Path, index: int) -> Path:
    return work / f"shard-{index:07d}.meta.pkl"


def _write_atomically(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Write under a temporary name, then rename: ``path`` is either complete or absent."""
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as f:
        if isinstance(data, bytes):
            f.write(data)
        else:
            f.writelines(data)
    os.replace(tmp, path)


def write_shard(work: Path, index: int, result: ShardResult) -> None:
    """Records first, metadata last: the metadata file marks the shard complete."""
    _write_atomically(_records_path(work, index), (_json_line(r) for r in result.records))
    meta = {"rejects": result.rejects, "ids": [r["id"] for r in result.records], "lengths": result.lengths,
            "signatures": result.signatures, "stats": result.stats}
    _write_atomically(_meta_path(work, index), pickle.dumps(meta, protocol=pickle.HIGHEST_PROTOCOL))


# --- worker processes ----------------------------------------------------------------------------------


@dataclass
class ShardTask:
    index: int
    docs: list[Document]
    # position in the shard -> (reason, detail): documents a lost worker was on, rejected on the retry
    lost_on: dict[int, tuple[str, str]] = field(default_factory=dict)
    unattributed_losses: int = 0
    read_bytes: int = 0  # input bytes read when the shard was cut: the progress its completion stands for




def _exit_with_parent() -> None:
    """Ask Linux to kill this worker when its parent dies, so a run killed with SIGKILL leaves no worker
    behind writing into the work folder."""
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _worker_main(conn, progress, config: Config, work: str, process: ShardFunction) -> None:
    _exit_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    numba.set_num_threads(1)  # the workers are the parallelism; numba's threads would oversubscribe

    def on_document(i: int) -> None:
        progress[1] = time.monotonic()
        progress[0] = i

    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        for i, (reason, detail) in task.lost_on.items():
            task.docs[i].raw = None
            task.docs[i].reject(reason, detail)
        cpu_start = time.process_time()
        try:
            result = process(task.docs, config, on_document)
            if conn.poll():  # the main process is gone (EOF) and took the run with it: write nothing more
                return
            write_shard(Path(work), task.index, result)
        except Exception as e:  # disk full, work folder gone: the run cannot go on
            conn.send(("error", task.index, f"{type(e).__name__}: {e}"))
            return
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        conn.send(("done", task.index, (result.stats.rejected, rss_mb, time.process_time() - cpu_start)))


class _Worker:
    def __init__(self, ctx, config: Config, work: Path, process: ShardFunction):
        # [position in the shard of the document being processed (-1: not started, len(docs): all done),
        #  when it started (monotonic)]
        self.progress = ctx.RawArray("d", [-1.0, 0.0])
        self.conn, child_end = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, daemon=True,
                                   args=(child_end, self.progress, config, str(work), process))
        self.process.start()
        child_end.close()
        self.task: ShardTask | None = None

    def give(self, task: ShardTask) -> None:
        self.progress[0] = -1.0
        self.task = task
        try:
            self.conn.send(task)
        except OSError:  # the worker died meanwhile; the supervisor sees that and hands the shard on
            pass

    def stop(self, kill: bool) -> None:
        if kill:
            self.process.kill()
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


class _Supervisor:
    """Workers, each on one shard at a time; replaces a worker that hangs or dies."""

    def __init__(self, config: Config, work: Path, workers: int, process: ShardFunction):
        self.config, self.work, self.process = config, work, process
        self.ctx = multiprocessing.get_context("forkserver")
        self.ctx.set_forkserver_preload(["cleaner.engines.local"])
        self.workers = [_Worker(self.ctx, config, work, process) for _ in range(workers)]
        self.retry: deque[ShardTask] = deque()
        self.replaced = 0
        self.peak_worker_rss_mb = 0.0
        self.worker_cpu_seconds = 0.0  # shards finished in this run, not those of a killed worker

    def run(self, tasks: Iterator[ShardTask], on_shard_done: Callable[[ShardTask, int], None],
            on_tick: Callable[[], None]) -> None:
        ahead = next(tasks, None)
        finished = False
        try:
            while True:
                for worker in self.workers:
                    if worker.task is None and (self.retry or ahead is not None):
                        if self.retry:
                            worker.give(self.retry.popleft())
                        else:
                            worker.give(ahead)
                            ahead = next(tasks, None)
                busy = [w for w in self.workers if w.task is not None]
                if not busy:
                    finished = True
                    return
                wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=_POLL_S)
                for worker in busy:
                    self._check(worker, on_shard_done)
                on_tick()
        finally:  # on an error or Ctrl-C, workers are killed at once: their shards are redone on --resume
            for worker in self.workers:
                worker.stop(kill=not finished)

    def documents_in_progress(self) -> int:
        """Documents the workers have finished in the shards they are on."""
        return sum(max(int(w.progress[0]), 0) for w in self.workers if w.task is not None)

    def _check(self, worker: _Worker, on_shard_done: Callable[[ShardTask, int], None]) -> None:
        if worker.conn.poll():
            try:
                kind, index, value = worker.conn.recv()
            except (EOFError, OSError):
                kind = "lost"
            if kind == "error":
                raise RunError(f"shard {index}: {value}")
            if kind == "done":
                task, worker.task = worker.task, None
                rejected, rss_mb, cpu_seconds = value
                self.peak_worker_rss_mb = max(self.peak_worker_rss_mb, rss_mb)
                self.worker_cpu_seconds += cpu_seconds
                on_shard_done(task, rejected)
                return
        position = int(worker.progress[0])
        in_document = 0 <= position < len(worker.task.docs)
        if not worker.process.is_alive():
            code = worker.process.exitcode
            how = f"killed by signal {-code}" if code and code < 0 else f"exit code {code}"
            self._replace(worker, errors.INTERNAL_ERROR, f"worker process died ({how}) on this document")
        elif in_document and time.monotonic() - worker.progress[1] > self.config.timeout_s + HANG_GRACE_S:
            worker.process.kill()
            worker.process.join()
            self._replace(worker, errors.TIMEOUT, f"no result after {self.config.timeout_s + HANG_GRACE_S:.0f} s "
                                                  "(stuck outside Python); worker killed")

    def _replace(self, worker: _Worker, reason: str, detail: str) -> None:
        task = worker.task
        position = int(worker.progress[0])
        if 0 <= position < len(task.docs):
            task.lost_on[position] = (reason, detail)
        else:
            task.unattributed_losses += 1
            if task.unattributed_losses > 2:
                raise RunError(f"shard {task.index}: worker processes keep dying outside any document ({detail})")
        self.retry.append(task)
        worker.conn.close()
        worker.process.join()
        self.workers[self.workers.index(worker)] = _Worker(self.ctx, self.config, self.work, self.process)
        self.replaced += 1


class _InlineRunner:
    """The shards cleaned one after another in this process, for an input too small to be worth starting
    worker processes (:data:`INLINE_BYTES`): the same shard files, so the same output. The time limit
    still stops Python code (SIGALRM); nothing watches for a hang in C code."""

    replaced = 0
    peak_worker_rss_mb = 0.0

    def __init__(self, config: Config, work: Path, workers: int, process: ShardFunction):
        self.config, self.work, self.process = config, work, process
        self.worker_cpu_seconds = 0.0
        self._position = 0

    def run(self, tasks: Iterator[ShardTask], on_shard_done: Callable[[ShardTask, int], None],
            on_tick: Callable[[], None]) -> None:
        def on_document(i: int) -> None:
            self._position = i
            on_tick()

        for task in tasks:
            cpu_start = time.process_time()
            result = self.process(task.docs, self.config, on_document)
            self._position = 0
            write_shard(self.work, task.index, result)
            self.worker_cpu_seconds += time.process_time() - cpu_start
            on_shard_done(task, result.stats.rejected)
            on_tick()

    def documents_in_progress(self) -> int:
        return self._position


# --- the run -------------------------------------------------------------------------------------------


def work_folder(output: str | Path) -> Path:
    """Where a run keeps its shards: next to the output, ``OUT.parts``; for an output URL, in the local
    temporary folder under a name made from the URL (so ``--resume`` finds it)."""
    if remote.is_url(output):
        digest = hashlib.sha256(str(output).encode("utf-8")).hexdigest()[:16]
        return Path(tempfile.gettempdir(), f"clean-corpus-{digest}.parts")
    output = Path(output)
    return output.with_name(output.name + ".parts")


def input_files(inputs: list[str], own: list[Path], config: Config | None = None,
                skipped: Counter | None = None) -> list[tuple[Path, str]]:
    """(file, id base) of every input file, leaving out this run's own files and work folder (``own``),
    which lie inside an input folder when the output is written into it. ``skipped["files"]`` counts the
    files of a folder that are of no kind the readers know (``config.input_glob`` selects files)."""
    own = [p.resolve() for p in own]
    pattern = config.input_glob if config else None
    return [(path, id_base) for path, id_base in list_input_files(inputs, pattern, skipped)
            if remote.is_url(path) or not any(path.resolve() == p or p in path.resolve().parents for p in own)]


def _manifest(files: list[tuple[Path, str]], output: str | Path, config: Config) -> dict[str, Any]:
    """What must not change between a run and its ``--resume``: input files (with size and modification
    time), output and settings. The worker count may change: output does not depend on it."""
    def signature(path: Path) -> list[int] | None:
        try:
            if remote.is_url(path):
                return [remote.size(path)]
            info = path.stat()
        except OSError:
            return None
        return [info.st_size, info.st_mtime_ns]

    settings = {k: v for k, v in asdict(config).items() if k != "workers"}
    return {"inputs": [[path if remote.is_url(path) else str(path.resolve()), id_base, signature(path)]
                       for path, id_base in files],
            "output": os.path.abspath(output), "config": settings}


def _prepare_work_folder(work: Path, manifest: dict[str, Any], resume: bool) -> None:
    manifest_path = work / _MANIFEST
    if work.exists():
        if not manifest_path.is_file():
            raise RunError(f"{work} exists and is not a clean-corpus work folder; move it away")
        if resume:
            with open(manifest_path, encoding="utf-8") as f:
                if json.load(f) != json.loads(json.dumps(manifest)):
                    raise RunError(f"cannot resume: inputs or settings differ from the run in {work}")
            for leftover in work.glob("*.tmp-*"):
                leftover.unlink()
            return
        shutil.rmtree(work)
    work.mkdir()
    _write_atomically(manifest_path, json.dumps(manifest, indent=1).encode("utf-8"))


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
            with open(_meta_path(work, index), "rb") as f:
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
            with open(_records_path(work, index), "rb") as f:
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
                with open(_records_path(work, index), "rb") as f:
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
            with open(_records_path(work, shard), "rb") as f:
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
    own = [Path(p) for p in (output, rejects, stats_path, work) if p and not remote.is_url(p)]
    skipped_files: Counter = Counter()
    files = input_files(inputs, own, config, skipped_files)
    manifest = _manifest(files, output, config)
    _prepare_work_folder(work, manifest, resume)
    sizes = [(entry[2] or [0])[0] or 0 for entry in manifest["inputs"]]
    inline = config.workers is None and sum(sizes) <= INLINE_BYTES  # --workers N always gets its N workers
    log.info("%s input files, %s bytes; %s", f"{len(files):,}", f"{sum(sizes):,}",
             "cleaning in this process (small input)" if inline else f"{workers} worker processes")
    status = Progress(sum(sizes), enabled=progress)
    counts = {"read": 0, "done": 0, "rejected": 0, "resumed": 0, "shards": 0, "done_bytes": 0}
    skipped: Counter = Counter()
    reading: dict[str, Any] = {"before": 0, "file": None, "size": 0}

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
            yield from iter_file(path, id_base, config, skipped=skipped, opened=lambda f: reading.update(file=f))
            reading.update(file=None, before=reading["before"] + size)

    def tasks() -> Iterator[ShardTask]:
        for index, docs in enumerate(cut_shards(documents(), config)):
            counts["read"] += len(docs)
            counts["shards"] = index + 1
            if _meta_path(work, index).exists():
                counts["done"] += len(docs)
                counts["resumed"] += len(docs)
                counts["done_bytes"] = read_bytes()
                continue
            yield ShardTask(index, docs, read_bytes=read_bytes())

    def on_shard_done(task: ShardTask, rejected: int) -> None:
        counts["done"] += len(task.docs)
        counts["rejected"] += rejected
        counts["done_bytes"] = max(counts["done_bytes"], task.read_bytes)

    supervisor = (_InlineRunner if inline else _Supervisor)(config, work, workers, process)

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

    stats = Stats(workers=1 if inline else workers, workers_replaced=supervisor.replaced, skipped=dict(sorted(skipped.items())),
                  skipped_files=skipped_files["files"])
    kept = kept_types(files, config) if config.keep_fields else None
    _merge(work, counts["shards"], output, rejects, config, stats, kept, index)
    shutil.rmtree(work)
    stats.seconds = time.monotonic() - started
    stats.peak_rss_mb = {"main": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                         "worker": supervisor.peak_worker_rss_mb}
    stats.cpu_seconds = {"main": round(time.process_time() - cpu_start, 3),
                         "workers": round(supervisor.worker_cpu_seconds, 3)}
    return stats
