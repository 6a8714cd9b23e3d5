"""Injected spam: lexicon words (casino, Mark Six tipping, porn, sex drugs) and short injected lines.

Spam is cut out as a span, not as a paragraph, and the sentence it was injected into is repaired: when a
whole line was injected, the stray punctuation that followed it goes too and the two halves of the
broken sentence are joined again (``是“十二五”、`` / ``藏紅花`` / ``,“十三五”時代`` →
``是“十二五”、“十三五”時代``).

Matching: the lexicon is compiled into one trie-shaped regular expression (at most one branch tried per
character, so there is no catastrophic backtracking). Each character of an entry is spelled as the class
of characters that *fold* to it: its Traditional, Taiwan and Hong Kong forms (from OpenCC), upper case
and full-width forms for Latin letters and digits, so Simplified, Traditional and mixed text all match.
Chinese has no spaces, so a Chinese entry's "word boundary" is its length and its context: entries have
at least two characters and are phrases that ordinary prose does not use, and allowlisted compounds
(``!`` entries) shadow the entries inside them. Entries that start or end with a Latin letter or digit
must stand between non-alphanumerics at that end.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache


from ...config import Config
from ...document import Document
from ...text.chars import HAN, SENTENCE_END
from ...text.opencc import load_converter
from ...text.patterns import TriePattern
from ...text.rulefiles import read_rule_file
from .rule import LineRule

# Punctuation that continues a sentence; a line may not legitimately start with it.
CLAUSE_PUNCT = "、，,；;"
CHINESE_CLAUSE_PUNCT = "、，；"
# A spam word inside a white-space separated token this short takes the whole token (a link text such as
# "菲律宾申博娱乐网登入"); in running text only the word itself is taken.
MAX_TOKEN_CHARS = 24
# Longest line that is removed as injected by its shape alone (no lexicon word in it).
MAX_INJECTED_CHARS = 10

# Rounds of removal before giving up on reaching a fixed point.
MAX_ROUNDS = 16

_FULLWIDTH_ASCII = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_INJECTED_SHAPE = re.compile(rf"[{HAN}A-Za-z]{{1,{MAX_INJECTED_CHARS}}}")
_HAN_CHAR = re.compile(f"[{HAN}]")
_HAS_WORD = re.compile(rf"[{HAN}\w]")
_TOKEN = re.compile(r"\S+")
_PROSE_MARK = re.compile(f"[{re.escape(CLAUSE_PUNCT + SENTENCE_END)}]")


@dataclass(frozen=True)
class Lexicon:
    """A compiled spam lexicon: ``find`` returns the spans of spam words in a line."""

    pattern: TriePattern
    fold_table: dict[int, int]
    allowed: frozenset[str]

    def find(self, line: str) -> list[tuple[int, int]]:
        spans = []
        for m in self.pattern.finditer(line):
            if m.group().translate(self.fold_table) not in self.allowed:
                spans.append(m.span())
        return spans


def read_entries(text: str, source: str) -> tuple[list[str], list[str]]:
    """Spam entries and allowlist entries of a lexicon file (``word  # reason``; ``!`` allows)."""
    spam, allowed = [], []
    for number, raw in enumerate(text.splitlines(), 1):
        entry, _, reason = (part.strip() for part in raw.partition("#"))
        if not entry:
            continue
        if not reason:
            raise ValueError(f"{source}:{number}: entry {entry!r} has no '# reason'")
        target = spam
        if entry.startswith("!"):
            entry, target = entry[1:].strip(), allowed
        if len(entry) < 2:
            raise ValueError(f"{source}:{number}: entry {entry!r} is too short to match safely")
        target.append(entry)
    return spam, allowed


@lru_cache(maxsize=8)
def load_spam_lexicon(path: str | None = None) -> Lexicon:
    """Compile the lexicon at ``path`` (default: the one shipped in ``cleaner/data``)."""
    spam, allowed = read_entries(*read_rule_file(path, "spam_lexicon.txt"))
    to_simplified = load_converter("t2s")
    to_traditional = [load_converter(c) for c in ("s2t", "s2tw", "s2hk")]
    fold_table: dict[int, int] = dict(_FULLWIDTH_ASCII)
    variants: dict[str, list[str]] = {}
    for entry in spam + allowed:
        simplified = to_simplified(entry.lower())
        forms = {entry.lower(), simplified, *(convert(simplified) for convert in to_traditional)}
        variants[entry] = [simplified, *forms]
        for form in forms:
            if len(form) == len(simplified):
                for a, b in zip(form, simplified):
                    if a != b:
                        fold_table.setdefault(ord(a), ord(b))
    for c in range(ord("A"), ord("Z") + 1):
        fold_table[c] = c + 32
    for cp, target in list(fold_table.items()):  # full-width capitals fold all the way to lower case
        if ord("A") <= target <= ord("Z"):
            fold_table[cp] = target + 32

    def folded_forms(entry: str) -> set[str]:
        return {form.translate(fold_table) for form in variants[entry]}

    spam_forms = set().union(*(folded_forms(e) for e in spam)) if spam else set()
    allowed_forms = set().union(*(folded_forms(e) for e in allowed)) if allowed else set()
    sources: dict[str, set[str]] = {}
    for cp, target in fold_table.items():
        sources.setdefault(chr(target), {chr(target)}).add(chr(cp))
    spellings = {c: "".join(sorted(chars)) for c, chars in sources.items()}
    return Lexicon(TriePattern(spam_forms | allowed_forms, spellings, alnum_bounds=True), fold_table,
                   frozenset(allowed_forms))


def _short_tokens(line: str) -> tuple[list[int], list[int]]:
    """Starts and ends of the short link-like tokens of ``line``.

    A token is a white-space separated run with no comma or full stop in it (a link text, a site name);
    runs with such marks are running text, where only the spam word itself is taken.
    """
    starts, ends = [], []
    for m in _TOKEN.finditer(line):
        if m.end() - m.start() <= MAX_TOKEN_CHARS and not _PROSE_MARK.search(m.group()):
            starts.append(m.start())
            ends.append(m.end())
    return starts, ends


def _has_words(text: str) -> bool:
    return _HAS_WORD.search(text) is not None


def _join(left: str, right: str) -> str:
    """Join two halves of one sentence: no space in Chinese, one space between Latin words."""
    left, right = left.rstrip(), right.lstrip()
    if left and right and left[-1].isascii() and right[0].isascii() and left[-1].isalnum():
        return left + " " + right
    return left + right


class SpamRule(LineRule):
    """Remove lexicon spam words and injected lines, and repair the sentences they were put into."""

    name = "spam"

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.lexicon = load_spam_lexicon(config.spam_lexicon)

    def apply(self, lines: list[str], doc: Document) -> list[str]:
        # Removing a word or a line can bring two halves of another together; repeat until nothing
        # changes. Every round that changes something makes the text shorter; the cap bounds the time
        # spent on text built to nest spam words inside each other (百百家乐家乐 ...).
        for _ in range(MAX_ROUNDS):
            new = self._once(lines, doc)
            if new == lines:
                break
            lines = new
        return lines

    def strip_words(self, line: str, doc: Document) -> str:
        """Cut the lexicon's words (or their short tokens) out of one line.

        When the cut leaves a comma-like mark with nothing before it (start of line, or another such
        mark), that mark goes with the word.
        """
        spans = self.lexicon.find(line)
        if not spans:
            return line
        token_starts, token_ends = _short_tokens(line)
        cuts: list[list[int]] = []  # [start, end] of each removal; touching removals are merged
        pos = 0
        last_kept = ""  # the last non-space character kept so far
        for start, end in spans:
            k = bisect_right(token_starts, start) - 1
            if k >= 0 and end <= token_ends[k]:  # the word lies in a short token: take the token
                start, end = token_starts[k], token_ends[k]
            start = max(start, pos)
            if end <= start:
                continue
            kept = line[pos:start].rstrip()
            last_kept = kept[-1] if kept else last_kept
            if not last_kept or last_kept in CLAUSE_PUNCT:
                while end < len(line) and (line[end] in CLAUSE_PUNCT or line[end].isspace()):
                    end += 1
            elif line[start - 1].isspace() and end < len(line) and line[end].isspace():
                end += 1  # a word cut from between two spaces takes one of them
            if cuts and cuts[-1][1] == start:
                cuts[-1][1] = end
            else:
                cuts.append([start, end])
            pos = end
        out, pos = [], 0
        for start, end in cuts:
            out.append(line[pos:start])
            doc.remove("spam:lexicon", line[start:end])
            pos = end
        out.append(line[pos:])
        return "".join(out)

    def _once(self, lines: list[str], doc: Document) -> list[str]:
        cleaned = []
        emptied = []
        for line in lines:
            new = self.strip_words(line, doc)
            gone = new != line and not _has_words(new)
            if gone and new.strip():
                doc.remove("spam:lexicon", new.strip())
            cleaned.append("" if gone else new)
            emptied.append(gone)

        out: list[str] = []
        rejoin = False  # the last removed line sat inside a sentence that the next kept line ends
        for i, line in enumerate(cleaned):
            prev = out[-1] if out else ""
            nxt = cleaned[i + 1] if i + 1 < len(cleaned) else ""
            if emptied[i]:
                rejoin = rejoin or _ends_open(prev) or _starts_stray(nxt)
                continue
            if _is_injected(prev, line, nxt):
                doc.remove("spam:injected", line)
                rejoin = True
                continue
            if rejoin:
                rejoin = False
                stripped = line.lstrip()
                stray = len(stripped) - len(stripped.lstrip(CLAUSE_PUNCT + " \t"))
                if stray:
                    doc.remove("spam:injected", stripped[:stray].strip())
                    line = stripped[stray:]
                if prev.strip() and line.strip() and prev.rstrip()[-1] not in SENTENCE_END:
                    out[-1] = _join(prev, line)
                    continue
            out.append(line)
        return out


def _ends_open(line: str) -> bool:
    """The line stops inside a sentence: it ends with a comma-like mark."""
    stripped = line.rstrip()
    return bool(stripped) and stripped[-1] in CLAUSE_PUNCT


def _starts_stray(line: str) -> bool:
    stripped = line.lstrip()
    return bool(stripped) and stripped[0] in CLAUSE_PUNCT


def _is_injected(prev: str, line: str, nxt: str) -> bool:
    """A short bare word line between a line ending in a comma and a line starting with one.

    ``是“十二五”、`` / ``藏紅花`` / ``,“十三五”時代``: a sentence cannot continue with a bare noun
    followed by a comma that opens the next line, so the noun was put there. A legitimate short line
    (a heading, a bolded name) follows a finished line or is followed by a line that starts with a word.
    A Latin word counts only inside Chinese text (a full-width comma before it): between ASCII commas it
    is inline code or a name that extraction put on a line of its own (``tool,`` / ``venv`` / ``, for``).
    """
    word = line.strip()
    return (_ends_open(prev) and _starts_stray(nxt) and _INJECTED_SHAPE.fullmatch(word) is not None
            and (_HAN_CHAR.search(word) is not None or prev.rstrip()[-1] in CHINESE_CLAUSE_PUNCT))

