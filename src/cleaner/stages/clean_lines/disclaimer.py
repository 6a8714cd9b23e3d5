"""Copy and snapshot disclaimers, platform notices, copyright and ICP licence lines (Chinese and English).

A line carrying one of the ``[disclaimer]`` phrases goes whole, unless it is longer than any notice
(then the phrase is more likely quoted in an article); the same for ``[copyright]`` footers, with a
tighter length limit since ``版权所有`` also occurs in articles about copyright. A legal-notice heading (``[tail]``: ``反侵权公告``,
``免责声明``) in the second half of the page starts a notice that runs to its end: the heading and
everything after it go.
"""
from __future__ import annotations

from ...document import Document
from .rule import LineRule, line_keys

NOTICE_CHARS = 500     # longer lines are article text that happens to quote a notice
COPYRIGHT_CHARS = 200  # copyright and licence footers are short; longer lines discuss copyright


class DisclaimerRule(LineRule):
    name = "boilerplate:disclaimer"

    def __init__(self, config) -> None:
        super().__init__(config)
        self.phrases, self.copyright, self.tail = self.families("disclaimer", "copyright", "tail")

    def apply(self, lines: list[str], doc: Document) -> list[str]:
        keys = line_keys(lines, trim=True)
        spaced = line_keys(lines, keep_spaces=True)
        total = sum(len(k) for k in keys)
        before = 0
        out: list[str] = []
        for i, (line, key, phrase_key) in enumerate(zip(lines, keys, spaced)):
            if before * 2 >= total and self.tail.matches(key):
                for rest in lines[i:]:
                    doc.remove(self.name, rest)
                break
            before += len(key)
            if ((len(key) <= NOTICE_CHARS and self.phrases.matches(phrase_key))
                    or (len(key) <= COPYRIGHT_CHARS and self.copyright.matches(phrase_key))):
                doc.remove(self.name, line)
            else:
                out.append(line)
        return out
