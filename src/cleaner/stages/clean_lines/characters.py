"""Characters that are never text: control characters and lone surrogates.

They come from broken encoders and binary junk inside pages (``\\x00`` everywhere, a JSON ``"\\ud800"``).
They are invisible, they cannot be written as UTF-8 (lone surrogates), and later rules and OpenCC would
have to work around them, so they go first. Tab and newline are white space, not controls, and stay.
"""
from __future__ import annotations

from ...document import Document
from ...text.chars import NOT_TEXT
from .rule import LineRule


class ControlCharacterRule(LineRule):
    name = "characters:control"

    def apply(self, lines: list[str], doc: Document) -> list[str]:
        if not NOT_TEXT.search("\n".join(lines)):  # most pages have none: one scan instead of one a line
            return lines
        out = []
        for line in lines:
            removed = NOT_TEXT.findall(line)
            if removed:
                doc.remove(self.name, "".join(removed))
                line = NOT_TEXT.sub("", line)
            out.append(line)
        return out
