"""Spin detection: content farms swap words for odd synonyms (健康→康健, 医院→病院) so that copies
escape duplicate detection.

The lexicon (``data/spin_pairs.tsv``) lists pairs of a normal word and its spun form, each of a kind:

* ``spin``: the spun form is evidence of spinning wherever it occurs, being rare in ordinary text;
  for spun forms that are ordinary words (事情, 天下), the evidence rows give them in the compounds
  that only a spinner writes (事情人员, 天下县级);
* ``view``: the spun form is an ordinary word as well; it is only mapped back in the comparison view;
* ``ordinary``: a standard word, or a common sequence of two words, that contains a spun form (精神病院;
  首先容 of 首先容易); it is neither evidence nor mapped, and hides the spun form inside it.

Matching is leftmost-longest over all words of the lexicon, normal words included, on the text in
Simplified script: a longer entry wins over a shorter one starting at the same place, and 健康 in
健康健身 hides the 康健 across its word boundary. The score is the number of distinct spun forms found
per 1,000 characters; a document is flagged when the score reaches ``Config.spin_threshold`` and at
least ``Config.spin_min_forms`` distinct forms occur (one stray form in a short text is not spinning).
Japanese text is not scored.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np

from ..document import Document
from ..text.chars import code_points, nfkc, visible_chars
from ..text.opencc import is_japanese, to_simplified
from ..text.patterns import trie_pattern
from ..text.rulefiles import read_rule_file
from .base import Stage

KINDS = ("spin", "view", "ordinary")
_BIGRAM_BITS = 20


def _bigram_hashes(codes: np.ndarray) -> np.ndarray:
    """A hash in [0, 2**20) of each pair of neighbouring code points."""
    codes = codes.astype(np.uint64)
    return ((codes[:-1] * np.uint64(0x9E3779B1)) ^ codes[1:]) & np.uint64((1 << _BIGRAM_BITS) - 1)


@dataclass(frozen=True)
class SpinPair:
    normal: str
    spun: str
    kind: str
    reason: str


def parse_pairs(text: str, source: str = "spin pairs") -> list[SpinPair]:
    """Rows ``normal<TAB>spun<TAB>kind<TAB>reason``; ``#`` starts a comment line. Words are converted to
    Simplified script, since matching runs on Simplified text."""
    pairs = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 4 or not all(f.strip() for f in fields):
            raise ValueError(f"{source}:{number}: want 4 tab-separated fields: normal, spun, kind, reason")
        normal, spun, kind, reason = (f.strip() for f in fields)
        if kind not in KINDS:
            raise ValueError(f"{source}:{number}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
        normal, spun = to_simplified(normal), to_simplified(spun)
        if min(len(normal), len(spun)) < 2:
            raise ValueError(f"{source}:{number}: words have two characters at least")
        if (kind == "ordinary") != (normal == spun):
            raise ValueError(f"{source}:{number}: normal and spun are the same word only for 'ordinary'")
        pairs.append(SpinPair(normal, spun, kind, reason))
    return pairs


class SpinLexicon:
    """The spin pairs, compiled for finding evidence and for mapping spun forms back."""

    def __init__(self, pairs: list[SpinPair]):
        self.pairs = pairs
        self.evidence = frozenset(p.spun for p in pairs if p.kind == "spin")
        shields = {p.spun for p in pairs if p.kind == "ordinary"}
        self.canonical = self._canonical_forms([p for p in pairs if p.kind != "ordinary"])
        forms = self.canonical.keys() | self.evidence | shields
        self._forms = re.compile(trie_pattern(forms))
        self.mapping = {form: self.canonical.get(form, form) for form in forms}
        self._starts = np.zeros(1 << _BIGRAM_BITS, dtype=bool)
        self._starts[[_bigram_hashes(code_points(form[:2]))[0] for form in forms]] = True

    @staticmethod
    def _canonical_forms(pairs: list[SpinPair]) -> dict[str, str]:
        """Every word of a pair mapped to one representative of its group.

        Spinners chain synonyms (措施→行动 in one copy, 行动→动作 in another), so words linked through any
        pairs form one group, represented by the normal word that comes first in the file.
        """
        parent: dict[str, str] = {}
        seen: dict[str, int] = {}  # word -> when it first appears in the file

        def root(word: str) -> str:
            while parent.setdefault(word, word) != word:
                word = parent[word]
            return word

        for p in pairs:
            seen.setdefault(p.normal, len(seen))
            seen.setdefault(p.spun, len(seen))
            first, later = sorted((root(p.normal), root(p.spun)), key=seen.__getitem__)
            parent[later] = first
        return {word: root(word) for word in parent}

    def _find(self, text: str) -> list[re.Match]:
        """Leftmost-longest matches of the lexicon's words, like ``findall``, about twice as fast: the
        regex is tried only where the text's next two characters start a word (by a hashed table)."""
        codes = code_points(text)
        if len(codes) < 2:
            return []
        matches: list[re.Match] = []
        end = 0
        match = self._forms.match
        for at in np.flatnonzero(self._starts[_bigram_hashes(codes)]).tolist():
            if at >= end and (m := match(text, at)):
                matches.append(m)
                end = m.end()
        return matches

    def spun_forms(self, simplified: str) -> set[str]:
        """Distinct evidence forms in ``simplified`` (text already in Simplified script)."""
        return {m.group() for m in self._find(simplified)} & self.evidence

    def map_back(self, simplified: str) -> str:
        """``simplified`` with every word of a pair replaced by its group's representative."""
        pieces = []
        done = 0
        for m in self._find(simplified):
            pieces += (simplified[done:m.start()], self.mapping[m.group()])
            done = m.end()
        pieces.append(simplified[done:])
        return "".join(pieces)


@functools.cache
def load_spin_lexicon(path: str | None = None) -> SpinLexicon:
    """The lexicon in ``path``, or the one shipped in ``cleaner/data/spin_pairs.tsv``."""
    return SpinLexicon(parse_pairs(*read_rule_file(path, "spin_pairs.tsv")))


def spin_score(text: str, lexicon: SpinLexicon | None = None,
               japanese: bool | None = None) -> tuple[float, set[str]]:
    """(distinct spun forms per 1,000 characters, the forms) for text in any script; (0.0, set()) for
    Japanese text, which the lexicon does not describe (``japanese``: already known, else detected)."""
    lexicon = lexicon or load_spin_lexicon()
    if japanese if japanese is not None else is_japanese(text):
        return 0.0, set()
    simplified = to_simplified(nfkc(text))
    forms = lexicon.spun_forms(simplified)
    length = visible_chars(simplified)
    return (1000.0 * len(forms) / length if length else 0.0), forms


class SpinStage(Stage):
    """Sets ``doc.flags["spin_score"]`` and ``doc.flags["spun"]``; runs after script conversion, and
    matches on a Simplified view whatever the output script."""

    name = "spin"

    def __init__(self, config):
        super().__init__(config)
        self.lexicon = load_spin_lexicon(config.spin_pairs)

    def process(self, doc: Document) -> None:
        # Script conversion, just before, detected the script ("ja" for Japanese) of this text.
        script_in = doc.meta.get("script_in", "unknown")
        japanese = None if script_in == "unknown" else script_in == "ja"
        score, forms = spin_score(doc.text, self.lexicon, japanese=japanese)
        doc.flags["spin_score"] = round(score, 3)
        doc.flags["spun"] = (score >= self.config.spin_threshold
                             and len(forms) >= self.config.spin_min_forms)
