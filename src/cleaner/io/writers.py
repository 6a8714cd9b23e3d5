"""Output records to JSONL (optionally gzip or zstd) or Parquet, atomically.

A writer writes to a hidden temporary file in the destination folder and renames it to the final name
(``os.replace``) only when it is closed without error, so a reader never sees half a file under the final
name and a failed run leaves the previous output, if any, untouched.

Parquet has one fixed schema (:data:`PARQUET_SCHEMA`): the fields of :data:`cleaner.record.FIELDS`, then
``removed`` (null unless ``--explain``), ``rejected`` and ``reject_detail``, so that an empty output and
every row group share it. Rows are written in row groups as records arrive; memory holds one group.
"""
from __future__ import annotations

import gzip
import json
import os
import re
import secrets
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import zstandard

from ..record import FIELDS
from ..stages.signals import SIGNALS

_ARROW_TYPES = {str: pa.string(), float: pa.float64(), int: pa.int64(), bool: pa.bool_()}

_FIELD_TYPES = {
    "id": pa.string(), "source": pa.string(), "url": pa.string(), "title": pa.string(), "date": pa.string(),
    "text": pa.string(), "encoding": pa.string(), "script": pa.string(), "spun": pa.bool_(),
    "spin_score": pa.float64(),
    "spam_page": pa.bool_(), "spam_kind": pa.string(), "spam_score": pa.float64(),
    **{name: _ARROW_TYPES[type_] for name, type_ in SIGNALS.items()},
    # ids of the cluster's representative and of the document this one duplicates: ids, unlike input
    # positions, mean something outside a run
    "cluster": pa.string(), "duplicate_of": pa.string(),
    "similarity": pa.float64(),
}
PARQUET_SCHEMA = pa.schema(
    [pa.field(name, _FIELD_TYPES[name]) for name in FIELDS]
    + [pa.field("removed", pa.list_(pa.struct([("rule", pa.string()), ("text", pa.string())]))),
       pa.field("rejected", pa.string()),
       pa.field("reject_detail", pa.string())]
)

ROW_GROUP_ROWS = 10_000
ROW_GROUP_BYTES = 64 << 20   # text held before a row group is written, whichever limit comes first


class RecordWriter:
    """Context manager writing records (dicts) to ``path`` through a temporary file.

    ``close()`` publishes the file under its final name; ``abort()`` (called on an exception inside the
    ``with`` block) removes the temporary file and leaves the final name untouched.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        # Hidden, unique, in the same folder (so the rename is atomic), with the usual permissions.
        self.temp_path = self.path.with_name(f".{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        self._file = open(self.temp_path, "xb")
        self.count = 0
        self._closed = False

    def write(self, record: dict[str, Any]) -> None:
        raise NotImplementedError

    def _finish(self) -> None:
        """Flush everything still buffered into the temporary file."""
        raise NotImplementedError

    def _discard(self) -> None:
        """Let go of whatever wraps the temporary file, which is about to be removed."""

    def close(self) -> None:
        if self._closed:
            return
        try:
            self._finish()
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
        except BaseException:
            self.abort()
            raise
        self._closed = True
        try:
            os.replace(self.temp_path, self.path)
        except BaseException:
            self.temp_path.unlink(missing_ok=True)
            raise

    def abort(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._discard()
            self._file.close()
        except Exception:  # the temporary file is discarded anyway
            pass
        self.temp_path.unlink(missing_ok=True)

    def __enter__(self) -> "RecordWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


class JsonlWriter(RecordWriter):
    """One JSON object a line, UTF-8 with non-ASCII characters as they are, optionally compressed.

    A lone surrogate (not encodable in UTF-8) is written as its JSON escape ``\\udcXX``, which reads
    back as the same string."""

    def __init__(self, path: str | Path, compression: str | None = None):
        super().__init__(path)
        if compression == "gzip":
            self._out = gzip.GzipFile(fileobj=self._file, mode="wb", mtime=0)
        elif compression == "zstd":
            self._out = zstandard.ZstdCompressor().stream_writer(self._file, closefd=False)
        else:
            self._out = self._file

    def write(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False) + "\n"
        self._out.write(line.encode("utf-8", "backslashreplace"))
        self.count += 1

    def _finish(self) -> None:
        if self._out is not self._file:
            self._out.close()

    def _discard(self) -> None:
        if self._out is not self._file:
            self._out.close()


_SURROGATE = re.compile("[\ud800-\udfff]")


def _utf8_safe(value: Any) -> Any:
    """Strings as Arrow needs them (valid UTF-8): lone surrogates become U+FFFD."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return _SURROGATE.sub("\ufffd", value)
    return value


class ParquetWriter(RecordWriter):
    """Records as rows of :data:`PARQUET_SCHEMA`, zstd-compressed, one row group per buffer."""

    def __init__(self, path: str | Path, row_group_rows: int = ROW_GROUP_ROWS,
                 row_group_bytes: int = ROW_GROUP_BYTES):
        super().__init__(path)
        self._writer = pq.ParquetWriter(self._file, PARQUET_SCHEMA, compression="zstd")
        self._row_group_rows = row_group_rows
        self._row_group_bytes = row_group_bytes
        self._columns: dict[str, list[Any]] = {name: [] for name in PARQUET_SCHEMA.names}
        self._buffered_bytes = 0

    def write(self, record: dict[str, Any]) -> None:
        unknown = set(record) - set(self._columns)
        if unknown:
            raise ValueError(f"fields not in the Parquet schema: {', '.join(sorted(unknown))}")
        for name, column in self._columns.items():
            value = record.get(name)
            if name == "removed" and value is not None:
                value = [{"rule": _utf8_safe(r["rule"]), "text": _utf8_safe(r["text"])} for r in value]
                self._buffered_bytes += sum(len(r["text"]) for r in value)
            elif isinstance(value, str):
                value = _utf8_safe(value)
                self._buffered_bytes += len(value)
            column.append(value)
        self.count += 1
        if len(self._columns["id"]) >= self._row_group_rows or self._buffered_bytes >= self._row_group_bytes:
            self._flush()

    def _flush(self) -> None:
        if not self._columns["id"]:
            return
        arrays = [_column(values, field.type) for values, field in zip(self._columns.values(), PARQUET_SCHEMA)]
        self._writer.write_table(pa.Table.from_arrays(arrays, schema=PARQUET_SCHEMA))
        self._columns = {name: [] for name in PARQUET_SCHEMA.names}
        self._buffered_bytes = 0

    def _finish(self) -> None:
        self._flush()
        self._writer.close()

    def _discard(self) -> None:
        self._writer.close()


def _column(values: list[Any], type_: pa.DataType) -> pa.Array:
    """An Arrow column; ids given as numbers (``cluster``, ``duplicate_of``) are taken as their text."""
    if pa.types.is_string(type_):
        values = [v if v is None or isinstance(v, str) else str(v) for v in values]
    return pa.array(values, type=type_)


def open_writer(path: str | Path) -> RecordWriter:
    """A writer chosen by the file name: ``.jsonl``, ``.jsonl.gz``, ``.jsonl.zst`` or ``.parquet``."""
    name = Path(path).name.lower()
    if name.endswith(".parquet"):
        return ParquetWriter(path)
    for suffix, compression in ((".jsonl", None), (".jsonl.gz", "gzip"), (".jsonl.zst", "zstd")):
        if name.endswith(suffix):
            return JsonlWriter(path, compression)
    raise ValueError(f"{path}: output must end in .jsonl, .jsonl.gz, .jsonl.zst or .parquet")
