"""Page chrome, one line at a time: navigation and breadcrumbs, share/print/login buttons, view counters,
forum headers and footers, metadata lines. (Bare timestamps are left to :mod:`.related`, which needs
them to see lists of other articles.)

What makes a line chrome is in the rule file: a line whose every item is a navigation word (``[nav]``,
split on separators, so ``首页 | 登录 | 打印`` needs no entry of its own), or a whole line matching one
of the line families. Two patterns need a neighbour to be sure:

- a post-header label alone on its line (``作者:``) takes the short value on the next line with it;
- a run of two or more bullet items each a word or two long (``• 我的订阅`` / ``• 健康``) is a menu.

A line of eight or more Chinese words of at most six characters, separated by spaces and with no
punctuation at all, is a menu bar whose separators extraction turned into spaces (a byline has fewer
words; romanised lyrics and Korean are not Chinese words).

And one needs the page: the name in a forum footer (``欢迎光临 X (http://…)``) is the site's name, so a
line that is just that name is chrome too.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from ...document import Document
from ...text.chars import BULLETS, HAN
from .rule import LineRule, line_keys, trim_decoration

# Families matched against the whole line, in this order; the removal is recorded as boilerplate:<family>.
LINE_FAMILIES = ("breadcrumb", "forum", "meta", "promo", "menu", "label")

TOKEN_SEPARATORS = re.compile(r"[\s|/\\·•>»›<«【】\[\]]+|-{2,}>?|(?<=\S)-(?=\S)")
SPACED_HYPHEN = re.compile(r" - ")
# Menu bullets; not * or -, which also start code comments and Markdown lists of article text.
BULLET = re.compile(rf"^\s*[{BULLETS}]\s*")
SENTENCE_PUNCTUATION = re.compile(r"[。!?;,，、]")
SITE_FOOTER = re.compile(r"欢迎光临(?P<site>.{1,40}?)\(https?://", re.IGNORECASE)

MENU_ITEM_CHARS = 6      # a bullet item this short, next to another one, is a menu entry
SPACED_MENU_ITEMS = 8    # this many menu-sized words in a row, separated by spaces only, are a menu bar
ANY_PUNCTUATION = re.compile(r"[。!?;,，、:.()\"“”'‘’《》]")
# Menu words are Han or ASCII; Korean and Japanese put spaces between the words of a sentence.
MENU_WORD = re.compile(rf"[{HAN}0-9A-Za-z]{{1,6}}")
HAN_CHAR = re.compile(f"[{HAN}]")
LABEL_VALUE_CHARS = 30   # the value after a post-header label is at most this long
CHROME_CHARS = 200       # no chrome line is longer (the longest families are bounded well below)


def menu_items(text: str) -> Iterator[str]:
    """The non-empty pieces of ``text`` between :data:`TOKEN_SEPARATORS`, one at a time (``re.split`` cuts them all
    at once, and a code line has many)."""
    start = 0
    for separator in TOKEN_SEPARATORS.finditer(text):
        if separator.start() > start:
            yield text[start:separator.start()]
        start = separator.end()
    if start < len(text):
        yield text[start:]


class NavigationRule(LineRule):
    name = "boilerplate:nav"

    def __init__(self, config) -> None:
        super().__init__(config)
        self.nav, self.label_value, *self.line_families = self.families("nav", "label_value", *LINE_FAMILIES)

    def apply(self, lines: list[str], doc: Document) -> list[str]:
        keys = line_keys(lines, trim=True)
        spaced = line_keys(lines, keep_spaces=True)
        verdicts: list[str | None] = [self._classify(k, s) for k, s in zip(keys, spaced)]
        self._label_values(keys, verdicts)
        self._bullet_menus(lines, keys, verdicts)
        self._site_name(keys, verdicts)
        return self.keep(lines, verdicts, doc)

    def _classify(self, key: str, spaced: str) -> str | None:
        if not key:
            return "boilerplate:decoration" if spaced else None
        if len(key) > CHROME_CHARS:
            return None
        if self.nav.matches(key) or self._all_nav_words(trim_decoration(spaced)):
            return self.name
        # A hyphen separates menu items only with spaces around it (``首页 - 新闻``); between letters it
        # joins a word (``Content-Type``, ``apt-get``, ``--force``).
        menu_key = trim_decoration(SPACED_HYPHEN.sub("|", spaced).replace(" ", ""))
        words = spaced.split(" ")
        if (len(words) >= SPACED_MENU_ITEMS and not ANY_PUNCTUATION.search(spaced)  # the cheap tests first
                and all(MENU_WORD.fullmatch(w) for w in words)
                and sum(bool(HAN_CHAR.search(w)) for w in words) >= SPACED_MENU_ITEMS):
            return "boilerplate:menu"
        for family in self.line_families:
            if family.matches(menu_key if family.name == "menu" else key):
                return f"boilerplate:{family.name}"
        if self.label_value.matches(key):
            return "boilerplate:label"
        return None

    def _all_nav_words(self, text: str) -> bool:
        """Whether ``text`` has tokens and every one is a navigation word (on most lines the first decides)."""
        found = False
        for token in menu_items(text):
            if not self.nav.matches(token):
                return False
            found = True
        return found

    def _label_values(self, keys: list[str], verdicts: list[str | None]) -> None:
        for i in range(len(keys) - 1):
            value = keys[i + 1]
            if (self.label_value.matches(keys[i]) and verdicts[i + 1] is None
                    and len(value) <= LABEL_VALUE_CHARS and not SENTENCE_PUNCTUATION.search(value)):
                verdicts[i + 1] = "boilerplate:label"

    def _bullet_menus(self, lines: list[str], keys: list[str], verdicts: list[str | None]) -> None:
        short_item = [bool(BULLET.match(line)) and 0 < len(key) <= MENU_ITEM_CHARS
                      and not SENTENCE_PUNCTUATION.search(key) for line, key in zip(lines, keys)]
        for i, short in enumerate(short_item):
            neighbour = (i > 0 and short_item[i - 1]) or (i + 1 < len(keys) and short_item[i + 1])
            if short and neighbour and verdicts[i] is None:
                verdicts[i] = self.name

    def _site_name(self, keys: list[str], verdicts: list[str | None]) -> None:
        sites = {trim_decoration(m.group("site")) for k in keys if (m := SITE_FOOTER.search(k))}
        sites.discard("")
        for i, key in enumerate(keys):
            if verdicts[i] is None and key in sites:
                verdicts[i] = "boilerplate:forum"
