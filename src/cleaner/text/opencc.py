"""OpenCC, converting only where it changes anything; script detection (Simplified, Traditional, Japanese).

OpenCC converts by longest match over phrase dictionaries, so a phrase can span what a reader would
call a word boundary. Text is therefore cut only at *separators*: white space, controls and
punctuation that no OpenCC dictionary key contains. A stretch between separators goes through the
converter only if it holds a *trigger*: a character that converts on its own, or the changed character
of a key that converts although none of its characters does alone (回覆 -> 回复; listed in
``data/opencc_hidden_phrases.tsv``). OpenCC provably leaves every other stretch alone, so the result
equals converting the whole text.

Both Python packages that install the module ``opencc`` work: the C++ binding (``opencc`` on PyPI,
50 to 200 times faster here) and ``opencc-python-reimplemented``, whose text dictionaries are read
for its triggers; :func:`load_converter` hides the difference in their APIs.
"""
from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Callable

import numpy as np

from .chars import char_table, code_points, han_chars, punctuation_and_space
from .rulefiles import shipped_text

#: OpenCC configuration for each target of ``Config.script`` (``keep`` converts nothing).
OPENCC_CONFIGS = {"zh-hans": "t2s", "zh-hant": "s2t", "zh-tw": "s2tw", "zh-hk": "s2hk"}

# Punctuation inside the C++ OpenCC's dictionary keys (1.4.2: "-" and "·" in names and terms);
# it may never be a separator.
_IN_DICTIONARY_KEYS = "-·"


def _first_changed(key: str, value: str) -> str:
    """The character of ``key`` that a conversion to ``value`` replaces first (all of ``key`` if the
    value only adds characters)."""
    changed = [k for k, v in zip(key, value.ljust(len(key), "\0")) if k != v]
    return changed[0] if changed else key


@functools.cache
def _shipped_hidden_triggers() -> dict[str, set[str]]:
    """Per OpenCC configuration, a character of each key it changes although no character of the key
    changes alone (from the dictionaries of the C++ OpenCC)."""
    text = shipped_text("opencc_hidden_phrases.tsv")
    triggers: dict[str, set[str]] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            config, key, value = line.split("\t")
            triggers.setdefault(config, set()).update(_first_changed(key, value))
    return triggers


def dictionary_files(node) -> list[str]:
    """The dictionary file names an OpenCC configuration (parsed JSON) refers to, in order."""
    if isinstance(node, dict):
        own = [node["file"]] if isinstance(node.get("file"), str) else []
        return own + [f for value in node.values() for f in dictionary_files(value)]
    if isinstance(node, list):
        return [f for value in node for f in dictionary_files(value)]
    return []


def _text_dictionary(config: str) -> dict[str, str] | None:
    """Key -> value of every dictionary of ``config`` where the installed ``opencc`` keeps them as text
    files (opencc-python-reimplemented does); None otherwise (the C++ binding)."""
    import opencc

    base = Path(opencc.__file__).parent
    path = base / "config" / f"{config}.json"
    if not path.is_file() or not (base / "dictionary").is_dir():
        return None
    entries: dict[str, str] = {}
    for name in dictionary_files(json.loads(path.read_text("utf-8"))):
        for line in (base / "dictionary" / name).read_text("utf-8").splitlines():
            key, _, values = line.partition("\t")
            if key and values:
                entries.setdefault(key, values.split(" ")[0])
    return entries


def load_converter(config: str) -> Callable[[str], str]:
    """``convert(text) -> text`` for an OpenCC configuration name such as ``"t2s"``.

    The C++ binding takes ``"t2s"`` or ``"t2s.json"``; opencc-python-reimplemented takes ``"t2s"``.
    """
    import opencc

    try:
        converter = opencc.OpenCC(config)
    except Exception:  # older C++ bindings want the file name of the configuration
        converter = opencc.OpenCC(f"{config}.json")
    return converter.convert


class ScriptConverter:
    """Converts text with one OpenCC configuration, sending only the stretches that change to OpenCC.

    Where more than ``whole_text_density`` of a text's characters are triggers, most stretches need
    converting and converting all of it is cheaper; the result is the same.
    """

    def __init__(self, config: str, whole_text_density: float = 0.05):
        self.config = config
        self.whole_text_density = whole_text_density
        self._convert = load_converter(config)
        han = han_chars()
        # One call converts every Han character on its own; "\n" is a separator so none interact.
        converted = self._convert("\n".join(han)).split("\n")
        alone = {c for c, out in zip(han, converted) if out != c}
        entries = _text_dictionary(config)
        if entries is None:
            hidden, in_keys = _shipped_hidden_triggers().get(config, set()), _IN_DICTIONARY_KEYS
        else:
            hidden = {_first_changed(k, v) for k, v in entries.items()
                      if v != k and not alone.intersection(k)}
            in_keys = {c for key in entries for c in key}
        self._triggers = char_table(alone | hidden)
        self._separators = punctuation_and_space() & ~char_table(in_keys)

    def __call__(self, text: str) -> str:
        codes = code_points(text)
        at = np.flatnonzero(self._triggers[codes])
        if not len(at):
            return text
        has_nul = bool((codes == 0).any())  # OpenCC stops at a NUL on some inputs: none may reach it
        if not has_nul and len(at) > self.whole_text_density * len(codes):
            return self._convert(text)
        cuts = np.flatnonzero(self._separators[codes])
        # The stretch around a trigger runs from the separator before it to the one after it; the
        # text's ends count as separators at -1 and len.
        bounds = np.concatenate(([-1], cuts, [len(codes)]))
        stretch = np.unique(np.searchsorted(cuts, at))
        first = last = stretch
        if not has_nul:
            # Neighbouring stretches go as one piece, separators between them included.
            runs = np.flatnonzero(np.diff(stretch) != 1) + 1
            first = stretch[np.concatenate(([0], runs))]
            last = stretch[np.concatenate((runs - 1, [len(stretch) - 1]))]
        starts, ends = bounds[first] + 1, bounds[last + 1]
        starts, ends = starts.tolist(), ends.tolist()
        pieces = [text[a:b] for a, b in zip(starts, ends)]
        # One call for all pieces; "\n" is a separator and in no dictionary value, so the output has
        # exactly the line breaks of the input.
        lines = self._convert("\n".join(pieces)).split("\n")
        out: list[str] = []
        done = line = 0
        for a, b, piece in zip(starts, ends, pieces):
            breaks = piece.count("\n")
            out += (text[done:a], "\n".join(lines[line:line + breaks + 1]))
            line += breaks + 1
            done = b
        out.append(text[done:])
        return "".join(out)

    def convert_all(self, text: str) -> str:
        """OpenCC on the whole text, without the skipping (the reference the stretches must match)."""
        return self._convert(text)


@functools.cache
def converter_for(target: str) -> ScriptConverter:
    """The shared converter for a ``Config.script`` target other than ``keep``."""
    return ScriptConverter(OPENCC_CONFIGS[target])


_NOT_HAN, _HAN, _TRADITIONAL, _SIMPLIFIED = range(4)


@functools.cache
def _script_marks() -> np.ndarray:
    """A table over all code points: not Han, Han of both scripts, Traditional only, Simplified only."""
    han = han_chars()
    to_simplified = load_converter("t2s")("\n".join(han)).split("\n")
    to_traditional = load_converter("s2t")("\n".join(han)).split("\n")
    traditional = {c for c, s in zip(han, to_simplified) if s != c}
    simplified = {c for c, t in zip(han, to_traditional) if t != c}
    both = traditional & simplified  # e.g. 乾 and 干, which convert both ways
    marks = np.full(sys.maxunicode + 1, _NOT_HAN, dtype=np.uint8)
    marks[[ord(c) for c in han]] = _HAN
    marks[[ord(c) for c in traditional - both]] = _TRADITIONAL
    marks[[ord(c) for c in simplified - both]] = _SIMPLIFIED
    return marks


def is_japanese(text: str) -> bool:
    """Whether kana make up more than 5% of the text's kana and Han characters. Chinese text has next to
    no kana; Japanese kanji must not be converted to Chinese script (親 is not 亲 in Japanese)."""
    codes = code_points(text)
    kana = np.count_nonzero((codes >= 0x3040) & (codes <= 0x30FF))
    han = np.count_nonzero((codes >= 0x3400) & (codes <= 0x9FFF))  # extension A to the unified block
    return kana > 0.05 * (kana + han)


def detect_script(text: str) -> str | None:
    """``"zh-hans"``, ``"zh-hant"``, ``"mixed"``, ``"zh"`` (Han text neither script marks), ``"ja"``
    (Japanese) or None (no Han characters).

    Counts characters that only one script uses; under 5% of the other script still counts as one
    script, since names and quotations mix them legitimately.
    """
    if is_japanese(text):
        return "ja"
    counts = np.bincount(_script_marks()[code_points(text)], minlength=4)
    n_trad, n_simp = int(counts[_TRADITIONAL]), int(counts[_SIMPLIFIED])
    if not counts[_HAN:].any():
        return None
    if n_trad + n_simp == 0:
        return "zh"
    share = n_trad / (n_trad + n_simp)
    if share < 0.05:
        return "zh-hans"
    if share > 0.95:
        return "zh-hant"
    return "mixed"


@functools.cache
def t2s_phrases() -> dict[str, str]:
    """OpenCC t2s's phrases (keys of two characters or more, each as long as its value): from the
    installed OpenCC's text dictionaries where it keeps them, else ``data/opencc_t2s_phrases.tsv``."""
    entries = _text_dictionary("t2s")
    if entries is not None:
        return {k: v for k, v in entries.items() if len(k) > 1}
    return dict(line.split("\t") for line in shipped_text("opencc_t2s_phrases.tsv").splitlines()
                if line and not line.startswith("#"))


@functools.cache
def t2s_characters() -> np.ndarray:
    """OpenCC t2s of every Han character on its own, as a table over all code points (``int32``,
    identity elsewhere). With :func:`t2s_phrases` by longest match it gives OpenCC t2s."""
    han = han_chars()
    converted = load_converter("t2s")("\n".join(han)).split("\n")
    table = np.arange(sys.maxunicode + 1, dtype=np.int32)
    for c, out in zip(han, converted):
        if out != c and len(out) == 1:
            table[ord(c)] = ord(out)
    return table


def to_simplified(text: str) -> str:
    """``text`` in Simplified script (OpenCC t2s), skipping what is already Simplified."""
    return converter_for("zh-hans")(text)


