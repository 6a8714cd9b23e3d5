import json
import re
import time
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.config import Config
from cleaner.document import Document
from cleaner.stages.clean_lines.pinyin import TONED_VOWELS, PinyinRule, is_toned_pinyin, strip_pinyin
from conftest import SEEDS

RULE = PinyinRule(Config())


def apply(lines):
    doc = Document()
    return RULE.apply(list(lines), doc), doc


def test_reading_after_each_traditional_character_goes():
    out, doc = apply(["泰安市中心醫(yī)院與泰山區(qū)區(qū)直醫(yī)院轉(zhuǎn)診"])
    assert out == ["泰安市中心醫院與泰山區區直醫院轉診"]
    assert doc.removed == [("pinyin:annotation", r) for r in ["(yī)", "(qū)", "(qū)", "(yī)", "(zhuǎn)"]]


def test_full_width_parentheses_and_multi_syllable_readings():
    assert strip_pinyin("医院（yī yuàn）很大")[0] == "医院很大"
    assert strip_pinyin("绿（lǜ）色")[0] == "绿色"


def test_readings_in_a_row_all_go():
    # Two readings after one character (a page that printed both ruby layers) must not leave one behind.
    assert strip_pinyin("醫(yī)(yī)院")[0] == "醫院"


def test_parentheses_that_are_not_tone_marked_pinyin_stay():
    kept = [
        "(通訊員:呂增光、王格、董曉婷)",
        "什么(ma)意思",                       # neutral tone: no tone mark, not a ruby reading
        "北京（Běijīng）是首都",               # a capitalised name in running text, not ruby
        "蛋白质(protein)含量",
        "Notice: The content above (including the pictures and videos if any)",
        "Café (été) à Paris",                  # tone-like accents after Latin letters
        "单位(xyā)",                           # not a pinyin syllable
    ]
    out, doc = apply(kept)
    assert out == kept
    assert doc.removed == []


def test_is_toned_pinyin():
    assert is_toned_pinyin("zhuǎn") and is_toned_pinyin("lǜ") and is_toned_pinyin("yī yuàn")
    assert not is_toned_pinyin("yi")          # no tone mark
    assert not is_toned_pinyin("bāck")        # not a syllable
    assert not is_toned_pinyin("yī yī yī yī yī")  # more than a word's reading


def test_seed_003_has_no_readings_left_and_keeps_its_text():
    text = (SEEDS / "003_9e8e72ff4af0a9b1.txt").read_text(encoding="utf-8")
    expected = json.loads((SEEDS / "expected" / "003_9e8e72ff4af0a9b1.json").read_text(encoding="utf-8"))
    out, doc = apply(text.split("\n"))
    joined = "\n".join(out)
    assert not re.search(rf"\([a-zü{TONED_VOWELS}]+\)", joined)
    flat = "".join(joined.split())
    for keep in expected["keep"]:
        assert "".join(keep.split()) in flat


def test_gold_texts_lose_nothing(realworld):
    for gold in sorted((realworld / "extraction").glob("*/gold.txt")):
        text = gold.read_text(encoding="utf-8")
        out, doc = apply(text.split("\n"))
        assert out == text.split("\n"), gold.parent.name


text_strategy = st.text(alphabet=st.sampled_from(list("醫院区a yī(qū)（）ǚ, 。zh")), max_size=60)


@settings(max_examples=300, deadline=None)
@given(st.lists(text_strategy, max_size=5))
def test_idempotent_shorter_and_adds_nothing(lines):
    once, doc = apply(lines)
    twice, _ = apply(once)
    assert twice == once
    assert len(once) == len(lines)
    for before, after in zip(lines, once):
        assert not Counter(after) - Counter(before)
    removed = sum(len(t) for _, t in doc.removed)
    assert sum(map(len, lines)) - sum(map(len, once)) == removed


def test_adversarial_input_is_fast():
    lines = ["a" * 50_000, "(" * 50_000, "醫(" + "ā" * 50_000, "醫(yī)" * 20_000, "(yī" * 20_000]
    start = time.perf_counter()
    out, _ = apply(lines)
    assert time.perf_counter() - start < 2.0
    assert out[3] == "醫" * 20_000
