"""What the run report shows, gathered in one streaming pass over a run's records with bounded memory.

Counts are exact. Everything kept per document (examples, values for histograms, cluster sizes) is a
**bottom-k sample**: the ``k`` items with the smallest keyed hash of their id. That is a uniform sample
without replacement, like reservoir sampling (Algorithm R), but it does not depend on the order records
arrive in (any engine's output, in any order, gives the same report), is the same on every run (fixed
hash, no random state), and two samples merge exactly (keep the ``k`` smallest of both). Written by hand: the standard
library's ``random.sample`` needs the whole population, and no sampling package does keyed bottom-k.
"""
from __future__ import annotations

import hashlib
import heapq
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# Fields shown in their own sections (or not at all); every other field is a signal: numbers get a
# histogram, booleans a share, short strings a table of values. Fields added later show up by themselves.
TEXT_FIELDS = {"id", "source", "url", "title", "date", "text", "cluster", "duplicate_of", "similarity",
               "removed", "rejected", "reject_detail"}
EXAMPLES = 5              # examples kept per reject reason, per removal rule, of spam pages
PAIRS = 8                 # duplicate pairs shown side by side
VALUES = 4000             # values kept per numeric field for its histogram
CLUSTERS = 4000           # clusters whose size is counted exactly, for the cluster-size histogram
MAX_KEYS = 300            # distinct values counted per categorical field / sources / rules; the rest are "(other)"
CLIP = 400                # characters kept of a text shown as an example
PAIR_CLIP = 1500          # characters kept of each text of a duplicate pair
_OTHER = "(other)"
_WHERE = re.compile(r"(:\d+|@\d+)$")  # a JSONL line or WARC offset after the file name


def hash_key(salt: str, key: str) -> int:
    """A fixed 64-bit hash of ``key`` (``salt`` keeps the samples of different things independent)."""
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8, person=salt[:16].encode())
    return int.from_bytes(digest.digest(), "big")


class Sample:
    """Bottom-k sample of (key, item): the ``k`` items whose keys hash smallest."""

    def __init__(self, k: int, salt: str):
        self.k, self.salt = k, salt
        self._heap: list[tuple[int, str, int, Any]] = []   # (-hash, key, arrival, item): largest hash on top
        self.seen = 0

    def would_keep(self, key: str, h: int | None = None) -> bool:
        return len(self._heap) < self.k or -(hash_key(self.salt, key) if h is None else h) > self._heap[0][0]

    def add(self, key: str, item: Any, h: int | None = None) -> None:
        """Offer ``item``; ``h``, when given, is ``key``'s hash already computed (one per record)."""
        self.seen += 1
        h = hash_key(self.salt, key) if h is None else h
        if len(self._heap) >= self.k and -h <= self._heap[0][0]:
            return
        entry = (-h, key, -self.seen, item)  # the arrival number breaks ties of equal keys
        if len(self._heap) < self.k:
            heapq.heappush(self._heap, entry)
        elif entry > self._heap[0]:
            heapq.heapreplace(self._heap, entry)

    def items(self) -> list[Any]:
        """The sampled items, in hash order (a fixed, arbitrary order)."""
        return [entry[-1] for entry in sorted(self._heap, reverse=True)]


class DistinctCounts:
    """Exact occurrence counts of a bottom-k sample of distinct keys (clusters and their sizes).

    A key is admitted on its first occurrence only if its hash is among the ``k`` smallest so far; the
    bound only falls, so an evicted key never returns and every key kept at the end was counted from its
    first occurrence."""

    def __init__(self, k: int, salt: str):
        self.k, self.salt = k, salt
        self.counts: dict[str, int] = {}
        self._heap: list[tuple[int, str]] = []   # (-hash, key) of the kept keys
        self._evicted_below = None                # hash of the last evicted key: larger ones never enter

    def add(self, key: str) -> None:
        if key in self.counts:
            self.counts[key] += 1
            return
        h = hash_key(self.salt, key)
        if self._evicted_below is not None and h >= self._evicted_below:
            return
        if len(self._heap) < self.k:
            heapq.heappush(self._heap, (-h, key))
        elif h < -self._heap[0][0]:
            negative, gone = heapq.heapreplace(self._heap, (-h, key))
            del self.counts[gone]
            self._evicted_below = -negative
        else:
            self._evicted_below = h if self._evicted_below is None else min(h, self._evicted_below)
            return
        self.counts[key] = 1


class BoundedCounter(Counter):
    """A Counter of at most ``MAX_KEYS`` keys; later new keys are counted under ``(other)``."""

    def bump(self, key: str, n: int = 1) -> str:
        """Count ``key``; returns the key it was counted under."""
        if key not in self and len(self) >= MAX_KEYS:
            key = _OTHER
        self[key] += n
        return key


@dataclass
class Numeric:
    """Count, sum, extremes and a sample of one numeric field's values."""

    salt: str
    count: int = 0
    total: float = 0.0
    low: float = float("inf")
    high: float = float("-inf")
    sample: Sample = None

    def __post_init__(self) -> None:
        self.sample = Sample(VALUES, self.salt)

    def add(self, key: str, value: float, h: int | None = None) -> None:
        self.count += 1
        self.total += value
        self.low, self.high = min(self.low, value), max(self.high, value)
        self.sample.add(key, value, h)

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count else 0.0


@dataclass
class SourceRow:
    written: int = 0
    rejected: int = 0
    duplicates: int = 0
    chars: int = 0
    removed_chars: int = 0


def clip(text: str | None, limit: int = CLIP) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[:limit] + "…"


def source_group(source: str | None, doc_id: str | None) -> str:
    """The per-source table's row: the input file of a JSONL line or WARC record; for page files, the
    folder argument and the first folder under it (a page's id is its path below the argument)."""
    if not source:
        return "(unknown)"
    if _WHERE.search(source):
        return _WHERE.sub("", source)
    if doc_id and "/" in doc_id and source.endswith("/" + doc_id):
        return source[:len(source) - len(doc_id)] + doc_id.split("/")[0] + "/"
    folder = source.rpartition("/")[0]
    return folder + "/" if folder else "./"


@dataclass
class Collector:
    """Everything the report needs, fed one output record (:meth:`add_record`) or reject at a time."""

    written: int = 0
    chars: int = 0
    lengths: Numeric = field(default_factory=lambda: Numeric("length"))
    rejected: int = 0
    reject_reasons: BoundedCounter = field(default_factory=BoundedCounter)
    reject_examples: dict[str, Sample] = field(default_factory=dict)
    explained: int = 0                       # records that carry ``removed`` (written with --explain)
    rule_count: BoundedCounter = field(default_factory=BoundedCounter)
    rule_chars: BoundedCounter = field(default_factory=BoundedCounter)
    rule_docs: BoundedCounter = field(default_factory=BoundedCounter)
    rule_examples: dict[str, Sample] = field(default_factory=dict)
    numbers: dict[str, Numeric] = field(default_factory=dict)
    flags: dict[str, list[int]] = field(default_factory=dict)             # field -> [true, false]
    categories: dict[str, BoundedCounter] = field(default_factory=dict)
    spam: Sample = field(default_factory=lambda: Sample(EXAMPLES * 2, "spam"))
    spam_pages: int = 0
    language_scores: dict[str, Numeric] = field(default_factory=dict)
    duplicates: int = 0
    similarity: Numeric = field(default_factory=lambda: Numeric("similarity"))
    clusters: DistinctCounts = field(default_factory=lambda: DistinctCounts(CLUSTERS, "cluster"))
    pairs: Sample = field(default_factory=lambda: Sample(PAIRS, "pair"))
    texts: dict[str, str] = field(default_factory=dict)                   # partner id -> text, for the pairs
    sources: dict[str, SourceRow] = field(default_factory=dict)

    def _source(self, record: dict[str, Any]) -> SourceRow:
        """The record's row of the per-source table."""
        key = source_group(record.get("source"), record.get("id"))
        if key not in self.sources and len(self.sources) >= MAX_KEYS:
            key = _OTHER
        return self.sources.setdefault(key, SourceRow())

    def add_reject(self, record: dict[str, Any]) -> None:
        self.rejected += 1
        reason = self.reject_reasons.bump(str(record.get("rejected") or "(none)"))
        example = {"id": record.get("id"), "source": record.get("source"), "url": record.get("url"),
                   "detail": clip(record.get("reject_detail"))}
        self.reject_examples.setdefault(reason, Sample(EXAMPLES, "reject")).add(str(record.get("id")), example)
        self._source(record).rejected += 1

    def add_record(self, record: dict[str, Any]) -> None:
        doc_id = str(record.get("id"))
        h = hash_key("record", doc_id)  # one hash a record: every per-record sample keeps the same records
        text = record.get("text") or ""
        self.written += 1
        self.chars += len(text)
        self.lengths.add(doc_id, len(text), h)
        row = self._source(record)
        row.written += 1
        row.chars += len(text)
        if self.pairs.seen and doc_id in self.texts:   # a partner some sampled duplicate points at
            self.texts[doc_id] = clip(text, PAIR_CLIP)
        removed = record.get("removed")
        if removed is not None:
            self.explained += 1
            row.removed_chars += self._add_removed(doc_id, removed)
        for name, value in record.items():
            if name not in TEXT_FIELDS and value is not None:
                self._add_signal(doc_id, h, name, value)
        if record.get("spam_page"):
            self.spam_pages += 1
            self.spam.add(doc_id, {"id": doc_id, "kind": record.get("spam_kind"), "score": record.get("spam_score"),
                                   "text": clip(text)}, h)
        language = record.get("language")
        if isinstance(language, str) and isinstance(record.get("language_score"), (int, float)):
            if language not in self.categories["language"]:  # counted under (other) there
                language = _OTHER
            self.language_scores.setdefault(language, Numeric("language")).add(doc_id, record["language_score"], h)
        if record.get("cluster") is not None:
            self.clusters.add(str(record["cluster"]))
        partner = record.get("duplicate_of")
        if partner is not None:
            self.duplicates += 1
            row.duplicates += 1
            similarity = record.get("similarity")
            if isinstance(similarity, (int, float)):
                self.similarity.add(doc_id, float(similarity), h)
            if self.pairs.would_keep(doc_id, h):
                self.pairs.add(doc_id, {"id": doc_id, "partner": str(partner), "similarity": similarity,
                                        "cluster": record.get("cluster"), "text": clip(text, PAIR_CLIP)}, h)
                self.texts.setdefault(str(partner), None)
                self._forget_partners()

    def _forget_partners(self) -> None:
        """Keep partner texts only for the pairs still in the sample (memory stays bounded)."""
        if len(self.texts) > 4 * PAIRS:
            wanted = {p["partner"] for p in self.pairs.items()}
            self.texts = {k: v for k, v in self.texts.items() if k in wanted}

    def _add_removed(self, doc_id: str, removed: list[dict[str, Any]]) -> int:
        chars = 0
        rules = set()
        for item in removed:
            rule, text = str(item.get("rule")), item.get("text") or ""
            chars += len(text)
            rule = self.rule_count.bump(rule)
            self.rule_chars.bump(rule, len(text))
            rules.add(rule)
            sample = self.rule_examples.setdefault(rule, Sample(EXAMPLES, "rule"))
            key = f"{doc_id}\x00{text}"
            h = hash_key(sample.salt, key)
            if sample.would_keep(key, h):
                sample.add(key, {"id": doc_id, "text": clip(text), "before": clip(item.get("before")),
                                 "line": clip(item.get("line"), 2 * CLIP), "after": clip(item.get("after"))}, h)
        for rule in rules:
            self.rule_docs.bump(rule)
        return chars

    def _add_signal(self, doc_id: str, h: int, name: str, value: Any) -> None:
        if isinstance(value, bool):
            counts = self.flags.setdefault(name, [0, 0])
            counts[0 if value else 1] += 1
        elif isinstance(value, (int, float)):
            self.numbers.setdefault(name, Numeric(name)).add(doc_id, float(value), h)
        elif isinstance(value, str):
            self.categories.setdefault(name, BoundedCounter()).bump(value)

    def missing_partners(self) -> set[str]:
        """Partner ids of the sampled pairs whose text came before their duplicate in the file."""
        return {p["partner"] for p in self.pairs.items() if self.texts.get(p["partner"]) is None}

    def add_partner(self, record: dict[str, Any]) -> None:
        self.texts[str(record.get("id"))] = clip(record.get("text") or "", PAIR_CLIP)
