"""Character classes, each defined once: Han, kana, punctuation, sentence ends, bullets, controls.

Regex classes are strings to put inside ``[...]``; tables are boolean arrays over every code point, so
``table[code_points(text)]`` classifies a whole text at numpy speed. :func:`nfkc` is the NFKC every part uses.
"""
from __future__ import annotations

import functools
import re
import sys
import unicodedata

import numpy as np

# Han ideographs: unified blocks, extension A-H, compatibility ideographs.
_HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x323AF),
               (0x2F800, 0x2FA1F))
# Planes with assigned characters other than private use: 0-3 (BMP, SMP, SIP, TIP) and 14 (tags).
ASSIGNED_PLANES = (range(0x40000), range(0xE0000, 0xE1000))
#: Han ideographs as the body of a regex character class.
HAN = "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _HAN_RANGES)
#: Hiragana and katakana.
KANA_RANGE = (0x3040, 0x30FF)
#: Characters set without spaces between them (Han, CJK punctuation, kana, full-width forms), as the body of a regex
#: character class: a line break of the source between two of them shows as nothing (CSS Text 3, segment breaks).
WIDE = f"{HAN}\u3000-\u30ff\uff00-\uffef"
#: The full stops of scripts that have their own, which they use nowhere but at the end of a sentence: the danda
#: and double danda of Hindi, Bengali and the other Indic scripts, the Urdu, Armenian, Ethiopic, Myanmar, Khmer and
#: Mongolian full stops and the half-width Japanese one. (Thai and Lao end a sentence with a space alone.)
SCRIPT_FULL_STOPS = "।॥۔։።။។៕᠃｡"
#: The question marks of those scripts: the Arabic one (also Persian and Urdu) and the Ethiopic one.
SCRIPT_SENTENCE_END = SCRIPT_FULL_STOPS + "؟፧"
#: Marks that end a sentence in Chinese, Japanese and Western text, and in the scripts above.
SENTENCE_END = "。！？!?…" + SCRIPT_SENTENCE_END
#: Quotes and brackets that may close a sentence after its final mark: English, Chinese and Japanese ones, and
#: the German, Czech and Polish closing quotes “ and ‘ (they open a quote in English), and « (German »…«).
SENTENCE_CLOSERS = "\"'”’“‘»«」』）)】》"
#: Marks that end a sentence wherever they stand: no abbreviation, number or name uses them.
CERTAIN_SENTENCE_END = "。！？" + SCRIPT_SENTENCE_END
#: Where a sentence ends: a full stop before white space or a closing quote (not in 3.5 or example.com); the
#: full-width marks and the other scripts' always.
SENTENCE_ENDS = re.compile(f"[{CERTAIN_SENTENCE_END}]|[.{SENTENCE_END}](?=[\\s{re.escape(SENTENCE_CLOSERS)}]|$)")
#: Bullet characters that start a list item.
BULLETS = "•·▪◦‧∙●○◆◇■□►▶▸"
#: Every white-space character: what ``str.isspace``, ``str.strip()`` and regex ``\\s`` match (Unicode 15).
WHITE_SPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
#: C0 control characters other than tab and line feed.
C0_CONTROLS = "".join(chr(c) for c in (*range(0, 9), *range(11, 32)))
#: Characters that are never text: C0 and C1 controls (tab and line feed excepted), DEL, the byte-order
#: mark inside text, and UTF-16 surrogates (only ever lone in a Python str).
NOT_TEXT = re.compile(f"[{C0_CONTROLS}\x7f-\x9f\ufeff\ud800-\udfff]+")
#: Hints in a page that a browser never draws as a character: soft hyphen (where a word may be broken:
#: ``Ita&shy;li&shy;ens`` reads "Italiens"), zero-width space and word joiner (where a line may or may not
#: break), byte-order mark. Zero-width (non-)joiners are not among them: they change how Persian, Indic
#: scripts and emoji are drawn.
INVISIBLE_HINTS = "\xad\u200b\u2060\ufeff"


def without_space(text: str) -> str:
    """``text`` with its white space removed (``str.split``'s white space: regex ``\\s``, at 5x the speed)."""
    return "".join(text.split())


def visible_chars(text: str) -> int:
    """Characters of ``text`` that are not white space."""
    return len(without_space(text))


def han_chars() -> list[str]:
    return [chr(c) for lo, hi in _HAN_RANGES for c in range(lo, hi + 1)]


@functools.cache
def _chars_by_category() -> dict[str, str]:
    """Every assigned character, by its Unicode category: one pass over the planes for every caller. (The planes'
    unassigned code points, category Cn, are left out: half a megabyte in every process that nobody asks for.)"""
    chars: dict[str, list[str]] = {}
    for plane in ASSIGNED_PLANES:
        for code in plane:
            char = chr(code)
            category = unicodedata.category(char)
            if category != "Cn":
                chars.setdefault(category, []).append(char)
    return {category: "".join(members) for category, members in chars.items()}


@functools.cache
def unicode_chars(categories: tuple[str, ...]) -> str:
    """Every assigned character whose Unicode category is, or starts with, one of ``categories``
    (``("P", "Cc")``: all punctuation and the controls), category by category."""
    return "".join(members for category, members in _chars_by_category().items()
                   if category in categories or category[0] in categories)


def char_class(chars) -> str:
    """The body of a regex character class matching exactly ``chars``, as compact ranges."""
    codes = sorted({ord(c) for c in chars})
    parts = []
    i = 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        lo, hi = chr(codes[i]), chr(codes[j])
        parts.append(re.escape(lo) if lo == hi else f"{re.escape(lo)}-{re.escape(hi)}")
        i = j + 1
    return "".join(parts)


def code_points(text: str) -> np.ndarray:
    """The code points of ``text`` as a uint32 array (a view of its UTF-32 encoding)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def from_code_points(codes: np.ndarray) -> str:
    return codes.astype(np.uint32, copy=False).tobytes().decode("utf-32-le", "surrogatepass")


def char_table(chars) -> np.ndarray:
    """A boolean lookup table over all code points, true for ``chars``: ``table[code_points(text)]``
    classifies every character of a text at numpy speed."""
    table = np.zeros(sys.maxunicode + 1, dtype=bool)
    table[[ord(c) for c in chars]] = True
    return table


@functools.cache
def punctuation_and_space() -> np.ndarray:
    return char_table(unicode_chars(("Z", "P", "Cc")))


@functools.cache
def compatibility_forms() -> tuple[re.Pattern[str], dict[str, str]]:
    """(a pattern finding them, the replacement of each) for the BMP characters whose NFKC form is their
    compatibility decomposition and already NFKC: full-width letters, digits and punctuation, the
    ideographic space, ``…``, ``①``, ``㎡`` and the like (2,815 characters, 15 ms to build)."""
    forms = {}
    for code in range(0x10000):
        c = chr(code)
        if 0xD800 <= code < 0xE000 or unicodedata.is_normalized("NFKC", c):
            continue
        decomposed = unicodedata.normalize("NFKD", c)
        if decomposed == unicodedata.normalize("NFKC", c) and unicodedata.is_normalized("NFKC", decomposed):
            forms[c] = decomposed
    return re.compile(f"[{char_class(forms)}]"), forms


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, 8x as fast on Chinese text.

    One full-width comma sends unicodedata's NFKC through its slow path (decompose and recompose every
    character) for the whole text. Replacing the :func:`compatibility_forms` in it first, a ``str.replace``
    for each one it holds, does not change the NFKC form (NFKC decomposes them into the same characters),
    and the text is then NFKC already unless it holds other characters that NFKC changes.
    """
    if unicodedata.is_normalized("NFKC", text):
        return text
    pattern, forms = compatibility_forms()
    for form in set(pattern.findall(text)):
        text = text.replace(form, forms[form])
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


def prose_chars(text: str, separator: str = "\n") -> int:
    """Visible characters of the parts of ``text`` (split at ``separator``) that end a sentence somewhere."""
    return visible_chars("\n".join(part for part in text.split(separator) if SENTENCE_ENDS.search(part)))
