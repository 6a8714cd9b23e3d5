"""--drop-spam and --filter: rejections with their reason and the rule that fired; nothing by default."""
from __future__ import annotations

import pytest

import cleaner
from cleaner import errors
from cleaner.config import Config, filter_rules
from cleaner.stages.filter import parse_rule

SPAM = "亚洲无码视频在线观看 国产自拍偷拍 欧美色图\n最新番号高清无码在线播放，人妻熟女、巨乳女优每日更新，狼友必备。"
ARTICLE = "今天天气很好，我们一起去公园散步，看见很多人在锻炼身体。\n公园里的花都开了，游客们纷纷拍照留念。"


def test_spam_is_flagged_not_dropped_by_default():
    doc = cleaner.clean_text(SPAM)
    assert doc.rejected is None and doc.flags["spam_page"] and doc.flags["spam_kind"] == "adult"


def test_drop_spam_rejects_with_the_kind():
    doc = cleaner.clean_text(SPAM, Config(drop_spam=True))
    assert doc.rejected == errors.SPAM_PAGE and doc.reject_detail.startswith("adult (score ")
    assert cleaner.clean_text(ARTICLE, Config(drop_spam=True)).rejected is None


def test_filter_rule_rejects_with_the_rule_and_value():
    doc = cleaner.clean_text(ARTICLE, Config(filters=("chars<100",)))
    assert doc.rejected == errors.FILTERED and doc.reject_detail == f"chars<100 (chars={doc.flags['chars']})"
    assert cleaner.clean_text(ARTICLE, Config(filters=("chars<10", "language!=zh"))).rejected is None
    assert cleaner.clean_text(ARTICLE, Config(filters=("language==zh",))).rejected == errors.FILTERED


def test_rules_are_checked_when_the_config_is_made():
    for bad, message in (("chars 3", "want NAME OP VALUE"), ("chars<<3", "not a number"), ("words<3", "no signal 'words'"),
                         ("language<zh", "== or != only"), ("chars<many", "not a number")):
        with pytest.raises(ValueError, match=message):
            Config(filters=(bad,))
    assert parse_rule("language_score < 0.5").value == 0.5


def test_toml_thresholds(tmp_path):
    path = tmp_path / "cleaner.toml"
    path.write_text("[cleaner]\nscript = 'keep'\n[cleaner.filter]\nmin_chars = 200\nmax_symbol_ratio = 0.1\n")
    assert Config.from_toml(path).filters == ("chars<200", "symbol_ratio>0.1")
    assert filter_rules(["language!=zh"]) == ("language!=zh",)
    with pytest.raises(ValueError, match="min_NAME or max_NAME"):
        filter_rules({"chars": 3})
