"""TriePattern: the matches of one trie_pattern regex, found by one or two regexes."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.text.patterns import TriePattern, trie_pattern

# Latin letters and digits, Han, a full-width letter, separators: enough for words of both groups to meet.
ALPHABET = "ab1k 国家乐樂ａ-"
SPELLINGS = {"乐": "乐樂", "a": "aａ"}

words_st = st.lists(st.text(alphabet=ALPHABET.replace(" ", ""), min_size=1, max_size=4), min_size=1, max_size=8)


def spans(matches) -> list[tuple[int, int]]:
    return [m.span() for m in matches]


@settings(max_examples=400)
@given(words=words_st, text=st.text(alphabet=ALPHABET, max_size=40), bounds=st.booleans(), spelled=st.booleans())
def test_same_matches_as_the_single_regex(words, text, bounds, spelled):
    spellings = SPELLINGS if spelled else None
    single = re.compile(trie_pattern(words, spellings, alnum_bounds=bounds))
    assert spans(TriePattern(words, spellings, alnum_bounds=bounds).finditer(text)) == spans(single.finditer(text))


def test_compiled_apart_when_no_match_can_start_inside_another():
    # "pk10" sits inside a Han word, but after a letter: a bounded Latin word cannot start there
    pattern = TriePattern(["北京赛车pk10", "10bet", "casino"], alnum_bounds=True)
    assert len(pattern.regexes) == 2
    text = "北京赛车pk10 and 10bet, casinos at the casino"
    assert [m.group() for m in pattern.finditer(text)] == ["北京赛车pk10", "10bet", "casino"]


def test_one_regex_when_a_match_could_start_inside_another():
    pattern = TriePattern(["北京赛车pk10", "10bet"])  # unbounded: "10bet" may start inside the Han word
    assert len(pattern.regexes) == 1
    assert [m.group() for m in pattern.finditer("北京赛车pk10bet")] == ["北京赛车pk10"]
