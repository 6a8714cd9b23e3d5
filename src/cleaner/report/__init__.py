"""The run report: one self-contained HTML page built from a run's output, rejects and stats files.

``clean-corpus ... --report report.html`` builds it at the end of a run, ``clean-corpus report OUTPUT
[--rejects R] [--stats S] -o report.html`` afterwards. The records are read in one streaming pass
(:mod:`.collect` keeps bounded samples); only the texts of duplicate pairs whose partner came first in the
file are fetched in a second pass, which keeps at most :data:`.collect.PAIRS` texts. Charts need
matplotlib, the optional extra ``cleaner[report]``.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..io.records import read_records
from .collect import Collector

__all__ = ["ReportUnavailable", "build_report", "check_available", "collect"]


class ReportUnavailable(Exception):
    """The charting library is not installed."""


def check_available() -> None:
    """Raise :class:`ReportUnavailable` (one line naming the extra) when matplotlib is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ReportUnavailable("the run report needs matplotlib: pip install 'cleaner[report]'") from None


def collect(output: str | Path, rejects: str | Path | None = None) -> Collector:
    """Everything the report shows, from the output records and the rejects."""
    c = Collector()
    for record in read_records(output):
        c.add_record(record)
    if rejects:
        for record in read_records(rejects):
            c.add_reject(record)
    wanted = c.missing_partners()
    if wanted:
        for record in read_records(output):
            if str(record.get("id")) in wanted:
                c.add_partner(record)
    return c


def build_report(output: str | Path, path: str | Path, *, rejects: str | Path | None = None,
                 stats: str | Path | dict[str, Any] | None = None) -> int:
    """Write the report of the run whose records are in ``output`` to ``path``; returns its size in bytes.
    ``stats`` is the run's ``--stats`` file or its :meth:`Stats.to_json` dict."""
    check_available()
    from .render import render  # imports matplotlib

    if isinstance(stats, (str, Path)):
        with open(stats, encoding="utf-8") as f:
            stats = json.load(f)
    page = render(collect(output, rejects), stats, title=os.fspath(output)).encode("utf-8", "backslashreplace")
    path = Path(path)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_bytes(page)
    os.replace(temp, path)
    return len(page)
