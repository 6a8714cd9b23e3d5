"""Injected English spam sentences go whole; sentences that mention casinos or bonuses stay; Discuz footers
are boilerplate. No shared gold text is touched by either."""
from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import cleaner
from cleaner.config import Config
from cleaner.document import Document
from cleaner.stages.clean_lines import CleanLinesStage
from cleaner.stages.clean_lines.spam_sentences import SpamSentenceRule, parse_rules, sentences

RULE = SpamSentenceRule(Config())

NEWS = ("The city council met on Tuesday to discuss the budget for next year. Play now at Lucky Star Casino, "
        "claim a 200% welcome bonus and 50 free spins! Council members agreed that the 2.5% increase was needed "
        "to keep the libraries open.")


def test_an_injected_casino_sentence_goes_and_the_article_stays():
    doc = Document()
    out = RULE.apply([NEWS], doc)
    assert out == ["The city council met on Tuesday to discuss the budget for next year. Council members agreed "
                   "that the 2.5% increase was needed to keep the libraries open."]
    assert doc.removed == [("spam:sentence", "Play now at Lucky Star Casino, claim a 200% welcome bonus and 50 "
                                             "free spins!")]


@pytest.mark.parametrize("sentence", [
    "Sign up today at BetKing Casino and get 100 free spins.",
    "Buy now: cheap viagra and cialis from our online pharmacy!",
    "Click here to claim your no deposit bonus.",
    "Visit our sportsbook and use the promo code WIN50 for a 100% match bonus.",
])
def test_spam_sentences(sentence):
    assert RULE.is_spam(sentence)


@pytest.mark.parametrize("sentence", [
    "Tourists visit the casino every year, spending millions on the tables.",
    "The casino offered its staff a bonus after a record quarter.",
    "New players can claim a welcome bonus of up to $500, the operator said.",
    "Online casino revenue in New Jersey rose 12% in March.",
    "Employees who join the company now get a signing bonus.",
    "Macau's casinos reopened on Thursday; visitors must show a negative test.",
    "Play the slots responsibly, regulators warned in a statement released on Monday, according to the report.",
])
def test_real_sentences_about_casinos_and_bonuses_stay(sentence):
    assert not RULE.is_spam(sentence)
    doc = cleaner.clean_text("A report from our correspondent.\n" + sentence)
    assert sentence in doc.text


def test_sentences_join_back_to_the_line():
    assert sentences("One. Two! Three? 4.5 stays. \"Quoted.\" (Bracket.) end") == [
        "One. ", "Two! ", "Three? ", "4.5 stays. ", "\"Quoted.\" ", "(Bracket.) end"]


@given(st.text(max_size=200))
def test_sentences_never_lose_text(line):
    assert "".join(sentences(line)) == line


def test_rule_rows_are_checked():
    with pytest.raises(ValueError, match="kind must be one of"):
        parse_rules("bonus\\tcasino\\treason".replace("\\t", "\t"), "x.tsv")


def test_an_offer_is_matched_from_the_start_of_a_word():
    offer = parse_rules("offer\tino\\b\tend of casino\noffer\t\\d{2}%\tpercentage", "x.tsv")["offer"]
    assert offer.search("Ino is a name") and offer.search("a 50% bonus")
    assert not offer.search("the casino") and not offer.search("a 150% bonus")  # inside a word


def test_discuz_footer_is_boilerplate():
    text = ("楼主发表了一篇很长的帖子，讨论今年的房价走势，大家都认为明年会继续上涨。\n"
            "Archiver|手机版|小黑屋|某某生活论坛 ( 粤ICP备12345678号-1 )\n"
            "GMT+8, 2020-8-8 12:30 , Processed in 0.052347 second(s), 22 queries .\n"
            "© 2001-2017 Comsenz Inc.")
    doc = cleaner.clean_text(text)
    assert doc.text == "楼主发表了一篇很长的帖子，讨论今年的房价走势，大家都认为明年会继续上涨。"


def _golds(realworld):
    for folder in sorted((realworld / "extraction").iterdir()):
        if (folder / "gold.txt").exists():
            yield folder.name, (folder / "gold.txt").read_text(encoding="utf-8")
        elif (folder / "gold.json").exists():
            with_ = json.loads((folder / "gold.json").read_text(encoding="utf-8")).get("with", [])
            yield folder.name, "\n".join(with_)


def test_no_gold_text_is_removed_by_the_sentence_rule_or_the_footer_entries(realworld):
    stage = CleanLinesStage(Config())
    hits = []
    count = 0
    for name, gold in _golds(realworld):
        count += 1
        doc = Document(text=gold)
        assert RULE.apply(gold.splitlines(), doc) == gold.splitlines(), name
        doc = Document(text=gold)
        stage.process(doc)
        hits += [(name, text) for rule, text in doc.removed
                 if rule == "spam:sentence" or any(k in text for k in ("小黑屋", "Comsenz", "Processed in"))]
    assert count > 390 and hits == []


@given(st.lists(st.text(alphabet="Play now at casino, claim a 200% welcome bonus. Tourists said.!?\n", max_size=80),
                max_size=5))
def test_the_rule_only_removes_and_is_idempotent(lines):
    lines = [line.strip() for line in lines if line.strip()]
    once = RULE.apply(lines, Document())
    assert RULE.apply(once, Document()) == once
    assert sum(len(line) for line in once) <= sum(len(line) for line in lines)
