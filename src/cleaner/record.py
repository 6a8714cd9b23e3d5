"""The flat output record: one per input document, also a good Parquet row."""
from __future__ import annotations

from typing import Any

from .document import Document
from .stages.signals import SIGNALS

# Page verdict and quality signals (cleaner.stages.spam_page, cleaner.stages.signals), in doc.flags.
PAGE_FIELDS = ("spam_page", "spam_kind", "spam_score", *SIGNALS)
FIELDS = ("id", "source", "url", "title", "date", "text", "encoding", "script", "spun", "spin_score",
          *PAGE_FIELDS, "cluster", "duplicate_of", "similarity")


def to_record(doc: Document, explain: bool = False) -> dict[str, Any]:
    """Output record of a document. Dedup fields start empty; the dedup stage fills them."""
    record = {
        "id": doc.id,
        "source": doc.source,
        "url": doc.url or doc.meta.get("url"),
        "title": doc.meta.get("title"),
        "date": doc.meta.get("date"),
        "text": doc.text,
        "encoding": doc.meta.get("encoding"),
        "script": doc.meta.get("script"),
        "spun": bool(doc.flags.get("spun", False)),
        "spin_score": float(doc.flags.get("spin_score", 0.0)),
        **{name: doc.flags.get(name) for name in PAGE_FIELDS},
        "cluster": None,
        "duplicate_of": None,
        "similarity": None,
    }
    if explain:
        record["removed"] = [{"rule": rule, "text": text} for rule, text in doc.removed]
    return record
