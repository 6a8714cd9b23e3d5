"""Quality signals: numbers dataset builders filter on, set on every document, never a drop by themselves.

Each signal is a plain function of the cleaned text (so the README's definition and the test's
hand-computed value are about one function), and :class:`SignalsStage` puts them all in ``doc.flags``.
The repetition measures follow Gopher (Rae et al. 2021, table A1) as datatrove implements them, with one
change so that they mean the same in Chinese: a *token* is one CJK character (Han, kana, Hangul), or a
run of other letters and digits (with their combining marks); punctuation and white space are not tokens.
"""
from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import chain

import numpy as np

from ..document import Document
from ..text.chars import (HAN, SENTENCE_CLOSERS, SENTENCE_END, char_class, char_table, code_points, han_chars,
                          unicode_chars, visible_chars)
from .base import Stage
from .redact_pii import EMAIL, PHONE, URL

_KANA_HANGUL = ((0x3040, 0x30FF), (0x31F0, 0x31FF), (0xAC00, 0xD7AF), (0x1100, 0x11FF))
CJK = HAN + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _KANA_HANGUL)  # Han, kana, Hangul
# Long documents are tokenised, and their n-grams scanned, this many at a time (bounded memory).
TOKEN_BLOCK_CHARS = 65_536
SCAN_BLOCK = 65_536
_HASH_BASE = np.uint64(0x100000001B3)
# A line ends a sentence when its last character, closing quotes and brackets aside, is one of these.
LINE_END = SENTENCE_END + ".．"

# Language ID reads this many characters at most: enough for a stable answer, bounded cost on long pages.
LANGUAGE_SAMPLE_CHARS = 1000


@functools.cache
def _cjk_table() -> np.ndarray:
    """A lookup table over all code points, true for Han, kana and Hangul."""
    cjk = char_table(han_chars())
    for lo, hi in _KANA_HANGUL:
        cjk[lo:hi + 1] = True
    return cjk


@functools.cache
def _token_patterns() -> tuple[re.Pattern, re.Pattern]:
    """(a token, a character no token runs across).

    A token is a CJK character, or a run of other letters and digits with the combining marks after them: the
    vowel signs and viramas of Hindi, Bengali, Tamil and the other Indic scripts, Arabic and Hebrew vowel points,
    Myanmar and Khmer signs, accents left decomposed. (Regex ``\\w`` has no marks, and cut हिन्दी into ह न द.)
    Written letters-first: a word character that starts no run is CJK, and the last branch takes CJK characters
    that are not word characters (kana punctuation such as ・). The regex engine tests a class that holds
    characters beyond the BMP range by range, so the marks beyond it (Brahmi, Sharada...) are a class of their
    own, tried only on such a character: the tokens cost a sixth more than without marks, not twice as much.
    """
    marks = unicode_chars(("M",))
    bmp = char_class(c for c in marks if ord(c) <= 0xFFFF)
    beyond = char_class(c for c in marks if ord(c) > 0xFFFF)
    mark = rf"(?:[{bmp}]|(?=[\U00010000-\U0010FFFF])[{beyond}])"
    return (re.compile(rf"[^\W{CJK}]++(?:{mark}++[^\W{CJK}]*+)*+|\w|[{CJK}]"),
            re.compile(rf"(?!{mark})\W"))


def tokens(text: str) -> Iterator[str]:
    """CJK characters one by one, and runs of other letters and digits with their combining marks, in order.

    Found a block of about :data:`TOKEN_BLOCK_CHARS` at a time, cut where no token runs on, so that a long
    document never holds all its tokens as strings at once (2 M characters of Chinese made 150 MB of them).
    """
    token = _token_patterns()[0]
    return chain.from_iterable(token.findall(text, start, end) for start, end in _token_blocks(text))


def _token_blocks(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of the blocks :func:`tokens` reads, at least one."""
    no_token = _token_patterns()[1]
    start = 0
    while True:
        cut = no_token.search(text, start + TOKEN_BLOCK_CHARS)
        end = cut.start() if cut else len(text)
        yield start, end
        if end >= len(text):
            return
        start = end


def cjk_share(text: str) -> float:
    """Share of the non-space characters that are Han, kana or Hangul."""
    n = visible_chars(text)
    return int(_cjk_table()[code_points(text)].sum()) / n if n else 0.0


def text_lines(text: str) -> list[str]:
    return [s for line in text.split("\n") if (s := line.strip())]


def mean_line_chars(lines: list[str]) -> float:
    """Mean number of characters of a non-empty line."""
    return sum(len(line) for line in lines) / len(lines) if lines else 0.0


def punct_line_share(lines: list[str]) -> float:
    """Share of lines whose last character (closing quotes and brackets aside) ends a sentence."""
    if not lines:
        return 0.0
    ended = sum(1 for line in lines if (s := line.rstrip(SENTENCE_CLOSERS)) and s[-1] in LINE_END)
    return ended / len(lines)


def duplicate_lines(lines: list[str]) -> tuple[float, float]:
    """Gopher's ``dup_line_frac`` and ``dup_line_char_frac``: the share of lines that repeat an earlier
    line, and their share of the characters of all lines."""
    if not lines:
        return 0.0, 0.0
    seen: set[str] = set()
    repeats = repeated_chars = 0
    for line in lines:
        if line in seen:
            repeats += 1
            repeated_chars += len(line)
        else:
            seen.add(line)
    return repeats / len(lines), repeated_chars / sum(len(line) for line in lines)


def token_arrays(words: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
    """(an id per token, equal ids for equal tokens; the characters of each token), as numpy arrays.

    Ids are numbered in a dict, not by ``np.unique`` over ``np.array(words)``: numpy stores strings at the
    width of the longest, so one 50,000-letter token among 100,000 others asked for 20 GB."""
    index: defaultdict[str, int] = defaultdict()
    index.default_factory = index.__len__  # a new token gets the next id, in C: no Python call per token
    ids = np.fromiter(map(index.__getitem__, words), dtype=np.uint64)
    sizes = np.fromiter(map(len, index), dtype=np.int64, count=len(index))  # by id: the dict keeps its order
    return ids, sizes[ids.astype(np.intp)]


def _ngram_ids(tokens: tuple[np.ndarray, np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray]:
    """(an id per n-gram starting at each position, equal ids for equal n-grams; the characters of each)."""
    ids, lengths = tokens
    # a 64-bit polynomial hash of each window (wrapping arithmetic; a collision is vanishingly rare), by
    # Horner's rule one token at a time: memory of one hash a window, not n
    windows = len(ids) - n + 1
    hashes = ids[:windows].copy()
    for k in range(1, n):
        hashes *= _HASH_BASE
        hashes += ids[k:k + windows]
    _, gram_ids = np.unique(hashes, return_inverse=True)
    ends = np.concatenate(([0], np.cumsum(lengths)))
    return gram_ids.reshape(-1), ends[n:] - ends[:-n]


def top_ngram_char_frac(tokens: tuple[np.ndarray, np.ndarray], n: int) -> float:
    """Gopher's top n-gram fraction: characters covered by the most frequent n-gram (its length times its
    count) over the characters of all tokens (``tokens`` from :func:`token_arrays`)."""
    total = int(tokens[1].sum())
    if len(tokens[0]) < n or not total:
        return 0.0
    gram_ids, chars = _ngram_ids(tokens, n)
    counts = np.bincount(gram_ids)
    top = int(counts.max())
    if top < 2:
        return 0.0
    # among n-grams equally frequent, the one that occurs first (datatrove's Counter.most_common)
    first = int(np.flatnonzero(counts[gram_ids] == top)[0])
    return min(1.0, int(chars[first]) * top / total)


def dup_ngram_char_frac(tokens: tuple[np.ndarray, np.ndarray], n: int) -> float:
    """Gopher's duplicate n-gram fraction: characters of the n-grams that repeat one seen before, over the
    characters of all tokens (``tokens`` from :func:`token_arrays`). Scanning left to right, a repeat is
    counted and skipped whole, so no character counts twice (datatrove's ``find_all_duplicate``)."""
    total = int(tokens[1].sum())
    if len(tokens[0]) < n or not total:
        return 0.0
    gram_ids, chars = _ngram_ids(tokens, n)
    # Which n-grams were seen depends on which positions the scan skipped, so the scan stays a loop. It visits
    # only the positions of n-grams that occur more than once (4% of the positions of the shared pages): at any
    # other position the scan sees an n-gram for the first and last time, which neither counts nor changes
    # what counts later.
    repeats = np.flatnonzero(np.bincount(gram_ids)[gram_ids] > 1)
    seen = bytearray(int(gram_ids.max()) + 1)  # by n-gram id
    repeated = resume = 0  # resume: the first position after the last repeat counted
    for start in range(0, len(repeats), SCAN_BLOCK):  # a block at a time as Python ints: bounded in memory
        block = repeats[start:start + SCAN_BLOCK]
        for position, gram, length in zip(block.tolist(), gram_ids[block].tolist(), chars[block].tolist()):
            if position < resume:
                continue  # inside a repeat counted whole
            if seen[gram]:
                repeated += length
                resume = position + n
            else:
                seen[gram] = 1
    return repeated / total


@functools.cache
def _symbol_table() -> np.ndarray:
    """A lookup table over all code points, true for symbols (Unicode categories S*)."""
    return char_table(unicode_chars(("S",)))


def symbol_ratio(text: str) -> float:
    """Share of the non-space characters that are symbols (Unicode categories S*: ★ © ¥ + | emoji...)."""
    n = visible_chars(text)
    return int(_symbol_table()[code_points(text)].sum()) / n if n else 0.0


@functools.cache
def _identifier():
    # py3langid ships its model in the package: nothing is downloaded. See benchmarks/eval_language.py.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def language(text: str) -> tuple[str | None, float]:
    """(ISO 639-1 code, probability) of the text's language by py3langid; (None, 0.0) for text without
    letters."""
    sample = text[:LANGUAGE_SAMPLE_CHARS]
    if not any(c.isalpha() for c in sample):
        return None, 0.0
    code, probability = _identifier().classify(sample)
    return code, float(probability)


def quality_signals(text: str) -> dict[str, object]:
    """Every signal of :data:`cleaner.record.SIGNALS` for ``text``."""
    lines = text_lines(text)
    words = token_arrays(tokens(text))
    code, score = language(text)
    dup_lines, dup_line_chars = duplicate_lines(lines)
    return {
        "language": code,
        "language_score": round(score, 4),
        "chars": visible_chars(text),
        "cjk_share": round(cjk_share(text), 4),
        "lines": len(lines),
        "mean_line_chars": round(mean_line_chars(lines), 2),
        "punct_line_share": round(punct_line_share(lines), 4),
        "dup_line_frac": round(dup_lines, 4),
        "dup_line_char_frac": round(dup_line_chars, 4),
        "top_2gram_char_frac": round(top_ngram_char_frac(words, 2), 4),
        "dup_5gram_char_frac": round(dup_ngram_char_frac(words, 5), 4),
        "dup_10gram_char_frac": round(dup_ngram_char_frac(words, 10), 4),
        "symbol_ratio": round(symbol_ratio(text), 4),
        "emails": len(EMAIL.findall(text)) if "@" in text else 0,
        "phones": len(PHONE.findall(text)),
        "urls": len(URL.findall(text)) if "://" in text or "www." in text.lower() else 0,
    }


class SignalsStage(Stage):
    """Sets every quality signal in ``doc.flags``; runs on the final text, before PII is redacted, so the
    counts of emails and phone numbers say what the page had."""

    name = "signals"

    def __init__(self, config):
        super().__init__(config)
        # loaded with the pipeline, not inside the first document's time limit
        _identifier(), _cjk_table(), _symbol_table(), _token_patterns()

    def process(self, doc: Document) -> None:
        doc.flags.update(quality_signals(doc.text))
