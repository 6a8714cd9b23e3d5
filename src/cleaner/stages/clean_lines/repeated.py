"""Lines repeated where images stood: the title as every image's caption, duplicated paragraphs.

Only the first occurrence stays. Two kinds of line are taken as repeats (compared in Simplified script,
white space and width folded):

- the title: ``doc.meta["title"]`` if extraction found one, else the first line when it reads like a
  headline (short, no final 。); every later copy goes;
- a paragraph seen before: at least ``MIN_REPEAT_CHARS`` characters and ending its sentence. A paragraph
  does not repeat word for word in an article, while short lines legitimately do (``会上,``,
  ``地点:…`` in a programme) and so do the unpunctuated lines of a song's chorus; those stay.
"""
from __future__ import annotations

from ...document import Document
from .related import ends_sentence
from .rule import LineRule, line_keys

MIN_REPEAT_CHARS = 40
TITLE_CHARS = 80


class RepeatedLineRule(LineRule):
    name = "boilerplate:repeated"

    def apply(self, lines: list[str], doc: Document) -> list[str]:
        keys = line_keys(lines, trim=True)
        titles = set()
        meta_title = doc.meta.get("title")
        if meta_title:
            titles.add(line_keys([meta_title], trim=True)[0])
        if keys and 0 < len(keys[0]) <= TITLE_CHARS and not keys[0].endswith("。"):
            titles.add(keys[0])
        titles.discard("")
        seen: set[str] = set()
        out: list[str] = []
        for line, key in zip(lines, keys):
            if key in seen and (key in titles or (len(key) >= MIN_REPEAT_CHARS and ends_sentence(key))):
                doc.remove(self.name, line)
                continue
            seen.add(key)
            out.append(line)
        return out
