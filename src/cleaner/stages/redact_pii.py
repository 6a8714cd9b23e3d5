"""PII redaction: e-mail addresses and phone numbers replaced by placeholders (``Config.redact_pii``).

The patterns are also what the quality signals count (:mod:`cleaner.stages.signals`). Phone numbers are only
the shapes that cannot be a date, a price or an id: Chinese mobile numbers (11 digits from 13-19),
numbers with a trunk or international prefix and a dash (021-54098575, 00852-27100021), ``+`` numbers in
groups, and North American ``(555) 123-4567`` / ``555-123-4567``. A bare run of digits (a QQ number,
an order number) is not a phone number.
"""
from __future__ import annotations

import re

from ..document import Document
from .base import Stage

EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*"
                   r"\.[A-Za-z]{2,24}(?![\w-])")
PHONE = re.compile(
    r"(?<![\w+.-])(?:"
    r"1[3-9]\d{9}"                                        # Chinese mobile
    r"|0\d{2,4}-\d{7,8}"                                  # trunk or international prefix, dash, number
    r"|\+\d{1,3}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]?\d{2,5}){2,5}"  # +CC and groups
    r"|\(\d{3}\) ?\d{3}-\d{4}|\d{3}-\d{3}-\d{4}"          # North American
    r")(?![\w-])")
URL = re.compile(r"(?<![\w@])(?:https?://|www\.)[^\s<>\"'，。）)】]+", re.IGNORECASE)

EMAIL_PLACEHOLDER = "<EMAIL>"
PHONE_PLACEHOLDER = "<PHONE>"


def redact(text: str, doc: Document | None = None) -> str:
    """``text`` with e-mail addresses and phone numbers replaced; each one recorded in ``doc.removed``
    as ``pii:email`` / ``pii:phone`` when a document is given."""
    def replace(placeholder: str, rule: str):
        def sub(m: re.Match) -> str:
            if doc is not None:
                doc.remove(rule, m.group())
            return placeholder
        return sub

    text = EMAIL.sub(replace(EMAIL_PLACEHOLDER, "pii:email"), text)
    return PHONE.sub(replace(PHONE_PLACEHOLDER, "pii:phone"), text)


class RedactPiiStage(Stage):
    """With ``Config.redact_pii``: redact the text and the title."""

    name = "redact_pii"

    def process(self, doc: Document) -> None:
        if not self.config.redact_pii:
            return
        doc.text = redact(doc.text, doc)
        if doc.meta.get("title"):
            doc.meta["title"] = redact(doc.meta["title"], doc)
