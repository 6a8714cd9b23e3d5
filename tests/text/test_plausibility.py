"""plausibility: how much bytes read with a codec look like writing."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cleaner.text.plausibility import plausibility

CODECS = ("gb18030", "big5hkscs", "cp932", "euc_jp", "cp949", "cp1252", "cp1251", "iso8859_7", "utf-8")


@given(st.binary(max_size=300), st.sampled_from(CODECS))
def test_never_raises_and_is_at_most_one(data, codec):
    assert plausibility(data, codec) <= 1.0


def test_the_right_reading_scores_highest():
    for text, codec in (("中文网页的编码检测", "gb18030"), ("Ошибка кодировки в тексте", "cp1251"),
                        ("日本語のテキストです", "cp932"), ("Überprüfung der Größe", "cp1252")):
        data = text.encode(codec)
        right = plausibility(data, codec)
        assert right == max(plausibility(data, other) for other in CODECS), text  # ties: EUC layouts, Latin


def test_letters_of_two_alphabets_touching_do_not_count():
    assert plausibility("ÖÐÎÄ".encode("cp1252"), "cp1252") < 0.5  # GBK bytes of 中文 read as cp1252
    assert plausibility("iPhone手机".encode("utf-8"), "utf-8") == 1.0  # Han may touch Latin letters
