"""Injected English spam sentences: "Play now at Lucky Star Casino, claim a 200% welcome bonus!" put in
the middle of an article. The Chinese ones are spam words and short lines (:mod:`.spam`); English spam
comes as a whole sentence, so it goes as a whole sentence, and only when it both calls to action and
makes an offer (``data/spam_sentences.tsv``): a sentence that mentions a casino or a bonus stays.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ...config import Config
from ...document import Document
from ...text.patterns import compile_guarded
from ...text.rulefiles import read_rule_file
from .rule import LineRule

KINDS = ("cta", "offer", "shield")
# An English sentence ends at . ! ? (and closing quotes) followed by white space and a capital or digit.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[A-Z0-9\"'“‘(])")
_LATIN = re.compile(r"[A-Za-z]")


def parse_rules(text: str, source: str) -> dict[str, re.Pattern]:
    """Rows ``kind<TAB>regex<TAB>reason``; one compiled alternation per kind."""
    patterns: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 3 or not all(f.strip() for f in fields):
            raise ValueError(f"{source}:{number}: want 3 tab-separated fields: kind, regex, reason")
        kind, regex = fields[0].strip(), fields[1].strip()
        if kind not in KINDS:
            raise ValueError(f"{source}:{number}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
        re.compile(regex)
        patterns[kind].append(f"(?:{regex})")
    compiled = {kind: "|".join(p) or "(?!)" for kind, p in patterns.items()}
    # An offer starts a word. Offers are looked for in every line of Latin text, and with the start of a word
    # first the regex engine skips the inside of words: three times as fast.
    compiled["offer"] = rf"\b(?=\w)(?:{compiled['offer']})"
    return {kind: compile_guarded(pattern, re.IGNORECASE) for kind, pattern in compiled.items()}


@lru_cache(maxsize=8)
def load_rules(path: str | None = None) -> dict[str, re.Pattern]:
    return parse_rules(*read_rule_file(path, "spam_sentences.tsv"))


def sentences(line: str) -> list[str]:
    """The sentences of a line, each with the white space after it; they join back to the line."""
    out, start = [], 0
    for m in _SENTENCE_BREAK.finditer(line):
        out.append(line[start:m.end()])
        start = m.end()
    out.append(line[start:])
    return [s for s in out if s]


class SpamSentenceRule(LineRule):
    """Remove English sentences that call to action and make a casino, betting, pharma or porn offer."""

    name = "spam"

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.rules = load_rules(config.spam_sentences)

    def is_spam(self, sentence: str) -> bool:
        rules = self.rules
        return (rules["offer"].search(sentence) is not None and rules["cta"].search(sentence) is not None
                and rules["shield"].search(sentence) is None)

    def apply(self, lines: list[str], doc: Document) -> list[str]:
        out = []
        for line in lines:
            if not _LATIN.search(line) or not self.rules["offer"].search(line):
                out.append(line)
                continue
            kept = []
            for sentence in sentences(line):
                if self.is_spam(sentence.strip()):
                    doc.remove("spam:sentence", sentence.strip())
                else:
                    kept.append(sentence)
            out.append("".join(kept).strip())
        return out
