import json
import time
from collections import Counter

import lxml.html
import opencc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.config import Config
from cleaner.document import Document
from cleaner.stages.clean_lines.pinyin import PinyinRule
from cleaner.stages.clean_lines.rejoin import RejoinRule
from cleaner.stages.clean_lines.spam import SpamRule, load_spam_lexicon, read_entries
from cleaner.text.rulefiles import shipped_text
from conftest import SEEDS

RULE = SpamRule(Config())


def apply(lines, rule=RULE):
    doc = Document()
    return rule.apply(list(lines), doc), doc


# --- lexicon --------------------------------------------------------------------------------------

def test_injected_casino_line_is_cut_and_the_sentence_rejoined():
    lines = ["他提到,2023年度的县病院醫療办事能力", "玖天娛樂城", ",评估,重庆市在县病院醫療办事能力根基尺度合适环境。"]
    out, doc = apply(lines)
    assert out == ["他提到,2023年度的县病院醫療办事能力评估,重庆市在县病院醫療办事能力根基尺度合适环境。"]
    assert doc.removed == [("spam:lexicon", "玖天娛樂城"), ("spam:injected", ",")]


def test_lexicon_matches_in_both_scripts_and_mixed():
    for word in ["百家乐", "百家樂", "娱乐城", "娛樂城", "娛乐城", "六合彩資料", "壯陽藥", "六合彩资料"]:
        out, doc = apply([f"{word}官网", "正文在这里。"])
        assert out == ["正文在这里。"], word
        assert doc.removed[0][0] == "spam:lexicon"


def test_english_entries_ignore_case_and_width_but_need_word_boundaries():
    out, _ = apply(["Cheap VIAGRA and Ｃｉａｌｉｓ here"])
    assert "VIAGRA" not in out[0] and "Ｃｉａｌｉｓ" not in out[0]
    kept = ["The viagrass hypothesis", "socialism and specialist views"]
    assert apply(kept)[0] == kept


def test_word_in_running_text_takes_only_the_word_and_no_doubled_comma():
    out, doc = apply(["他说，百家乐，是一种牌戏。"])
    assert out == ["他说，是一种牌戏。"]
    assert doc.removed == [("spam:lexicon", "百家乐，")]


def test_link_list_token_goes_whole():
    out, _ = apply(["菲律宾申博娱乐网登入 车型图库 最海量的汽车"])
    assert out == ["车型图库 最海量的汽车"]
    out, doc = apply(["车型图库 博狗客户端下载 最海量的汽车", "Buy cheap viagra now"])
    assert out == ["车型图库 最海量的汽车", "Buy cheap now"]
    assert doc.removed == [("spam:lexicon", "博狗客户端下载 "), ("spam:lexicon", "viagra ")]


def test_allowlisted_compound_is_kept():
    kept = ["把三亚打造成国际旅游娱乐城市。", "银行现金网点将延长营业时间。"]
    assert apply(kept)[0] == kept
    assert apply(["金沙娱乐城", "正文。"])[0] == ["正文。"]


def test_news_about_lottery_sex_and_gambling_is_kept():
    # Real-looking sentences on the same subjects; words like 彩票, 性别, 一次性 must never be hit.
    kept = [
        "2001年农历除夕夜，他意外地获得了500万元的体彩大奖，中国福利彩票发行管理中心表示祝贺。",
        "调查按性别和年龄分组，一次性发放补助，无性婚姻现象在日本很具代表性。",
        "澳门博彩业收入下降，博彩监察协调局公布了数字；警方捣毁一个网上赌场。",
        "香港赛马会宣布六合彩头奖奖金累积至一亿元。",
    ]
    out, doc = apply(kept)
    assert out == kept and doc.removed == []


def test_single_character_entries_are_refused(tmp_path):
    lexicon = tmp_path / "spam_lexicon.txt"
    lexicon.write_text("百家乐  # ok\n赌  # ambiguous alone\n", encoding="utf-8")
    with pytest.raises(ValueError, match="too short"):
        read_entries(lexicon.read_text("utf-8"), str(lexicon))


def test_entries_without_a_reason_are_refused(tmp_path):
    lexicon = tmp_path / "spam_lexicon.txt"
    lexicon.write_text("百家乐  # casino game\n六合彩资料\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no '# reason'"):
        read_entries(lexicon.read_text("utf-8"), str(lexicon))


def test_custom_lexicon_file_from_config(tmp_path):
    lexicon = tmp_path / "spam_lexicon.txt"
    lexicon.write_text("藏宝图  # test entry\n!藏宝图书  # allow\n", encoding="utf-8")
    rule = SpamRule(Config(spam_lexicon=str(lexicon)))
    out, _ = apply(["新老藏宝图纪录 首页", "一本藏宝图书。"], rule)
    assert out == ["首页", "一本藏宝图书。"]
    assert apply(["百家乐 首页"], rule)[0] == ["百家乐 首页"]


def test_no_lexicon_entry_occurs_in_the_gold_texts(realworld):
    lexicon = load_spam_lexicon()
    for gold in sorted((realworld / "extraction").glob("*/gold.txt")):
        text = gold.read_text(encoding="utf-8")
        assert lexicon.find(text) == [], gold.parent.name


def _page_text(path):
    data = path.read_bytes()
    for codec in ("utf-8", "gb18030"):
        try:
            markup = data.decode(codec)
            break
        except UnicodeDecodeError:
            continue
    tree = lxml.html.fromstring(markup)
    for node in tree.xpath("//script|//style"):
        node.drop_tree()
    return [t.strip() for t in tree.itertext() if t.strip()]


def test_common_crawl_spam_pages_are_hit(realworld):
    pages = sorted((realworld / "warc" / "resiliparse_cc2020_zh_pages").glob("*.html"))
    hit = 0
    for page in pages:
        _, doc = apply(_page_text(page))
        hit += bool(doc.removed)
    # 9 of the 12 pages carry casino, tipping or porn vocabulary in their text; the other three hide
    # their spam in mojibake keywords (01), a betting-brand SEO string (08) or not at all (10).
    assert hit >= 9, hit


# --- injected lines without a lexicon word ----------------------------------------------------------

def test_injected_word_between_comma_lines_goes():
    lines = ["急診抢救5大中間的扶植,是“十二五”、", "藏紅花", ",“十三五”時代一向在做的。"]
    out, doc = apply(lines)
    assert out == ["急診抢救5大中間的扶植,是“十二五”、“十三五”時代一向在做的。"]
    assert doc.removed == [("spam:injected", "藏紅花"), ("spam:injected", ",")]


def test_code_words_on_their_own_lines_between_ascii_commas_stay():
    lines = ["the standard library has shipped with a simple built-in tool,", "venv", ", for creating environments,",
             "apt", ", dnf and", "pipenv", ", all of them."]
    out, doc = apply(lines)
    assert out == lines and doc.removed == []


def test_legitimate_short_lines_are_kept():
    cases = [
        # readability's pixnet page: a bold word after a finished phrase, then "、": real text.
        ["不同格調就是從入口處這塊招牌第一眼開始", "木頭招牌", "、貓頭鷹裝飾品勾勒出美樹的風格"],
        # a heading between two paragraphs
        ["他指出，要加快发展。", "藏红花种植", "今年全县种植面积达到三千亩。"],
        # the list goes on with a word, not with a stray comma
        ["产品包括：红花、", "藏红花", "和其他中药材。"],
    ]
    for lines in cases:
        assert apply(lines)[0] == lines


def test_seed_004_spam_is_gone_and_its_sentences_repaired():
    text = (SEEDS / "004_13a43e52a168809e.txt").read_text(encoding="utf-8")
    out, doc = apply(text.split("\n"))
    flat = "".join("".join(out).split())
    assert "藏紅花" not in flat and "玖天娛樂城" not in flat
    assert "是“十二五”、“十三五”時代" in flat
    assert "醫療办事能力评估,重庆市" in flat
    assert len(doc.removed) == 4


def test_gold_texts_lose_under_half_a_percent(realworld):
    config = Config()
    rules = [PinyinRule(config), SpamRule(config), RejoinRule(config)]
    total = removed = 0
    for gold in sorted((realworld / "extraction").glob("*/gold.txt")):
        text = gold.read_text(encoding="utf-8")
        lines, doc = text.split("\n"), Document()
        for rule in rules:
            lines = rule.apply(lines, doc)
        total += len(text)
        removed += sum(len(t) for _, t in doc.removed)
    assert removed / total < 0.005


# --- invariants -------------------------------------------------------------------------------------

ALPHABET = list("百家乐樂娱娛城藏紅花、,，。 评估viagrxVIAG是的")
line_strategy = st.text(alphabet=st.sampled_from(ALPHABET), max_size=30)


def _no_space(lines):
    return Counter("".join("".join(lines).split()))


@settings(max_examples=400, deadline=None)
@given(st.lists(line_strategy, max_size=6))
def test_idempotent_never_longer_adds_nothing_and_explains_removals(lines):
    once, doc = apply(lines)
    twice, _ = apply(once)
    assert twice == once
    assert len("\n".join(once)) <= len("\n".join(lines))
    assert not _no_space(once) - _no_space(lines)
    removed = sum(len("".join(t.split())) for _, t in doc.removed)
    assert sum(_no_space(lines).values()) - sum(_no_space(once).values()) == removed


def test_adversarial_input_is_fast():
    cases = [
        ["百家乐" * 350_000],                       # ~1 MB of one spam word, no spaces
        ["百家乐 viagra 六合彩资料 "] * 20_000,        # spam tokens in a link list
        ["百家" * 2_000 + "乐" * 2_000],             # spam words nested in each other
        ["a" * 50_000, "、" * 50_000, "," * 50_000],  # long runs of one character
        ["是、", "藏紅花", ",x"] * 20_000,             # many injected lines
    ]
    for lines in cases:
        start = time.perf_counter()
        out, _ = apply(lines)
        assert time.perf_counter() - start < 5.0, lines[0][:20]
    assert apply(["百家乐" * 350_000])[0] == []


HOSTILE_UNITS = st.text(alphabet=st.sampled_from(ALPHABET + list("(yī)（）在致辞表示院长")), min_size=1,
                        max_size=6)


@settings(max_examples=25, deadline=None)
@given(st.lists(HOSTILE_UNITS, min_size=1, max_size=3))
def test_no_rule_is_slow_on_50_kb_lines_of_repeated_units(units):
    config = Config()
    lines = [(unit * (50_000 // len(unit) + 1))[:50_000] for unit in units]
    for rule in (PinyinRule(config), SpamRule(config), RejoinRule(config)):
        start = time.perf_counter()
        rule.apply(lines, Document())
        assert time.perf_counter() - start < 2.0, (rule.name, units)


def test_english_texts_lose_nothing(realworld):
    config = Config()
    rules = [PinyinRule(config), SpamRule(config), RejoinRule(config)]
    texts = [p.read_text(encoding="utf-8", errors="replace")
             for p in sorted((realworld / "neardup" / "copietje").glob("*.txt"))]
    with open(realworld / "neardup" / "copietje" / "news_edits_versions.jsonl", encoding="utf-8") as f:
        texts += [json.loads(line)["text"] for line in f if line.strip()]
    assert len(texts) > 50
    for text in texts:
        lines, doc = text.split("\n"), Document()
        for rule in rules:
            lines = rule.apply(lines, doc)
        assert doc.removed == [] and lines == text.split("\n")


def test_every_entry_matches_in_each_chinese_script():
    lexicon = load_spam_lexicon()
    spam, _ = read_entries(shipped_text("spam_lexicon.txt"), "spam_lexicon.txt")
    converters = [opencc.OpenCC(f"{c}.json") for c in ("s2t", "s2tw", "s2hk", "t2s")]
    for entry in spam:
        for form in {c.convert(entry) for c in converters} | {entry.upper()}:
            assert lexicon.find(f"xx {form} yy"), form
