"""Table input: Parquet files and Arrow IPC files (what ``datasets.Dataset.save_to_disk`` writes).

A file is read a batch of rows at a time (:data:`BATCH_ROWS`, within one Parquet row group), and only
the columns a document needs (``Config.html_field`` or ``text_field``, ``id_field``, ``url_field``,
``headers`` and ``keep_fields``), so memory holds one batch whatever the file's size. A row becomes a
Document as a JSONL record does (:func:`cleaner.io.jsonl.fill_document`); a row without a usable html or
text value is a ``bad_record`` reject. Ids: the ``id_field`` value, else ``FILE:ROW`` (rows counted from
0, as pandas and ``datasets`` do); ``source`` is ``FILE:ROW``.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import IO

import pyarrow as pa
import pyarrow.parquet as pq

from .. import errors
from ..config import Config
from ..document import Document
from .jsonl import fill_document

BATCH_ROWS = 128  # rows converted to Python at once: pages are large, so a small batch bounds memory
ARROW_STREAM_MAGIC = b"\xff\xff\xff\xff"
ARROW_FILE_MAGIC = b"ARROW1"
PARQUET_MAGIC = b"PAR1"


def wanted_columns(config: Config) -> list[str]:
    return list(dict.fromkeys([config.html_field, config.text_field, config.id_field, config.url_field,
                               "headers", *config.keep_fields]))


def _batches(f: IO[bytes], kind: str, columns: list[str]) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    if kind == "parquet":
        table = pq.ParquetFile(f)
        schema = table.schema_arrow
        present = [c for c in columns if c in schema.names]
        return schema, table.iter_batches(batch_size=BATCH_ROWS, columns=present)
    magic = f.read(6)
    f.seek(0)
    reader = pa.ipc.open_file(f) if magic == ARROW_FILE_MAGIC else pa.ipc.open_stream(f)
    if isinstance(reader, pa.ipc.RecordBatchFileReader):
        batches: Iterable[pa.RecordBatch] = (reader.get_batch(i) for i in range(reader.num_record_batches))
    else:
        batches = reader
    present = [c for c in columns if c in reader.schema.names]
    return reader.schema, (b.select(present) for batch in batches for b in _slices(batch))


def _slices(batch: pa.RecordBatch) -> Iterator[pa.RecordBatch]:
    for start in range(0, batch.num_rows, BATCH_ROWS):
        yield batch.slice(start, BATCH_ROWS)


def read_table(f: IO[bytes], kind: str, id_base: str, source: str, config: Config,
               skipped: Counter | None = None) -> Iterator[Document]:
    """Documents of one Parquet (``kind`` ``parquet``) or Arrow IPC (``arrow``) file opened as ``f``.
    Raises pyarrow's errors for a file that is not one; the caller turns them into a reject."""
    schema, batches = _batches(f, kind, wanted_columns(config))
    row = 0
    for batch in batches:
        for record in batch.to_pylist():
            doc = Document(id=f"{id_base}:{row}", source=f"{source}:{row}")
            fill_document(doc, record, config, errors.BAD_RECORD)
            if doc.rejected and config.html_field not in schema.names and config.text_field not in schema.names:
                doc.reject_detail = (f"no column {config.html_field!r} or {config.text_field!r} "
                                     f"(columns: {', '.join(schema.names[:20])})")
            row += 1
            yield doc


def kept_types(files: Iterable[tuple[object, str]], config: Config) -> pa.Schema:
    """Arrow types of ``config.keep_fields`` from the first table file (in ``files``) that has each; a
    field no table has gets ``null`` (the Parquet writer then takes the type of the values it is given)."""
    from .readers import file_kind, open_input

    found: dict[str, pa.DataType] = {}
    for path, _ in files:
        if len(found) == len(config.keep_fields):
            break
        kind = file_kind(path)
        if kind not in ("parquet", "arrow"):
            continue
        try:
            with open_input(path) as f:
                if kind == "parquet":
                    schema = pq.read_schema(f)
                else:
                    schema, _ = _batches(f, kind, [])
        except (OSError, pa.ArrowException):
            continue  # the reader rejects it
        for name in config.keep_fields:
            if name not in found and name in schema.names:
                found[name] = schema.field(name).type
    return pa.schema([pa.field(name, found.get(name, pa.null())) for name in config.keep_fields])
