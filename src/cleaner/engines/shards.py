"""One shard of documents through the per-document pipelines: the unit of work every engine schedules.

:func:`cut_shards` cuts the input stream, in input order, into shards; :func:`process_shard` cleans one
(Documents in, records + rejects + MinHash signatures + stats out) with a time limit per document.
"""
from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import errors
from ..config import Config
from ..dedup import Signatures, signatures_for
from ..document import Document
from ..pipeline import pipelines
from ..record import to_record
from .base import Stats


@dataclass
class ShardResult:
    """One shard processed: records of the documents kept, in input order, and the rest as rejects."""

    records: list[dict[str, Any]]
    rejects: list[dict[str, Any]]     # {"id", "source", "url", "rejected": reason code, "reject_detail"}
    lengths: np.ndarray               # characters of each record's text
    signatures: Any | None            # cleaner.dedup Signatures of the records' texts; None without dedup
    stats: Stats


# --- one shard ---------------------------------------------------------------------------------------


class _DocumentTimeout(BaseException):
    """Raised by SIGALRM inside a stage. A BaseException, so the stages' and libraries' broad
    ``except Exception`` handlers let it through."""


@contextmanager
def _time_limit(seconds: float):
    """Interrupt the Python code in the block after ``seconds``; a no-op outside the main thread."""
    if threading.current_thread() is not threading.main_thread() or seconds <= 0:
        yield
        return

    def on_alarm(signum, frame):
        raise _DocumentTimeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _reject_record(doc: Document) -> dict[str, Any]:
    """A rejects-file row; the field names are those of the Parquet schema in :mod:`cleaner.io.writers`."""
    return {"id": doc.id, "source": doc.source, "url": doc.url, "rejected": doc.rejected,
            "reject_detail": doc.reject_detail}


def _signatures(docs: list[Document], config: Config) -> Signatures:
    """Signatures of the kept documents' texts. Should the batch fail, each text is tried alone and a
    text that fails is rejected, so one bad document never costs its shard."""
    try:
        return signatures_for([d.text for d in docs], config)
    except Exception:
        pass
    parts = []
    for doc in docs:
        try:
            parts.append(signatures_for([doc.text], config))
        except Exception as e:
            doc.reject(errors.INTERNAL_ERROR, f"signatures: {type(e).__name__}: {e}")
    return Signatures.concat(parts) if parts else signatures_for([], config)


def process_shard(docs: list[Document], config: Config,
                  on_document: Callable[[int], None] | None = None) -> ShardResult:
    """Clean ``docs`` (documents already rejected by the reader pass straight through as rejects).

    ``on_document(i)`` is called before document ``i`` is processed and with ``len(docs)`` after the
    last, so a supervisor can tell which document a hung or dead worker was on. Never raises for bad input.
    """
    html, text = pipelines(config)
    seconds_before = {p: dict(p.seconds) for p in (html, text)}
    stats = Stats(read=len(docs))
    for i, doc in enumerate(docs):
        stats.chars_in += len(doc.raw) if doc.raw is not None else len(doc.text)
        if not doc.rejected:
            if on_document:
                on_document(i)
            pipeline = html if doc.is_page else text
            try:
                with _time_limit(config.timeout_s):
                    pipeline.run(doc)
            except _DocumentTimeout:
                doc.raw = doc.tree = None
                doc.reject(errors.TIMEOUT, f"processing took longer than timeout_s ({config.timeout_s} s)")
    if on_document:
        on_document(len(docs))
    signatures = None
    if config.dedup:
        signatures = _signatures([d for d in docs if not d.rejected], config)
    kept = [d for d in docs if not d.rejected]
    records = [to_record(d, explain=config.explain) for d in kept]
    rejects = [_reject_record(d) for d in docs if d.rejected]
    for reject in rejects:
        stats.rejected_by_reason[reject["rejected"]] = stats.rejected_by_reason.get(reject["rejected"], 0) + 1
    stats.rejected = len(rejects)
    stats.chars_out = sum(len(d.text) for d in kept)
    for p in (html, text):
        for stage, s in p.seconds.items():
            spent = s - seconds_before[p].get(stage, 0.0)
            if spent:
                stats.seconds_by_stage[stage] = stats.seconds_by_stage.get(stage, 0.0) + spent
    lengths = np.fromiter((len(d.text) for d in kept), dtype=np.int64, count=len(kept))
    return ShardResult(records, rejects, lengths, signatures, stats)


ShardFunction = Callable[[list[Document], Config, Callable[[int], None]], ShardResult]


def cut_shards(docs: Iterable[Document], config: Config) -> Iterator[list[Document]]:
    """Consecutive documents, ``shard_docs`` at a time or fewer once they hold ``shard_bytes``. (The readers
    never hold a page past ``max_page_bytes``; the limits stage checks every size once, in the worker.)"""
    shard: list[Document] = []
    size = 0
    for doc in docs:
        shard.append(doc)
        size += len(doc.raw) if doc.raw is not None else len(doc.text)
        if len(shard) >= config.shard_docs or size >= config.shard_bytes:
            yield shard
            shard, size = [], 0
    if shard:
        yield shard
