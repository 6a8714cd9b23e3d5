"""Every knob of the pipeline in one dataclass, loadable from TOML."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from .record import OUTPUT_FIELDS

SCRIPTS = ("zh-hans", "zh-hant", "zh-tw", "zh-hk", "keep")


def _whole(low: int, none: bool = False):
    return lambda v: (v is None and none) or (isinstance(v, int) and not isinstance(v, bool) and v >= low)


def _number(low: float, high: float = float("inf"), low_open: bool = False):
    def valid(v) -> bool:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return False
        return (v > low if low_open else v >= low) and v <= high
    return valid


def _flag(v) -> bool:
    return isinstance(v, bool)


def _text(v) -> bool:
    return isinstance(v, str) and bool(v)


def _path(v) -> bool:
    return v is None or (isinstance(v, str) and bool(v))


# (field, what it expects, check): every field of Config, checked when a Config is made
_CHECKS = (
    ("script", f"one of {', '.join(SCRIPTS)}", lambda v: v in SCRIPTS),
    ("dedup", "true or false", _flag),
    ("threshold", "a number in (0, 1]", _number(0.0, 1.0, low_open=True)),
    ("num_perm", "a whole number >= 1", _whole(1)),
    ("cjk_shingle_size", "a whole number >= 1", _whole(1)),
    ("word_shingle_size", "a whole number >= 1", _whole(1)),
    ("drop_duplicates", "true or false", _flag),
    ("boilerplate_rules", "a file path", _path),
    ("spam_lexicon", "a file path", _path),
    ("spin_pairs", "a file path", _path),
    ("spin_threshold", "a number >= 0", _number(0.0)),
    ("max_page_bytes", "a whole number >= 1", _whole(1)),
    ("max_doc_chars", "a whole number >= 1", _whole(1)),
    ("max_depth", "a whole number >= 1", _whole(1)),
    ("timeout_s", "a number of seconds > 0", _number(0.0, low_open=True)),
    ("workers", "a whole number >= 1 (or unset: all cores)", _whole(1, none=True)),
    ("follow_symlinks", "true or false", _flag),
    ("redact_pii", "true or false", _flag),
    ("drop_spam", "true or false", _flag),
    ("explain", "true or false", _flag),
    ("shard_docs", "a whole number >= 1", _whole(1)),
    ("shard_bytes", "a whole number >= 1", _whole(1)),
    ("min_extracted_chars", "a whole number >= 0", _whole(0)),
    ("spin_min_forms", "a whole number >= 1", _whole(1)),
    ("exact_jaccard", "true or false", _flag),
    ("one_permutation", "true or false", _flag),
    ("id_field", "a column name", _text),
    ("text_field", "a column name", _text),
    ("html_field", "a column name", _text),
    ("url_field", "a column name", _text),
    ("keep_fields", "a list of column names", lambda v: isinstance(v, tuple) and all(_text(k) for k in v)),
    ("input_glob", "a file name pattern", _path),
)


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
    follow_symlinks: bool = False  # follow symlinks in input folders that lead out of them (cleaner.io.readers)
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
    one_permutation: bool = False  # signatures by one-permutation hashing with densification (cleaner.dedup.signatures)
    # tabular input (JSONL, Parquet, Arrow): which column is which, and input columns carried to the output
    id_field: str = "id"
    text_field: str = "text"
    html_field: str = "html"
    url_field: str = "url"
    keep_fields: tuple[str, ...] = ()
    # clean-corpus: which files of a folder argument to read (fnmatch on the path relative to the folder)
    input_glob: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.keep_fields, (list, str)):  # a TOML array, or "a,b" as on the command line
            keep = self.keep_fields.split(",") if isinstance(self.keep_fields, str) else self.keep_fields
            object.__setattr__(self, "keep_fields", tuple(k.strip() if isinstance(k, str) else k for k in keep
                                                          if not isinstance(k, str) or k.strip()))
        for name, expects, valid in _CHECKS:
            value = getattr(self, name)
            if not valid(value):
                raise ValueError(f"config: {name} must be {expects}, not {value!r}")
        clash = sorted(set(self.keep_fields) & set(OUTPUT_FIELDS))
        if clash:
            raise ValueError(f"config: keep_fields may not name an output field: {', '.join(clash)}")
        if isinstance(self.filters, str):
            object.__setattr__(self, "filters", (self.filters,))
        elif isinstance(self.filters, list):
            object.__setattr__(self, "filters", tuple(self.filters))
        from .stages.filter import parse_rule  # here, not at the top: the stages import this module
        for rule in self.filters:
            parse_rule(rule)  # a ValueError naming the rule, before any work

    @classmethod
    def from_toml(cls, path: str | Path) -> "Config":
        """Read a TOML file whose top-level keys are field names (a ``[cleaner]`` table also works)."""
        with open(path, "rb") as f:
            data = tomllib.load(f)
        if isinstance(data.get("cleaner"), dict):
            beside = sorted(set(data) - {"cleaner"})
            if beside:
                raise ValueError(f"{path}: keys outside the [cleaner] table: {', '.join(beside)}")
            data = data["cleaner"]
        data = dict(data)
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
