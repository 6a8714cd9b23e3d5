"""ExtractStage and the whole of clean_html on pages: what comes out, what must not, and how well."""
import copy
import html
import importlib.util
import itertools
import json
import re
import sys
import time
import unicodedata

import lxml.html
import pytest
import trafilatura
import trafilatura.external
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from lxml import etree
from trafilatura.core import trafilatura_sequence
from trafilatura.xpaths import (COMMENTS_XPATH, RAW_TREE_PRUNE_XPATH, REMOVE_COMMENTS_AND_LISTS_XPATH,
                                REMOVE_COMMENTS_XPATH)

import cleaner
from cleaner import errors
from cleaner.config import Config
from cleaner.document import Document
from cleaner.stages.extract import ExtractStage
from cleaner.stages.extract.candidates import Candidate, choose
from cleaner.stages.extract.page import BLOCK_BREAK, fold_page, lines_as_on_page, page_blocks
from cleaner.stages.extract.render import render_text
from cleaner.stages.extract.runs import PageAttributes, extraction_sequence, extractor, readability_opinion
from cleaner.stages.extract.tree import (drop_empty, strip_unread, unlayout_tables, unlink_heading_anchors,
                                         unwrap_empty_inline, unwrap_prose_headers, unwrap_spans_in_sentences,
                                         wrap_loose_runs)
from cleaner.stages.decode import decode
from cleaner.stages.prepare_html import PrepareHtmlStage, looks_like_markup, parse_html, revealed_prose, text_of
from cleaner.text.chars import INVISIBLE_HINTS, NOT_TEXT, SENTENCE_ENDS, prose_chars, visible_chars

from conftest import ROOT

KEEP = Config(script="keep")


def extract(markup: str, url: str | None = None, config: Config | None = None) -> Document:
    """Run this module's two stages alone on decoded markup."""
    config = config or Config()
    doc = Document(raw=markup, url=url)
    PrepareHtmlStage(config).process(doc)
    ExtractStage(config).process(doc)
    return doc


NAV = "<ul class='nav'>" + "".join(f"<li><a href='/c{i}'>栏目{i}</a></li>" for i in range(12)) + "</ul>"
RELATED = ("<div class='related'><h3>相关新闻</h3><ul>"
           + "".join(f"<li><a href='/n{i}'>相关文章标题第{i}篇新闻报道</a></li>" for i in range(6)) + "</ul></div>")
FOOTER = "<div class='footer'>版权所有 © 2020 某某网 京ICP备12345678号 联系我们 | 关于我们</div>"
ARTICLE = ("<p>本报讯 今天上午，市气象台发布寒潮蓝色预警，预计未来两天气温下降八到十度。</p>"
           "<p>气象部门提醒市民注意添衣保暖，出行注意安全。</p>")


def news_page(article: str = ARTICLE, head: str = "") -> str:
    return (f"<html><head><title>市区今日降温_某某网</title>{head}</head><body>{NAV}<h1>市区今日降温</h1>"
            f"{article}{RELATED}{FOOTER}</body></html>")


# --- extraction ------------------------------------------------------------------------------------

def test_short_article_comes_out_without_navigation_related_links_or_footer():
    doc = extract(news_page())
    assert doc.text.splitlines() == [
        "本报讯 今天上午，市气象台发布寒潮蓝色预警，预计未来两天气温下降八到十度。",
        "气象部门提醒市民注意添衣保暖，出行注意安全。",
    ]
    assert doc.meta["extractor"] == "trafilatura-precision"


def test_hidden_casino_words_inside_and_around_the_article_do_not_come_out():
    article = ("<p>农产品<font class='jammer'>百家乐</font>包装设计要突出产地特色，"
               "<span style='font-size:0'>澳门赌场</span>吸引消费者的注意力。</p>"
               "<div style='position:absolute;left:-9999px'>百家乐 六合彩 时时彩 网上赌场 真人娱乐</div>"
               "<p>专家建议，包装上应当标明产地、规格和保质期等信息。</p>")
    doc = extract(news_page(article))
    assert "农产品包装设计要突出产地特色，吸引消费者的注意力。" in doc.text
    for word in ("百家乐", "澳门", "六合彩", "赌场"):
        assert word not in doc.text
    assert {rule for rule, _ in doc.removed} == {"hidden:jammer", "hidden:font-size-0", "hidden:off-screen"}


def test_ruby_comes_out_as_base_characters_without_pinyin():
    article = ("<p>這位<ruby>醫<rp>(</rp><rt>yī</rt><rp>)</rp></ruby><ruby>生<rt>shēng</rt></ruby>"
               "說，冬天要注意保暖，多喝熱水，早睡早起，適當運動。</p>")
    doc = extract(news_page(article))
    assert "這位醫生說，冬天要注意保暖" in doc.text
    assert "yī" not in doc.text and "shēng" not in doc.text and "(" not in doc.text


def test_forum_layout_table_comes_out_as_paragraphs_not_pipes():
    post = "这个问题我也遇到过，后来把显卡驱动回退到旧版本就好了，大家可以试试看。"
    markup = (f"<html><body>{NAV}<table width='100%'><tr><td>楼主</td><td>发表于 2020-1-1<br>{post}<br>"
              f"补充一下：记得先卸载干净再装旧版驱动，不然还是会蓝屏。</td></tr>"
              f"<tr><td>沙发</td><td>谢谢分享</td></tr></table>{FOOTER}</body></html>")
    doc = extract(markup)
    assert post in doc.text.splitlines()
    assert "|" not in doc.text


@pytest.mark.parametrize("prune, markup, count, after", [
    # an empty inline element goes only with text after it, its children stay
    (unwrap_empty_inline, '<p>Given a set of <span class="math"><img alt="N"></span> objects, <b id="kept">bold</b> '
                          '<i class="icon"></i></p>',
     1, '<p>Given a set of <img alt="N"> objects, <b id="kept">bold</b> <i class="icon"></i></p>'),
    # an element holding nothing goes, one level deep, never with text after it or white space inside it
    (drop_empty, '<div><p></p><div id="outer"><p></p></div><p> </p><b></b>after<div id="tailed"></div>more<img></div>',
     2, '<div><div id="outer"></div><p> </p><b></b>after<div id="tailed"></div>more<img></div>'),
])
def test_empty_elements_go_as_trafilatura_would_delete_them_but_keep_the_text_after_them(prune, markup, count, after):
    tree = lxml.html.fragment_fromstring(markup)
    assert prune(tree) == count
    assert lxml.html.tostring(tree, encoding="unicode") == after


@pytest.mark.parametrize("markup, count, after", [
    # text after a block, with the inline elements around it, up to the next block
    ('<div><p>A.</p><div>figure</div>Loose <a>link</a> text<br>goes on.<p></p><p>B.</p></div>', 1,
     '<div><p>A.</p><div>figure</div><p>Loose <a>link</a> text<br>goes on.</p><p></p><p>B.</p></div>'),
    # before the first block, and after an inline element that opens the run
    ('<section><b>Lead</b> in bold, then text.<p>A.</p>Last words.</section>', 2,
     '<section><p><b>Lead</b> in bold, then text.</p><p>A.</p><p>Last words.</p></section>'),
    # a run of inline elements alone, loose punctuation, and loose text in a container without a paragraph stay
    ('<div><p>A.</p><a>Teaser</a> <b>headline</b><p>B.</p> | <div><div>x</div>loose<div>y</div></div></div>', 0,
     '<div><p>A.</p><a>Teaser</a> <b>headline</b><p>B.</p> | <div><div>x</div>loose<div>y</div></div></div>'),
])
def test_loose_text_among_paragraphs_is_wrapped_in_a_paragraph(markup, count, after):
    tree = lxml.html.fragment_fromstring(markup)
    assert wrap_loose_runs(tree) == count
    assert lxml.html.tostring(tree, encoding="unicode") == after


def test_a_paragraph_of_loose_text_after_a_figure_comes_out_in_its_place():
    first, then = ([f"<p>Paragraph {i} of the story tells what {when} in the town, and who said what about it.</p>"
                    for i in range(3)] for when in ("happened first", "happened next"))
    loose = "The council has rules for the market but none for its <a href='/fines'>fines</a>, a spokesman said."
    page = (f"<html><body><h1>Market day</h1><div class='story'>{''.join(first)}<div class='figure'><img src='m.jpg'>"
            f"<p class='caption'>The market</p></div>{loose}<p></p>{''.join(then)}</div></body></html>")
    lines = cleaner.clean_html(page).text.splitlines()
    at = lines.index("The council has rules for the market but none for its fines, a spokesman said.")
    assert lines[at - 1] == "Paragraph 2 of the story tells what happened first in the town, and who said what about it."


def test_a_span_in_the_middle_of_a_sentence_is_unwrapped_and_its_words_come_out():
    tree = lxml.html.fragment_fromstring('<div><p>He said <span class="link"><a>it</a></span> twice, <b>then <span>'
                                         'x</span> left</b>.<span class="share">Share</span></p><span>a</span> b</div>')
    assert unwrap_spans_in_sentences(tree) == 2
    assert lxml.html.tostring(tree, encoding="unicode") == (
        '<div><p>He said <a>it</a> twice, <b>then x left</b>.<span class="share">Share</span></p><span>a</span> b</div>')
    sentence = ("The council reported that <span class='link'><a href='/fines'>the market will pay its fines</a></span> "
                "for the whole of last year, a spokesman said.")
    page = (f"<html><body><article><h1>Market day</h1><p>{sentence}</p><p>{sentence.replace('last', 'this')}</p>"
            "</article></body></html>")
    assert ("The council reported that the market will pay its fines for the whole of last year, a spokesman said."
            in extract(page).text.splitlines())


def test_strip_unread_unwraps_what_trafilatura_unwraps_and_keeps_what_its_xpaths_read():
    tree = lxml.html.fragment_fromstring(
        '<div class="post" id="p1" style="color:red" data-component="x"><table><colgroup><col width="50"></colgroup>'
        '<tbody><tr><td rowspan="2"><a href="/x" title="t" onclick="f()">link</a> <img src="a.png" alt="A"> '
        '<abbr title="United Nations">UN</abbr> <font color="red">red</font></td></tr></tbody></table></div>')
    strip_unread(tree)
    assert lxml.html.tostring(tree, encoding="unicode") == (
        '<div class="post" id="p1" style="color:red" data-component="x"><table><tr><td rowspan="2"><a>link</a> <img> '
        'UN <font>red</font></td></tr></table></div>')


def test_what_strip_unread_takes_changes_no_candidate(monkeypatch):
    # Links, images, abbreviations and table sections all through the page, in the article and around it, and
    # a listing that sends the page to readability's opinion and the default mode.
    article = ("<p>Der <abbr title='Deutscher Wetterdienst'>DWD</abbr> meldet <a href='/frost' title='Frost'>Frost</a>"
               " <img src='k.png' alt='Karte'> in der Nacht, <cite>sagt</cite> ein Sprecher.</p>"
               "<table><thead><tr><th>Ort</th><th>Grad</th></tr></thead><tbody><tr><td>Kiel</td><td>-3</td></tr>"
               "</tbody></table><p>Die Straßen sind glatt, Autofahrer sollen langsam fahren.</p>")
    listing = "".join(f"<div class='teaser'><a href='/a{i}'><img src='{i}.jpg' alt='Bild {i}'></a>"
                      f"<h3><a href='/a{i}'>Meldung {i} aus der Region</a></h3><p>Kurz gemeldet {i}.</p></div>"
                      for i in range(30))
    pages = [news_page(), news_page(article), f"<html><body>{NAV}<h1>Wetter</h1>{article}{listing}</body></html>"]
    stripped = [extract(page) for page in pages]
    monkeypatch.setattr("cleaner.stages.extract.strip_unread", lambda tree: None)
    for doc, page in zip(stripped, pages):
        whole = extract(page)
        assert (doc.text, doc.meta) == (whole.text, whole.meta)


@given(st.text(alphabet=st.sampled_from("ab 。.!\n\t\u3000" + BLOCK_BREAK), max_size=60),
       st.sampled_from(["\n", BLOCK_BREAK]))
def test_prose_chars_counts_the_visible_characters_of_the_parts_that_end_a_sentence(text, separator):
    assert prose_chars(text, separator) == sum(visible_chars(part) for part in text.split(separator)
                                               if SENTENCE_ENDS.search(part))


def test_text_after_an_empty_inline_element_is_kept():
    # Precision mode deletes an empty <span> with the text after it: the heading after its anchor, the rest of
    # a sentence after a formula shown as an image.
    sections = "".join(
        f"<h2><span class='anchor' id='s{i}'></span>{i}. Abschnitt über den Wein</h2>"
        f"<p>Absatz {i}: Ein Rotwein braucht Luft, bevor er <span class='math'><img alt='x'></span> seinen vollen "
        f"Geschmack zeigt, und das Dekantieren trennt ihn vom Depot am Boden der Flasche.</p>" for i in range(1, 4))
    doc = extract(f"<html><body>{NAV}<article><h1>Dekantieren</h1>{sections}</article>{FOOTER}</body></html>")
    lines = doc.text.splitlines()
    assert "1. Abschnitt über den Wein" in lines
    assert any(line.startswith("Absatz 2: Ein Rotwein braucht Luft, bevor er seinen vollen Geschmack zeigt")
               for line in lines)


def test_data_table_keeps_rows_with_cells_separated_by_tabs():
    table = ("<table><tr><th>城市</th><th>最高气温</th></tr><tr><td>北京</td><td>3℃</td></tr>"
             "<tr><td>上海</td><td>9℃</td></tr></table>")
    doc = extract(news_page(ARTICLE + table))
    assert "北京\t3℃" in doc.text.splitlines()
    assert "|" not in doc.text


def test_unlayout_tables_only_touches_tables_with_block_content():
    tree = etree.fromstring(
        "<body><table id='data'><tr><td>a</td><td>b</td></tr></table>"
        "<table id='layout'><tr><td><p>post</p></td></tr></table>"
        "<table id='outer'><tr><td><table><tr><td>x</td></tr></table></td></tr></table></body>")
    assert unlayout_tables(tree) == 2
    assert [t.get("id") for t in tree.iter("table")] == ["data"]  # the table inside "outer" went with it
    assert tree.find(".//div[@id='layout']") is not None


def test_a_row_of_column_headers_makes_a_table_data_even_when_its_cells_hold_blocks():
    tree = etree.fromstring(
        "<body><table id='schedule'><thead><tr><th>Time</th><th>Location</th></tr></thead>"
        "<tr><td>8:10 AM</td><td>Library<p><img src='x.jpg'/></p></td></tr></table>"
        "<table id='frame'><tr><th>Post</th></tr><tr><td><p>text</p></td></tr></table>"
        "<table id='outer'><tr><th>A</th><th>B</th></tr><tr><td><table><tr><td>x</td></tr></table></td></tr></table>"
        "</body>")
    assert unlayout_tables(tree) == 2
    assert [t.get("id") for t in tree.iter("table")] == ["schedule"]


def test_a_data_table_nested_in_a_layout_table_stays_a_table_and_the_frame_loses_its_style():
    tree = etree.fromstring(
        "<body><table id='box' style='border: 1px solid green' width='500'><tr><td><p>Spring</p>"
        "<table id='schedule'><tr><th>Time</th><th>Location</th></tr><tr><td>8:10 AM</td><td>Library</td></tr></table>"
        "<table id='menu'><tr><td>Home</td><td>News</td></tr></table></td></tr></table></body>")
    assert unlayout_tables(tree) == 1
    assert [t.get("id") for t in tree.iter("table")] == ["schedule"]
    assert [e.tag for e in tree.find(".//table").iter()] == ["table", "tr", "th", "th", "tr", "td", "td"]
    box = tree.find(".//div[@id='box']")
    assert box.get("style") is None and box.get("width") is None


def test_data_table_in_a_bordered_layout_box_comes_out_with_its_rows():
    # On a div, precision mode deletes a box drawn with a border; trafilatura keeps the same box as a table.
    rows = "".join(f"<tr><td>{h}:00 AM</td><td>Walks to the museum and reads near the fountain.</td></tr>"
                   for h in range(8, 12))
    box = ("<table style='border: 1px solid #26a026; width: 500px'><tr><th>Spring schedule</th></tr><tr><td>"
           f"<p>Monday, Thursday</p><table><tr><th>Time</th><th>Location</th></tr>{rows}</table></td></tr></table>")
    doc = extract(news_page(ARTICLE + box))
    assert "9:00 AM\tWalks to the museum and reads near the fountain." in doc.text.splitlines()


def test_line_breaks_make_a_table_layout_only_in_a_lone_cell_or_a_long_passage():
    post = "这个问题我也遇到过，后来把显卡驱动回退到旧版本就好了。" * 8
    tree = etree.fromstring(
        "<body><table id='grid'><tr><th>Vorteile</th><th>Nachteile</th></tr>"
        "<tr><td>kurze Laufzeit<br/>feste Raten</td><td>Anzahlung<br/>Schlussrate</td></tr></table>"
        "<table id='footer'><tr><td>关于我们 | 联系我们<br/>Copyright © 2005 某某网</td></tr></table>"
        f"<table id='post'><tr><td>楼主</td><td>发表于 2020-1-1<br/>{post}</td></tr></table></body>")
    assert unlayout_tables(tree) == 2
    assert [t.get("id") for t in tree.iter("table")] == ["grid"]


def test_headings_with_a_permalink_anchor_stay_without_the_mark():
    sections = "".join(
        f"<h2 id='s{i}'>{i}. {title} <a class='header-anchor' href='#s{i}'>¶</a></h2>"
        f"<p>{body} The survey asked more than five thousand developers how they work and what slows them down.</p>"
        for i, (title, body) in enumerate([
            ("Toolchains are too long", "Teams use more tools than ever before, and switching between them costs time."),
            ("Onboarding gets faster", "New developers find their way around a code base in days rather than weeks."),
            ("The cloud is everywhere", "Almost every team now runs part of its work in the cloud, most of them on more than one."),
        ], start=1))
    doc = extract(f"<html><body>{NAV}<article><h1>Three results of the survey</h1>{sections}</article>{FOOTER}</body></html>")
    lines = doc.text.splitlines()
    assert "2. Onboarding gets faster" in lines
    assert "¶" not in doc.text


def test_unlink_heading_anchors_keeps_link_text_and_leaves_other_links():
    tree = lxml.html.fromstring("<body><h2><a href='#a'>Setting up</a></h2><h3>Title <a href='#b'>#</a> end</h3>"
                            "<p><a href='#c'>jump</a></p><h2><a href='/other'>Elsewhere</a></h2></body>")
    assert unlink_heading_anchors(tree) == 2
    assert [h.xpath("string()") for h in tree.iter("h2", "h3")] == ["Setting up", "Title  end", "Elsewhere"]
    assert len(tree.findall(".//a")) == 2


def test_render_text_adds_no_list_markers_and_breaks_lines():
    body = etree.fromstring(
        "<body><head>标题</head><p>第一段<hi>粗体</hi>文字<lb/>换行后</p>"
        "<list><item>列表一</item><item>列表二</item></list><quote>引用</quote><graphic src='x'/></body>")
    assert render_text(body) == "标题\n第一段粗体文字\n换行后\n列表一\n列表二\n引用"


def test_render_text_reads_a_line_break_in_a_paragraph_as_white_space_but_keeps_those_of_code_and_quotes():
    body = etree.fromstring("<body><p>A paragraph the\nsource wraps<lb/>after a break.\n \nA blank line before.</p>"
                            "<p>中文的句子\n不加空格。\n下一段</p><code>x = 1\ny = 2</code><quote>verse one\nverse two</quote></body>")
    assert render_text(body) == ("A paragraph the source wraps\nafter a break.\nA blank line before.\n中文的句子不加空格。\n下一段\n"
                                 "x = 1\ny = 2\nverse one\nverse two")
    assert render_text(etree.fromstring("<body><p>one\ntwo</p></body>"), keep_breaks=True) == "one\ntwo"


def test_code_in_a_sentence_stays_in_its_line_and_a_block_of_code_keeps_its_own():
    body = etree.fromstring("<body><p>Call <code>print()</code> via <code>from __future__ import x</code>.</p>"
                            "<list><item>what can we <code>import</code>?</item></list>"
                            "<code>import os\nimport sys</code><p>Run <code>a\nb</code></p></body>")
    assert render_text(body) == ("Call print() via from __future__ import x.\nwhat can we import?\n"
                                 "import os\nimport sys\nRun\na\nb")
    # a word of code is set in its sentence, line breaks around it included
    assert render_text(etree.fromstring("<body><p>Run <code>\nls\n</code> now.</p></body>")) == "Run ls now."


def test_a_sentence_with_code_in_it_comes_out_as_one_line():
    page = ("<html><body><article><h1>Interning</h1><p>The lower level use of the <code>id</code> function shows how "
            "Python interns small integers.</p><p>The <code>ctypes</code> module then writes to that memory, which "
            "changes what every small integer means.</p></article></body></html>")
    assert extract(page).text.splitlines()[-2:] == [
        "The lower level use of the id function shows how Python interns small integers.",
        "The ctypes module then writes to that memory, which changes what every small integer means."]


def test_a_paragraph_the_source_wraps_comes_out_as_its_lines_on_screen_and_preformatted_text_keeps_its_lines():
    # trafilatura passes the source's line breaks on in a paragraph that holds a <br>
    wrapped = ("The Mercurial version control tool was first released in April 2005\n(the same month that Git was "
               "initially released).<br>Version 1.0 came out\nin March 2008, and the port took {}.")
    page = (f"<html><body><article><h1>Porting</h1><p>{wrapped.format('years')}</p><pre>$ hg version\nMercurial 6.1"
            f"</pre><p>{wrapped.format('a decade')}</p></article></body></html>")
    lines = extract(page).text.splitlines()
    at = lines.index("Version 1.0 came out in March 2008, and the port took years.")
    assert lines[at - 1:at + 3] == [
        "The Mercurial version control tool was first released in April 2005 (the same month that Git was initially "
        "released).", "Version 1.0 came out in March 2008, and the port took years.", "$ hg version", "Mercurial 6.1"]


@pytest.mark.parametrize("block", [
    "<blockquote><div>Bob wrote:</div><div>The ferry leaves at nine</div></blockquote>",
    "<blockquote><div><div>Bob wrote:</div><div>The ferry leaves at nine</div></div></blockquote>",
    "<blockquote><blockquote><div>Bob wrote:</div></blockquote><div>The ferry leaves at nine</div></blockquote>",
    "<ul><li><div>Bob wrote:</div><div>The ferry leaves at nine</div></li><li><div>Ann</div><div>Noon</div></li></ul>",
    "<h2><div>Bob wrote:</div><div>The ferry leaves at nine</div></h2>",
    "<pre><code><div>Bob wrote:</div><div>The ferry leaves at nine</div></code></pre>",
])
def test_texts_of_blocks_trafilatura_strips_do_not_come_out_glued(block):
    # trafilatura strips the divs of a quote, a list item or a heading from its output, gluing their texts
    paragraph = "<p>" + "The harbour office confirmed the new timetable for the winter season today. " * 3 + "</p>"
    doc = extract(f"<html><body><article><h1>Ferry timetable</h1>{paragraph}{block}{paragraph}</article></body></html>")
    assert "wrote:The" not in doc.text
    assert "The ferry leaves at nine" in doc.text.splitlines()


def test_rows_of_a_table_trafilatura_leaves_inside_a_quote_come_out_a_row_a_line():
    rows = "".join(f"<tr><td>{name}</td><td>{n}</td><td>{n / 3.8:.1f}%</td></tr>"
                   for name, n in (("Herbert", 63), ("Jürgen", 56), ("Armin", 56)))
    paragraph = "<p>" + "The project counted the changesets of its most active developers this year. " * 3 + "</p>"
    doc = extract(f"<html><body><article><h1>Activity</h1>{paragraph}<blockquote><table><tr><th>Name</th>"
                  f"<th>Changes</th><th>Share</th></tr>{rows}</table></blockquote>{paragraph}</article></body></html>")
    assert "Herbert\t63\t16.6%" in doc.text.splitlines()


def test_page_blocks_marks_every_block_and_leaves_the_tree_as_it_was():
    tree = lxml.html.fromstring("<html><body><div>a<span>b</span></div>c<p>d<br>e</p></body></html>")
    before = etree.tostring(tree)
    b = BLOCK_BREAK
    assert page_blocks(tree) == f"{b}ab{b}c{b}d{b}{b}e{b}"
    assert etree.tostring(tree) == before


def test_render_text_separates_the_cells_of_a_table_trafilatura_left_as_html():
    # trafilatura leaves a table inside a blockquote as raw th/td, with or without its rows; cells glued
    # together would turn "63" and "16.6%" into "6316.6%".
    body = etree.fromstring("<body><quote><th>Name</th><th>Changes</th><td>Herbert</td><td>63</td><td>16.6%</td>"
                            "</quote><quote><tr><td>4.2.3</td><td>April</td></tr><tr><td>4.1.6</td><td>May</td></tr>"
                            "</quote></body>")
    assert render_text(body) == "Name\tChanges\tHerbert\t63\t16.6%\n4.2.3\tApril\n4.1.6\tMay"


def test_soft_hyphens_and_zero_width_spaces_do_not_come_out_and_do_not_split_lines():
    # Hyphenation hints in a German paragraph; the line must come out whole (as the page reads it), not be
    # split at every hint as text that is not on the page.
    paragraph = ("Die Win\xadzer am Süd\xadhang ern\xadten die Trau\xadben spät im Ok\xadto\xadber, "
                 "wenn die Näch\xadte schon kühl sind und der Most\u200b langsam gärt.")
    doc = extract(f"<html><body><article><h1>Weinlese</h1><p>{paragraph}</p><p>{paragraph}</p></article></body></html>")
    assert "Winzer am Südhang ernten die Trauben spät im Oktober" in doc.text
    assert "\xad" not in doc.text and "\u200b" not in doc.text
    assert all(len(line) > 40 for line in doc.text.splitlines()[1:])


def test_lines_glued_across_a_dropped_block_are_split_where_the_page_has_them_apart():
    page = "正文第一段说到这里。 广告：点击领取红包 正文第二段接着说。\n另一行"
    text = "正文第一段说到这里。正文第二段接着说。\n另 一行\n不在页面上"
    assert lines_as_on_page(text, fold_page(page)) == "正文第一段说到这里。\n正文第二段接着说。\n另 一行"


LONG_PARAGRAPH = ("The committee met on Tuesday and agreed on the budget for next year, after a debate that ran "
                  "well into the evening.")


def test_a_paragraph_the_page_shows_twice_in_a_row_comes_out_twice():
    # trafilatura keeps one of two neighbouring paragraphs with the same text; the page shows both
    doc = extract(f"<html><body><article><div>{LONG_PARAGRAPH}</div><div>{LONG_PARAGRAPH}</div></article>"
                  "</body></html>")
    assert doc.text.splitlines() == [LONG_PARAGRAPH, LONG_PARAGRAPH]


def test_repeats_are_restored_only_from_neighbouring_blocks_and_never_beyond_the_page():
    page = fold_page(BLOCK_BREAK + f"{LONG_PARAGRAPH}{BLOCK_BREAK * 2}" * 2 + f"{LONG_PARAGRAPH}{BLOCK_BREAK}")
    assert lines_as_on_page(LONG_PARAGRAPH, page).splitlines() == [LONG_PARAGRAPH] * 3
    assert lines_as_on_page(f"{LONG_PARAGRAPH}\n{LONG_PARAGRAPH}", page).splitlines() == [LONG_PARAGRAPH] * 3
    # a breadcrumb's last item, then (after the end of the list and its container) the same words as heading
    crumb = fold_page(f"{BLOCK_BREAK}{LONG_PARAGRAPH}{BLOCK_BREAK * 4}{LONG_PARAGRAPH}{BLOCK_BREAK}")
    assert lines_as_on_page(LONG_PARAGRAPH, crumb) == LONG_PARAGRAPH
    # short lines (trafilatura keeps short repeats itself) and text running on in the same block stay as they are
    assert lines_as_on_page("Share", fold_page(f"{BLOCK_BREAK}Share{BLOCK_BREAK * 2}Share{BLOCK_BREAK}")) == "Share"
    inline = fold_page(f"{BLOCK_BREAK}{LONG_PARAGRAPH}{BLOCK_BREAK * 2}{LONG_PARAGRAPH} More.{BLOCK_BREAK}")
    assert lines_as_on_page(LONG_PARAGRAPH, inline) == LONG_PARAGRAPH


SECOND_PARAGRAPH = ("The mayor said the plan would be put to the vote next month, and that the opposition had "
                    "already asked for changes to it.")


def test_paragraphs_a_page_puts_in_a_header_come_out():
    # precision mode deletes every header; here one holds the first section of the article
    doc = extract(f"<html><body>{NAV}<main><article><header><h2>The budget</h2><p>{LONG_PARAGRAPH}</p>"
                  f"<p>{SECOND_PARAGRAPH}</p></header><h2>The vote</h2><p>{SECOND_PARAGRAPH.upper()}</p>"
                  f"</article></main>{FOOTER}</body></html>", config=KEEP)
    assert [LONG_PARAGRAPH, SECOND_PARAGRAPH] == [line for line in doc.text.splitlines()
                                                  if line in (LONG_PARAGRAPH, SECOND_PARAGRAPH)]


def test_only_headers_holding_paragraphs_of_prose_are_unwrapped():
    tree = lxml.html.fromstring(
        "<html><body><header><a href='/'>Logo</a><p>The news of the town, every day since 1901.</p>"
        f"<p>{LONG_PARAGRAPH}</p></header><article><header><h1>Title</h1><p>{LONG_PARAGRAPH}</p>"
        f"<p>{SECOND_PARAGRAPH}</p></header></article></body></html>")
    assert unwrap_prose_headers(tree) == 1
    assert [h.getparent().tag for h in tree.iter("header")] == ["body"]
    assert [p.getparent().tag for p in tree.iter("p")] == ["header", "header", "article", "article"]


_LINES_ON_PAGE = [LONG_PARAGRAPH, LONG_PARAGRAPH.upper(), "Share", "Next: the vote on the budget"]
_LINES = st.sampled_from(_LINES_ON_PAGE)


@settings(max_examples=200, deadline=None)
@given(st.lists(_LINES, max_size=8), st.lists(st.tuples(_LINES, st.integers(0, 3)), max_size=10))
def test_lines_on_the_page_are_only_repeated_and_once_is_enough(lines, blocks):
    # every line is on the page, which splits none of them
    blocks += [(line, 3) for line in _LINES_ON_PAGE]
    page = fold_page("".join(BLOCK_BREAK * gap + line + BLOCK_BREAK for line, gap in blocks))
    text = "\n".join(lines)
    restored = lines_as_on_page(text, page)
    runs = [[k for k, _ in itertools.groupby(t.split("\n"))] for t in (restored, text)]
    assert runs[0] == runs[1]
    assert lines_as_on_page(restored, page) == restored


def test_loose_text_around_a_dropped_block_does_not_come_out_glued():
    # trafilatura's precision mode drops the <section> and joins the text around it into one line
    doc = extract("<html><body>今天上午市里召开了会议。<section>广告位招租</section>会议讨论了明年的预算安排。</body></html>")
    assert doc.text.splitlines() == ["今天上午市里召开了会议。", "会议讨论了明年的预算安排。"]


def test_metadata_goes_into_meta():
    head = ('<meta name="author" content="王小明"><meta property="article:published_time" '
            'content="2021-11-25T08:00:00+08:00"><link rel="canonical" href="https://news.example.cn/a/1.html">'
            '<meta property="og:site_name" content="某某网">')
    doc = extract(news_page(head=head), url="https://news.example.cn/a/1.html?from=rss")
    assert doc.meta["title"] == "市区今日降温"
    assert doc.meta["author"] == "王小明"
    assert doc.meta["date"] == "2021-11-25"
    assert doc.meta["url"] == "https://news.example.cn/a/1.html"
    assert doc.meta["sitename"] == "某某网"


def test_article_only_in_json_ld_comes_from_the_baseline_fallback():
    body_text = "这是一篇只放在结构化数据里的新闻正文，页面上的正文由脚本在浏览器里渲染。" * 3
    head = ("<script type='application/ld+json'>"
            + json.dumps({"@type": "NewsArticle", "articleBody": body_text}, ensure_ascii=False) + "</script>")
    doc = extract(news_page(article="<div id='app'></div>", head=head))
    assert doc.text == body_text
    assert doc.meta["extractor"] == "trafilatura-baseline"


def test_five_megabyte_page_is_extracted_in_bounded_time():
    posts = "".join(f"<div class='post'><p>第{i}楼：" + "新闻正文内容，这里是一些文字。" * 40
                    + f"</p><ul><li><a href='/a{i}'>链接{i}</a></li></ul></div>\n" for i in range(2700))
    markup = f"<html><head><title>大页面</title></head><body>{posts}</body></html>"
    assert len(markup.encode("utf-8")) > 5_000_000
    start = time.perf_counter()
    doc = extract(markup)
    assert time.perf_counter() - start < 30  # about 2 s on an idle core; trafilatura alone takes as long
    assert "第2699楼：新闻正文内容" in doc.text


# --- choosing between candidates ----------------------------------------------------------------------

_MENU_TREE = lxml.html.fromstring("<html><body>" + "".join(f"<a href='/{i}'>栏目{i}</a>" for i in range(40)) + "</body></html>")
_ARTICLE_LINES = "\n".join(f"第{i}段正文，今天上午市气象台发布寒潮蓝色预警，提醒市民注意添衣保暖。" for i in range(6))


def test_default_mode_is_chosen_when_precision_kept_a_caption_and_default_contains_it():
    precise = Candidate("trafilatura-precision", "第0段正文，今天上午市气象台发布寒潮蓝色预警，提醒市民注意添衣保暖。")
    default = Candidate("trafilatura-default", _ARTICLE_LINES)
    chosen, reason = choose(precise, default, visible_chars=400, tree=_MENU_TREE)
    assert chosen is default and "contains it" in reason


def test_default_mode_is_chosen_when_it_adds_a_section_and_not_when_it_adds_a_teaser():
    precise = Candidate("trafilatura-precision", "\n".join(_ARTICLE_LINES.splitlines()[:4]))
    section = "\n".join(["第二部分", *(f"第{i}段补充，气象部门建议老人和儿童减少外出，注意防寒。" for i in range(4))])
    teaser = "另一篇：全市中小学明天起推迟半小时到校\n教育局发布通知，受寒潮影响，全市中小学明天起推迟半小时到校，家长请留意学校通知。"
    chosen, reason = choose(precise, Candidate("trafilatura-default", f"{precise.text}\n{section}"), 2000, _MENU_TREE)
    assert chosen.name == "trafilatura-default" and "contains it" in reason
    chosen, reason = choose(precise, Candidate("trafilatura-default", f"{precise.text}\n{teaser}"), 2000, _MENU_TREE)
    assert chosen is precise and "adds little" in reason


def test_a_government_notice_keeps_its_text_below_the_metadata_table():
    # Precision mode alone keeps the table (a fifth of the page's text) and drops the notice written as lines.
    meta = ("<table><tr><td>索引号：</td><td>000014349/2021-00012</td><td>主题分类：</td><td>财政、金融、审计</td></tr>"
            "<tr><td>发文机关：</td><td>国务院办公厅</td><td>成文日期：</td><td>2021年03月15日</td></tr>"
            "<tr><td>标题：</td><td colspan='3'>国务院办公厅关于进一步加强财政预算管理的通知</td></tr>"
            "<tr><td>发文字号：</td><td>国办发〔2021〕8号</td><td>发布日期：</td><td>2021年03月18日</td></tr></table>")
    notice = "<br>".join(f"第{i}条 各地区各部门要进一步加强预算管理，严格执行预算法及其实施条例，规范预算编制和执行。"
                         for i in range(1, 9))
    nav = "<div class='nav'>" + " | ".join(f"<a href='/c{i}'>栏目{i}</a>" for i in range(10)) + "</div>"
    doc = extract(f"<html><head><title>关于进一步加强财政预算管理的通知</title></head><body>{nav}<div id='zoom'>{meta}"
                  f"<div>{notice}</div></div><div class='footer'>版权所有 中国政府网</div></body></html>")
    assert "第8条 各地区各部门要进一步加强预算管理，严格执行预算法及其实施条例，规范预算编制和执行。" in doc.text.splitlines()
    assert doc.meta["extractor_reason"] == "precision mode with readability's second opinion"


def test_a_second_opinion_that_fails_leaves_the_precision_text(monkeypatch):
    # bare_extraction discards a run whose steps raise TypeError or ValueError; the comparison, run on its
    # own, must not lose the page instead.
    calls = []

    def failing(*args):
        calls.append(args)
        raise ValueError("Unicode strings with encoding declaration are not supported")
    page = news_page(article="<p>本报讯 今天上午，市气象台发布寒潮蓝色预警。</p>"
                             + "".join(f"<li><a href='/n{i}'>栏目新闻标题第{i}条</a></li>" for i in range(60)))
    monkeypatch.setattr("cleaner.stages.extract.runs.compare_extraction", failing)
    doc = extract(page)
    assert calls and doc.rejected is None
    assert doc.text == "本报讯 今天上午，市气象台发布寒潮蓝色预警。"


def test_precision_stays_when_default_adds_menu_links():
    precise = Candidate("trafilatura-precision", "第0段正文，今天上午市气象台发布寒潮蓝色预警。")
    default = Candidate("trafilatura-default", "\n".join(f"栏目{i}" for i in range(40)) + "\n" + precise.text)
    chosen, reason = choose(precise, default, visible_chars=400, tree=_MENU_TREE)
    assert chosen is precise and "links" in reason


def test_precision_stays_when_default_does_not_contain_it():
    precise = Candidate("trafilatura-precision", "另一篇文章的导语，与正文无关，但确实是这一页的内容。")
    default = Candidate("trafilatura-default", _ARTICLE_LINES)
    chosen, reason = choose(precise, default, visible_chars=400, tree=_MENU_TREE)
    assert chosen is precise and "holds only" in reason


POSTS = ["I replaced the thermostat last winter and the radiator still stays cold on the top floor. Has anyone "
         "seen this before with an old two-pipe system?",
         "Bleed the radiators from the top floor down, then check that the lockshield valve is open at least two "
         "turns. On old two-pipe systems that fixes it nine times out of ten.",
         "Thanks, the lockshield valve was nearly closed. After opening it three turns the radiator is warm within "
         "twenty minutes."]
THREAD = "".join(f'<div class="comment" id="comment-{i}"><p class="author">user{i}</p><p>{post}</p></div>'
                 for i, post in enumerate(POSTS))


def test_forum_thread_posts_are_the_content():
    ld = ('{"@context": "https://schema.org", "@type": "DiscussionForumPosting", '
          '"headline": "Cold radiator on the top floor"}')
    doc = extract(f'<html><head><title>Cold radiator</title><script type="application/ld+json">{ld}</script>'
                  f'</head><body><h1>Cold radiator on the top floor</h1><div class="comments">{THREAD}</div></body></html>')
    assert all(post in doc.text.splitlines() for post in POSTS)


def test_reader_comments_under_an_article_stay_out():
    article = "".join(f"<p>{s}</p>" for s in [
        "The city council voted on Tuesday to close the old swimming pool on Mill Street after inspectors found "
        "cracks in the main basin.",
        "Repairs would have cost more than a new building, the council said, and a replacement is planned next to "
        "the library by 2027."])
    doc = extract(f"<html><body><article><h1>Pool closes</h1>{article}</article>"
                  f"<section id='comments' class='comments'><h3>Comments</h3>{THREAD}</section></body></html>")
    assert "Repairs would have cost more than a new building" in doc.text
    assert not any(post in doc.text for post in POSTS)


@pytest.mark.parametrize("section", ["post-comment-list", "user-comments", "social-comments"])
def test_reader_comments_stay_out_whatever_their_section_is_called(section):
    # Kinds of comment section that precision mode's pruning does not know, but trafilatura's comment search does.
    posts = "".join(f'<div class="entry"><p class="who">user{i}</p><p>{post}</p></div>' for i, post in enumerate(POSTS))
    doc = extract(f"<html><body><article><h1>Pool closes</h1><p>The city council voted on Tuesday to close the "
                  f"old swimming pool on Mill Street after inspectors found cracks in the main basin.</p></article>"
                  f"<div class='{section}'><h3>Comments</h3>{posts}</div></body></html>")
    assert "old swimming pool on Mill Street" in doc.text
    assert not any(post in doc.text for post in POSTS)


def test_real_page_where_precision_drops_the_article_gets_the_default_extraction(realworld):
    page = realworld / "extraction" / "readability__engadget"
    doc = cleaner.clean_html((page / "page.html").read_bytes(), config=KEEP)
    assert doc.meta["extractor"] == "trafilatura-default", doc.meta["extractor_reason"]
    assert _load_eval().char_bag_f1(doc.text, (page / "gold.txt").read_text(encoding="utf-8")) > 0.9


def test_readability_is_asked_once_on_a_page_that_goes_to_the_default_mode(realworld, monkeypatch):
    # The opinion asks readability; the default-mode candidate runs without trafilatura's external comparisons,
    # which would ask it again after the extraction and after the recall retry (and jusText beside the retry).
    calls = []
    real = trafilatura.external.try_readability
    monkeypatch.setattr(trafilatura.external, "try_readability", lambda tree: calls.append(1) or real(tree))
    page = realworld / "extraction" / "readability__engadget"
    doc = cleaner.clean_html((page / "page.html").read_bytes(), config=KEEP)
    assert doc.meta["extractor"] == "trafilatura-default"
    assert len(calls) == 1


@pytest.mark.parametrize("comments", [False, True])
@pytest.mark.parametrize("page", ["cwced__6dc2d508-abb9-467c-bbea-1fedfcec5f9d", "readability__webmd-2",
                                  "scrapinghub__ko_0ec95c7261", "trafilatura__liquimoly-hbl.de-cheftrainer"])
def test_readability_opinion_is_what_trafilatura_non_fast_mode_makes(realworld, page, comments):
    # Pages where precision mode keeps little and readability's text replaces it: readability_opinion repeats
    # the part of trafilatura's extraction sequence that its non-fast mode adds, and must stay in step with it.
    doc = Document(raw=decode((realworld / "extraction" / page / "page.html").read_bytes(), {})[0])
    PrepareHtmlStage(Config()).process(doc)
    tree = doc.tree
    page_tree = copy.deepcopy(tree)
    options = extractor(None, favor_precision=True, include_comments=comments, fast=True)
    fast = ExtractStage._trafilatura("fast", tree, options, fold_page(page_blocks(tree)),  # the run before it
                                     PageAttributes.of(tree))
    _, text = readability_opinion(fast, tree, options)
    full = trafilatura.bare_extraction(page_tree,
                                       options=extractor(None, favor_precision=True, include_comments=comments))
    assert text == full.raw_text
    assert len(text) > 2 * len(fast.raw_text)


@pytest.mark.parametrize("comments", [False, True])
def test_the_candidates_share_the_tree_and_each_gets_what_bare_extraction_gets(comments):
    # ExtractStage._trafilatura hands the tree itself to trafilatura's extraction sequence (bare_extraction would
    # copy it first). The sequence prunes infinite-scroll containers from it in place, as every later candidate's
    # sequence does first, so the default mode after precision mode still gets the text of a fresh tree.
    story = "<p>The council voted on Tuesday to extend the night bus service to the eastern suburbs.</p>" * 6
    appended = "".join(f"<article><h2>Next story {i}</h2><p>Read the next story about the city, number {i}.</p>"
                       f"</article>" for i in range(5))
    thread = "<div class='comments'><p>A reader wrote that the buses are always late.</p></div>"
    page = (f"<html><body><h1>Night buses</h1><article>{story}</article>"
            f"<div class='infinite-scroll'>{appended}</div>{thread}</body></html>")
    tree = parse_html(page, 400)
    folded = fold_page(page_blocks(tree))
    precision = extractor(None, favor_precision=True, include_comments=comments, fast=True)
    default = extractor(None, include_comments=comments, fast=True)
    expected = [trafilatura.bare_extraction(copy.deepcopy(tree), options=options).raw_text
                for options in (precision, default)]

    attributes = PageAttributes.of(tree)
    got = [ExtractStage._trafilatura("p", tree, precision, folded, attributes).raw_text,
           ExtractStage._trafilatura("d", tree, default, folded, attributes).raw_text]

    assert got == expected and "council voted" in got[0]
    assert not tree.xpath("//div[@class='infinite-scroll']")  # pruned in place: the case the test is about


@pytest.mark.parametrize("comments", [False, True])
@pytest.mark.parametrize("page", ["scrapinghub__42aad16bde9288623543642a9ce1a396be83e2db44aa2ff8cbbfe46e14abd7cc",
                                  "trafilatura__report24.news-Drohne", "readability__engadget", "newspaper4k__cnn_002"])
def test_the_precision_run_is_what_trafilatura_sequence_makes(realworld, page, comments):
    # extraction_sequence takes the steps of trafilatura's sequence itself on a fast precision run, leaving out
    # the prunes the page's classes and ids rule out: the body, its text and the tree it prunes in place must be
    # trafilatura's. Pages with infinite-scroll containers and comment sections, and one with neither.
    doc = Document(raw=decode((realworld / "extraction" / page / "page.html").read_bytes(), {})[0])
    PrepareHtmlStage(Config()).process(doc)
    theirs = copy.deepcopy(doc.tree)
    options = extractor(None, favor_precision=True, include_comments=comments, fast=True)

    body, text = extraction_sequence(doc.tree, options, PageAttributes.of(doc.tree))
    their_body, their_text, _, _ = trafilatura_sequence(theirs, options, None)

    assert text == their_text and len(text) > 200
    assert etree.tostring(body) == etree.tostring(their_body)
    assert etree.tostring(doc.tree) == etree.tostring(theirs)


# trafilatura's prunes that PageAttributes can rule out, and the patterns their classes and ids are tested with
# (read from the expressions, so that a new one in trafilatura is tested too): values made of strings that match
# them, separators and near misses hit and nearly miss each pattern.
_PRUNES = [*RAW_TREE_PRUNE_XPATH, *REMOVE_COMMENTS_XPATH, *REMOVE_COMMENTS_AND_LISTS_XPATH, *COMMENTS_XPATH]
_PRUNE_PATTERNS = sorted({quoted for xpath in _PRUNES for quoted in re.findall(r"'([^']*)'", xpath.path)})
_PIECES = st.one_of(*(st.from_regex(p, fullmatch=True) for p in _PRUNE_PATTERNS),
                    st.sampled_from([" ", "-", "s", "ary", "X"]))
_ATTRIBUTE_VALUES = st.one_of(st.just(""), _PIECES, st.lists(_PIECES, min_size=2, max_size=3).map("".join))
_PRUNABLE = st.lists(st.tuples(st.sampled_from(["div", "section", "aside", "details", "ul", "ol", "list", "p", "h1"]),
                               _ATTRIBUTE_VALUES, _ATTRIBUTE_VALUES, st.booleans()), min_size=1, max_size=3)


@given(_PRUNABLE)
@settings(max_examples=1000, suppress_health_check=[HealthCheck.too_slow])
def test_a_prune_the_page_attributes_rule_out_selects_nothing(elements):
    # Each element is nested in the one before or follows it; an empty value stands for no attribute.
    markup = ""
    for tag, class_, id_, nested in reversed(elements):
        attributes = (f' class="{class_}"' if class_ else "") + (f' id="{id_}"' if id_ else "")
        inside = f"<p>text</p>{markup}</{tag}>" if nested else f"text</{tag}>{markup}"
        markup = f"<{tag}{attributes}>{inside}"
    tree = parse_html(f"<html><body>{markup}</body></html>", 400)
    attributes = PageAttributes.of(tree)
    possible = attributes.raw_tree_prunes()
    for xpath in RAW_TREE_PRUNE_XPATH:
        assert any(xpath is p for p in possible) or not xpath(tree)
    if not attributes.has_comment_section():
        for xpath in (*REMOVE_COMMENTS_XPATH, *REMOVE_COMMENTS_AND_LISTS_XPATH, *COMMENTS_XPATH):
            assert not xpath(tree)


def test_page_attributes_see_infinite_scroll_containers_and_comment_sections():
    tree = parse_html("<html><body><div class='main infinite-scroll'><p>a</p></div><section id='comments'><p>b</p>"
                      "</section><div class='elementor-share-buttons'>c</div></body></html>", 400)
    attributes = PageAttributes.of(tree)
    assert attributes.raw_tree_prunes() == RAW_TREE_PRUNE_XPATH and attributes.has_comment_section()
    plain = PageAttributes.of(parse_html("<html><body><div class='commentary' id='social-links'>a</div></body></html>",
                                         400))
    assert plain.raw_tree_prunes() == [] and plain.has_comment_section()  # "omment", and ids from "social": widely
    assert not PageAttributes.of(parse_html("<html><body><div class='social'>a</div></body></html>", 400)
                                 ).has_comment_section()


def test_max_doc_chars_is_checked_against_the_extracted_text_not_the_markup():
    config = Config(max_doc_chars=2_000, script="keep")
    big_markup = news_page(head="<script>" + "var a = 1;" * 1_000 + "</script>")  # 10,000 characters of script
    doc = cleaner.clean_html(big_markup.encode("utf-8"), config=config)
    assert doc.rejected is None and "寒潮蓝色预警" in doc.text
    long_text = news_page(article="<p>本报讯 今天上午，市气象台发布寒潮蓝色预警，预计未来两天气温下降。</p>" * 100)
    doc = cleaner.clean_html(long_text.encode("utf-8"), config=config)
    assert doc.rejected == errors.TOO_LARGE and "max_doc_chars" in doc.reject_detail


def test_page_without_any_text_extracts_nothing():
    doc = extract("<html><body><div><img src='a.png'></div></body></html>")
    assert doc.text == ""


# --- whole pipeline ----------------------------------------------------------------------------------

def test_clean_html_on_page_bytes_in_a_legacy_encoding():
    data = news_page().replace("<head>", "<head><meta charset='gb18030'>").encode("gb18030")
    doc = cleaner.clean_html(data, config=KEEP)
    assert doc.rejected is None
    assert "市气象台发布寒潮蓝色预警" in doc.text
    assert doc.meta["title"] == "市区今日降温"


def _load_eval():
    spec = importlib.util.spec_from_file_location("eval_extraction", ROOT / "benchmarks" / "eval_extraction.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_cwced_mean_f1_of_clean_html_beats_trafilatura_alone_and_reaches_092(realworld):
    evaluation = _load_eval()
    scores = evaluation.evaluate(realworld, only="cwced")
    assert len(scores) == 23
    ours = evaluation.mean([s.f1_cleaner for s in scores])
    theirs = evaluation.mean([s.f1_trafilatura for s in scores])
    assert ours >= theirs
    assert ours >= 0.92


def test_every_output_line_of_the_real_pages_is_on_the_page(realworld):
    """The property below, on the real pages: checked against lxml.html's own reading of each page."""
    parser = lxml.html.HTMLParser(encoding="utf-8")
    for path in sorted((realworld / "extraction").glob("*/page.html")):
        data = path.read_bytes()
        markup, _ = cleaner.decode(data)
        tree = lxml.html.document_fromstring(markup.encode("utf-8", "replace"), parser=parser)
        etree.strip_elements(tree, "rt", "rp", with_tail=False)  # ruby annotations: pinyin, furigana
        for hidden in tree.xpath("//*[contains(translate(@style, ' ', ''), 'display:none')]"):
            if not revealed_prose(hidden):  # prose a script shows is page text
                hidden.drop_tree()  # an inline note a reader never sees ("As at 2017[update], ...")
        page_text = _fold("".join(tree.itertext()))
        doc = cleaner.clean_html(data, config=KEEP)
        for line in doc.text.splitlines():
            assert _fold(line) in page_text, (path.parent.name, line)


# --- properties ----------------------------------------------------------------------------------------

_CHARS = "新闻正文内容今天天气很好我们去公园散步，。！0123456789qvQV &<>\"'"
_TEXT = st.text(alphabet=_CHARS, min_size=1, max_size=30)
# Containers that may hold blocks, blocks that may hold only phrasing content (the parser closes a
# <p> at the next block, as browsers do), and inline elements.
_CONTAINER_TAGS = ("div", "section", "blockquote", "article")
_PARAGRAPH_TAGS = ("p", "h2")
_INLINE_TAGS = ("span", "b", "em", "font", "strong")
_HIDING = ('style="display:none"', 'style="font-size:0px"', 'style="visibility: hidden"', "hidden",
           'class="jammer"', 'style="position:absolute;left:-9999px"')


def _fragment(draw, depth: int, inline: bool = False) -> tuple[str, str]:
    """Random well-nested markup and the text a reader sees in it."""
    kind = draw(st.sampled_from(("text", "text", "br", "element", "hidden"))) if depth else "text"
    if kind == "text":
        text = draw(_TEXT)
        return html.escape(text), text
    if kind == "br":
        return "<br>", ""
    tag = draw(st.sampled_from(_INLINE_TAGS if inline else _CONTAINER_TAGS + _PARAGRAPH_TAGS + _INLINE_TAGS))
    inline_inside = inline or tag not in _CONTAINER_TAGS
    children = [_fragment(draw, depth - 1, inline_inside) for _ in range(draw(st.integers(1, 4)))]
    inner = "".join(markup for markup, _ in children)
    if kind == "hidden":
        return f"<{tag} {draw(st.sampled_from(_HIDING))}>{inner}</{tag}>", ""
    return f"<{tag}>{inner}</{tag}>", "".join(text for _, text in children)


@st.composite
def pages(draw):
    parts = [_fragment(draw, 3) for _ in range(draw(st.integers(1, 8)))]
    markup = "<html><head><meta charset='utf-8'></head><body>" + "".join(m for m, _ in parts) + "</body></html>"
    return markup, "".join(text for _, text in parts)


def _fold(text: str) -> str:
    """White space, the characters line cleaning drops as never text and the hints extraction drops as
    never drawn (a byte-order mark, soft hyphens) left out."""
    text = NOT_TEXT.sub("", unicodedata.normalize("NFC", text)).translate({ord(c): None for c in INVISIBLE_HINTS})
    return "".join(text.split())


def _pieces_in_order(line: str, page: str) -> bool:
    """Whether ``line`` is pieces of ``page`` one after another in the page's order (each the longest that fits)."""
    at = 0
    while line:
        size = next((n for n in range(len(line), 0, -1) if page.find(line[:n], at) >= 0), 0)
        if not size:
            return False
        at = page.find(line[:size], at) + size
        line = line[size:]
    return True


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pages())
def test_every_output_line_is_visible_text_of_the_page(page):
    markup, visible = page
    doc = cleaner.clean_html(markup.encode("utf-8"), config=KEEP)
    assert doc.rejected in (None, errors.EMPTY)
    # The spam rule joins the halves of a sentence an injected line broke (0，/ Q / ，0 → 0，0): a line is then
    # pieces of the page in its order, with what was cut out between them.
    repaired = any(rule == "spam:injected" for rule, _ in doc.removed)
    for line in doc.text.splitlines():
        if repaired:
            assert _pieces_in_order(_fold(line), _fold(visible))
        else:
            assert _fold(line) in _fold(visible)


_SOUP = st.lists(st.one_of(
    st.sampled_from(["<div>", "</div>", "<p style='display:none'>", "<table>", "<tr>", "<td>", "</td>", "<br>",
                     "&amp;", "&#0;", "&#xD800;", "<!--", "-->", "<script>", "</script>", "<![CDATA[", "]]>",
                     "<?xml version='1.0' encoding='gbk'?>", "<ruby>", "<rt>", "<html>", "<body>", "<text a=1>",
                     "<font class=jammer>", "<span style='font-size:0;color:#fff'>", "<meta charset=big5>"]),
    st.text(max_size=20),
), max_size=40).map("".join)


_MARKUP = st.one_of(pages().map(lambda page: page[0]), _SOUP)


def _parsed(markup: str) -> etree._Element | None:
    """The tree of ``markup`` as the pipeline parses it, None where the parser rejects it."""
    assume(markup.strip() and looks_like_markup(markup))
    try:
        return parse_html(markup, Config().max_depth)
    except errors.Rejected:
        return None


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_MARKUP)
def test_page_blocks_is_the_text_of_the_page_with_breaks_only_added(markup):
    if (tree := _parsed(markup)) is not None:
        assert page_blocks(tree).replace(BLOCK_BREAK, "") == text_of(tree)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_MARKUP)
def test_wrapping_loose_runs_keeps_the_text_and_is_done_once(markup):
    if (tree := _parsed(markup)) is not None:
        text = text_of(tree)
        wrap_loose_runs(tree)
        assert text_of(tree) == text
        assert wrap_loose_runs(tree) == 0


_REAL_PAGE = ROOT.parent / "shared" / "realworld" / "extraction" / "readability__heise" / "page.html"
_NOT_TEXT = st.one_of(st.characters(categories=["Cc", "Cf", "Cs", "Co"]), st.sampled_from("\ufffe\uffff\x0b"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_control_character_anywhere_in_the_text_of_a_real_page_never_rejects_it(data):
    """Anywhere between tags. Inside a tag a character changes the markup itself, as it would for a browser:
    in ``</title>`` it leaves the title open, and the rest of the page becomes its text."""
    if not _REAL_PAGE.is_file():
        pytest.skip("third-party material not found")
    markup = _REAL_PAGE.read_bytes().decode("utf-8")
    breaks = [i + len("<br>") for i in range(len(markup)) if markup.startswith("<br", i)]
    in_tags = {i for tag in re.finditer(r"<[^>]*>", markup) for i in range(tag.start() + 1, tag.end())}
    at = data.draw(st.one_of(st.sampled_from(breaks), st.integers(0, len(markup)).filter(lambda i: i not in in_tags)))
    page = markup[:at] + data.draw(_NOT_TEXT) + markup[at:]
    doc = cleaner.clean_html(page.encode("utf-8", "surrogatepass"), config=KEEP)
    assert doc.rejected is None, doc.reject_detail
    assert "Einmal-Passw" in doc.text


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.binary(max_size=2000), _SOUP.map(lambda s: s.encode("utf-8", "surrogatepass"))))
def test_clean_html_never_fails_on_arbitrary_bytes(data):
    doc = cleaner.clean_html(data, config=KEEP)
    assert doc.rejected != errors.INTERNAL_ERROR, doc.reject_detail
    assert isinstance(doc.text, str)
    assert doc.rejected is None or doc.text == ""
