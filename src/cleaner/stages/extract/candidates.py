"""The candidates of a page's extraction, and the choice between precision mode's and the default mode's."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from lxml import etree

from ...text.chars import visible_chars, without_space

# choose(): the default mode replaces precision only when precision kept less than this share of the
# page's visible text, the default mode keeps at least MIN_GAIN times as much (or adds whole paragraphs,
# below), including nearly all of what precision kept, and little of it is link text (menus, related
# lists). Measured on every shared source (benchmarks/eval_extraction.py): looser settings trade a
# dropped article on one page for teasers and comment threads on others.
MAX_PRECISION_SHARE = 0.10
# Precision mode runs without its readability comparison (trafilatura's "fast"; 40% of its time). Below this
# share of the visible text its result is compared with readability's: on every shared page that gives the
# same score as always comparing.
MIN_FAST_SHARE = 0.2
# ... and when it kept below this share of the page's prose (the characters of its blocks that end a
# sentence), and what it kept is mostly not prose: precision mode now and then keeps a document's metadata
# table (索引号, 发文机关, dates: a fifth of a short page's text) and drops the text below it, which
# readability finds. (A short article under a long comment thread also keeps little of the page's prose,
# and there readability would bring the comments in.) It sends 7 more of the 406 shared pages to the
# comparison (68 in all), none of which changes: the pages that lose their text this way are held back.
MIN_PROSE_SHARE = 0.3
MIN_GAIN = 3.0
# ... or at least MIN_SECTION_GAIN times as much when what it adds is MIN_ADDED_PARAGRAPHS paragraphs or more:
# a section the precision mode dropped (headings and their paragraphs), where a teaser for another
# article adds a headline and a summary.
MIN_SECTION_GAIN = 1.5
MIN_ADDED_PARAGRAPHS = 4
MIN_CONTAINED = 0.9
MAX_LINK_DENSITY = 0.2
# doc.meta["extractor_reason"] when precision mode's text stands: alone, or after readability's opinion (when the
# default mode was asked too, the reason is choose()'s).
PRECISION_ALONE = "precision mode"
PRECISION_WITH_OPINION = "precision mode with readability's second opinion"


@dataclass
class Candidate:
    """One extraction of a page, with trafilatura's output tree and text it was rendered from."""

    name: str
    text: str
    body: etree._Element | None = field(default=None, repr=False)
    raw_text: str = field(default="", repr=False)

    @cached_property
    def chars(self) -> int:  # asked several times of a long text
        return visible_chars(self.text)


def link_chars(text: str, tree: etree._Element) -> int:
    """Characters of ``text`` that are link text on the page (menu items, related headlines), per line
    the link texts found in it, white space aside. Only run when the default mode is asked too."""
    anchors = {without_space(a.text_content()) for a in tree.iter("a")}
    anchors = [a for a in anchors if len(a) > 1]
    total = 0
    for line in text.split("\n"):
        folded = without_space(line)
        total += min(len(folded), sum(len(a) for a in anchors if a in folded))
    return total


def contained_share(inner: str, outer: str) -> float:
    """The share of ``inner``'s characters whose lines occur in ``outer`` (white space aside)."""
    folded_outer = without_space(outer)
    total = found = 0
    for line in inner.split("\n"):
        folded = without_space(line)
        total += len(folded)
        if folded and folded in folded_outer:
            found += len(folded)
    return found / total if total else 1.0


def added_paragraphs(inner: str, outer: str) -> int:
    """How many lines of ``outer`` do not occur in ``inner`` (white space aside)."""
    folded_inner = without_space(inner)
    return sum(1 for line in outer.split("\n") if (folded := without_space(line)) and folded not in folded_inner)


def needs_default(precise: Candidate, visible_chars: int) -> bool:
    """Whether precision kept so little of the page that the default mode should be asked too."""
    return precise.chars < MAX_PRECISION_SHARE * visible_chars


def choose(precise: Candidate, default: Candidate, visible_chars: int, tree: etree._Element) -> tuple[Candidate, str]:
    """The better of the precision and default extractions of ``tree``, and why."""
    share = precise.chars / max(visible_chars, 1)
    if default.chars < MIN_GAIN * max(precise.chars, 1) and (
            default.chars < MIN_SECTION_GAIN * max(precise.chars, 1)
            or added_paragraphs(precise.text, default.text) < MIN_ADDED_PARAGRAPHS):
        return precise, f"precision kept {share:.0%} of the visible text; default mode adds little"
    density = link_chars(default.text, tree) / max(default.chars, 1)
    if density > MAX_LINK_DENSITY:
        return precise, f"precision kept {share:.0%}; default mode's text is {density:.0%} links"
    contained = contained_share(precise.text, default.text)
    if contained < MIN_CONTAINED:
        return precise, f"precision kept {share:.0%}; default mode holds only {contained:.0%} of it"
    return default, (f"precision kept {share:.0%} of the visible text; default mode keeps "
                     f"{default.chars / max(visible_chars, 1):.0%}, contains it, {density:.0%} links")
