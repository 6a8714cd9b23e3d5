"""Line cleaning (stage 3): the rule units over the extracted text, in order, until nothing changes.

The text is split into lines (stripped, blank lines dropped) and handed to each :class:`LineRule` in
turn; each removes what it recognises and records why in ``doc.removed``. The chain runs again on its
own output until a pass changes nothing, so that cleaning is idempotent even where one rule's removal
exposes a pattern to another (two menu items that were apart become neighbours). Every pass only
removes text or joins lines, so the loop ends; ``MAX_PASSES`` bounds it on hostile input.

Order matters:

0. control characters and lone surrogates, which are never text;
1. table markup, so that every later rule sees cells as lines;
2. pinyin annotations, so that words match the lexicons;
3. image placeholders, so that a caption repeated around them becomes a repeat;
4. chrome lines, related-article blocks, disclaimers, repeated lines (boilerplate, whole lines);
5. spam spans and injected lines, then rejoining the sentences they broke, last, so that rejoining
   never glues a menu or a caption onto article text.
"""
from __future__ import annotations

from itertools import chain

from ...document import Document
from ...text.chars import compatibility_forms
from ..base import Stage
from .characters import ControlCharacterRule
from .disclaimer import DisclaimerRule
from .images import ImagePlaceholderRule
from .navigation import NavigationRule
from .pinyin import PinyinRule
from .rejoin import RejoinRule
from .related import RelatedBlockRule
from .repeated import RepeatedLineRule
from .rule import LineRule
from .spam import SpamRule
from .spam_sentences import SpamSentenceRule
from .table import TableMarkupRule

RULES: tuple[type[LineRule], ...] = (
    ControlCharacterRule, TableMarkupRule, PinyinRule, ImagePlaceholderRule, NavigationRule, RelatedBlockRule,
    DisclaimerRule, RepeatedLineRule, SpamRule, SpamSentenceRule, RejoinRule,
)
MAX_PASSES = 8

__all__ = ["CleanLinesStage", "LineRule", "RULES"]


class CleanLinesStage(Stage):
    name = "clean_lines"

    def __init__(self, config):
        super().__init__(config)
        self.rules = [rule(config) for rule in RULES]
        compatibility_forms()  # for the line keys' NFKC: built with the pipeline, not in the first document's time

    def process(self, doc: Document) -> None:
        lines = [s for line in doc.text.splitlines() if (s := line.strip())]
        # A rule is a function of its lines (and of the page title, which does not change here): lines it left
        # untouched, recording nothing, it leaves untouched again, so a later pass skips it there. Most of a
        # second pass is such rules: the ones after the last rule that changed something.
        untouched: list[list[str] | None] = [None] * len(self.rules)
        for _ in range(MAX_PASSES):
            before = lines
            for index, rule in enumerate(self.rules):
                if untouched[index] == lines:
                    continue
                removed_before = len(doc.removed)
                new_lines = [s for line in rule.apply(lines, doc) if (s := line.strip())]
                if self.config.explain and len(doc.removed) > removed_before:
                    note_context(doc, removed_before, lines)
                if new_lines == lines and len(doc.removed) == removed_before:
                    untouched[index] = lines
                lines = new_lines
            if lines == before:
                break
        doc.text = "\n".join(lines)


def note_context(doc: Document, first: int, lines: list[str]) -> None:
    """For ``--explain``: where removals ``first``... sat in ``lines`` (the text the rule was given), as
    ``doc.meta["removed_context"][index] = (line before, the line itself, line after)`` (None where there is
    none), so that a reader sees each removal in context (:mod:`cleaner.report`). A rule records its
    removals in line order, so each search starts where the last one ended: linear time in the usual case."""
    context = doc.meta.setdefault("removed_context", {})
    at = 0
    for index in range(first, len(doc.removed)):
        text = doc.removed[index][1]
        head, *rest = text.split("\n")
        head = head.strip()
        if not head:
            continue
        found = next((i for i in chain(range(at, len(lines)), range(at)) if head in lines[i]), None)
        if found is None:
            continue
        at = found
        end = min(at + len(rest), len(lines) - 1)
        context[index] = (lines[at - 1] if at > 0 else None, "\n".join(lines[at:end + 1]),
                          lines[end + 1] if end + 1 < len(lines) else None)
