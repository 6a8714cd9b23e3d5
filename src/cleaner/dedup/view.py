"""Normalised views of a text for comparing documents (near-duplicate detection).

Two copies of an article should give the same view although one is in Traditional script, uses
full-width letters, other punctuation or line breaks, or had words swapped by a spinner.

:func:`comparison_view` defines the view on one text with ``unicodedata``, OpenCC and the spin
lexicon. :func:`comparison_views` gives the same views for a whole batch in one compiled pass over
code-point arrays, parallel over documents:

1. a per-character table: punctuation, symbols and white space deleted, NFKC (full-width to
   half-width, compatibility ideographs to unified ones), lower case;
2. Simplified script: the longest OpenCC t2s phrase at each place, else OpenCC's own conversion of the
   single character (every t2s key and value has the same length, so this runs in place);
3. spun forms mapped back: the longest lexicon word at each place (:class:`cleaner.stages.spin.SpinLexicon`).

Steps 2 and 3 are two leftmost-longest rewrites, run one after the other as OpenCC and the spin map do:
one automaton over the union of their words would match differently where a phrase overlaps a spun form.

Step 1 is exact per character except where NFKC or lower case depend on the neighbours: combining marks
and conjoining Hangul jamo (NFKC composes them with the character before) and capital sigma (final
sigma). A text holding one of these takes :func:`comparison_view` instead; tests check that both give
the same view on the shared texts and on arbitrary Unicode. All three steps run in place over one
copy of the batch's code points, so the batch costs about 8 bytes a character at its peak.
"""
from __future__ import annotations

import functools
import sys
import unicodedata

import numba
import numpy as np
from numba import prange

from ..stages.spin import SpinLexicon, load_spin_lexicon
from ..text.chars import ASSIGNED_PLANES, char_table, code_points, from_code_points, nfkc, unicode_chars
from ..text.opencc import t2s_characters, t2s_phrases, to_simplified
from .compiled import kernel


# Apostrophes join the parts of a word ("don't" and "dont" agree); other punctuation separates words.
_APOSTROPHES = "'\u2019\u02bc"
_SPACE = ord(" ")
# Conjoining Hangul jamo (leading, vowel, trailing; old jamo extensions A and B): NFKC composes them.
_JAMO = ((0x1100, 0x11FF), (0xA960, 0xA97F), (0xD7B0, 0xD7FF))
_PARALLEL_CHUNK = 8


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


def comparison_view(text: str, lexicon: SpinLexicon | None = None) -> str:
    """``text`` as dedup compares it: punctuation, symbols and white space removed, NFKC (which also
    turns full-width forms half-width), Simplified script, spun words mapped back to their normal
    words (``lexicon``, by default the shipped one), lower case. For CJK text, whose words are not
    separated by spaces."""
    text = _text_only(text)
    # Nearly all Chinese text is NFKC once its full-width punctuation is gone, and the check is cheap.
    if not unicodedata.is_normalized("NFKC", text):
        text = _text_only(nfkc(text))  # ⑴ -> (1): punctuation again
    return (lexicon or load_spin_lexicon()).map_back(to_simplified(text)).lower()


def comparison_words(text: str) -> list[str]:
    """The words of ``text`` for word shingles: NFKC, lower case, split at white space, punctuation and
    symbols (so "word,word" and "word, word" agree), apostrophes removed (so "don't" and "dont" agree).
    For space-separated text."""
    non_text, apostrophes = _tables()
    codes = code_points(nfkc(text).lower())
    codes = codes[~apostrophes[codes]]
    codes = np.where(non_text[codes], _SPACE, codes)
    return from_code_points(codes).split()


# --- the compiled view ----------------------------------------------------------------------------------

# Step 1's table (:func:`_fold_table`) holds a code point, or one of these, or ``_EXPANSION - k`` for
# expansion ``k``.
_DELETE, _CONTEXT, _EXPANSION = -1, -2, -3


_JAMO_CODES = frozenset(code for lo, hi in _JAMO for code in range(lo, hi + 1))


def _in_context(c: str) -> bool:
    """Whether NFKC or lower case of ``c`` depends on its neighbours (see the module docstring)."""
    return (c == "\u03a3" or ord(c) in _JAMO_CODES or unicodedata.combining(c) != 0
            or unicodedata.category(c)[0] == "M")


@functools.cache
def _fold_table() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Step 1 per code point: (fold, expansions, expansion offsets).

    ``fold[c]`` is the one code point ``c`` becomes, :data:`_DELETE`, :data:`_CONTEXT` for characters
    whose view depends on their neighbours, or ``_EXPANSION - k`` for expansion ``k``
    (``expansions[offsets[k]:offsets[k + 1]]``, as for ⑴ -> 1 or ㍻ -> 平成)."""
    non_text = _tables()[0].tolist()  # a list: indexed once per code point, far faster than an array
    fold = np.arange(sys.maxunicode + 1, dtype=np.int32)
    expansions: list[int] = []
    offsets = [0]
    for plane in ASSIGNED_PLANES:
        for code in plane:
            if non_text[code]:
                fold[code] = _DELETE
                continue
            c = chr(code)
            if _in_context(c):
                fold[code] = _CONTEXT
                continue
            normal = unicodedata.normalize("NFKC", c)
            if normal == c:  # nearly every character: only lower case can change it
                out = c.lower()
            elif _in_context(normal[0]) or "\u03a3" in normal:
                fold[code] = _CONTEXT
                continue
            else:
                out = "".join(ch for ch in normal if not non_text[ord(ch)]).lower()
            if out == c:
                continue
            if len(out) <= 1:
                fold[code] = ord(out) if out else _DELETE
            else:
                fold[code] = _EXPANSION - (len(offsets) - 1)
                expansions.extend(map(ord, out))
                offsets.append(len(expansions))
    return fold, np.array(expansions, dtype=np.int32), np.array(offsets, dtype=np.int64)


class Trie:
    """Words of two characters or more for leftmost-longest replacement inside numba: tables of the
    characters that start a word and that come second in one, node transitions in an open-addressing hash table keyed
    by (node, code point), each node's replacement (or -1), and the replacements flat.

    Written here because the matching runs inside the compiled per-document loop, where no Python
    library (pyahocorasick, ahocorasick-rs) can be called; and for the longest match at each place a
    trie walk suffices (keys are a few characters long; Aho-Corasick's failure links would buy nothing).
    """

    def __init__(self, replacements: dict[str, str]):
        if any(len(key) < 2 for key in replacements):
            raise ValueError("trie words have two characters at least")
        edges: dict[tuple[int, int], int] = {}
        value = [-1]
        out: list[int] = []
        out_offsets = [0]
        self.starts = np.zeros(sys.maxunicode + 1, dtype=np.bool_)
        self.seconds = np.zeros(sys.maxunicode + 1, dtype=np.bool_)
        for key, replacement in replacements.items():
            self.starts[ord(key[0])] = self.seconds[ord(key[1])] = True
            node = 0
            for c in key:
                node = edges.setdefault((node, ord(c)), len(value))
                if node == len(value):
                    value.append(-1)
            value[node] = len(out_offsets) - 1
            out.extend(map(ord, replacement))
            out_offsets.append(len(out))
        size = 1 << max(4, (2 * len(edges)).bit_length())
        self.slots = np.zeros(size, dtype=np.uint64)  # (node * 2^21 + code point + 1); 0: empty slot
        self.children = np.zeros(size, dtype=np.int32)
        for (node, code), child in edges.items():
            slot = _slot(self.slots, _edge_key(node, code))
            self.slots[slot] = _edge_key(node, code)
            self.children[slot] = child
        self.value = np.array(value, dtype=np.int32)
        self.out = np.array(out, dtype=np.int32)
        self.out_offsets = np.array(out_offsets, dtype=np.int64)

    @property
    def arrays(self) -> tuple[np.ndarray, ...]:
        return self.starts, self.seconds, self.slots, self.children, self.value, self.out, self.out_offsets


@kernel(inline="always")
def _edge_key(node, code):
    return np.uint64(node) * np.uint64(1 << 21) + np.uint64(code) + np.uint64(1)


@kernel()
def _slot(slots, key):
    """The slot holding ``key``, or the empty slot where it would go."""
    mask = np.uint64(slots.size - 1)
    h = key * np.uint64(0x9E3779B97F4A7C15)
    slot = (h ^ (h >> np.uint64(29))) & mask
    while slots[slot] != 0 and slots[slot] != key:
        slot = (slot + np.uint64(1)) & mask
    return slot


@kernel(inline="always")
def _longest(buf, start, end, starts, seconds, slots, children, value):
    """(length, replacement index) of the longest trie word at ``buf[start:end]``; (0, -1) for none."""
    if not starts[buf[start]] or start + 1 >= end or not seconds[buf[start + 1]]:
        return 0, -1  # most places: one or two table lookups
    node = 0
    best, best_value = 0, -1
    j = start
    while j < end:
        slot = _slot(slots, _edge_key(node, buf[j]))
        if slots[slot] == 0:
            break
        node = children[slot]
        j += 1
        if value[node] >= 0:
            best, best_value = j - start, value[node]
    return best, best_value


@kernel(parallel=True)
def _views_in_place(buf, offsets, fold, expansions, exp_offsets, t2s_chars,
                    t2s_starts, t2s_seconds, t2s_slots, t2s_children, t2s_value, t2s_out, t2s_out_offsets,
                    spin_starts, spin_seconds, spin_slots, spin_children, spin_value, spin_out, spin_out_offsets, lengths):
    """Steps 1 to 3 on every document, in place: each view is written over its own text's code points
    (a write never passes the read position). ``lengths[d]`` gets the view's length, or -1 where the
    document needs :func:`comparison_view` (a character in context, or a replacement that outgrows the
    room freed before it)."""
    for d in prange(offsets.size - 1):
        start, end = offsets[d], offsets[d + 1]
        w = start
        ok = True
        for i in range(start, end):
            f = fold[buf[i]]
            if f >= 0:
                buf[w] = f
                w += 1
            elif f <= _EXPANSION:
                k = _EXPANSION - f
                if w + exp_offsets[k + 1] - exp_offsets[k] > i + 1:
                    ok = False
                    break
                for e in range(exp_offsets[k], exp_offsets[k + 1]):
                    buf[w] = expansions[e]
                    w += 1
            elif f == _CONTEXT:
                ok = False
                break
        if not ok:
            lengths[d] = -1
            continue
        end = w
        i = start
        while i < end:  # t2s keys and values have equal lengths
            length, v = _longest(buf, i, end, t2s_starts, t2s_seconds, t2s_slots, t2s_children, t2s_value)
            if length:
                for e in range(length):
                    buf[i + e] = t2s_out[t2s_out_offsets[v] + e]
                i += length
            else:
                buf[i] = t2s_chars[buf[i]]
                i += 1
        w = i = start
        while i < end:
            length, v = _longest(buf, i, end, spin_starts, spin_seconds, spin_slots, spin_children, spin_value)
            if length:
                if w + spin_out_offsets[v + 1] - spin_out_offsets[v] > i + length:
                    ok = False
                    break
                for e in range(spin_out_offsets[v], spin_out_offsets[v + 1]):
                    buf[w] = spin_out[e]
                    w += 1
                i += length
            else:
                buf[w] = buf[i]
                w += 1
                i += 1
        lengths[d] = w - start if ok else -1


@kernel(parallel=True)
def _compact(buf, starts, lengths, views, view_offsets):
    for d in prange(lengths.size):
        views[view_offsets[d]:view_offsets[d] + lengths[d]] = buf[starts[d]:starts[d] + lengths[d]]


@kernel()
def _compact_in_place(buf, starts, lengths):
    """Move the views to the front of ``buf``, in order: each view starts where its text did and is no
    longer than it, so it moves left past nothing unread. Cheaper than :func:`_compact`'s fresh array
    (whose first write of every page is a page fault)."""
    w = 0
    for d in range(lengths.size):
        for k in range(lengths[d]):
            buf[w + k] = buf[starts[d] + k]
        w += lengths[d]


@functools.cache
def _t2s_trie() -> Trie:
    return Trie(t2s_phrases())


@functools.cache
def _spin_trie(lexicon: SpinLexicon) -> Trie:
    return Trie(lexicon.mapping)


def _offsets(lengths: np.ndarray) -> np.ndarray:
    offsets = np.zeros(lengths.size + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return offsets


def comparison_views(texts: list[str], lexicon: SpinLexicon | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`comparison_view` of every text, flat: (code points ``uint32``, offsets (n + 1,) ``int64``),
    view ``i`` being ``codes[offsets[i]:offsets[i + 1]]``."""
    lexicon = lexicon or load_spin_lexicon()
    n = len(texts)
    offsets = _offsets(np.fromiter((len(t) for t in texts), dtype=np.int64, count=n))
    buf = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.int32).copy()
    fold, expansions, exp_offsets = _fold_table()
    lengths = np.empty(n, dtype=np.int64)
    with numba.parallel_chunksize(_PARALLEL_CHUNK):
        _views_in_place(buf, offsets, fold, expansions, exp_offsets, t2s_characters(), *_t2s_trie().arrays,
                        *_spin_trie(lexicon).arrays, lengths)
        starts = offsets[:-1].copy()
        fallbacks = np.flatnonzero(lengths < 0).tolist()
        for d in fallbacks:  # rare: see the module docstring
            view = code_points(comparison_view(texts[d], lexicon)).astype(np.int32)
            starts[d], lengths[d] = buf.size, view.size
            buf = np.concatenate([buf, view])
        view_offsets = _offsets(lengths)
        if fallbacks:  # a view of those may be longer than its text, and lies at the end
            views = np.empty(view_offsets[-1], dtype=np.int32)
            _compact(buf, starts, lengths, views, view_offsets)
        else:
            _compact_in_place(buf, starts, lengths)
            views = buf[:view_offsets[-1]]
    return views.view(np.uint32), view_offsets
