"""Reading back what a run wrote: output or rejects records, streamed one at a time.

The counterpart of :mod:`cleaner.io.writers`: ``.jsonl`` (plain, ``.gz`` or ``.zst``), ``.parquet``, or a
folder of Parquet shards (the Ray engine's output). Memory holds one line or one Parquet batch.
"""
from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import zstandard

BATCH_ROWS = 1024


def read_records(path: str | Path) -> Iterator[dict[str, Any]]:
    """Every record in ``path``, in file order. Raises OSError or ValueError for what it cannot read."""
    path = Path(path)
    if path.is_dir():
        for part in sorted(path.glob("*.parquet")):
            yield from _parquet(part)
        return
    name = path.name.lower()
    if name.endswith(".parquet"):
        yield from _parquet(path)
        return
    if name.endswith(".jsonl.gz"):
        opened = gzip.open(path, "rb")
    elif name.endswith(".jsonl.zst"):
        opened = io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(open(path, "rb"), closefd=True))
    elif name.endswith(".jsonl"):
        opened = open(path, "rb")
    else:
        raise ValueError(f"{path}: not a .jsonl, .jsonl.gz, .jsonl.zst or .parquet file, nor a folder of them")
    with opened as f:
        for number, line in enumerate(f, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except ValueError as e:
                    raise ValueError(f"{path}:{number}: not a JSON record ({e})") from None


def _parquet(path: Path) -> Iterator[dict[str, Any]]:
    for batch in pq.ParquetFile(path).iter_batches(batch_size=BATCH_ROWS):
        yield from batch.to_pylist()
