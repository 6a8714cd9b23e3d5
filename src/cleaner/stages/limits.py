"""Size limits checked before any stage does work, so an oversized input is rejected as such rather than
timing out or exhausting memory. (The readers already stop reading a page at ``max_page_bytes``; this
covers documents built by other callers and plain text, which no later stage measures. Nesting depth is
checked on the parsed tree by :mod:`cleaner.stages.prepare_html`.)
"""
from __future__ import annotations

from .. import errors
from ..document import Document
from ..errors import Rejected
from .base import Stage


class LimitsStage(Stage):
    """First stage of every pipeline: ``Rejected(too_large)`` for a page over ``max_page_bytes`` or a text
    over ``max_doc_chars``."""

    name = "limits"

    def process(self, doc: Document) -> None:
        config = self.config
        if doc.raw is not None and len(doc.raw) > config.max_page_bytes:
            raise Rejected(errors.TOO_LARGE, f"page of {len(doc.raw):,} bytes > max_page_bytes {config.max_page_bytes:,}")
        if len(doc.text) > config.max_doc_chars:
            raise Rejected(errors.TOO_LARGE, f"text of {len(doc.text):,} characters > max_doc_chars {config.max_doc_chars:,}")
