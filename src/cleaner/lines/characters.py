"""Characters that are never text: control characters and lone surrogates.

They come from broken encoders and binary junk inside pages (``\\x00`` everywhere, a JSON ``"\\ud800"``).
They are invisible, they cannot be written as UTF-8 (lone surrogates), and later rules and OpenCC would
have to work around them, so they go first. Tab and newline are white space, not controls, and stay.
"""
from __future__ import annotations

import re

from ..document import Document
from .rule import LineRule

# C0 controls except tab and newline, DEL and the C1 controls, the byte-order mark inside text, and the
# UTF-16 surrogate range (only ever lone in a Python str).
NOT_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff\ud800-\udfff]+")


class ControlCharacterRule(LineRule):
    name = "characters:control"

    def apply(self, lines: list[str], doc: Document) -> list[str]:
        out = []
        for line in lines:
            removed = NOT_TEXT.findall(line)
            if removed:
                doc.remove(self.name, "".join(removed))
                line = NOT_TEXT.sub("", line)
            out.append(line)
        return out
