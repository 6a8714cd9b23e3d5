"""Quality signals: each one against a value worked out by hand."""
from __future__ import annotations

import functools
import re
import sys
import tracemalloc
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

import cleaner
from cleaner.record import SIGNALS
from cleaner.stages import signals as s
from cleaner.text.chars import visible_chars

TEXT = "Hello world.\nHello world.\n你好，世界！\nBuy now ★★"
# lines: "Hello world." x2 (12 chars each), "你好，世界！" (6), "Buy now ★★" (10)
# non-space characters: 11 + 11 + 6 + 8 = 36; CJK: 你好世界 = 4; symbols: ★★ = 2
# tokens: Hello world Hello world 你 好 世 界 Buy now: 30 characters


def test_characters_and_cjk_share():
    assert visible_chars(TEXT) == 36
    assert s.cjk_share(TEXT) == pytest.approx(4 / 36)


def test_lines_mean_length_and_punctuation():
    lines = s.text_lines(TEXT)
    assert len(lines) == 4
    assert s.mean_line_chars(lines) == pytest.approx(40 / 4)
    assert s.punct_line_share(lines) == pytest.approx(3 / 4)  # the ★ line does not end a sentence
    assert s.punct_line_share(["他说：“好。”", "(see above.)", "no end"]) == pytest.approx(2 / 3)


def test_a_line_ends_a_sentence_with_the_full_stop_of_its_script():
    lines = ["यह एक वाक्य है।", "هل هذا سؤال؟", "یہ ایک جملہ ہے۔", "Սա նախադասություն է։", "ይህ ዓረፍተ ነገር ነው።",
             "ဒါဟာ စာကြောင်း တစ်ကြောင်း ဖြစ်ပါတယ်။", "ប្រយោគនេះខ្លី។", "यह अधूरा"]
    assert s.punct_line_share(lines) == pytest.approx(7 / 8)


def test_a_line_ends_a_sentence_inside_german_czech_and_polish_closing_quotes():
    lines = ["Er sagte: „Das ist gut.“", "»Nein.«", "Ptala się: „Dlaczego?”", "‚Ja.‘", "„Ohne Ende“"]
    assert s.punct_line_share(lines) == pytest.approx(4 / 5)


def test_duplicate_lines():
    frac, char_frac = s.duplicate_lines(s.text_lines(TEXT))
    assert frac == pytest.approx(1 / 4)
    assert char_frac == pytest.approx(12 / 40)


def test_tokens_are_cjk_characters_and_words():
    assert list(s.tokens(TEXT)) == ["Hello", "world", "Hello", "world", "你", "好", "世", "界", "Buy", "now"]


def test_top_2gram_fraction():
    # (Hello, world) occurs twice: 10 characters x 2 of 30
    assert s.top_ngram_char_frac(s.token_arrays(s.tokens(TEXT)), 2) == pytest.approx(20 / 30)
    assert s.top_ngram_char_frac(s.token_arrays(["a", "b", "c"]), 2) == 0.0  # nothing repeats


def test_duplicate_ngram_fractions():
    words = s.token_arrays("one two three four five one two three four five".split())  # 38 characters
    assert s.dup_ngram_char_frac(words, 5) == pytest.approx(19 / 38)
    assert s.dup_ngram_char_frac(words, 10) == 0.0
    # 一二三四五 twice then 六: the second 5-gram (5 characters) repeats the first
    assert s.dup_ngram_char_frac(s.token_arrays(s.tokens("一二三四五一二三四五六")), 5) == pytest.approx(5 / 11)


def test_symbol_ratio():
    assert s.symbol_ratio(TEXT) == pytest.approx(2 / 36)
    assert s.symbol_ratio("价格¥100+税") == pytest.approx(2 / 8)


def test_counts_of_emails_phones_urls():
    text = ("Mail a.b@example.com or call 021-54098575, +44 20 7946 0958 and 13611778776; see "
            "https://example.com/x and www.example.org. QQ 215138693 and 2020-08-08 are not phones.")
    got = s.quality_signals(text)
    assert (got["emails"], got["phones"], got["urls"]) == (1, 3, 2)


def test_language():
    assert s.language("This is an English sentence about the weather in the mountains today.")[0] == "en"
    code, score = s.language("今天天气很好，我们一起去公园散步，看见很多人在锻炼身体。")
    assert code == "zh" and 0.5 < score <= 1.0
    assert s.language("1234 5678 !!!") == (None, 0.0)


def test_every_record_carries_the_signals():
    doc = cleaner.clean_text(TEXT)  # line cleaning drops the repeated line: signals describe what is left
    assert {name: doc.flags[name] for name in SIGNALS} == s.quality_signals(doc.text)
    assert doc.flags["lines"] == 3 and doc.flags["dup_line_frac"] == 0.0


@given(st.text(max_size=300))
def test_signals_never_raise_and_shares_stay_in_range(text):
    got = s.quality_signals(text)
    for name in ("cjk_share", "punct_line_share", "dup_line_frac", "dup_line_char_frac", "top_2gram_char_frac",
                 "dup_5gram_char_frac", "dup_10gram_char_frac", "symbol_ratio", "language_score"):
        assert 0.0 <= got[name] <= 1.0, name


# Combining marks: an acute accent, a Devanagari vowel sign and virama, an Arabic vowel point, a Brahmi vowel sign.
MARKS = "\u0301\u093f\u094d\u064e\U00011038"


@given(st.text(alphabet=st.sampled_from("ab 字,\n1é" + MARKS), max_size=60), st.integers(1, 8))
def test_tokens_found_in_blocks_are_the_tokens_of_the_whole_text(text, block):
    saved = s.TOKEN_BLOCK_CHARS
    s.TOKEN_BLOCK_CHARS = block  # tiny blocks, so that the cuts fall everywhere
    try:
        assert list(s.tokens(text)) == s._token_patterns()[0].findall(text)
    finally:
        s.TOKEN_BLOCK_CHARS = saved


@functools.cache
def all_marks() -> str:
    return "".join(re.escape(chr(c)) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c))[0] == "M")


@given(st.text(alphabet=st.sampled_from("ab1_é字한あ・ー。 ,\n-" + MARKS) | st.characters(), max_size=80))
def test_tokens_are_cjk_characters_or_runs_of_other_word_characters_and_their_marks(text):
    # the definition, as the plain regex; the module's is the same tokens written letters-first
    definition = rf"[{s.CJK}]|[^\W{s.CJK}](?:[^\W{s.CJK}]|[{all_marks()}])*"
    assert s._token_patterns()[0].findall(text) == re.findall(definition, text)


def test_a_word_keeps_its_vowel_signs_and_accents():
    text = "हिन्दी भाषा का विकास। مَرْحَبًا بِكُمْ cafe\u0301"
    assert list(s.tokens(text)) == ["हिन्दी", "भाषा", "का", "विकास", "مَرْحَبًا", "بِكُمْ", "cafe\u0301"]
    # a repeated Hindi phrase is a repeated bigram of words, not of the consonants between the vowel signs
    assert s.top_ngram_char_frac(s.token_arrays(s.tokens("हिन्दी भाषा हिन्दी भाषा नई")), 2) == pytest.approx(20 / 22)


def test_top_2gram_ties_go_to_the_first_ngram():
    # (ab, cd) and (x, y) both occur twice; the first one to occur counts: 4 characters x 2 of 12
    words = s.token_arrays(["ab", "cd", "x", "y", "ab", "cd", "x", "y"])
    assert s.top_ngram_char_frac(words, 2) == pytest.approx(8 / 12)
    words = s.token_arrays(["x", "y", "ab", "cd", "x", "y", "ab", "cd"])
    assert s.top_ngram_char_frac(words, 2) == pytest.approx(4 / 12)


def test_one_long_token_costs_its_own_length_not_the_count_times_it():
    text = "字" * 5_000 + " " + "a" * 10_000  # a fixed-width string array would take 5,001 x 10,000 x 4 bytes
    tracemalloc.start()
    try:
        signals = s.quality_signals(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert signals["chars"] == 15_000
    assert peak < 20_000_000


def _reference_dup_frac(words: list[str], n: int) -> float:
    """datatrove's find_all_duplicate, over token characters."""
    total = sum(map(len, words))
    seen, repeated, i = set(), 0, 0
    while i <= len(words) - n:
        gram = tuple(words[i:i + n])
        if gram in seen:
            repeated += sum(map(len, gram))
            i += n
        else:
            seen.add(gram)
            i += 1
    return repeated / total if total else 0.0


@given(st.lists(st.sampled_from(["a", "bb", "字", "ccc"]), max_size=40), st.integers(2, 5), st.integers(1, 6))
def test_duplicate_ngram_fraction_matches_the_plain_scan_whatever_the_block(words, n, block):
    saved = s.SCAN_BLOCK
    s.SCAN_BLOCK = block  # repeats skipped across block ends
    try:
        assert s.dup_ngram_char_frac(s.token_arrays(words), n) == pytest.approx(_reference_dup_frac(words, n))
    finally:
        s.SCAN_BLOCK = saved


@given(st.text(max_size=40))
def test_symbol_ratio_counts_the_unicode_symbol_categories(text):
    n = visible_chars(text)
    expected = sum(unicodedata.category(c).startswith("S") for c in text) / n if n else 0.0
    assert s.symbol_ratio(text) == pytest.approx(expected)
