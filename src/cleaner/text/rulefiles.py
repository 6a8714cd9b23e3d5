"""Rule and dictionary files: the shipped ones in ``cleaner/data/`` or a user's replacement, read one way.

Every loader of a rule file (boilerplate, spam lexicon, spin pairs, rejoin cues) goes through
:func:`read_rule_file`, and caches its compiled form with ``functools.lru_cache`` keyed by the path.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path


def shipped_text(name: str) -> str:
    """The text of the data file ``name`` shipped in ``cleaner/data``."""
    return resources.files("cleaner").joinpath("data", name).read_text("utf-8")


def read_rule_file(path: str | None, shipped: str) -> tuple[str, str]:
    """(text, source name) of the rule file at ``path``, or of the shipped file ``shipped`` when None."""
    if path is None:
        return shipped_text(shipped), f"cleaner/data/{shipped}"
    return Path(path).read_text("utf-8"), str(path)
