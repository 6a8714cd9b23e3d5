"""Markdown table rows left by extraction: ``|  | 正文…… |  |`` becomes ``正文……``.

trafilatura writes ``<table>`` content as Markdown rows, and old Chinese sites lay whole pages out in
tables, so article text, menus and calendars all arrive as ``| cell | cell |``. Each non-empty cell
becomes a line of its own (later rules then judge menus and article text separately); separator rows,
empty rows and rows whose cells are all one character or a day of the month (calendars) go.
"""
from __future__ import annotations

import re

from ...document import Document
from .rule import LineRule

_ROW = re.compile(r"^\s*\|.*\|\s*$")
_SEPARATOR_ROW = re.compile(r"^\s*\|(?:\s*:?-{1,}:?\s*\|)+\s*$")
_CELL_BORDER = re.compile(r"(?<!\\)\|")


class TableMarkupRule(LineRule):
    name = "boilerplate:table"

    def apply(self, lines: list[str], doc: Document) -> list[str]:
        out: list[str] = []
        for line in lines:
            if not _ROW.match(line):
                out.append(line)
                continue
            if _SEPARATOR_ROW.match(line):
                doc.remove(self.name, line)
                continue
            cells = [c.strip() for c in _CELL_BORDER.split(line.strip()[1:-1])]
            cells = [c for c in cells if c]
            if all(len(c) <= 1 or (c.isdigit() and len(c) <= 2) for c in cells):
                doc.remove(self.name, line)
                continue
            doc.remove(self.name, "".join(_CELL_BORDER.findall(line)))  # the cell borders, the cells stay
            out.extend(cells)
        return out
