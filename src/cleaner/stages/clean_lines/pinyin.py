"""Pinyin left over from ruby annotations: ``醫(yī)院`` → ``醫院``.

When a page's ``<ruby>`` markup is flattened by a tool that does not know it, every character is followed
by its reading in parentheses. Only readings that are well-formed, tone-marked Hanyu Pinyin syllables
written right after a Han character (or right after another such reading) are taken out, so that
parenthesised English, abbreviations and neutral-tone words such as ``(ma)`` stay.
"""
from __future__ import annotations

import re

from ...document import Document
from ...text.chars import HAN
from .rule import LineRule

TONED_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_TONELESS = str.maketrans(TONED_VOWELS, "aaaaeeeeiiiioooouuuuüüüü")
_PINYIN_LETTERS = "a-zü" + TONED_VOWELS

# One parenthesised group that could be a reading; ASCII or full-width parentheses. Bounded lengths keep
# the scan linear.
_GROUP = re.compile(rf"[(（]([{_PINYIN_LETTERS}]{{1,7}}(?: [{_PINYIN_LETTERS}]{{1,7}}){{0,3}})[)）]")
_HAN_CHAR = re.compile(rf"[{HAN}]")

_INITIAL = "(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
_FINAL = ("(?:iang|iong|uang|ueng|ang|eng|ong|ian|iao|uai|uan|üan|ing|ai|ei|ao|ou|an|en|er|ia|ie|iu|in"
          "|ua|uo|ui|un|ün|üe|ue|a|o|e|i|u|ü)")
_SYLLABLE = _INITIAL + _FINAL
# At most four syllables (with or without spaces between them): enough for a word's reading, and it
# bounds the work of matching the alternation.
_READING = re.compile(rf"{_SYLLABLE}(?: ?{_SYLLABLE}){{0,3}}")


def is_toned_pinyin(reading: str) -> bool:
    """True for one to four Hanyu Pinyin syllables, at least one of them carrying a tone mark."""
    if not any(c in TONED_VOWELS for c in reading):
        return False
    return _READING.fullmatch(reading.translate(_TONELESS)) is not None


def strip_pinyin(line: str) -> tuple[str, list[str]]:
    """Return ``line`` without its pinyin annotations, and the annotations taken out."""
    kept: list[str] = []
    removed: list[str] = []
    pos = 0
    last_removed_end = -1
    for m in _GROUP.finditer(line):
        start = m.start()
        after_han = start > 0 and _HAN_CHAR.match(line, start - 1) is not None
        if not (after_han or start == last_removed_end) or not is_toned_pinyin(m.group(1)):
            continue
        kept.append(line[pos:start])
        removed.append(m.group(0))
        pos = last_removed_end = m.end()
    if not removed:
        return line, removed
    kept.append(line[pos:])
    return "".join(kept), removed


class PinyinRule(LineRule):
    """Remove tone-marked pinyin readings written in parentheses after Han characters."""

    name = "pinyin"

    def apply(self, lines: list[str], doc: Document) -> list[str]:
        out = []
        for line in lines:
            if "(" in line or "（" in line:
                line, removed = strip_pinyin(line)
                for annotation in removed:
                    doc.remove("pinyin:annotation", annotation)
            out.append(line)
        return out
