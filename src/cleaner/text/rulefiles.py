"""Rule and dictionary files: the shipped ones in ``cleaner/data/`` or a user's replacement, read one way.

Every loader of a rule file (boilerplate, spam lexicon, spin pairs, rejoin cues) goes through
:func:`read_rule_file`, and caches its compiled form with ``functools.lru_cache`` keyed by the path.
"""
from __future__ import annotations

import hashlib
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


def rule_file_digests(paths: list[str | None]) -> dict[str, str | None]:
    """SHA-256 of every shipped data file and of each user rule file in ``paths`` (None: shipped), by
    name; None for a file that cannot be read. ``--resume`` compares them with the interrupted run's."""
    digests: dict[str, str | None] = {}
    for entry in sorted(resources.files("cleaner").joinpath("data").iterdir(), key=lambda e: e.name):
        if entry.is_file():
            digests[f"cleaner/data/{entry.name}"] = hashlib.sha256(entry.read_bytes()).hexdigest()
    for path in paths:
        if path is not None:
            try:
                digests[str(path)] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
            except OSError:
                digests[str(path)] = None
    return digests
