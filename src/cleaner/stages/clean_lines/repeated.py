"""The title repeated where images stood, as every image's caption.

Only the first occurrence stays. The title is ``doc.meta["title"]`` if extraction found one, else the
first line when it reads like a headline (short, no final 。); lines are compared in Simplified script,
white space and width folded.

Other repeated lines stay, paragraphs included: real articles repeat text (a forum post quoting another,
a pull quote, a list repeated under each plan, command output, a song's chorus), and on every shared
source removing repeated paragraphs took more article text than boilerplate.
"""
from __future__ import annotations

from ...document import Document
from .rule import LineRule, line_keys

TITLE_CHARS = 80


class RepeatedLineRule(LineRule):
    name = "boilerplate:repeated"

    def apply(self, lines: list[str], doc: Document) -> list[str]:
        keys = line_keys(lines, trim=True)
        titles = set()
        meta_title = doc.meta.get("title")
        if meta_title:
            titles.add(line_keys([meta_title], trim=True)[0])
        elif keys and 0 < len(keys[0]) <= TITLE_CHARS and not keys[0].endswith("。"):
            titles.add(keys[0])
        titles.discard("")
        seen: set[str] = set()
        out: list[str] = []
        for line, key in zip(lines, keys):
            if key in seen and key in titles:
                doc.remove(self.name, line)
                continue
            seen.add(key)
            out.append(line)
        return out
