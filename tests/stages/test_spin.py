"""Spin detection: the lexicon, the score, and the flag on seeds and real pages."""
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import Config, Document
from cleaner.dedup.view import comparison_view
from cleaner.stages.convert_script import ConvertScriptStage
from cleaner.stages.spin import SpinLexicon, SpinStage, load_spin_lexicon, parse_pairs, spin_score
from cleaner.text.opencc import to_simplified
from cleaner.text.patterns import trie_pattern

from conftest import SEEDS

LEXICON = load_spin_lexicon()


def _flags(text: str, config: Config = Config()) -> dict:
    doc = Document(text=text)
    SpinStage(config).process(doc)
    return doc.flags


def _spin(text: str) -> str:
    """What a content farm does: every normal word of the lexicon replaced by its spun form."""
    spun = {}
    for pair in LEXICON.pairs:
        if pair.kind != "ordinary":
            spun.setdefault(pair.normal, pair.spun)
    pattern = re.compile(trie_pattern(spun))
    return pattern.sub(lambda m: spun[m.group()], to_simplified(text))


def _shingles(text: str, k: int = 5) -> set[str]:
    return {text[i:i + k] for i in range(len(text) - k + 1)}


def _jaccard(a: str, b: str) -> float:
    a, b = _shingles(a), _shingles(b)
    return len(a & b) / len(a | b)


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name[:3])
def test_seeds_are_flagged_as_expected(path):
    expected = json.loads((SEEDS / "expected" / f"{path.stem}.json").read_text("utf-8"))["spun"]
    assert _flags(path.read_text("utf-8"))["spun"] is expected


@pytest.mark.parametrize("target", ["zh-hans", "zh-hant", "zh-tw", "zh-hk", "keep"])
def test_flag_does_not_depend_on_output_script(target):
    for path in sorted(SEEDS.glob("*.txt")):
        doc = Document(text=path.read_text("utf-8"))
        config = Config(script=target)
        ConvertScriptStage(config).process(doc)
        SpinStage(config).process(doc)
        assert doc.flags["spun"] is path.name.startswith("004")


def test_no_real_page_is_flagged(realworld):
    golds = sorted(realworld.glob("extraction/*/gold.txt"))
    assert len(golds) >= 23 + 10
    for gold in golds:
        flags = _flags(gold.read_text("utf-8"))
        assert flags["spun"] is False, gold.parent.name
        assert flags["spin_score"] < 0.1, gold.parent.name


def test_spun_real_article_is_flagged_and_its_view_stays_close(realworld):
    # A news report from the cwced set (two schools' teaching cooperation), spun with the lexicon.
    page = realworld / "extraction/cwced__a0cb0242-d33a-4a90-b0c4-f27d791e0a9e"
    original = (page / "gold.txt").read_text("utf-8")
    spun = _spin(original)
    assert _jaccard(original, spun) < 0.8  # the spinner changed a good part of it
    assert _flags(original)["spun"] is False
    assert _flags(spun)["spun"] is True
    assert _jaccard(comparison_view(original), comparison_view(spun)) > 0.9


def test_spun_copies_of_all_cwced_articles_keep_their_view(realworld):
    for gold in sorted(realworld.glob("extraction/cwced__*/gold.txt")):
        original = gold.read_text("utf-8")
        assert _jaccard(comparison_view(original), comparison_view(_spin(original))) > 0.9, gold


def test_ordinary_words_and_word_sequences_do_not_count():
    text = "他被送进精神病院。这件事情很复杂。天下第一。环境保护。时代变了。首先容易想到的是个人材料。"
    assert spin_score(text, LEXICON)[1] == set()


def test_japanese_text_is_not_scored():
    # 病院 (hospital), 人材 (staff) and 脚色 (dramatisation) are standard Japanese.
    japanese = "この病院では人材を募集しています。小説の脚色も担当します。"
    assert spin_score(japanese, LEXICON) == (0.0, set())
    assert _flags(japanese)["spun"] is False
    assert len(spin_score("病院人材脚色", LEXICON)[1]) == 3  # the same words in Chinese text count


def test_spun_forms_count_once_each():
    score, forms = spin_score("康健" * 100 + "病院" * 100, LEXICON)
    assert forms == {"康健", "病院"}
    assert score == pytest.approx(1000 * 2 / 400)


def test_matching_runs_on_simplified_text():
    assert spin_score("國度衛生康健委", LEXICON)[1] == {"国度卫生", "康健"}


def test_a_few_stray_forms_do_not_flag_a_short_text():
    assert _flags("他查抄了家产。")["spun"] is False  # score 142.9, one form
    assert _flags("康健、病院、先容。")["spun"] is True


def test_threshold_comes_from_config():
    text = "康健、病院、先容。" + "普通文字。" * 2000
    assert _flags(text)["spun"] is False
    assert _flags(text, Config(spin_threshold=0.2))["spun"] is True


def test_shipped_lexicon_is_consistent():
    normals = {p.normal for p in LEXICON.pairs if p.kind != "ordinary"}
    spun = {p.spun for p in LEXICON.pairs if p.kind != "ordinary"}
    assert len(LEXICON.evidence) >= 50
    # Evidence must not be a normal word elsewhere: ordinary text would then count.
    assert not LEXICON.evidence & normals
    for pair in LEXICON.pairs:
        assert pair.reason
        if pair.kind == "ordinary":
            # An ordinary row exists to hide a spun form.
            assert any(form in pair.spun for form in spun), pair


def test_parse_rejects_malformed_rows():
    with pytest.raises(ValueError, match="4 tab-separated"):
        parse_pairs("健康\t康健\tspin\n")
    with pytest.raises(ValueError, match="kind"):
        parse_pairs("健康\t康健\tweird\treason\n")
    with pytest.raises(ValueError, match="same word"):
        parse_pairs("健康\t健康\tspin\treason\n")
    with pytest.raises(ValueError, match="two characters"):
        parse_pairs("健\t康\tview\treason\n")
    assert parse_pairs("# comment\n\n健康\t康健\tspin\treason\n")[0].spun == "康健"


def test_custom_lexicon_file(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text("苹果\t平果\tspin\ttest pair\n", "utf-8")
    config = Config(spin_pairs=str(path), spin_min_forms=1)
    assert _flags("平果", config)["spun"] is True
    assert _flags("康健、病院、先容。", config)["spun"] is False


def test_chained_synonyms_share_one_representative():
    lexicon = SpinLexicon(parse_pairs("措施\t行动\tview\tr\n行动\t动作\tview\tr\n"))
    assert lexicon.map_back("措施") == lexicon.map_back("行动") == lexicon.map_back("动作") == "措施"
    # Groups joined by a later pair keep the representative that comes first in the file.
    lexicon = SpinLexicon(parse_pairs("甲乙\t丙丁\tview\tr\n戊己\t庚辛\tview\tr\n庚辛\t丙丁\tview\tr\n"))
    assert {lexicon.map_back(w) for w in ("甲乙", "丙丁", "戊己", "庚辛")} == {"甲乙"}


_LEXICON_WORDS = sorted({p.spun for p in LEXICON.pairs} | {p.normal for p in LEXICON.pairs})
_WORDS = _LEXICON_WORDS + ["的", "是", "在"]
_ANY_WORD = re.compile("|".join(sorted(_LEXICON_WORDS, key=len, reverse=True)))  # longest first


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_WORDS + ["\n", "国", "康", "病"]), max_size=30).map("".join))
def test_matching_is_leftmost_longest(text):
    assert LEXICON.spun_forms(text) == set(_ANY_WORD.findall(text)) & LEXICON.evidence
    mapping = {w: LEXICON.canonical.get(w, w) for w in _LEXICON_WORDS}
    assert LEXICON.map_back(text) == _ANY_WORD.sub(lambda m: mapping[m.group()], text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=20).map("".join),
       st.lists(st.sampled_from(_WORDS), max_size=20).map("".join))
def test_forms_of_paragraphs_are_the_union_of_their_forms(a, b):
    # Matches never cross a line break, so a document's forms are those of its paragraphs.
    assert LEXICON.spun_forms(a + "\n" + b) == LEXICON.spun_forms(a) | LEXICON.spun_forms(b)
