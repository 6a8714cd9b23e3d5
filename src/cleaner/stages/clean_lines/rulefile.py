"""The boilerplate rule file (``cleaner/data/boilerplate.toml``): loaded once, compiled to one regex a family.

Each family becomes a single alternation, so a line is tested against a family in one regex call, not
in a loop over its entries. Entries must not nest quantifiers (bounded repeats instead of ``.*``), so that
no entry backtracks badly on hostile input; tests/test_lines_boilerplate.py checks this on 50 KB lines.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache

from ...text.patterns import compile_guarded
from ...text.rulefiles import read_rule_file

MODES = ("token", "line", "search", "span")


class RuleFileError(ValueError):
    """The rule file is malformed (unknown mode, missing reason, pattern that does not compile)."""


@dataclass(frozen=True)
class Family:
    name: str
    mode: str
    regex: re.Pattern[str]
    entries: tuple[tuple[str, str], ...]  # (pattern, reason)

    def matches(self, key: str) -> bool:
        """``line``/``token`` families: the whole key; ``search``/``span`` families: anywhere in it."""
        if self.mode in ("line", "token"):
            return self.regex.fullmatch(key) is not None
        return self.regex.search(key) is not None


class RuleFile:
    """All families of one rule file, by name."""

    def __init__(self, families: dict[str, Family], source: str):
        self.families = families
        self.source = source

    def __getitem__(self, name: str) -> Family:
        try:
            return self.families[name]
        except KeyError:
            raise RuleFileError(f"{self.source}: no family [{name}]") from None


def _compile(name: str, table: dict, source: str) -> Family:
    mode = table.get("match")
    if mode not in MODES:
        raise RuleFileError(f"{source}: [{name}] match must be one of {MODES}, not {mode!r}")
    entries = []
    for i, entry in enumerate(table.get("entries", [])):
        pattern, why = entry.get("re"), entry.get("why")
        if not pattern or not why:
            raise RuleFileError(f"{source}: [{name}] entry {i} needs both 're' and 'why'")
        try:
            re.compile(pattern)
        except re.error as e:
            raise RuleFileError(f"{source}: [{name}] entry {i} {pattern!r}: {e}") from None
        entries.append((pattern, why))
    if not entries:
        raise RuleFileError(f"{source}: [{name}] has no entries")
    alternation = "|".join(f"(?:{p})" for p, _ in entries)
    return Family(name, mode, compile_guarded(alternation, re.IGNORECASE), tuple(entries))


@lru_cache(maxsize=8)
def load_rules(path: str | None = None) -> RuleFile:
    """The rule file at ``path``, or the shipped ``boilerplate.toml``; compiled once per path."""
    text, source = read_rule_file(path, "boilerplate.toml")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise RuleFileError(f"{source}: {e}") from None
    return RuleFile({name: _compile(name, table, source) for name, table in data.items()}, source)
