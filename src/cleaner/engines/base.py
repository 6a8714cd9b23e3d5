"""What every engine shares: the engine protocol and its registry, the run's numbers, and the run error.

An engine only schedules: it reads the inputs (:mod:`cleaner.io`), hands shards of documents to
:func:`cleaner.engines.shards.process_shard`, runs the corpus-level dedup (:mod:`cleaner.dedup`) and writes
(:mod:`cleaner.io.writers`). The CLI finds engines by name in :data:`ENGINES`.
"""
from __future__ import annotations

import importlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol


class RunError(Exception):
    """The run cannot go on (work folder unusable, resume that does not match, a worker that cannot write)."""


@dataclass
class Stats:
    """What went where. ``read == written + rejected + dropped_duplicates`` at the end of a run."""

    read: int = 0
    written: int = 0
    rejected: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    dropped_duplicates: int = 0
    duplicates: int = 0          # records flagged as duplicating another (kept or dropped)
    clusters: int = 0            # groups of two or more near-duplicates
    chars_in: int = 0            # input size of the documents processed (bytes of a page, characters of a text)
    chars_out: int = 0           # characters of cleaned text, before dropping duplicates
    seconds_by_stage: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0         # wall clock of the whole run
    workers: int = 0
    workers_replaced: int = 0    # workers killed (hung in C code) or died, and replaced
    skipped: dict[str, int] = field(default_factory=dict)  # WARC records that are not documents, by kind
    skipped_files: int = 0       # files in an input folder of a kind clean-corpus does not read
    peak_rss_mb: dict[str, float] = field(default_factory=dict)  # "main", "worker"
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # "main", "workers" (summed): busy, not wall

    def add(self, other: "Stats") -> None:
        """Add a shard's counts to these."""
        self.read += other.read
        self.rejected += other.rejected
        self.chars_in += other.chars_in
        self.chars_out += other.chars_out
        for totals, part in ((self.rejected_by_reason, other.rejected_by_reason),
                             (self.seconds_by_stage, other.seconds_by_stage),
                             (self.skipped, other.skipped), (self.cpu_seconds, other.cpu_seconds)):
            for key, value in part.items():
                totals[key] = totals.get(key, 0) + value

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["rejected_by_reason"] = dict(sorted(self.rejected_by_reason.items()))
        data["seconds_by_stage"] = {k: round(v, 3) for k, v in self.seconds_by_stage.items()}
        data["seconds"] = round(self.seconds, 3)
        return data

    def summary(self) -> str:
        """The closing summary, a few lines for a person."""
        lines = [f"read {self.read:,} = written {self.written:,} + rejected {self.rejected:,}"
                 f" + dropped duplicates {self.dropped_duplicates:,}"
                 f"  ({self.read / self.seconds if self.seconds else 0:,.0f} docs/s, {self.seconds:,.1f} s,"
                 f" {self.workers} workers)"]
        if self.rejected_by_reason:
            lines.append("rejected: " + ", ".join(f"{r} {n:,}" for r, n in sorted(self.rejected_by_reason.items(),
                                                                                  key=lambda x: (-x[1], x[0]))))
        lines.append(f"duplicates flagged {self.duplicates:,} in {self.clusters:,} clusters;"
                     f" characters in {self.chars_in:,}, out {self.chars_out:,}")
        if self.seconds_by_stage:
            lines.append("time per stage (s, summed over workers): " + ", ".join(
                f"{s} {t:,.1f}" for s, t in self.seconds_by_stage.items()))
        if self.skipped:
            lines.append("not documents (skipped): " + ", ".join(f"{k} {n:,}" for k, n in self.skipped.items()))
        if self.skipped_files:
            lines.append(f"files skipped (not a kind clean-corpus reads): {self.skipped_files:,}")
        if self.workers_replaced:
            lines.append(f"workers replaced after a hang or crash: {self.workers_replaced}")
        return "\n".join(lines)


class Engine(Protocol):
    """Runs a whole ``clean-corpus`` job: every document under ``inputs`` into ``output`` (and ``rejects``);
    returns the run's numbers. Raises :class:`RunError` when it cannot go on."""

    def run(self, inputs: list[str], output: str | Path, config, *, rejects: str | Path | None = None,
            stats_path: str | Path | None = None, resume: bool = False, progress: bool = False,
            **options: Any) -> Stats: ...


#: Engine name -> module holding its ``run``; imported on first use (Ray is an optional extra).
ENGINES = {"local": "cleaner.engines.local", "ray": "cleaner.engines.ray"}


def get_engine(name: str) -> Engine:
    """The engine called ``name``; ImportError when its optional dependencies are missing."""
    return importlib.import_module(ENGINES[name])
