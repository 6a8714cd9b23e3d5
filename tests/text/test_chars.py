"""nfkc: unicodedata's NFKC, by a faster path on text whose compatibility characters are full-width forms; and
where sentences end."""
from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.text.chars import SENTENCE_ENDS, compatibility_forms, nfkc

# Full-width punctuation and letters, compatibility characters whose NFKC is more than one character or composes
# with what follows (…, ①, ㍻, the half-width katakana ｶ before a half-width voiced mark ﾞ), combining marks, Hangul
# jamo and syllables, a letter outside the BMP (𝐀), and plain text around them.
TRICKY = "，：；？！（）ＡＢａ１　…①㍻ｶﾞﾟ\u0301\u0308\u1100\u1161\u11a8가e字 ,.𝐀"


@settings(max_examples=500)
@given(st.text(alphabet=TRICKY, max_size=40))
def test_nfkc_is_unicodedata_nfkc_on_compatibility_characters_in_any_context(text):
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


@given(st.text(max_size=60))
def test_nfkc_is_unicodedata_nfkc_on_any_text(text):
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


def test_full_width_punctuation_becomes_ascii_and_the_rest_of_the_text_stays():
    assert nfkc("中国，你好：ＡＢＣ１２３　（测试）") == "中国,你好:ABC123 (测试)"


def test_every_compatibility_form_is_replaced_by_its_nfkc_form():
    _, forms = compatibility_forms()
    assert "，" in forms and "\u3000" in forms and "…" in forms
    assert all(unicodedata.normalize("NFKC", form) == out for form, out in forms.items())


def test_sentence_ends_in_every_script_with_a_full_stop_and_not_inside_numbers_or_names():
    text = "It costs 3.5 dollars at example.com. 好。यह है। क्या? هل هذا؟ یہ ہے۔ Սա է։ ነው። ပါ။ ខ្លី។"
    assert SENTENCE_ENDS.findall(text) == [".", "。", "।", "?", "؟", "۔", "։", "።", "။", "។"]
    assert SENTENCE_ENDS.findall("Er sagte: „Gut.“ Sie: »Nein.« On: „Tak.” Ende") == [".", ".", "."]
