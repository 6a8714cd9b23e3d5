"""The last per-document stage: drop what the user asked to drop, as a rejection with its reason, so that
both engines, the rejects file and the summary's counts get it the same way.

* ``Config.drop_spam`` (``--drop-spam``): a spam page is rejected as ``spam_page``, its kind and score in
  the detail;
* ``Config.filters`` (``--filter``, ``[cleaner.filter]``): rules ``SIGNAL OP VALUE`` over the flags
  (``language_score<0.5``, ``chars<200``, ``language!=zh``); the first rule that holds rejects the
  document as ``filtered``, the rule and the value in the detail.

Nothing is dropped by default.
"""
from __future__ import annotations

import operator
import re
from dataclasses import dataclass

from .. import errors
from ..document import Document
from .base import Stage
from ..record import SIGNALS

# Flags a rule may test: the quality signals and the page scores.
FILTERABLE: dict[str, type] = {**SIGNALS, "spam_score": float, "spin_score": float}
_OPERATORS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
              "==": operator.eq, "=": operator.eq, "!=": operator.ne}
_RULE = re.compile(r"\s*([a-z_0-9]+)\s*(<=|>=|==|!=|<|>|=)\s*(\S(?:.*\S)?)\s*")


@dataclass(frozen=True)
class Rule:
    text: str
    name: str
    op: str
    value: object

    def fires(self, flags: dict) -> bool:
        value = flags.get(self.name)
        if value is None:
            return False
        return _OPERATORS[self.op](value, self.value)


def parse_rule(text: str) -> Rule:
    """``NAME OP VALUE``; a ``ValueError`` that names the rule when it is not one."""
    m = _RULE.fullmatch(text)
    if not m:
        raise ValueError(f"filter {text!r}: want NAME OP VALUE, e.g. 'language_score<0.5'")
    name, op, raw = m.groups()
    if name not in FILTERABLE:
        raise ValueError(f"filter {text!r}: no signal {name!r}; one of {', '.join(FILTERABLE)}")
    kind = FILTERABLE[name]
    if kind is str:
        if op not in ("==", "=", "!="):
            raise ValueError(f"filter {text!r}: {name} is compared with == or != only")
        value: object = raw.strip("'\"")
    else:
        try:
            value = kind(float(raw)) if kind is int and float(raw).is_integer() else float(raw)
        except ValueError:
            raise ValueError(f"filter {text!r}: {raw!r} is not a number") from None
    return Rule(text.strip(), name, op, value)


class FilterStage(Stage):
    name = "filter"

    def __init__(self, config):
        super().__init__(config)
        self.rules = [parse_rule(rule) for rule in config.filters]

    def process(self, doc: Document) -> None:
        if self.config.drop_spam and doc.flags.get("spam_page"):
            raise errors.Rejected(errors.SPAM_PAGE,
                                  f"{doc.flags.get('spam_kind')} (score {doc.flags.get('spam_score')})")
        for rule in self.rules:
            if rule.fires(doc.flags):
                raise errors.Rejected(errors.FILTERED, f"{rule.text} ({rule.name}={doc.flags[rule.name]})")
