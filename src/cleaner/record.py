"""The flat output record: one per input document, also a good Parquet row."""
from __future__ import annotations

from typing import Any

from .document import Document

FIELDS = ("id", "source", "url", "title", "date", "text", "encoding", "script", "spun", "spin_score",
          "cluster", "duplicate_of", "similarity", "warc_record_id", "warc_date")
CONTEXT = ("before", "line", "after")  # with --explain, beside each removal's rule and text
# Every column an output or rejects row can have: FIELDS, then removed (--explain) and the reject reason.
# Input columns carried through (Config.keep_fields) come after these and may not reuse their names.
OUTPUT_FIELDS = (*FIELDS, "removed", "rejected", "reject_detail")


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
        "cluster": None,
        "duplicate_of": None,
        "similarity": None,
        "warc_record_id": doc.meta.get("warc_record_id"),
        "warc_date": doc.meta.get("warc_date"),
    }
    if explain:
        # context: (line before, the line it sat in, line after) where line cleaning took it out
        context = doc.meta.get("removed_context", {})
        record["removed"] = [{"rule": rule, "text": text, **dict(zip(CONTEXT, context.get(i, (None,) * 3)))}
                             for i, (rule, text) in enumerate(doc.removed)]
    record.update(doc.kept)
    return record
