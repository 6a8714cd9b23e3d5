"""Quality signals: numbers dataset builders filter on, set on every document, never a drop by themselves.

Each signal is a plain function of the cleaned text (so the README's definition and the test's
hand-computed value are about one function), and :class:`SignalsStage` puts them all in ``doc.flags``.
The repetition measures follow Gopher (Rae et al. 2021, table A1) as datatrove implements them, with one
change so that they mean the same in Chinese: a *token* is one CJK character (Han, kana, Hangul), or a
run of other letters and digits; punctuation and white space are not tokens.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter

from ..document import Document
from ..text.chars import HAN, SENTENCE_END
from .base import Stage
from .redact_pii import EMAIL, PHONE, URL

CJK = HAN + "\u3040-\u30ff\u31f0-\u31ff\uac00-\ud7af\u1100-\u11ff"  # Han, kana, Hangul
_TOKEN = re.compile(rf"[{CJK}]|[^\W{CJK}]+")
_CJK_CHAR = re.compile(rf"[{CJK}]")
_SPACE = re.compile(r"\s+")
# A line ends a sentence when its last character, closing quotes and brackets aside, is one of these.
LINE_END = SENTENCE_END + ".．"
_CLOSERS = "\"'”’」』）)】》»"

# Language ID reads this many characters at most: enough for a stable answer, bounded cost on long pages.
LANGUAGE_SAMPLE_CHARS = 2000


def tokens(text: str) -> list[str]:
    """CJK characters one by one, and runs of other letters and digits."""
    return _TOKEN.findall(text)


def characters(text: str) -> int:
    """Characters of the text that are not white space."""
    return len(_SPACE.sub("", text))


def cjk_share(text: str) -> float:
    """Share of the non-space characters that are Han, kana or Hangul."""
    n = characters(text)
    return len(_CJK_CHAR.findall(text)) / n if n else 0.0


def text_lines(text: str) -> list[str]:
    return [s for line in text.split("\n") if (s := line.strip())]


def mean_line_chars(lines: list[str]) -> float:
    """Mean number of characters of a non-empty line."""
    return sum(len(line) for line in lines) / len(lines) if lines else 0.0


def punct_line_share(lines: list[str]) -> float:
    """Share of lines whose last character (closing quotes and brackets aside) ends a sentence."""
    if not lines:
        return 0.0
    ended = sum(1 for line in lines if (s := line.rstrip(_CLOSERS)) and s[-1] in LINE_END)
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


def top_ngram_char_frac(words: list[str], n: int) -> float:
    """Gopher's top n-gram fraction: characters covered by the most frequent n-gram (its length times its
    count) over the characters of all tokens."""
    total = sum(len(w) for w in words)
    if len(words) < n or not total:
        return 0.0
    counts = Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))
    gram, count = counts.most_common(1)[0]
    return 0.0 if count < 2 else min(1.0, sum(len(w) for w in gram) * count / total)


def dup_ngram_char_frac(words: list[str], n: int) -> float:
    """Gopher's duplicate n-gram fraction: characters of the n-grams that repeat one seen before, over the
    characters of all tokens. Scanning left to right, a repeat is counted and skipped whole, so no
    character counts twice (datatrove's ``find_all_duplicate``)."""
    total = sum(len(w) for w in words)
    if not total:
        return 0.0
    seen: set[tuple[str, ...]] = set()
    repeated = i = 0
    while i <= len(words) - n:
        gram = tuple(words[i:i + n])
        if gram in seen:
            repeated += sum(len(w) for w in gram)
            i += n
        else:
            seen.add(gram)
            i += 1
    return repeated / total


def symbol_ratio(text: str) -> float:
    """Share of the non-space characters that are symbols (Unicode categories S*: ★ © ¥ + | emoji...)."""
    n = characters(text)
    return sum(1 for c in text if unicodedata.category(c)[0] == "S") / n if n else 0.0


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
    """Every signal of :data:`SIGNALS` for ``text``."""
    lines = text_lines(text)
    words = tokens(text)
    code, score = language(text)
    dup_lines, dup_line_chars = duplicate_lines(lines)
    return {
        "language": code,
        "language_score": round(score, 4),
        "chars": characters(text),
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
        "emails": len(EMAIL.findall(text)),
        "phones": len(PHONE.findall(text)),
        "urls": len(URL.findall(text)),
    }


# Signal name -> type, in output order (the record fields and the Parquet schema take them from here).
SIGNALS: dict[str, type] = {
    "language": str, "language_score": float, "chars": int, "cjk_share": float, "lines": int,
    "mean_line_chars": float, "punct_line_share": float, "dup_line_frac": float, "dup_line_char_frac": float,
    "top_2gram_char_frac": float, "dup_5gram_char_frac": float, "dup_10gram_char_frac": float,
    "symbol_ratio": float, "emails": int, "phones": int, "urls": int,
}


class SignalsStage(Stage):
    """Sets every quality signal in ``doc.flags``; runs on the final text, before PII is redacted, so the
    counts of emails and phone numbers say what the page had."""

    name = "signals"

    def process(self, doc: Document) -> None:
        doc.flags.update(quality_signals(doc.text))
