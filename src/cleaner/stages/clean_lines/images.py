"""Image placeholders: ``![]()``, ``(资料图片仅供参考)``, ``[图片]`` and kin, cut out of the line.

The spans come from the ``[image]`` family of the rule file. Patterns are matched on the line in
Simplified script (so one pattern covers both scripts) and the same span is cut from the original; a
line left with nothing but punctuation goes entirely.
"""
from __future__ import annotations

import re

from ...document import Document
from .rule import LineRule, simplified

# Nothing a reader would miss: white space and punctuation only.
_EMPTY_REMAINDER = re.compile(r"^[\s\W_]*$")


class ImagePlaceholderRule(LineRule):
    name = "boilerplate:image"

    def __init__(self, config) -> None:
        super().__init__(config)
        self.spans = self.families("image")[0].regex

    def apply(self, lines: list[str], doc: Document) -> list[str]:
        out: list[str] = []
        for line, simple in zip(lines, simplified(lines)):
            rest = self._cut(line, simple if len(simple) == len(line) else line, doc)
            if rest is line:
                out.append(line)
            elif _EMPTY_REMAINDER.match(rest):
                doc.remove(self.name, rest.strip())
            else:
                out.append(rest)
        return out

    def _cut(self, line: str, simple: str, doc: Document) -> str:
        """``line`` with every placeholder span cut out, repeated until none is left (cutting one can
        bring the text around it together into another). ``simple`` is ``line`` in Simplified script,
        same length (OpenCC can change the length; then the caller passes ``line`` itself)."""
        while True:
            pieces: list[str] = []
            simple_pieces: list[str] = []
            pos = 0
            for m in self.spans.finditer(simple):
                if m.end() == m.start():
                    continue
                pieces.append(line[pos:m.start()])
                simple_pieces.append(simple[pos:m.start()])
                doc.remove(self.name, line[m.start():m.end()])
                pos = m.end()
            if not pieces:
                return line
            line = "".join(pieces) + line[pos:]
            simple = "".join(simple_pieces) + simple[pos:]
