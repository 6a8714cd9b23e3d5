"""Script conversion: equal to OpenCC on the whole text, while skipping what needs no conversion."""
import functools
import json
import re
import subprocess
import sys
import tempfile
import types
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import Config, Document
from cleaner.stages.convert_script import ConvertScriptStage
from cleaner.text.opencc import (OPENCC_CONFIGS, ScriptConverter, converter_for, detect_script, dictionary_files,
                                 load_converter, t2s_phrases)
from cleaner.text.patterns import trie_pattern

from conftest import SEEDS

TARGETS = list(OPENCC_CONFIGS)


@functools.cache
def stretches_only(target: str) -> ScriptConverter:
    """A converter that never falls back to converting the whole text, to test the stretches."""
    return ScriptConverter(OPENCC_CONFIGS[target], whole_text_density=1.0)


def _texts(realworld: Path) -> list[str]:
    texts = [p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    texts += [p.read_text("utf-8") for p in sorted(realworld.glob("extraction/cwced__*/gold.txt"))]
    assert len(texts) == 5 + 23
    return texts


@pytest.mark.parametrize("target", TARGETS)
def test_conversion_equals_opencc_on_seeds_and_cwced(realworld, target):
    convert = converter_for(target)
    for text in _texts(realworld):
        assert convert(text) == stretches_only(target)(text) == convert.convert_all(text)


def test_conversion_changes_what_it_should():
    assert converter_for("zh-hans")("國家衛生健康委員會發佈通知。") == "国家卫生健康委员会发布通知。"
    assert converter_for("zh-hant")("头发和发展") == "頭髮和發展"  # phrase-level: 发 -> 髮 / 發
    assert converter_for("zh-tw")("里面") == "裡面"  # Taiwan variant of 裏
    # 覆 alone stays 覆, inside 回覆 it becomes 复: the stretch must go to OpenCC anyway.
    assert converter_for("zh-hans")("请回覆。") == "请回复。"


def test_text_already_in_target_script_is_returned_as_is():
    text = "国家卫生健康委员会发布通知,English words 123."
    assert converter_for("zh-hans")(text) is text


# Fragments that build phrases across each other: words whose conversion depends on a neighbour,
# keys OpenCC changes although no character of them changes alone, dictionary keys with Latin
# letters, and separators of every kind (and "-", "·", which are inside keys and never separators).
_FRAGMENTS = ["头", "发", "头发", "发展", "乾", "隆", "乾隆", "干", "回", "覆", "回覆", "深", "沈", "著",
              "着", "U", "盘", "卡拉", "OK", "里", "面", "後", "后", "台", "臺", "軟", "件", "鼠", "标",
              "瞭解", "一目瞭然", "國", "家", "衛", "康", "生", "-", "·", "〇", "，", "。", " ", "\n",
              "\u3000", "!", "“", "”", "a", "1", "(", "麪", "面", "系", "繫", "係"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=40).map("".join),
       st.sampled_from(TARGETS))
def test_stretchwise_conversion_equals_whole_text_conversion(text, target):
    assert stretches_only(target)(text) == converter_for(target).convert_all(text)


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\0"),
               max_size=60),
       st.sampled_from(TARGETS))
def test_stretchwise_conversion_on_arbitrary_text(text, target):
    assert stretches_only(target)(text) == converter_for(target).convert_all(text)


def test_nul_characters_survive():
    # The C++ OpenCC stops at a NUL on some inputs ("a\0\0b" -> "a" with s2tw); a NUL is a separator
    # here, so it never reaches OpenCC.
    for target in TARGETS:
        convert = converter_for(target)
        assert convert("a\0\0b") == "a\0\0b"
        assert convert("国\0國") == convert.convert_all("国") + "\0" + convert.convert_all("國")


def _dictionary_entries(config: str) -> dict[str, str] | None:
    """Key -> first value of every dictionary of an installed C++ OpenCC configuration, or None."""
    try:
        import opencc
    except ImportError:
        return None
    share = Path(opencc.__file__).parent / "clib" / "share" / "opencc"
    tool = Path(opencc.__file__).parent / "clib" / "bin" / "opencc_dict"
    if not (share / f"{config}.json").is_file() or not tool.is_file():
        return None
    names = set(dictionary_files(json.loads((share / f"{config}.json").read_text("utf-8"))))
    entries: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted(names):
            out = Path(tmp) / f"{name}.txt"
            subprocess.run([tool, "-i", share / name, "-o", out, "-f", "ocd2", "-t", "text"],
                           check=True, capture_output=True)
            for line in out.read_text("utf-8").splitlines():
                key, values = line.split("\t")
                entries.setdefault(key, values.split(" ")[0])
    return entries


@pytest.mark.parametrize("config", sorted(OPENCC_CONFIGS.values()))
def test_shipped_tables_cover_installed_opencc_dictionaries(config):
    entries = _dictionary_entries(config)
    if entries is None:
        pytest.skip("needs the C++ OpenCC with its opencc_dict tool")
    convert = converter_for(next(t for t, c in OPENCC_CONFIGS.items() if c == config))
    separators, triggers = convert._separators, convert._triggers
    for key, value in entries.items():
        # No key spans a separator, so cutting there cannot change a match.
        assert not any(separators[ord(c)] for c in key), key
        # Every key that changes has a character that sends its stretch to OpenCC.
        if value != key:
            assert any(triggers[ord(c)] for c in key), (key, value)


def test_adapter_takes_the_configuration_file_name_when_the_bare_name_fails(monkeypatch):
    class OldBinding:
        def __init__(self, config):
            if not config.endswith(".json"):
                raise ValueError(config)
            self.config = config

        def convert(self, text):
            return f"{self.config}:{text}"

    monkeypatch.setitem(sys.modules, "opencc", types.SimpleNamespace(OpenCC=OldBinding))
    assert load_converter("t2s")("x") == "t2s.json:x"


def test_adapter_uses_the_bare_name_like_opencc_python_reimplemented(monkeypatch):
    class Reimplemented:
        def __init__(self, config):
            assert config == "t2s"

        def convert(self, text):
            return text.upper()

    monkeypatch.setitem(sys.modules, "opencc", types.SimpleNamespace(OpenCC=Reimplemented))
    assert load_converter("t2s")("ab") == "AB"


def test_trie_pattern_matches_the_longest_word():
    pattern = re.compile(trie_pattern(["国家", "国家卫生", "国度", "家"]))
    assert pattern.findall("国家卫生国家卫国度家") == ["国家卫生", "国家", "国度", "家"]
    assert re.compile(trie_pattern([])).findall("abc") == []


def test_detect_script_on_seeds():
    found = {p.name[:3]: detect_script(p.read_text("utf-8")) for p in sorted(SEEDS.glob("*.txt"))}
    assert found == {"000": "zh-hans", "001": "zh-hans", "002": "zh-hans", "003": "zh-hant",
                     "004": "mixed"}
    assert detect_script("Plain English text.") is None
    assert detect_script("大人口") == "zh"  # written the same in both scripts


@pytest.mark.parametrize("target", TARGETS)
def test_stage_converts_and_records_scripts(target):
    text = (SEEDS / "003_9e8e72ff4af0a9b1.txt").read_text("utf-8")
    doc = Document(text=text)
    ConvertScriptStage(Config(script=target)).process(doc)
    assert doc.text == converter_for(target).convert_all(text)
    assert doc.meta == {"script_in": "zh-hant", "script": target}


def test_keep_is_the_identity_and_reports_the_input_script():
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text("utf-8")
        doc = Document(text=text)
        ConvertScriptStage(Config(script="keep")).process(doc)
        assert doc.text == text
        assert doc.meta["script"] == doc.meta["script_in"] == detect_script(text)


def test_text_without_han_is_left_alone():
    doc = Document(text="Nothing to convert here.")
    ConvertScriptStage(Config(script="zh-hant")).process(doc)
    assert doc.text == "Nothing to convert here."
    assert doc.meta == {"script_in": None, "script": None}


def test_japanese_text_is_not_converted_to_chinese_script():
    from cleaner import Config, clean_text

    text = "親子で相談してください。日本語の文章は変換しません。"
    doc = clean_text(text, Config(script="zh-hans"))
    assert doc.text == text
    assert doc.meta["script_in"] == "ja"


def test_shipped_t2s_phrases_are_the_installed_opencc_phrases():
    entries = _dictionary_entries("t2s")
    if entries is None:
        pytest.skip("needs the C++ OpenCC with its opencc_dict tool")
    assert t2s_phrases() == {k: v for k, v in entries.items() if len(k) > 1}
    assert all(len(k) == len(v) for k, v in t2s_phrases().items())  # the compiled view converts in place
