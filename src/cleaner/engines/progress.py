"""Progress of a ``clean-corpus`` run: a bar on a terminal, a plain line every few seconds in a log.

The total is the input files' size in bytes, known before any work starts, so both show a percentage
and an ETA. On a terminal the bar is tqdm's; elsewhere (a log file, nohup, Slurm, Ray jobs) a line goes
through the ``cleaner`` logger every :data:`LOG_EVERY_S` seconds. Phases after cleaning (dedup,
writing) are reported through the logger when they start and end.
"""
from __future__ import annotations

import logging
import sys
import time

log = logging.getLogger("cleaner")

LOG_EVERY_S = 10.0


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _size(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    return f"{n} B"


class Progress:
    """Cleaning progress by input bytes read, with documents done and rejected.

    ``enabled`` False shows nothing; ``bar`` None picks a bar when ``stream`` is a terminal."""

    def __init__(self, total_bytes: int, enabled: bool = True, stream=None, bar: bool | None = None,
                 every_s: float = LOG_EVERY_S):
        self.total = max(total_bytes, 1)
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.every_s = every_s
        self.start = self.last = time.monotonic()
        self._bar = None
        self._shown: tuple[int, int] | None = None  # (bytes, documents) of the last line logged
        if enabled and (self.stream.isatty() if bar is None else bar):
            from tqdm import tqdm  # only for a terminal: costs import time

            self._bar = tqdm(total=total_bytes, unit="B", unit_scale=True, file=self.stream, desc="cleaning",
                             dynamic_ncols=True, leave=True)

    def show(self, done_bytes: int, done: int, rejected: int, resumed: int = 0, final: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        rate = (done - resumed) / max(now - self.start, 1e-9)
        if self._bar is not None:
            self._bar.update(min(done_bytes, self.total) - self._bar.n)
            self._bar.set_postfix_str(f"{done:,} docs, {rejected:,} rejected, {rate:,.0f} docs/s", refresh=False)
            if final:
                self._bar.close()
            return
        if (not final and now - self.last < self.every_s) or (final and self._shown == (done_bytes, done)):
            return
        self.last, self._shown = now, (done_bytes, done)
        fraction = min(done_bytes / self.total, 1.0)
        elapsed = now - self.start
        eta = elapsed * (1 - fraction) / fraction if 0 < fraction < 1 else 0.0
        log.info("cleaning: %.1f%% of %s, %s docs done, %s rejected, %s docs/s, elapsed %s, ETA %s",
                 100 * fraction, _size(self.total), f"{done:,}", f"{rejected:,}", f"{rate:,.0f}",
                 _duration(elapsed), _duration(eta))


def configure_logging(level: str = "INFO", stream=None) -> None:
    """Messages of the ``cleaner`` logger to ``stream`` (stderr), one line each, at ``level`` and above."""
    logger = logging.getLogger("cleaner")
    for handler in [h for h in logger.handlers if getattr(h, "_clean_corpus", False)]:
        logger.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler._clean_corpus = True
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    logger.propagate = False
