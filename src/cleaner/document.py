"""The unit every stage reads and writes."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Document:
    """One page on its way through the pipeline.

    ``raw`` holds the input (page bytes or markup) until extraction has consumed it; ``text`` is the
    cleaned text, paragraphs separated by ``"\\n"``. ``rejected`` is a reason code (see
    :mod:`cleaner.errors`) when the document cannot be used; the pipeline then stops working on it.
    """

    text: str = ""
    id: str | None = None
    source: str | None = None
    url: str | None = None
    raw: bytes | str | None = None
    # What ``raw`` holds: "html" (a page) or "text" (the bytes of an extracted text, decoded into ``text``).
    kind: str = "html"
    headers: dict[str, str] | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    flags: dict[str, Any] = field(default_factory=dict)
    removed: list[tuple[str, str]] = field(default_factory=list)
    rejected: str | None = None
    reject_detail: str | None = None
    # input columns named by Config.keep_fields, carried unchanged into the output record
    kept: dict[str, Any] = field(default_factory=dict)
    # Parsed lxml tree handed from HTML preparation to extraction so a page is parsed once.
    tree: Any = field(default=None, repr=False, compare=False)

    @property
    def is_page(self) -> bool:
        """Whether the document goes through the HTML stages (decode, prepare, extract)."""
        return self.raw is not None and self.kind == "html"

    def remove(self, rule: str, text: str) -> None:
        """Record that ``rule`` took ``text`` out."""
        if text:
            self.removed.append((rule, text))

    def reject(self, reason: str, detail: str = "") -> None:
        self.rejected = reason
        self.reject_detail = detail or None
        self.text = ""
