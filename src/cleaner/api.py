"""The public functions: one document at a time, or a batch of columns for other pipelines' map steps."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .config import Config
from .document import Document
from .pipeline import pipelines
from .record import to_record

if TYPE_CHECKING:
    import pyarrow as pa

_DEFAULT = Config()


def clean_html(data: bytes | str, url: str | None = None, headers: dict[str, str] | None = None,
               config: Config | None = None) -> Document:
    """Decode, extract and clean one page. Never raises on bad input: ``doc.rejected`` says why not."""
    doc = Document(raw=data, url=url, headers=headers)
    return pipelines(config or _DEFAULT)[0].run(doc)


def clean_text(text: str, config: Config | None = None) -> Document:
    """Clean already-extracted text (line rules, script conversion, signals)."""
    doc = Document(text=text, kind="text")
    return pipelines(config or _DEFAULT)[1].run(doc)


def clean_batch(batch: Any, config: Config | None = None, *, text_column: str | None = None,
                html_column: str | None = None, id_column: str | None = None,
                url_column: str | None = None) -> "pa.Table":
    """Columns in, one output record per row out, as a ``pyarrow.Table`` of one fixed schema
    (:data:`cleaner.io.writers.PARQUET_SCHEMA`: the record fields, ``removed``, ``rejected``,
    ``reject_detail``), whatever the batch holds, so every batch of ``datasets.Dataset.map(batched=True)``
    or Ray's ``map_batches`` has the same column types without ``features=``.

    ``batch``: a mapping of column name to list or NumPy array, a ``pyarrow.Table`` or a pandas DataFrame.
    The page markup is in ``html_column``, or extracted text in ``text_column`` (by default the config's
    ``html_field`` when present, else its ``text_field``: ``html``, ``text``); ``id_column`` and
    ``url_column`` default to the config's ``id_field`` and ``url_field``; a ``headers`` column is used
    when present. A rejected document keeps its row, with empty text and the reason in ``rejected``, so
    rows line up with the input.
    """
    import pyarrow as pa

    from .io.writers import PARQUET_SCHEMA

    config = config or _DEFAULT
    columns = _as_lists(batch)
    if html_column and text_column:
        raise ValueError("clean_batch: give html_column or text_column, not both")
    column = html_column or text_column
    if column is None:
        column = config.html_field if config.html_field in columns else config.text_field
    if column not in columns:
        raise ValueError(f"clean_batch: no column {column!r} in the batch (columns: {', '.join(columns)})")
    is_html = column == html_column or (text_column is None and column == config.html_field)
    n = len(columns[column])
    ids, urls, headers = (columns.get(name) or [None] * n for name in (id_column or config.id_field,
                                                                        url_column or config.url_field, "headers"))
    out: dict[str, list[Any]] = {name: [] for name in PARQUET_SCHEMA.names}
    for i in range(n):
        value = columns[column][i]
        if is_html:
            doc = clean_html(value if value is not None else b"", url=urls[i], headers=_headers(headers[i]),
                             config=config)
        else:
            doc = clean_text(value or "", config=config)
            doc.url = urls[i]
        doc.id = None if ids[i] is None else str(ids[i])
        record = to_record(doc, explain=config.explain)
        record["rejected"], record["reject_detail"] = doc.rejected, doc.reject_detail
        for name, values in out.items():
            values.append(record.get(name))
    return pa.Table.from_pydict(out, schema=PARQUET_SCHEMA)


def _as_lists(batch: Any) -> dict[str, list[Any]]:
    """Column name -> Python list, from the batch formats of ``datasets`` and Ray."""
    if hasattr(batch, "to_pydict"):  # pyarrow Table or RecordBatch
        return batch.to_pydict()
    if hasattr(batch, "to_dict") and hasattr(batch, "columns"):  # pandas DataFrame
        return {str(name): batch[name].tolist() for name in batch.columns}
    return {name: values.tolist() if hasattr(values, "tolist") else list(values) for name, values in batch.items()}


def _headers(value: Any) -> dict[str, str] | None:
    """A headers cell as a dict: Arrow maps arrive as (key, value) pairs."""
    if isinstance(value, list):
        return dict(value)
    return value
