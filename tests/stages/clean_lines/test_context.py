"""--explain: each removal of line cleaning carries the line it sat in and its neighbours, and asking for
that context never changes the output."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import cleaner
from cleaner.record import to_record

EXPLAIN = cleaner.Config(explain=True)
LINES = ["正文第一段，内容很长很长，说明了事情的经过。", "首页 > 新闻中心 > 正文", "责任编辑：王芳", "相关阅读：",
         "版权所有 © 2024 本网站 保留一切权利", "新葡京娱乐城注册送彩金", "他说：“我们会继续努力。”", "zhōng guó 中国",
         "分享到：微信 微博 QQ空间", "第二段，记者在现场看到了很多人。"]


def test_a_removed_line_comes_with_the_lines_around_it():
    doc = cleaner.clean_text("正文第一段，内容很长很长。\n首页 > 新闻中心 > 正文\n正文第二段。\n责任编辑：王芳", config=EXPLAIN)
    removed = to_record(doc, explain=True)["removed"]
    assert removed == [
        {"rule": "boilerplate:breadcrumb", "text": "首页 > 新闻中心 > 正文", "before": "正文第一段，内容很长很长。",
         "line": "首页 > 新闻中心 > 正文", "after": "正文第二段。"},
        {"rule": "boilerplate:meta", "text": "责任编辑：王芳", "before": "正文第二段。", "line": "责任编辑：王芳",
         "after": None}]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(LINES), max_size=12))
def test_context_holds_the_removal_and_changes_nothing(lines):
    text = "\n".join(lines)
    explained = cleaner.clean_text(text, config=EXPLAIN)
    assert explained.text == cleaner.clean_text(text).text
    for item in to_record(explained, explain=True)["removed"]:
        if item["line"] is not None:
            assert item["text"].split("\n")[0].strip() in item["line"]
            assert item["before"] is None or item["before"] in text
            assert item["after"] is None or item["after"] in text
