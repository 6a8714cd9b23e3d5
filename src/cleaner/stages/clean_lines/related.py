"""Lists of other articles: "related / latest / more / hot" blocks, runs of headline-snippet-date items,
and truncated snippets.

A list of other articles is recognised by its shape, not its words (the headlines are real sentences on
other subjects):

- a heading from the ``[heading]`` family (``相关文章``, ``最新``, ``更多关于健康的资讯:``, ``You may also
  like``) followed by items: bullet lines, dates, short headline-like lines (no final full stop),
  snippets cut mid-sentence, or any line that a date follows within two lines. The block ends at the
  first line that reads like article text;
- without a heading, three or more list rows in a row, each a short line with a numeric date at one end
  (``2020-04-09 admin 标题``, ``标题(2006-12-19)[836]``, ``[dated_item]``);
- without a heading, a run of at least three date lines (``[listing_date]``) at most three lines apart,
  where at least half of the items carry a snippet cut mid-sentence; the headline and snippet in front
  of the first date go with it;
- a teaser in a list: a line starting with ``...`` (not the Chinese ellipsis ``……``) and cut at its
  end too (a line that opens with ``...`` and ends its sentence is a quotation picked up mid-sentence),
  with another such line or a date at most two lines away (one such line alone, between paragraphs or
  references, is a quotation with its omissions marked); or a long line cut mid-sentence right before a
  date line;
- what is left of list items: a machine timestamp (date and time of day, ``[timestamp]``) alone on a line.

Article text ends its sentences; list items end wherever the site cut them. That is the whole bias: a
line that ends a sentence and is longer than a headline is never taken, unless a date follows it.
"""
from __future__ import annotations

import re

from ...document import Document
from ...text.chars import BULLETS, SCRIPT_FULL_STOPS, SENTENCE_END
from .rule import LineRule, line_keys

BULLET = re.compile(rf"^\s*[{BULLETS}*]")
SNIPPET_START = re.compile(r"^\s*(?:\.{3}|…(?!…))")
# Closing marks that end a sentence (keys are NFKC: ！ and ？ are already ASCII), “ and ‘ where German, Czech and
# Polish close a quote.
CLOSING_SENTENCE_END = tuple(SENTENCE_END + ".\"”’“‘』」)]】")

HEADLINE_CHARS = 40     # a line this short without a final full stop (FULL_STOP) reads like a headline
SNIPPET_CHARS = 300     # list snippets are at most this long
MAX_DATE_GAP = 3        # lines between two dates of one list (headline, snippet, maybe a source line)
MIN_RUN_DATES = 3       # dates (or dated rows) in a heading-less list
TEASER_GAP = 2          # a teaser has another teaser or a date this many lines away (headline in between)


# A short line ending in a full stop is a sentence, not a headline (headlines end without one, or cut "...", or
# ask a question, in any script).
FULL_STOP = re.compile(rf"(?:[。{SCRIPT_FULL_STOPS}]|(?<!\.)\.)$")


def ends_sentence(key: str) -> bool:
    return key.endswith(CLOSING_SENTENCE_END)


class RelatedBlockRule(LineRule):
    name = "boilerplate:related"

    def __init__(self, config) -> None:
        super().__init__(config)
        self.heading, self.date, self.timestamp, self.dated_item = self.families(
            "heading", "listing_date", "timestamp", "dated_item")

    def apply(self, lines: list[str], doc: Document) -> list[str]:
        keys = line_keys(lines, trim=True)
        n = len(lines)
        is_date = [self.date.matches(k) for k in keys]
        snippet = [bool(SNIPPET_START.match(line)) and len(k) <= SNIPPET_CHARS for line, k in zip(lines, keys)]
        cut = [len(k) <= SNIPPET_CHARS and not ends_sentence(k) for k in keys]

        def date_follows(j: int) -> bool:
            return any(is_date[k] for k in range(j + 1, min(j + 3, n)))

        def is_item(j: int) -> bool:
            k = keys[j]
            return (bool(BULLET.match(lines[j])) or is_date[j] or snippet[j] or cut[j]
                    or (len(k) <= HEADLINE_CHARS and not FULL_STOP.search(k)) or date_follows(j))

        verdicts: list[str | None] = [None] * n
        for i in range(n):
            if verdicts[i] is None and self.heading.matches(keys[i]):
                j = i + 1
                while j < n and is_item(j):
                    j += 1
                if j > i + 1 or i == n - 1:
                    for k in range(i, j):
                        verdicts[k] = self.name
        self._date_runs(keys, is_date, snippet, cut, verdicts)
        self._dated_rows(keys, verdicts)
        teaser = [snippet[j] and (cut[j] or keys[j].endswith("...")) for j in range(n)]

        def in_list(j: int) -> bool:  # another teaser or a date near it: a quotation stands alone
            near = range(max(j - TEASER_GAP, 0), min(j + TEASER_GAP + 1, n))
            return any(k != j and (snippet[k] or is_date[k]) for k in near)

        for j in range(n):
            if verdicts[j] is None and ((teaser[j] and in_list(j)) or (cut[j] and len(keys[j]) > HEADLINE_CHARS
                                                      and j + 1 < n and is_date[j + 1])):
                verdicts[j] = "boilerplate:snippet"
                if j + 1 < n and is_date[j + 1]:
                    verdicts[j + 1] = "boilerplate:snippet"
        for j in range(n):
            if verdicts[j] is None and self.timestamp.matches(keys[j]):
                verdicts[j] = "boilerplate:timestamp"
        return self.keep(lines, verdicts, doc)

    def _dated_rows(self, keys: list[str], verdicts: list[str | None]) -> None:
        row = [verdicts[i] is None and not ends_sentence(k) and self.dated_item.matches(k)
               for i, k in enumerate(keys)]
        start = 0
        while start < len(keys):
            end = start
            while end < len(keys) and row[end]:
                end += 1
            if end - start >= MIN_RUN_DATES:
                for k in range(start, end):
                    verdicts[k] = self.name
            start = end + 1

    def _date_runs(self, keys: list[str], is_date: list[bool], snippet: list[bool], cut: list[bool],
                   verdicts: list[str | None]) -> None:
        dates = [i for i, d in enumerate(is_date) if d and verdicts[i] is None]
        runs: list[list[int]] = []
        for d in dates:
            if runs and d - runs[-1][-1] - 1 <= MAX_DATE_GAP and all(
                    verdicts[k] is None and len(keys[k]) <= SNIPPET_CHARS for k in range(runs[-1][-1] + 1, d)):
                runs[-1].append(d)
            else:
                runs.append([d])
        for run in runs:
            if len(run) < MIN_RUN_DATES:
                continue
            gaps = [range(a + 1, b) for a, b in zip(run, run[1:]) if b > a + 1]
            with_snippet = sum(any(snippet[k] or cut[k] for k in gap) for gap in gaps)
            if not gaps or with_snippet * 2 < len(gaps):
                continue
            start = run[0]
            # The first item's snippet (cut, or starting with ...) and headline sit before its date.
            if start > 0 and verdicts[start - 1] is None and (snippet[start - 1] or cut[start - 1]):
                start -= 1
                if (start > 0 and verdicts[start - 1] is None and len(keys[start - 1]) <= HEADLINE_CHARS
                        and not ends_sentence(keys[start - 1])):
                    start -= 1
            for k in range(start, run[-1] + 1):
                verdicts[k] = self.name
