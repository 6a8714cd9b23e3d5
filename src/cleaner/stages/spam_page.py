"""The page verdict: is the whole page spam (a casino, a Mark Six tipster, a porn site, a sex-drug shop,
a keyword-stuffed or scraped content-farm page)? Sets ``doc.flags`` ``spam_page``, ``spam_kind`` and
``spam_score``; nothing is removed here (``--drop-spam`` does that, in :mod:`cleaner.stages.filter`).

Evidence, each scored per kind from ``data/spam_page_lexicon.tsv`` (weighted hits):

* the body: the cleaned text plus what the spam line rule cut out of it, as hits per 1,000 characters
  (at least :data:`MIN_BODY_CHARS` are assumed, so a 40-character page is not all density); a kind
  counts only when the cleaned text or the title has a word of it, so the spam links a hijacked
  company page lists (cut out as spam or boilerplate) do not make it a spam page;
* the title, by its hits, worth at most half the threshold: a hijacked title on a real page (a company
  page titled with porn terms) is not a spam page, and its spam words are cut from the title;
* the link texts (captured during extraction, ``doc.meta["anchor_text"]``), as hits per 1,000 link
  characters, counted at a quarter and only for a kind the body or title already shows: a spam page
  navigates by its vocabulary, while a hijacked company site only carries a list of spam links;
* contact bait: a QQ / WeChat / Telegram handle right after a call to action ("加QQ", "记住QQ…"),
  worth :data:`BAIT_POINTS` each (three at most), for a page with lexicon evidence;
* reporting words (记者, 警方, 法院, said, police), whose density per 1,000 characters divides the sum
  (by 2 at :data:`REPORT_SCALE`): a report on a betting ring names the games it ran.

The lexicon holds the words spam writes, not the words reports use (赌博, 色情, 彩票, gambling): an
article about gambling, a court report on pornography and a lottery result score (near) nothing.

Two kinds come from the shape of the text rather than words: ``keyword_stuffing`` (a title phrase
repeated through a text that hides scraped sentences behind per-character brackets 【随】【着】, or
repeated many times) and ``content_farm`` (a spun repost, :mod:`cleaner.stages.spin`, or mostly bracketed text).
"""
from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass

from ..document import Document
from ..text.chars import nfkc, visible_chars
from ..text.opencc import is_japanese, to_simplified
from ..text.patterns import TriePattern, trie_pattern
from ..text.rulefiles import read_rule_file
from .base import Stage
from .clean_lines.spam import load_spam_lexicon

SCORED_KINDS = ("gambling", "lottery", "adult", "pharma")
KINDS = (*SCORED_KINDS, "allow", "report", "contact", "cta")
THRESHOLD = 10.0          # spam_score at which a page is a spam page
MIN_BODY_CHARS = 300      # density denominators never go below this many characters
MAX_TERM_HITS = 3         # hits of one term that count
ANCHOR_FACTOR = 0.25
TITLE_POINTS = 2.0        # per unit of title weight, capped at THRESHOLD / 2
BAIT_POINTS = 3.0
REPORT_SCALE = 10.0       # reporting words per 1,000 characters that halve the lexicon score
MAX_BAIT = 3
# Keyword stuffing: a title phrase of this many characters at least, repeated this often in the text.
MIN_KEYWORD_CHARS = 6
STUFFED_REPEATS = 3       # with bracket obfuscation
STUFFED_REPEATS_ALONE = 8
STUFFED_SHARE_ALONE = 0.1  # ...and then it makes this share of the text
# Scraped text hidden from duplicate detection by bracketing every character: 【随】【着】【经】...
_BRACKETED = re.compile(r"(?:【[^】\n]】){8,}")
_TITLE_SEPARATORS = re.compile(r"\s*[_|｜\-—–·:：,，/]+\s*|\s{2,}")


@dataclass(frozen=True)
class Entry:
    term: str
    kind: str
    weight: float
    reason: str


def parse_lexicon(text: str, source: str = "spam_page_lexicon.tsv") -> list[Entry]:
    """Rows ``term<TAB>kind<TAB>weight<TAB>reason``; ``#`` starts a comment line."""
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split("\t")]
        if len(fields) != 4 or not all(fields):
            raise ValueError(f"{source}:{number}: want 4 tab-separated fields: term, kind, weight, reason")
        term, kind, weight, reason = fields
        if kind not in KINDS:
            raise ValueError(f"{source}:{number}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
        entries.append(Entry(_fold(term), kind, float(weight), reason))
    return entries


def _fold(text: str) -> str:
    """What the lexicon matches on: NFKC, lower case, Simplified script."""
    return to_simplified(nfkc(text).lower())


class PageLexicon:
    def __init__(self, entries: list[Entry]):
        self.entries = {e.term: e for e in entries}
        scored = [e.term for e in entries if e.kind in (*SCORED_KINDS, "allow", "report")]
        # Latin terms are whole words; Chinese has no spaces, so its terms are matched as they are.
        self._terms = TriePattern(scored, alnum_bounds=True)
        contacts = trie_pattern([e.term for e in entries if e.kind == "contact"])
        ctas = trie_pattern([e.term for e in entries if e.kind == "cta"], alnum_bounds=True)
        # "加QQ：215138693", "记住QQ215138693", "add me on telegram @name": a handle right after the messenger
        self._bait = re.compile(
            rf"(?:{ctas})[^\n]{{0,6}}?(?<![a-z0-9])(?:{contacts})(?![a-z])[^0-9a-z\n]{{0,8}}"
            rf"(?:[0-9]{{5,12}}|@?[a-z][a-z0-9_.-]{{3,30}})")

    def weights(self, folded: str) -> dict[str, float]:
        """Summed weight of the hits of each scored kind in ``folded`` text, each term counted
        :data:`MAX_TERM_HITS` times at most: spam uses many of the words, while an ordinary page that
        shares one (六合区, 申博 for a PhD application) repeats that one."""
        totals = dict.fromkeys((*SCORED_KINDS, "report"), 0.0)
        hits = Counter(m.group() for m in self._terms.finditer(folded))
        for term, count in hits.items():
            entry = self.entries[term]
            if entry.kind in totals:
                totals[entry.kind] += entry.weight * min(count, MAX_TERM_HITS)
        return totals

    def bait(self, folded: str) -> int:
        return len(self._bait.findall(folded))


@functools.lru_cache(maxsize=8)
def load_page_lexicon(path: str | None = None) -> PageLexicon:
    """The lexicon at ``path``, or the one shipped in ``cleaner/data/spam_page_lexicon.tsv``."""
    return PageLexicon(parse_lexicon(*read_rule_file(path, "spam_page_lexicon.tsv")))


def _density(weights: dict[str, float], chars: int) -> dict[str, float]:
    scale = 1000.0 / max(chars, MIN_BODY_CHARS)
    return {kind: w * scale for kind, w in weights.items()}


def title_keyword_repeats(title: str, text: str) -> tuple[int, int]:
    """How often the longest phrase of the title (between separators) that is at least
    :data:`MIN_KEYWORD_CHARS` long occurs in the text, trimmed at the end to what the text contains
    (spam titles carry a random tail: ``关键词jzH6IO``), and its length: (repeats, characters)."""
    best = (0, 0)
    for phrase in _TITLE_SEPARATORS.split(title):
        while len(phrase) >= MIN_KEYWORD_CHARS and phrase not in text:
            phrase = phrase[:-1]
        if len(phrase) >= MIN_KEYWORD_CHARS:
            best = max(best, (text.count(phrase), len(phrase)))
    return best


@dataclass
class Verdict:
    spam: bool
    kind: str | None
    score: float


def judge(text: str, title: str = "", anchor_text: str = "", removed_spam: str = "", spun: bool = False,
          spin_score: float = 0.0, lexicon: PageLexicon | None = None) -> Verdict:
    """The page verdict from its evidence (see the module docstring)."""
    lexicon = lexicon or load_page_lexicon()
    scores = dict.fromkeys(SCORED_KINDS, 0.0)
    folded_text, folded_title = _fold(text), _fold(title)
    text_w, title_w = lexicon.weights(folded_text), lexicon.weights(folded_title)
    shown = [kind for kind in SCORED_KINDS if text_w[kind] + title_w[kind] > 0]
    if shown and not is_japanese(text):  # the lexicon describes Chinese and English pages
        folded_removed = _fold(removed_spam)
        removed_w = lexicon.weights(folded_removed)
        body_d = _density({k: w + removed_w[k] for k, w in text_w.items()},
                          visible_chars(folded_text) + visible_chars(folded_removed))
        anchor_d = _density(lexicon.weights(_fold(anchor_text)), visible_chars(anchor_text)) if anchor_text else {}
        bait = min(lexicon.bait("\n".join((folded_text, folded_removed, folded_title))), MAX_BAIT)
        reporting = 1.0 + body_d["report"] / REPORT_SCALE
        for kind in shown:
            scores[kind] = (body_d[kind] + min(TITLE_POINTS * title_w[kind], THRESHOLD / 2)
                            + ANCHOR_FACTOR * anchor_d.get(kind, 0.0) + BAIT_POINTS * bait) / reporting
    chars = visible_chars(text)
    bracketed = sum(len(m) for m in _BRACKETED.findall(text)) / chars if chars else 0.0
    repeats, length = title_keyword_repeats(title, text) if title else (0, 0)
    if ((repeats >= STUFFED_REPEATS and bracketed >= 0.05)
            or (repeats >= STUFFED_REPEATS_ALONE and repeats * length >= STUFFED_SHARE_ALONE * len(text))):
        scores["keyword_stuffing"] = THRESHOLD * repeats / STUFFED_REPEATS
    elif spun or bracketed >= 0.5:
        # a spun repost is content-farm output whatever its spin score
        scores["content_farm"] = max(THRESHOLD * bracketed * 2, max(THRESHOLD, spin_score) if spun else 0.0)
    kind, score = max(scores.items(), key=lambda item: item[1])
    return Verdict(score >= THRESHOLD, kind if score >= THRESHOLD else None, round(score, 2))


class SpamPageStage(Stage):
    """Sets ``spam_page``, ``spam_kind`` and ``spam_score`` in ``doc.flags``; cuts the line lexicon's spam
    words out of the title (recorded as ``spam:title``). Runs after the spin stage."""

    name = "spam_page"

    def __init__(self, config):
        super().__init__(config)
        self.lexicon = load_page_lexicon(config.spam_page_lexicon)
        self.line_lexicon = load_spam_lexicon(config.spam_lexicon)

    def process(self, doc: Document) -> None:
        title = doc.meta.get("title") or ""
        removed = "\n".join(text for rule, text in doc.removed if rule.startswith("spam:"))
        verdict = judge(doc.text, title, doc.meta.pop("anchor_text", ""), removed,
                        bool(doc.flags.get("spun")), float(doc.flags.get("spin_score", 0.0)), self.lexicon)
        doc.flags.update(spam_page=verdict.spam, spam_kind=verdict.kind, spam_score=verdict.score)
        if title:
            doc.meta["title"] = self._clean_title(title, doc)

    def _clean_title(self, title: str, doc: Document) -> str | None:
        kept, at = [], 0
        for start, end in self.line_lexicon.find(title):
            kept.append(title[at:start])
            doc.remove("spam:title", title[start:end])
            at = end
        kept.append(title[at:])
        return " ".join("".join(kept).split()).strip("_|-—–·:：,， ") or None
