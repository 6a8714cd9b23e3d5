from hypothesis import given, strategies as st

from cleaner import Config, clean_text
from cleaner.document import Document
from cleaner.stages.clean_lines.characters import NOT_TEXT, ControlCharacterRule


def test_controls_and_lone_surrogates_are_removed_and_recorded():
    doc = Document()
    lines = ControlCharacterRule(Config()).apply(["正\x00文\ud800内容\x1b[0m。"], doc)
    assert lines == ["正文内容[0m。"]
    assert doc.removed == [("characters:control", "\x00\ud800\x1b")]


def test_white_space_and_ordinary_symbols_stay():
    line = "第一段\t内容 — “引号” ①②③ 😀 Ωμέγα"
    doc = Document()
    assert ControlCharacterRule(Config()).apply([line], doc) == [line]
    assert doc.removed == []


def test_clean_text_survives_lone_surrogates():
    doc = clean_text("国家卫生健康委员会召开新闻发布会，介绍有关情况。\ud800")
    assert doc.rejected is None
    assert doc.text == "国家卫生健康委员会召开新闻发布会，介绍有关情况。"
    doc.text.encode("utf-8")


@given(st.text())
def test_output_has_no_characters_that_are_not_text(text):
    doc = clean_text(text, Config(script="keep"))
    assert not NOT_TEXT.search(doc.text)
