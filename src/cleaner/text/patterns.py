"""Regular expressions for word lists (one trie-shaped alternation, longest match first), and a guard that makes
the search of any big alternation skip the characters none of its branches starts with.

A list of thousands of literal words as a plain alternation makes the regex engine try every word at every
position. Laid out as a trie (``国(?:家(?:卫生)?|度)``) it enters at most one branch per character, so it
cannot backtrack badly, and with each first character a separate literal branch the engine's prefix scan
skips every position whose character cannot start a word. (Python's ``re`` has no set-of-literals
matcher; a lookbehind or class at the start of a big alternation disables that prefix scan.)
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from re import _parser as _sre_parse

#: Latin letters and digits, full-width forms included.
ALNUM_CLASS = "[a-z0-9A-Z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]"
_ALNUM = re.compile(ALNUM_CLASS)
_ALNUM_AFTER = f"(?!{ALNUM_CLASS})"


def _is_ascii_alnum(c: str) -> bool:
    return c.isascii() and c.isalnum()


def trie_pattern(words, spellings: dict[str, str] | None = None, alnum_bounds: bool = False) -> str:
    """Regex source matching any of ``words``, the longest one where several start at a place.

    ``spellings`` gives, for a character of the words, every character that should match it (``乐`` →
    ``乐樂``), so folded words match the text as it is. With ``alnum_bounds``, a word that starts or ends
    with a Latin letter or digit must stand between non-alphanumerics at that end; the check before it
    comes right after its first character, which keeps the branch literal-first.
    """
    spellings = spellings or {}
    trie: dict = {}
    for word in words:
        node = trie
        for c in word:
            node = node.setdefault(c, {})
        node[""] = word
    if not trie:
        return "(?!)"

    def spell(c: str) -> str:
        chars = spellings.get(c, c)
        return re.escape(c) if len(chars) == 1 else "[" + "".join(map(re.escape, chars)) + "]"

    def emit(node: dict, depth: int) -> str:
        branches = []
        for c in sorted((k for k in node if k), reverse=True):
            rest = emit(node[c], depth + 1)
            if depth > 0:
                branches.append(spell(c) + rest)
                continue
            for first in spellings.get(c, c):
                guard = f"(?<!{ALNUM_CLASS}{re.escape(first)})" if alnum_bounds and _is_ascii_alnum(c) else ""
                branches.append(re.escape(first) + guard + rest)
        if "" in node:  # a word ends here; the empty branch goes last so longer words win
            branches.append(_ALNUM_AFTER if alnum_bounds and _is_ascii_alnum(node[""][-1]) else "")
        if len(branches) == 1:
            return branches[0]
        return "(?:" + "|".join(branches) + ")"

    return emit(trie, 0)


class TriePattern:
    """The words of :func:`trie_pattern` compiled for ``finditer``, with the matches of that one regex.

    ``re`` tries the branches of an alternation one after another: in Latin text, a trie whose first level
    also holds a hundred Han characters scans them all at every letter, where the word-boundary check
    after it fails. So words that start with a Latin letter or digit and the others are compiled apart,
    and each regex's prefix scan skips the other's script (five times as fast on German text). When no
    match of one group can start inside a match of the other (no first character of one group, in any
    spelling, occurs in a word of the other where a match may start), the two scans together give
    exactly the matches of the single regex; otherwise it stays one regex.
    """

    def __init__(self, words, spellings: dict[str, str] | None = None, alnum_bounds: bool = False):
        spellings = spellings or {}
        words = list(words)
        latin = [w for w in words if _is_ascii_alnum(w[:1])]
        other = [w for w in words if not _is_ascii_alnum(w[:1])]

        def spelled(c: str) -> str:
            return spellings.get(c, c)

        def firsts(group: list[str]) -> set[str]:
            return {s for w in group for s in spelled(w[:1])}

        def starts_inside(group: list[str], bounded: bool) -> set[str]:
            """The characters of ``group``'s words, in every spelling, where a match could start: with
            ``bounded``, not right after a letter or digit."""
            return {s for w in group for i in range(1, len(w))
                    if not (bounded and all(_ALNUM.fullmatch(p) for p in spelled(w[i - 1])))
                    for s in spelled(w[i])}

        apart = (latin and other and not firsts(latin) & (firsts(other) | starts_inside(other, alnum_bounds))
                 and not firsts(other) & starts_inside(latin, False))
        groups = (latin, other) if apart else (words,)
        self.regexes = tuple(re.compile(trie_pattern(group, spellings, alnum_bounds)) for group in groups)

    def finditer(self, text: str) -> Iterator[re.Match]:
        """Every match, leftmost first, none overlapping (as ``re.finditer`` of :func:`trie_pattern`)."""
        if len(self.regexes) == 1:
            return self.regexes[0].finditer(text)
        return _merged(*(regex.finditer(text) for regex in self.regexes))


def _merged(a: Iterator[re.Match], b: Iterator[re.Match]) -> Iterator[re.Match]:
    """Two match streams in order of their starts, lazily (``heapq.merge`` costs more to set up than the
    scan of a short line)."""
    x, y = next(a, None), next(b, None)
    while x is not None and y is not None:
        if x.start() < y.start():
            yield x
            x = next(a, None)
        else:
            yield y
            y = next(b, None)
    if x is not None:
        yield x
        yield from a
    if y is not None:
        yield y
        yield from b


# The parsed form of a pattern, to find what its first character can be. Python exposes no such analysis
# (``re`` does it for itself only when every branch starts with a literal), so it is read from the parser's
# output (``re._parser``, Python 3.11 on); should its shapes change, :func:`first_char_guard` leaves patterns as
# they are, and tests/text/test_patterns.py compares guarded and plain matches.
_CATEGORIES = {"CATEGORY_DIGIT": r"\d", "CATEGORY_NOT_DIGIT": r"\D", "CATEGORY_SPACE": r"\s",
               "CATEGORY_NOT_SPACE": r"\S", "CATEGORY_WORD": r"\w", "CATEGORY_NOT_WORD": r"\W"}


def _first_class(items) -> list[str] | None:
    """Pieces of a character class holding every character a match of the parsed ``items`` can start with;
    None when that is not bounded (any character, a back reference) or the match can be empty."""
    pieces: list[str] = []
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            return pieces + [re.escape(chr(av))]
        if name == "IN":
            for item_op, item in av:
                item_name = str(item_op)
                if item_name == "LITERAL":
                    pieces.append(re.escape(chr(item)))
                elif item_name == "RANGE":
                    pieces.append(f"{re.escape(chr(item[0]))}-{re.escape(chr(item[1]))}")
                elif item_name == "CATEGORY" and str(item) in _CATEGORIES:
                    pieces.append(_CATEGORIES[str(item)])
                else:  # a negated class, a Unicode category set
                    return None
            return pieces
        if name == "BRANCH":
            for alternative in av[1]:
                first = _first_class(alternative)
                if first is None:
                    return None
                pieces += first
            return pieces
        if name == "SUBPATTERN" and (av[1] or av[2]):
            return None  # (?i:...) and the like: the class would be read with other flags
        if name in ("SUBPATTERN", "ATOMIC_GROUP"):
            first = _first_class(av[-1] if name == "SUBPATTERN" else av)
            return None if first is None else pieces + first
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, _, sub = av
            first = _first_class(sub)
            if first is None:
                return None
            pieces += first
            if low > 0:
                return pieces
            continue  # the repeat may match nothing: the next item may start the match too
        if name in ("AT", "ASSERT", "ASSERT_NOT"):
            continue  # consumes nothing
        return None
    return None  # everything before the end may match nothing


# Flags for the whole pattern, which Python 3.11 on accepts only at its start.
_GLOBAL_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")


def first_char_guard(pattern: str, flags: int = 0) -> str:
    """``pattern`` behind a lookahead for the characters a match can start with, where that is bounded.

    ``re`` tries the branches of an alternation one after another at every position; a search of a
    big alternation whose branches do not all start with a literal does so at every character of the
    text. With the lookahead, a position whose character starts no branch fails in one class test (a
    search of the disclaimer phrases is five times as fast). The matches are the same.
    """
    if _GLOBAL_FLAGS.match(pattern):  # ``(?i)...``: flags for the whole pattern must stay at its start
        return pattern
    try:
        first = _first_class(_sre_parse.parse(pattern, flags))
    except (TypeError, ValueError, IndexError):  # the parser's shapes changed: leave the pattern as it is
        return pattern
    if not first:
        return pattern
    return f"(?=[{''.join(dict.fromkeys(first))}])(?:{pattern})"


def compile_guarded(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``pattern`` compiled behind its :func:`first_char_guard`, read and compiled with the same ``flags``."""
    return re.compile(first_char_guard(pattern, flags), flags)
