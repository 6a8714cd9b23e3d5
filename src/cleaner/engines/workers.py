"""Worker processes for the local engine: each cleans whole shards; a supervisor replaces a worker that
hangs in C code or dies, rejecting only the document it was on. Small inputs skip the pool (inline)."""
from __future__ import annotations

import ctypes
import multiprocessing
import resource
import signal
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path

import numba

from .. import errors
from ..config import Config
from ..document import Document
from .base import RunError
from .shards import ShardFunction
from .workfolder import write_shard


HANG_GRACE_S = 10.0  # past timeout_s, before the main process kills a worker stuck in C code
_POLL_S = 0.2


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
    # numba guards its thread start with a named multiprocessing lock when the start method has "fork" in
    # its name (ours: forkserver); a worker killed with it registered makes the resource tracker warn of a
    # "leaked semaphore" on stderr. A worker starts no processes, so it needs no such lock.
    multiprocessing.set_start_method("spawn", force=True)
    numba.set_num_threads(1)  # the workers are the parallelism; numba's threads would oversubscribe

    def on_document(i: int) -> None:
        progress[1] = time.monotonic()
        progress[0] = i

    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):  # the main process is gone: leave quietly, no traceback
            return
        if task is None:
            return
        for i, (reason, detail) in task.lost_on.items():
            task.docs[i].raw = None
            task.docs[i].reject(reason, detail)
        cpu_start = time.process_time()
        try:
            result = process(task.docs, config, on_document)
            # The main process gone (EOF) took the run with it: the shard is not marked complete. Asked just
            # before the mark, since a kill can come while the records are being written.
            if not write_shard(Path(work), task.index, result, wanted=lambda: not conn.poll()):
                return
        except Exception as e:  # disk full, work folder gone: the run cannot go on
            _send(conn, ("error", task.index, f"{type(e).__name__}: {e}"))
            return
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if not _send(conn, ("done", task.index, (result.stats.rejected, rss_mb, time.process_time() - cpu_start))):
            return


def _send(conn, message) -> bool:
    """Send to the main process; False (quietly) when it is gone."""
    try:
        conn.send(message)
        return True
    except OSError:
        return False


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


class Supervisor:
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


class InlineRunner:
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
