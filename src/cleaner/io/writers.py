"""Output records to JSONL (optionally gzip or zstd) or Parquet, atomically.

A writer writes to a hidden temporary file in the destination folder and renames it to the final name
(``os.replace``) only when it is closed without error, so a reader never sees half a file under the final
name and a failed run leaves the previous output, if any, untouched.

Parquet has one fixed schema (:data:`PARQUET_SCHEMA`): the fields of :data:`cleaner.record.FIELDS`, then
``removed`` (null unless ``--explain``), ``rejected`` and ``reject_detail``, so that an empty output and
every row group share it; input columns kept with ``Config.keep_fields`` follow, with the type they had in
the input (:func:`cleaner.io.parquet.kept_types`; a column no input table has takes the type of its first
row group's values). Rows are written in row groups as records arrive; memory holds one group.
"""
from __future__ import annotations

import gzip
import json
import os
import re
import secrets
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import zstandard

from ..record import CONTEXT, FIELDS, SIGNALS
from . import remote

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
    "similarity": pa.float64(), "warc_record_id": pa.string(), "warc_date": pa.string(),
}
PARQUET_SCHEMA = pa.schema(
    [pa.field(name, _FIELD_TYPES[name]) for name in FIELDS]
    + [pa.field("removed", pa.list_(pa.struct([(name, pa.string()) for name in ("rule", "text", *CONTEXT)]))),
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
        self.url = str(path) if remote.is_url(path) else None
        self.path = Path(tempfile.gettempdir(), PurePosixPath(self.url).name) if self.url else Path(path)
        # Hidden, unique, in the same folder (so the rename is atomic), with the usual permissions; for a
        # URL, in the local temporary folder, uploaded when complete.
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
            if self.url:
                remote.upload(str(self.temp_path), self.url)
                self.temp_path.unlink()
            else:
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
    """Records as rows of :data:`PARQUET_SCHEMA` (plus the ``kept`` columns), zstd-compressed, one row
    group per buffer."""

    def __init__(self, path: str | Path, row_group_rows: int = ROW_GROUP_ROWS,
                 row_group_bytes: int = ROW_GROUP_BYTES, kept: pa.Schema | None = None):
        super().__init__(path)
        self._schema = pa.schema(list(PARQUET_SCHEMA) + list(kept or []))
        self._writer: pq.ParquetWriter | None = None  # made at the first row group: kept types may come from it
        self._row_group_rows = row_group_rows
        self._row_group_bytes = row_group_bytes
        self._columns: dict[str, list[Any]] = {name: [] for name in self._schema.names}
        self._buffered_bytes = 0

    def write(self, record: dict[str, Any]) -> None:
        unknown = set(record) - set(self._columns)
        if unknown:
            raise ValueError(f"fields not in the Parquet schema: {', '.join(sorted(unknown))}")
        for name, column in self._columns.items():
            value = record.get(name)
            if name == "removed" and value is not None:
                value = [{k: _utf8_safe(r.get(k)) for k in ("rule", "text", *CONTEXT)} for r in value]
                self._buffered_bytes += sum(len(r["text"]) for r in value)
            elif isinstance(value, str):
                value = _utf8_safe(value)
                self._buffered_bytes += len(value)
            column.append(value)
        self.count += 1
        if len(self._columns["id"]) >= self._row_group_rows or self._buffered_bytes >= self._row_group_bytes:
            self._flush()

    def _flush(self) -> None:
        if self._writer is None:
            fields = []
            for field in self._schema:  # a kept column of no known type: its values' type, else text
                if pa.types.is_null(field.type):
                    inferred = pa.array(self._columns[field.name]).type if self._columns[field.name] else pa.null()
                    field = field.with_type(pa.string() if pa.types.is_null(inferred) else inferred)
                fields.append(field)
            self._schema = pa.schema(fields)
            self._writer = pq.ParquetWriter(self._file, self._schema, compression="zstd")
        if not self._columns["id"]:
            return
        arrays = [_column(values, field) for values, field in zip(self._columns.values(), self._schema)]
        self._writer.write_table(pa.Table.from_arrays(arrays, schema=self._schema))
        self._columns = {name: [] for name in self._schema.names}
        self._buffered_bytes = 0

    def _finish(self) -> None:
        self._flush()
        self._writer.close()

    def _discard(self) -> None:
        if self._writer is not None:
            self._writer.close()


def _column(values: list[Any], field: pa.Field) -> pa.Array:
    """An Arrow column; ids given as numbers (``cluster``, ``duplicate_of``) are taken as their text, and a
    kept value that JSON carried as text (a date, a decimal) is cast back to the column's type."""
    type_ = field.type
    if pa.types.is_string(type_):
        values = [v if v is None or isinstance(v, str) else str(v) for v in values]
    try:
        return pa.array(values, type=type_)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        try:
            return pa.array(values).cast(type_)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as e:
            raise ValueError(f"column {field.name!r}: values do not fit its type {type_}: {e}") from None


def open_writer(path: str | Path, kept: pa.Schema | None = None) -> RecordWriter:
    """A writer chosen by the file name: ``.jsonl``, ``.jsonl.gz``, ``.jsonl.zst`` or ``.parquet``;
    ``kept``: the types of the kept input columns, for Parquet."""
    name = PurePosixPath(path).name.lower()
    if name.endswith(".parquet"):
        return ParquetWriter(path, kept=kept)
    for suffix, compression in ((".jsonl", None), (".jsonl.gz", "gzip"), (".jsonl.zst", "zstd")):
        if name.endswith(suffix):
            return JsonlWriter(path, compression)
    raise ValueError(f"{path}: output must end in .jsonl, .jsonl.gz, .jsonl.zst or .parquet")
