import json
import time
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.config import Config
from cleaner.document import Document
from cleaner.stages.clean_lines.rejoin import RejoinRule
from conftest import SEEDS

RULE = RejoinRule(Config())


def apply(lines):
    doc = Document()
    return RULE.apply(list(lines), doc), doc


def test_bolded_name_line_is_joined_to_its_predicate():
    lines = ["重庆市卫生康健委醫政处副处长曾毅", "在致辞中,對“千县規劃”专题會表示了支持。", "下一段。"]
    out, doc = apply(lines)
    assert out == ["重庆市卫生康健委醫政处副处长曾毅在致辞中,對“千县規劃”专题會表示了支持。", "下一段。"]
    assert doc.removed == []


def test_speech_verbs_in_both_scripts_and_spun_forms():
    pairs = [
        ("市卫生健康委主任张三", "表示，要加快发展。"),
        ("國家衛生健康委員會副主任李四", "介紹說，今年將繼續推進。"),
        ("党委书记王五", "特别指出：要抓落实。"),
        ("据社副总编纂曹秋香", "先容,召开专题會旨在鞭策落地。"),   # spun 介绍
        ("党委布告袁军", "周全先容了病院的成长進程。"),            # spun 全面介绍
        ("院长赵六", "在接受记者采访时，谈到了医院的发展。"),
    ]
    for name, rest in pairs:
        assert apply([name, rest])[0] == [name + rest], name


def test_paragraphs_and_headings_are_not_joined():
    cases = [
        ["二、加强组织领导", "各地要成立工作专班。"],            # heading, then a paragraph with a subject
        ["会议强调了三点。", "表示，要抓好落实。"],              # first line is a finished sentence
        ["更好地讓病人获得最快的解决", "會上,"],                   # heading, then a new paragraph
        ["江苏省江阴市人民病院副院长刘洋", "“以晋升能力為导向”為题,分享了经验。"],  # no cue
        ["他说" + "很" * 40, "表示，好。"],                       # too long for a name line
        ["院长张三", "他表示，要加快发展。"],                     # the next line has its own subject
        ["院长张三", "", "表示，要加快发展。"],                   # a blank line separates paragraphs
    ]
    for lines in cases:
        assert apply(lines)[0] == lines, lines


def test_seed_004_name_lines_join_and_its_keep_lines_survive():
    text = (SEEDS / "004_13a43e52a168809e.txt").read_text(encoding="utf-8")
    expected = json.loads((SEEDS / "expected" / "004_13a43e52a168809e.json").read_text(encoding="utf-8"))
    lines = text.split("\n")
    out, _ = apply(lines)
    for joined in ["常务副院长张宗久出格指出,", "醫政处副处长曾毅在致辞中,", "鼓吹部部长韩璐璘暗示,",
                   "副总编纂曹秋香先容,", "党委布告袁军周全先容了"]:
        assert any(joined in line for line in out), joined
    assert len(out) == len(lines) - 5
    assert "江苏省江阴市人民病院副院长刘洋" in out  # its next line has no cue
    flat = "".join("".join(out).split())
    spam_repairs = ("十三五", "评估")  # these keep lines need SpamRule first
    for keep in expected["keep"]:
        if not any(word in keep for word in spam_repairs):
            assert "".join(keep.split()) in flat, keep


def test_gold_texts_are_not_joined(realworld):
    for gold in sorted((realworld / "extraction").glob("*/gold.txt")):
        lines = gold.read_text(encoding="utf-8").split("\n")
        assert apply(lines)[0] == lines, gold.parent.name


ALPHABET = list("院长张三表示介紹在致辞中时，,。说了“特别指出 a")


@settings(max_examples=400, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(ALPHABET), max_size=20), max_size=6))
def test_idempotent_and_only_joins(lines):
    once, _ = apply(lines)
    assert apply(once)[0] == once
    assert len(once) <= len(lines)
    assert Counter("".join("".join(once).split())) == Counter("".join("".join(lines).split()))


def test_many_candidate_lines_are_fast():
    lines = ["院长张三", "表示，好。"] * 50_000 + ["在" * 50_000, "在" + "会" * 50_000]
    start = time.perf_counter()
    out, _ = apply(lines)
    assert time.perf_counter() - start < 5.0
    assert out[0] == "院长张三表示，好。"
