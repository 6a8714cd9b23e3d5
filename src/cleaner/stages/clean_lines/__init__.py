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

from ...document import Document
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

    def process(self, doc: Document) -> None:
        lines = [s for line in doc.text.splitlines() if (s := line.strip())]
        for _ in range(MAX_PASSES):
            before = lines
            for rule in self.rules:
                lines = [s for line in rule.apply(lines, doc) if (s := line.strip())]
            if lines == before:
                break
        doc.text = "\n".join(lines)
