"""Normalised views of a text for comparing documents (near-duplicate detection).

Two copies of an article should give the same view although one is in Traditional script, uses
full-width letters, other punctuation or line breaks, or had words swapped by a spinner.
"""
from __future__ import annotations

import functools
import unicodedata

import numpy as np

from ..stages.spin import load_spin_lexicon
from ..text.chars import char_table, code_points, from_code_points, unicode_chars
from ..text.opencc import to_simplified


# Apostrophes join the parts of a word ("don't" and "dont" agree); other punctuation separates words.
_APOSTROPHES = "'\u2019\u02bc"
_SPACE = ord(" ")


@functools.cache
def _tables() -> tuple[np.ndarray, np.ndarray]:
    """Lookup tables: characters that are not text (punctuation, symbols, separators, controls, format
    characters, lone surrogates), and apostrophes. Symbols count: decorations such as ★ or ■ vary
    between copies."""
    non_text = char_table(unicode_chars(("P", "S", "Z", "Cc", "Cf", "Cs")))
    return non_text, char_table(_APOSTROPHES)


def _text_only(text: str) -> str:
    codes = code_points(text)
    return from_code_points(codes[~_tables()[0][codes]])


def comparison_view(text: str) -> str:
    """``text`` as dedup compares it: punctuation, symbols and white space removed, NFKC (which also
    turns full-width forms half-width), Simplified script, spun words mapped back to their normal
    words, lower case. For CJK text, whose words are not separated by spaces."""
    text = _text_only(text)
    # Nearly all Chinese text is NFKC once its full-width punctuation is gone, and the check is cheap.
    if not unicodedata.is_normalized("NFKC", text):
        text = _text_only(unicodedata.normalize("NFKC", text))  # ⑴ -> (1): punctuation again
    return load_spin_lexicon().map_back(to_simplified(text)).lower()


def comparison_words(text: str) -> list[str]:
    """The words of ``text`` for word shingles: NFKC, lower case, split at white space, punctuation and
    symbols (so "word,word" and "word, word" agree), apostrophes removed (so "don't" and "dont" agree).
    For space-separated text."""
    non_text, apostrophes = _tables()
    codes = code_points(unicodedata.normalize("NFKC", text).lower())
    codes = codes[~apostrophes[codes]]
    codes = np.where(non_text[codes], _SPACE, codes)
    return from_code_points(codes).split()
