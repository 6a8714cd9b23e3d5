"""The interface every line-cleaning rule unit implements, and the line keys rules match on.

``CleanLinesStage`` splits ``doc.text`` into lines once, hands the list to each rule in turn and joins
the result. A rule returns the new list of lines and records every piece of text it takes out with
``doc.remove(rule_name, text)``, so that ``doc.removed`` explains the whole of the difference between
input and output.

Rules must work on Traditional and Simplified text alike (script conversion runs after this stage), must
only remove text or join lines (never add text), and must be idempotent: applying a rule to its own
output changes nothing. :func:`line_keys` gives every rule the same script- and width-neutral view of a
line to match patterns on.
"""
from __future__ import annotations

from ...config import Config
from ...document import Document
from ...text.chars import WHITE_SPACE, nfkc, without_space
from ...text.opencc import to_simplified
from .rulefile import Family, load_rules

# Bullets, brackets and rules that decorate a line without being its text; trimmed from both ends of a key,
# with white space. ``str.strip`` does it in linear time; a regex ``[...]+$`` rescans a run of them from
# every position (quadratic on ``x---…---y``).
_DECORATION = "•·▪◦‧∙●○◆◇■□►▶▸»›«‹><|*=~_—–-[]【】〖〗\\"
_DECORATION_EDGES = _DECORATION + WHITE_SPACE


class LineRule:
    """One named rule family over the lines of a document.

    ``name`` is the prefix used in ``doc.removed`` (e.g. ``"boilerplate:nav"``, ``"spam:lexicon"``); a
    rule may record sub-names under its own prefix. Load and compile data files in ``__init__`` (a rule
    object is built once per pipeline and reused for every document); ``apply`` must not mutate the list
    it is given.
    """

    name = "line_rule"

    def __init__(self, config: Config) -> None:
        self.config = config

    @staticmethod
    def keep(lines: list[str], verdicts: list[str | None], doc: Document) -> list[str]:
        """The lines whose verdict is None; each other line is recorded as removed by its verdict (rule name)."""
        out = []
        for line, verdict in zip(lines, verdicts):
            if verdict is None:
                out.append(line)
            else:
                doc.remove(verdict, line)
        return out

    def families(self, *names: str) -> list[Family]:
        """The compiled families ``names`` of the boilerplate rule file (``Config.boilerplate_rules``)."""
        rules = load_rules(self.config.boilerplate_rules)
        return [rules[name] for name in names]

    def apply(self, lines: list[str], doc: Document) -> list[str]:  # pragma: no cover - interface
        """Return the new lines; record each removal with ``doc.remove(name, text)``."""
        raise NotImplementedError


def fold(line: str, keep_spaces: bool = False) -> str:
    """White space removed, or collapsed to single spaces with ``keep_spaces``."""
    return " ".join(line.split()) if keep_spaces else without_space(line)


def trim_decoration(key: str) -> str:
    """``key`` without the bullets, brackets and rules around it (``• 健康`` → ``健康``)."""
    return key.strip(_DECORATION_EDGES)


# Every rule asks for the keys of mostly the same lines, and the stage may run the rules twice: the lines in
# Simplified script and their keys are cached, and both caches emptied when the lines add up to more than
# _CACHE_CHARS.
_SIMPLIFIED: dict[str, str] = {}
_KEYS: dict[tuple[str, bool, bool], str] = {}
_CACHE_CHARS = 4_000_000
_cached_chars = 0


def simplified(lines: list[str]) -> list[str]:
    """The lines in Simplified script (one OpenCC call for the lines not seen before; line count is kept)."""
    global _cached_chars
    new = [line for line in dict.fromkeys(lines) if line not in _SIMPLIFIED]
    if new:
        _cached_chars += sum(map(len, new))
        if _cached_chars > _CACHE_CHARS:
            _SIMPLIFIED.clear()
            _KEYS.clear()
            new = list(dict.fromkeys(lines))  # the lines found in the cache a moment ago are gone too
            _cached_chars = sum(map(len, new))
        out = to_simplified("\n".join(new)).split("\n")
        _SIMPLIFIED.update(zip(new, out if len(out) == len(new) else map(to_simplified, new)))
    return [_SIMPLIFIED[line] for line in lines]


def line_keys(lines: list[str], keep_spaces: bool = False, trim: bool = False) -> list[str]:
    """What line patterns match against: Simplified script, NFKC (full-width letters, digits and punctuation
    become ASCII, ``…`` becomes ``...``), white space folded (see :func:`fold`), and with ``trim``
    decoration trimmed from both ends (see :func:`trim_decoration`).

    Patterns in the rule files are therefore written once, in Simplified script with ASCII punctuation.
    """
    keys = []
    for line, simple in zip(lines, simplified(lines)):
        key = _KEYS.get((line, keep_spaces, trim))
        if key is None:
            key = fold(nfkc(simple), keep_spaces)
            key = _KEYS[line, keep_spaces, trim] = trim_decoration(key) if trim else key
        keys.append(key)
    return keys
