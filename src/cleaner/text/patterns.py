"""Regular expressions for word lists: one trie-shaped alternation, longest match first.

A list of thousands of literal words as a plain alternation makes the regex engine try every word at every
position. Laid out as a trie (``国(?:家(?:卫生)?|度)``) it tries at most one branch per character, so it
cannot backtrack badly, and with each first character a separate literal branch the engine's prefix scan
skips every position whose character cannot start a word. (Python's ``re`` has no set-of-literals
matcher; a lookbehind or class at the start of a big alternation disables that prefix scan.)
"""
from __future__ import annotations

import re

#: Latin letters and digits, full-width forms included.
ALNUM_CLASS = "[a-z0-9A-Z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]"
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
