"""Lines one sentence was broken across: a bolded name and title on its own line, then its predicate.

``重庆市卫生康健委醫政处副处长曾毅`` / ``在致辞中,對……`` → one line. Two lines are joined only when the
first is short and unfinished (it ends with a Han character, with no sentence-final mark in it) and the
second starts the way no paragraph of its own can start: with a bare speech verb (``表示，``) or a bare
``在讲话中，`` (see ``data/rejoin_cues.txt``). A heading followed by a paragraph is left alone, since a
paragraph starts with its own subject.
"""
from __future__ import annotations

import re
from functools import lru_cache


from ...config import Config
from ...document import Document
from ...text.chars import HAN, SENTENCE_END
from ...text.opencc import to_simplified
from ...text.rulefiles import shipped_text
from .rule import LineRule

# Longest first line that is taken for a name-and-title line.
MAX_NAME_LINE_CHARS = 40
# How much of the second line is looked at (after OpenCC t2s) to find the cue.
CUE_WINDOW = 24

_SENTENCE_MARKS = SENTENCE_END + "；;"
_ENDS_WITH_HAN = re.compile(rf"[{HAN}]$")
_KINDS = ("verb", "adverb", "setting")


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1)
def continuation_pattern() -> re.Pattern:
    """The start of a line that continues the sentence of the line before it."""
    cues: dict[str, list[str]] = {kind: [] for kind in _KINDS}
    text = shipped_text("rejoin_cues.txt")
    for number, raw in enumerate(text.splitlines(), 1):
        body, _, reason = raw.partition("#")
        entry = body.split()
        if not entry:
            continue
        if len(entry) != 2 or entry[0] not in cues or not reason.strip():
            raise ValueError(f"rejoin_cues.txt:{number}: expected 'KIND WORD  # reason', KIND one of {_KINDS}")
        cues[entry[0]].append(entry[1])
    verb = (rf"(?:{_alternation(cues['adverb'])})?(?:{_alternation(cues['verb'])})"
            r"(?=[，,：:了说道“\"])")
    setting = rf"在[^，,。；;]{{0,8}}?(?:{_alternation(cues['setting'])})[中时上]?[，,]"
    return re.compile(rf"(?:{verb}|{setting})")


class RejoinRule(LineRule):
    """Join a short unfinished line to the next line when that one continues its sentence."""

    name = "rejoin"

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.continuation = continuation_pattern()
        self.to_simplified = to_simplified

    def is_unfinished_name_line(self, line: str) -> bool:
        stripped = line.strip()
        return (0 < len(stripped) <= MAX_NAME_LINE_CHARS
                and _ENDS_WITH_HAN.search(stripped) is not None
                and not any(mark in stripped for mark in _SENTENCE_MARKS))

    def continues_sentence(self, line: str) -> bool:
        start = self.to_simplified(line.lstrip()[:CUE_WINDOW])
        return self.continuation.match(start) is not None

    def apply(self, lines: list[str], doc: Document) -> list[str]:
        out: list[str] = []
        for line in lines:
            if out and self.is_unfinished_name_line(out[-1]) and self.continues_sentence(line):
                out[-1] = out[-1].rstrip() + line.lstrip()
            else:
                out.append(line)
        return out
