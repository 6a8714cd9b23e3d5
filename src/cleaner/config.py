"""Every knob of the pipeline in one dataclass, loadable from TOML."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

SCRIPTS = ("zh-hans", "zh-hant", "zh-tw", "zh-hk", "keep")


@dataclass(frozen=True)
class Config:
    # script conversion
    script: str = "zh-hans"
    # dedup
    dedup: bool = True
    threshold: float = 0.8
    num_perm: int = 128
    cjk_shingle_size: int = 5      # characters, for text that is mostly CJK
    word_shingle_size: int = 3     # words, for space-separated text
    drop_duplicates: bool = False
    # rule files: None means the file shipped in cleaner/data/
    boilerplate_rules: str | None = None
    spam_lexicon: str | None = None
    spin_pairs: str | None = None
    spam_page_lexicon: str | None = None
    spam_sentences: str | None = None
    spin_threshold: float = 0.5    # distinct spun forms per 1,000 characters that flag a document
    # limits (bad and hostile input)
    max_page_bytes: int = 20_000_000
    max_doc_chars: int = 2_000_000
    max_depth: int = 400
    timeout_s: float = 60.0
    # running
    workers: int | None = None     # None: all cores
    explain: bool = False
    # clean-corpus local engine (cleaner.engines.local)
    shard_docs: int = 64           # documents per shard: the unit of work, of --resume, and of what a kill loses
    shard_bytes: int = 64_000_000  # input bytes per shard at most, so parent memory stays flat on big pages
    # extraction (cleaner.extract)
    min_extracted_chars: int = 10  # fewer non-space characters than this from trafilatura: try its baseline
    # spin detection (cleaner.stages.spin)
    spin_min_forms: int = 3        # distinct spun forms a flagged document has at least (one stray form is not spin)
    # page verdict, PII and filtering (cleaner.stages: spam_page, redact_pii, filter): flag, never drop, by default
    redact_pii: bool = False       # replace e-mail addresses and phone numbers with placeholders
    drop_spam: bool = False        # send spam pages to the rejects (reason spam_page)
    filters: tuple[str, ...] = ()  # rules like "language_score<0.5": a document one fires on is rejected (filtered)
    # dedup accuracy
    exact_jaccard: bool = True     # decide pairs whose signature estimate is near the threshold by their exact Jaccard

    def __post_init__(self) -> None:
        if self.script not in SCRIPTS:
            raise ValueError(f"script must be one of {', '.join(SCRIPTS)}, not {self.script!r}")
        if isinstance(self.filters, str):
            object.__setattr__(self, "filters", (self.filters,))
        elif isinstance(self.filters, list):
            object.__setattr__(self, "filters", tuple(self.filters))
        from .stages.filter import parse_rule  # here, not at the top: the stages import this module
        for rule in self.filters:
            parse_rule(rule)  # a ValueError naming the rule, before any work
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], not {self.threshold}")

    @classmethod
    def from_toml(cls, path: str | Path) -> "Config":
        """Read a TOML file whose top-level keys are field names (a ``[cleaner]`` table also works)."""
        with open(path, "rb") as f:
            data = tomllib.load(f)
        data = dict(data.get("cleaner", data))
        if "filter" in data:  # a [cleaner.filter] table of thresholds, or a list of rules
            data["filters"] = (*data.get("filters", ()), *filter_rules(data.pop("filter")))
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"{path}: unknown config keys: {', '.join(unknown)}")
        return cls(**data)

    def replace(self, **changes) -> "Config":
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update({k: v for k, v in changes.items() if v is not None})
        return Config(**values)


def filter_rules(table: dict | list) -> tuple[str, ...]:
    """Rules from a TOML ``filter`` value: a list of rules, or thresholds ``min_NAME`` (reject below)
    and ``max_NAME`` (reject above), e.g. ``min_chars = 200``, ``max_symbol_ratio = 0.1``."""
    if isinstance(table, list):
        return tuple(str(rule) for rule in table)
    rules = []
    for key, value in table.items():
        bound, _, name = key.partition("_")
        if bound not in ("min", "max") or not name:
            raise ValueError(f"filter keys are min_NAME or max_NAME, not {key!r}")
        rules.append(f"{name}{'<' if bound == 'min' else '>'}{value}")
    return tuple(rules)
