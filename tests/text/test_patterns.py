"""TriePattern: the matches of one trie_pattern regex, found by one or two regexes; first_char_guard: the same
matches, found faster."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.text.patterns import TriePattern, compile_guarded, first_char_guard, trie_pattern

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


# Pieces of patterns: literals, classes (with ranges, categories, negation), optional and repeated groups,
# possessive and atomic forms, anchors and look-arounds that consume nothing, scoped flags, any character;
# texts with the Kelvin sign and the long s, which match k and s when case is ignored.
ATOMS = ["a", "b", "k", "s", "版", "©", r"\d", "[ab]", "[a-c1]", "[j-l]", r"[\d©]", "[^a]", ".", r"\w", r"\s",
         "(?i:A)", "(?-i:a)"]
PREFIXES = ["", "^", r"\b", "(?<!a)", "(?=b)", "(?!1)", "$"]


@st.composite
def patterns(draw, depth: int = 2) -> str:
    pieces = []
    for _ in range(draw(st.integers(1, 3))):
        if depth and draw(st.booleans()):
            inner = "|".join(draw(st.lists(patterns(depth - 1), min_size=1, max_size=3)))
            piece = draw(st.sampled_from(["(?:{})", "({})", "(?>{})"])).format(inner)
        else:
            piece = draw(st.sampled_from(ATOMS))
        pieces.append(draw(st.sampled_from(PREFIXES)) + piece + draw(st.sampled_from(["", "?", "*", "+", "{0,2}",
                                                                                      "{1,2}", "++", "*?"])))
    return "".join(pieces)


@settings(max_examples=500)
@given(pattern=st.tuples(st.sampled_from(["", "", "(?i)", "(?s)"]), patterns()).map("".join),  # global flags too
       text=st.text(alphabet="abkAB1 ©版\nKSs\u212a\u017f", max_size=30),
       ignore_case=st.booleans())
def test_first_char_guard_finds_the_same_matches(pattern, text, ignore_case):
    flags = re.IGNORECASE if ignore_case else 0
    plain, guarded = re.compile(pattern, flags), compile_guarded(pattern, flags)
    assert spans(guarded.finditer(text)) == spans(plain.finditer(text))
    assert bool(guarded.fullmatch(text)) == bool(plain.fullmatch(text))


def test_first_char_guard_reads_the_first_characters_a_match_can_have():
    assert first_char_guard("abc|d(?:e|f)") == "(?=[ad])(?:abc|d(?:e|f))"
    assert first_char_guard(r"^(?:免责|版权)?声明:") == "(?=[免版声])(?:^(?:免责|版权)?声明:)"
    assert first_char_guard(r"(?<![\w.])\d+年") == r"(?=[\d])(?:(?<![\w.])\d+年)"
    for unbounded in (".{0,3}x", "[^a]b", "a*", "(?:a|)b", "(?i:Copy)right"):
        assert first_char_guard(unbounded) == unbounded
    for global_flags in ("(?i)Copy|right", "(?x) a | b"):  # flags for the whole pattern must stay at its start
        assert first_char_guard(global_flags) == global_flags
        assert compile_guarded(global_flags).pattern == global_flags
