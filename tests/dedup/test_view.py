"""The normalised views dedup compares."""
import json
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import Config, dedup
from cleaner.dedup import Views
from cleaner.dedup.view import comparison_view, comparison_views, comparison_words
from cleaner.stages.spin import load_spin_lexicon
from cleaner.text.opencc import converter_for

from conftest import REALWORLD, SEEDS


def _is_non_text(c: str) -> bool:
    category = unicodedata.category(c)
    return category[0] in "PSZ" or category in ("Cc", "Cf")


def test_view_of_a_sentence():
    assert comparison_view("國家衛生健康委，發佈ＡＢＣ１２３！\n Hello World") == "国家卫生健康委发布abc123helloworld"


def test_lone_surrogates_are_dropped():
    # Text decoded with errors="surrogateescape" carries them; the views must still encode as UTF-8.
    assert comparison_view("a\udce9b") == "ab"
    assert comparison_words("a\udce9b c") == ["a", "b", "c"]  # like any other non-text character


def test_view_maps_spun_forms_back():
    assert comparison_view("國度衛生康健委") == comparison_view("国家卫生健康委")
    assert comparison_view("他被送进精神病院") == "他被送进精神病院"  # ordinary word left alone


def test_traditional_copy_of_a_seed_has_nearly_the_same_view():
    for path in sorted(SEEDS.glob("00[012]*.txt")):
        text = path.read_text("utf-8")
        traditional = converter_for("zh-hant")(text)
        assert traditional != text
        a, b = comparison_view(text), comparison_view(traditional)
        same = sum(x == y for x, y in zip(a, b))
        assert len(a) == len(b) and same / len(a) > 0.995, path.name  # s2t then t2s is nearly lossless


def test_view_of_the_spun_seed_is_close_to_a_plain_rewrite():
    # Seed 004 mixes Traditional characters and spun words; its view has neither left.
    view = comparison_view((SEEDS / "004_13a43e52a168809e.txt").read_text("utf-8"))
    for spun in ("康健", "病院", "钻研", "國", "醫", "扶植"):
        assert spun not in view


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80)
_MIXED = st.lists(st.sampled_from(["国家", "國度", "康健", "健康", "病院", "精神", "a", "B", "Ｃ", "1",
                                   "，", "。", " ", "\n", "·", "-", "發", "头发", "的"]),
                  max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_TEXT, _MIXED))
def test_view_holds_no_punctuation_symbols_or_space(text):
    assert not any(_is_non_text(c) for c in comparison_view(text))


@settings(max_examples=300, deadline=None)
@given(_MIXED, st.lists(st.tuples(st.integers(0, 200), st.sampled_from("，。 \n\t!?、“”《》\u3000★"))))
def test_view_ignores_inserted_punctuation_and_space(text, insertions):
    changed = text
    for at, c in insertions:
        at %= len(changed) + 1
        changed = changed[:at] + c + changed[at:]
    assert comparison_view(changed) == comparison_view(text)


def test_words_of_a_sentence():
    assert comparison_words("Hello, World! Don't  stop—ＡＢＣ. word,word") == [
        "hello", "world", "dont", "stop", "abc", "word", "word"]
    assert comparison_words("") == []


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_words_hold_no_space_punctuation_or_symbols(text):
    for word in comparison_words(text):
        assert word and not any(_is_non_text(c) or c.isspace() for c in word)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.from_regex(r"[a-zA-Z0-9]{1,8}", fullmatch=True), max_size=20),
       st.lists(st.sampled_from([" ", "\n", ", ", " - ", "\t", "; ", "\u3000"]), min_size=1))
def test_words_do_not_depend_on_separators(words, separators):
    text = "".join(w + separators[i % len(separators)] for i, w in enumerate(words))
    assert comparison_words(text) == [w.lower() for w in words]


# --- the compiled view equals the definition -------------------------------------------------------------

def _flat_views(texts, lexicon=None) -> list[str]:
    codes, offsets = comparison_views(texts, lexicon)
    return [codes[offsets[i]:offsets[i + 1]].tobytes().decode("utf-32-le") for i in range(len(texts))]


def _shared_texts() -> list[str]:
    paths = sorted(SEEDS.glob("*.txt")) + sorted(REALWORLD.glob("extraction/*/gold.txt"))
    paths += sorted((REALWORLD / "neardup").rglob("*.txt"))
    texts = [p.read_text("utf-8") for p in paths]
    for path in sorted((REALWORLD / "neardup").rglob("*.jsonl")):
        texts += [json.loads(line).get("text", "") for line in path.read_text("utf-8").splitlines() if line.strip()]
    return texts


def test_compiled_views_equal_the_definition_on_the_shared_texts(realworld):
    texts = _shared_texts()
    assert len(texts) > 200
    # Their Traditional, Taiwan and Hong Kong conversions exercise the t2s phrases and characters.
    texts += [converter_for(target)(t) for target in ("zh-hant", "zh-tw", "zh-hk") for t in texts[:80]]
    assert _flat_views(texts) == [comparison_view(t) for t in texts]


_CONTEXT = st.lists(st.sampled_from(["e\u0301", "\u0301", "Σ", "ΟΔΟΣ ΣΑ", "İ", "⑴", "㍻", "ﷺ", "가", "\u11a8",
                                     "\u1100\u1161", "ﬁ", "瞭解", "乾隆", "回覆", "\uf900", "國度", "康健", "A",
                                     "，", " ", "的"]), max_size=20).map("".join)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(_TEXT, _MIXED, _CONTEXT), min_size=1, max_size=4))
def test_compiled_views_equal_the_definition_on_any_text(texts):
    assert _flat_views(texts) == [comparison_view(t) for t in texts]


def test_views_use_the_configured_spin_pairs(tmp_path):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("苹果\t频果\tspin\ta made-up swap for this test\n", encoding="utf-8")
    lexicon = load_spin_lexicon(str(pairs))
    assert comparison_view("我爱吃频果", lexicon) == "我爱吃苹果" == _flat_views(["我爱吃频果"], lexicon)[0]
    assert comparison_view("我爱吃频果") == "我爱吃频果"  # the shipped lexicon has no such pair
    config = Config(spin_pairs=str(pairs))
    view = Views.from_texts(["我爱吃频果"], config)
    assert view.codepoints.tobytes().decode("utf-32-le") == "我爱吃苹果"
    text = "今天我们一起去市场买了很多新鲜的苹果和香蕉回家" * 3
    spun = text.replace("苹果", "频果")
    assert dedup([text, spun], config=config).clusters == [[0, 1]]
    assert dedup([text, spun], threshold=0.95).clusters == []
