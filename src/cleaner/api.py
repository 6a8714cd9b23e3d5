"""The public functions: one document at a time, or a batch of columns for other pipelines' map steps."""
from __future__ import annotations

from typing import Any

from .config import Config
from .document import Document
from .pipeline import pipelines
from .record import to_record

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


def clean_batch(batch: dict[str, list[Any]], config: Config | None = None) -> dict[str, list[Any]]:
    """Columns in (``html`` or ``text``; optional ``id``, ``url``, ``headers``), output-record columns out.

    Fits ``datasets.Dataset.map(batched=True)`` and Ray's ``map_batches``. A rejected document keeps its
    row, with empty text and the reason in the ``rejected`` column, so rows line up with the input.
    """
    config = config or _DEFAULT
    column = "html" if "html" in batch else "text"
    n = len(batch[column])
    ids = batch.get("id") or [None] * n
    urls = batch.get("url") or [None] * n
    headers = batch.get("headers") or [None] * n
    out: dict[str, list[Any]] = {}
    for i in range(n):
        value = batch[column][i]
        if column == "html":
            doc = clean_html(value if value is not None else b"", url=urls[i], headers=headers[i], config=config)
        else:
            doc = clean_text(value or "", config=config)
            doc.url = urls[i]
        doc.id = ids[i]
        record = to_record(doc, explain=config.explain)
        record["rejected"] = doc.rejected
        for key, val in record.items():
            out.setdefault(key, []).append(val)
    return out
