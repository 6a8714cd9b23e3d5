"""The flat output record: one per input document, also a good Parquet row."""
from __future__ import annotations

from typing import Any

from .document import Document

# Quality signals (computed by cleaner.stages.signals): name -> type, in output order.
SIGNALS: dict[str, type] = {
    "language": str, "language_score": float, "chars": int, "cjk_share": float, "lines": int,
    "mean_line_chars": float, "punct_line_share": float, "dup_line_frac": float, "dup_line_char_frac": float,
    "top_2gram_char_frac": float, "dup_5gram_char_frac": float, "dup_10gram_char_frac": float,
    "symbol_ratio": float, "emails": int, "phones": int, "urls": int,
}
# Page verdict and quality signals (cleaner.stages.spam_page, cleaner.stages.signals), in doc.flags.
PAGE_FIELDS = ("spam_page", "spam_kind", "spam_score", *SIGNALS)
FIELDS = ("id", "source", "url", "title", "date", "text", "encoding", "script", "spun", "spin_score",
          *PAGE_FIELDS, "cluster", "duplicate_of", "similarity", "warc_record_id", "warc_date")
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
        **{name: doc.flags.get(name) for name in PAGE_FIELDS},
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
