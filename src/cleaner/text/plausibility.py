"""How much bytes read with a codec look like real writing: the judge between candidate codecs.

Single-byte code pages read any bytes without error, so a clean reading proves nothing; what tells a
right reading from mojibake is the characters it gives (:func:`plausibility`).
"""
from __future__ import annotations

import re
from functools import cache

import numpy as np

from .chars import char_table, code_points

_MAX_REPLACED = 0.1  # a reading replacing more of the non-ASCII characters than this is not plausible at all
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_C1_CONTROL = re.compile("[\x80-\x9f]")


def plausibility(sample: bytes, codec: str) -> float:
    """How much ``sample`` read with ``codec`` looks like real writing, at most 1.

    The share of non-ASCII characters that are common letters, kana, hangul, hanzi or punctuation, less
    ten for each replacement, private-use or C1 control character (what ISO-8859 code pages make of
    bytes 0x80-0x9F, which pages do not contain: HTML reads them as Windows code page characters).
    Three signs of legacy CJK bytes read with an alphabetic code page (runs like "ÖÐÎÄ", "“ú–{Œê",
    "มcล้ค") make a letter not count: a capital right after another letter, a Latin, Greek or Cyrillic
    letter standing alone between non-letters, and a letter touching a letter of another alphabet.
    Hanzi and kana may touch Latin letters ("iPhone手机").
    """
    try:
        text = sample.decode(codec, "replace")
    except LookupError:
        return -1.0
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    if not non_ascii:
        return 1.0
    bad = text.count("\ufffd")
    if bad > _MAX_REPLACED * non_ascii:
        return -bad / non_ascii
    bad += private_use(text) + len(_C1_CONTROL.findall(text))
    common, upper = _common_table(), _upper_table()
    codes = code_points(f" {text} ")
    script = _SCRIPT_IDS[np.searchsorted(_SCRIPT_STARTS, codes, side="right") - 1]
    before, after, codes, script = script[:-2], script[2:], codes[1:-1], script[1:-1]
    alphabetic = (script != 0) & (script != _CJK)  # the checks below are for letters of alphabets
    touching = ((before != 0) & (before != script)) | ((after != 0) & (after != script))
    alone = np.isin(script, _CASED) & (before == 0) & (after == 0)
    capital_inside = upper[codes] & (before != 0)
    counted = (codes >= 0x80) & common[codes] & ~(alphabetic & (touching | alone | capital_inside))
    return (int(counted.sum()) - 10 * bad) / non_ascii


_LATIN, _GREEK, _CYRILLIC, _HEBREW, _ARABIC, _THAI, _CJK = range(1, 8)
_CASED = (_LATIN, _GREEK, _CYRILLIC)
_SCRIPT_STARTS, _SCRIPT_IDS = map(np.array, zip(*(  # first code point, script from there on (0: not a letter)
    (0x00, 0), (0x41, _LATIN), (0x5B, 0), (0x61, _LATIN), (0x7B, 0), (0xC0, _LATIN), (0xD7, 0),
    (0xD8, _LATIN), (0xF7, 0), (0xF8, _LATIN), (0x250, 0), (0x370, _GREEK), (0x400, _CYRILLIC),
    (0x500, 0), (0x5D0, _HEBREW), (0x5EB, 0), (0x620, _ARABIC), (0x64B, 0), (0xE01, _THAI), (0xE5C, 0),
    (0x1E00, _LATIN), (0x1F00, 0), (0x3041, _CJK), (0x3100, 0), (0x3400, _CJK), (0xA000, 0),
    (0xAC00, _CJK), (0xD7A4, 0), (0xF900, _CJK), (0xFB00, 0), (0x20000, _CJK), (0x30000, 0),
)))


@cache
def _common_table() -> np.ndarray:
    return char_table(_common_characters())


@cache
def _upper_table() -> np.ndarray:
    """True for the capitals among the common characters (the only ones the capital check sees)."""
    return char_table(c for c in _common_characters() if c.isupper())


@cache
def _common_characters() -> frozenset[str]:
    """Characters ordinary text is made of, beyond ASCII.

    The hanzi, kanji and hangul are the "level 1" (most frequent) sets that the national standards
    themselves define, read out of the codecs: GB2312 rows 16-55, Big5 A440-C67E, JIS X 0208 rows 16-47,
    the 2,350 KS X 1001 syllables. Mojibake is made of rare hanzi, half-width katakana, box drawing and
    symbols, which are all missing here.
    """
    chars: set[str] = set()

    def table(codec: str, leads: range, trails: list[int]) -> None:
        for lead in leads:
            for trail in trails:
                try:
                    chars.add(bytes((lead, trail)).decode(codec))
                except UnicodeDecodeError:
                    pass

    euc_trails = list(range(0xA1, 0xFF))
    table("gb2312", range(0xB0, 0xD8), euc_trails)
    table("big5", range(0xA4, 0xC7), list(range(0x40, 0x7F)) + euc_trails)
    table("euc_jp", range(0xB0, 0xD0), euc_trails)
    table("euc_kr", range(0xB0, 0xC9), euc_trails)
    ranges = (
        (0x00C0, 0x024F),  # Latin letters with diacritics (× and ÷ removed below)
        (0x0370, 0x03FF), (0x0400, 0x04FF), (0x05D0, 0x05EA), (0x0620, 0x064A), (0x0E01, 0x0E5B),
        (0x1E00, 0x1EFF),  # Greek, Cyrillic, Hebrew, Arabic, Thai letters; Vietnamese Latin
        (0x2010, 0x2027), (0x2030, 0x203B),  # dashes, quotes, ellipsis, per mille, reference mark
        (0x3000, 0x3011), (0x3014, 0x301F),  # CJK punctuation and brackets
        (0x3041, 0x3096), (0x30A1, 0x30FC),  # hiragana, katakana
        (0xFF01, 0xFF5E),  # full-width ASCII
    )
    for first, last in ranges:
        chars.update(map(chr, range(first, last + 1)))
    chars.update("\u00a0\u00a9\u00ab\u00ae\u00b0\u00b7\u00bb")
    chars.difference_update("\u00d7\u00f7")
    return frozenset(chars)


def private_use(text: str) -> int:
    return len(_PRIVATE_USE.findall(text))
