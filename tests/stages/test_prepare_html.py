"""PrepareHtmlStage: parsing limits and the rules for text a reader never sees."""
import time

import pytest

from cleaner import errors
from cleaner.config import Config
from cleaner.document import Document
from cleaner.errors import Rejected
from cleaner.stages.prepare_html import PrepareHtmlStage, hidden_by_style, looks_like_markup


def prepare(markup: str, config: Config | None = None) -> Document:
    doc = Document(raw=markup)
    PrepareHtmlStage(config or Config()).process(doc)
    return doc


def body_text(doc: Document) -> str:
    return "".join(doc.tree.find("body").itertext())


def page(body: str) -> str:
    return f"<html><head><title>标题</title></head><body>{body}</body></html>"


def rejected(markup: str, config: Config | None = None) -> str:
    with pytest.raises(Rejected) as info:
        prepare(markup, config)
    return info.value.reason


# --- one positive and at least one negative per hiding rule ----------------------------------------

@pytest.mark.parametrize("style, rule", [
    ("display:none", "hidden:display-none"),
    ("DISPLAY: None !important", "hidden:display-none"),
    ("visibility:hidden", "hidden:visibility-hidden"),
    ("font-size:0px", "hidden:font-size-0"),
    ("font-size: 0; line-height: 0", "hidden:font-size-0"),
    ("position:absolute; left:-9999px; top:0", "hidden:off-screen"),
    ("text-indent:-999em", "hidden:off-screen"),
    ("margin-top:-100rem", "hidden:off-screen"),
    ("text-indent:-9999px", "hidden:off-screen"),
    ("width:1px;height:1px;overflow:hidden", "hidden:zero-size"),
])
def test_hiding_style_drops_the_snippet_inside_a_sentence(style, rule):
    doc = prepare(page(f'<p>农产品<span style="{style}">百家乐</span>包装设计</p>'))
    assert body_text(doc) == "农产品包装设计"  # the span's tail stays
    assert doc.removed == [(rule, "百家乐")]


@pytest.mark.parametrize("style", [
    "display:block", "display: inline-block", "visibility:visible", "font-size:14px", "font-size:0.8em",
    "margin-left:-10px", "margin-left:-2em", "left:20px; position:relative",
    "overflow:hidden; width:300px; height:120px",
    "color:#333", "background:#fff",
])
def test_visible_styles_are_kept(style):
    doc = prepare(page(f'<p>农产品<span style="{style}">包装</span>设计</p>'))
    assert body_text(doc) == "农产品包装设计"
    assert doc.removed == []


def test_hidden_attribute_drops_but_hidden_in_a_class_name_does_not():
    doc = prepare(page('<div class="overflow-hidden">可见的正文</div><div hidden>隐藏的广告</div>'
                       '<span aria-hidden="true">图标说明</span>'))
    assert body_text(doc) == "可见的正文图标说明"
    assert doc.removed == [("hidden:attribute", "隐藏的广告")]


def test_discuz_jammer_font_is_dropped_by_class_token():
    doc = prepare(page('<td class="t_f">看了这个帖子<font class="jammer">百家乐8x2k</font>很有收获'
                       '<span class="nojammer antijammer">保留</span></td>'))
    assert body_text(doc) == "看了这个帖子很有收获保留"
    assert doc.removed == [("hidden:jammer", "百家乐8x2k")]


@pytest.mark.parametrize("snippet", [
    '<font color="#FFFFFF">澳门赌场</font>',
    '<font color="white">澳门赌场</font>',
    '<span style="color: #fff">澳门赌场</span>',
    '<a href="/x" style="COLOR: rgb(255, 255, 255)">澳门赌场</a>',
])
def test_white_snippet_in_running_text_is_dropped(snippet):
    doc = prepare(page(f"<p>今天天气很好{snippet}我们去公园散步。</p>"))
    assert body_text(doc) == "今天天气很好我们去公园散步。"
    assert doc.removed == [("hidden:white-text", "澳门赌场")]


@pytest.mark.parametrize("markup", [
    # white on a dark inline background
    '<p>标签：<span style="background-color:#c00;color:#fff">热点</span>新闻</p>',
    # white inside a dark table cell or box
    '<table><tr><td bgcolor="#003366"><font color="#ffffff">栏目导航</font></td></tr></table>',
    '<div style="background: #222"><p>说明：<span style="color:white">深色背景上的白字</span></p></div>',
    # white links standing alone in a navigation bar a stylesheet colours
    '<div class="top_nav"><a href="/a" style="color:#fff">点击财富</a> | <a href="/b" style="color:#fff">专利信息</a></div>',
    # a white block, not an inline snippet: its background comes from a stylesheet
    '<p style="color:#fff">深色主题页面上的一段正文</p>',
    # a long white passage: real text on a page whose dark background the parser cannot see
    '<p><font color="white">神特别希望并喜悦他的儿女能够照他的旨意生活。所以，神必定用他的话语光照我们。</font></p>',
])
def test_white_text_that_is_visible_is_kept(markup):
    doc = prepare(page(markup))
    assert doc.removed == []


def test_ruby_annotation_is_dropped_and_base_text_kept():
    doc = prepare(page("<p><ruby>醫<rp>(</rp><rt>yī</rt><rp>)</rp></ruby>生說</p>"))
    assert body_text(doc) == "醫生說"
    assert [rule for rule, _ in doc.removed] == ["hidden:ruby-annotation"] * 3


# A slideshow item that the page's script shows: three sentences of prose, no links, no form controls.
SLIDE = ("<h3>7. A lamp shaped like a lighthouse</h3><p>This little lamp turns a dark hallway into a harbour at "
         "night. Its beam sweeps slowly round the walls, and the light can be dimmed when the children are "
         "asleep. We liked it so much that we bought a second one for the garden shed, where it runs on a "
         "small solar panel all through the summer months.</p><p>It comes in three colours and costs less "
         "than a dinner for two, which makes it one of the cheapest presents on this list. Batteries are not included, so remember to "
         "buy a pack of four when you order it.</p>")


# The same slide in Hindi, whose sentences end with a danda (।), not a full stop.
SLIDE_HI = ("<p>यह छोटा दीपक अँधेरे गलियारे को रात में रोशनी से भर देता है। इसकी किरण धीरे-धीरे दीवारों पर घूमती है "
            "और बच्चों के सोने पर इसकी रोशनी कम की जा सकती है। इसकी रोशनी गर्म और पीली है, इसलिए यह आँखों को चुभती "
            "नहीं है। हमें यह इतना पसंद आया कि हमने बगीचे के शेड के लिए दूसरा भी खरीद लिया, जहाँ यह पूरी गर्मी छोटे "
            "सौर पैनल से चलता है।</p><p>यह तीन रंगों में आता है और दो लोगों के रात के खाने से भी कम दाम का है, इसलिए "
            "यह इस सूची के सबसे सस्ते उपहारों में से एक है। बैटरियाँ साथ नहीं आतीं, इसलिए ऑर्डर करते समय चार का एक "
            "पैक भी ज़रूर खरीदें।</p>")


@pytest.mark.parametrize("hiding", ['style="display:none"', "hidden", 'style="visibility:hidden"'])
def test_prose_a_script_reveals_stays(hiding):
    doc = prepare(page(f"<p>Thirty gifts for people who have everything.</p><div {hiding}>{SLIDE}</div>"))
    assert "Its beam sweeps slowly round the walls" in body_text(doc)
    assert doc.removed == []


def test_prose_a_script_reveals_stays_in_a_script_with_its_own_full_stop():
    doc = prepare(page(f"<p>हर किसी के लिए तीस उपहार।</p><div style='display:none'>{SLIDE_HI}</div>"))
    assert "इसकी किरण धीरे-धीरे दीवारों पर घूमती है" in body_text(doc)
    assert doc.removed == []


@pytest.mark.parametrize("block", [
    # a link list (hidden spam or a menu), however long
    "".join(f"<a href='/p{i}'>Cheap watches and replica bags online, free shipping. Order now! </a>" for i in range(12)),
    # a consent or newsletter dialog: prose with form controls
    f"{SLIDE}<form><input type='email'><button>Subscribe</button></form>",
    # keyword runs without sentences
    " ".join(["casino slots jackpot poker roulette bonus"] * 20),
    # too short to be an article part
    "<p>Thanks for signing up. Check your inbox.</p>",
])
def test_hidden_links_dialogs_keyword_runs_and_short_notes_still_go(block):
    doc = prepare(page(f"<p>Thirty gifts for people who have everything.</p><div style='display:none'>{block}</div>"))
    assert [rule for rule, _ in doc.removed] == ["hidden:display-none"]


def test_prose_hidden_by_a_trick_goes_however_long():
    for style in ("font-size:0", "position:absolute;left:-9999px"):
        doc = prepare(page(f"<p>正文。</p><div style='{style}'>{SLIDE}</div>"))
        assert "Its beam" not in body_text(doc)


def test_removal_record_leaves_out_script_code():
    doc = prepare(page('<div style="display:none">关注我们<script>var x = "<b>1</b>";</script></div>正文'))
    assert doc.removed == [("hidden:display-none", "关注我们")]


def test_nested_hidden_elements_are_recorded_once():
    doc = prepare(page('<div style="display:none">外层<span style="font-size:0">内层</span></div>正文'))
    assert body_text(doc) == "正文"
    assert doc.removed == [("hidden:display-none", "外层内层")]


def test_tail_of_a_removed_element_stays_in_place():
    doc = prepare(page('<p>甲<b hidden>乙</b>丙<i style="display:none">丁</i>戊</p>'))
    assert body_text(doc) == "甲丙戊"


def test_hidden_by_style_ignores_malformed_declarations():
    assert hidden_by_style("display", "span") is None
    assert hidden_by_style(";;:;", "span") is None
    assert hidden_by_style("font-size:abc", "span") is None
    assert hidden_by_style("left:-auto", "div") is None


# --- parsing and limits ---------------------------------------------------------------------------

def test_wrapper_before_html_still_gives_a_full_document():
    # crawl dumps prepend their own element (cwced wraps pages in <text ...>); trafilatura's own loader
    # rejects such a page, the tree parsed here is a normal <html> document
    doc = prepare('<text id="http://x.cn/1" encoding="gb2312"><html><body><p>正文</p></body></html></text>')
    assert doc.tree.tag == "html"
    assert body_text(doc) == "正文"


def test_deep_but_allowed_nesting_keeps_text_past_libxml2_default_limit():
    depth = 300  # libxml2 silently drops everything below depth 256 unless told otherwise
    doc = prepare(page("<div>" * depth + "深处的正文" + "</div>" * depth))
    assert "深处的正文" in body_text(doc)


def test_nesting_beyond_max_depth_is_rejected():
    assert rejected(page("<div>" * 120 + "x" + "</div>" * 120), Config(max_depth=100)) == errors.TOO_DEEP


@pytest.mark.parametrize("max_depth", [2047, 2048, 5000, 100_000])
def test_a_max_depth_beyond_the_parsers_own_limit_parses_pages_and_rejects_deeper_ones(max_depth):
    assert body_text(prepare(page("<div>" * 300 + "深处的正文" + "</div>" * 300), Config(max_depth=max_depth))) == "深处的正文"
    assert rejected(page("<div>" * 2100 + "x" + "</div>" * 2100), Config(max_depth=max_depth)) == errors.TOO_DEEP


def test_ten_thousand_nested_elements_are_rejected_in_bounded_time():
    markup = page("<div><span>" * 5000 + "x" + "</span></div>" * 5000)
    start = time.perf_counter()
    assert rejected(markup) == errors.TOO_DEEP
    assert time.perf_counter() - start < 2.0


def test_markup_over_max_doc_chars_is_not_rejected_here():
    """max_doc_chars bounds the text; the markup around it is bounded by max_page_bytes (checked earlier)."""
    markup = page("<script>var x = 1;</script>" * 2000 + "<p>正文。</p>")
    assert len(markup) > 50_000
    doc = prepare(markup, Config(max_doc_chars=1_000))
    assert "正文" in body_text(doc)


@pytest.mark.parametrize("char", ["\x0b", "\x0c", "\x00", "\x1f", "\ufffe", "\uffff"])
def test_characters_xml_forbids_are_read_as_white_space(char):
    doc = prepare(page(f"<p>甲<br>{char}乙</p>"))
    assert body_text(doc) == "甲 乙"


@pytest.mark.parametrize("data", [
    "just a line of plain text, no markup at all",
    "价格 < 100 元，质量 > 标准",
    "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00\x5c\x72\xa8" * 40,
])
def test_non_markup_is_rejected_as_not_html(data):
    assert not looks_like_markup(data)
    assert rejected(data) == errors.NOT_HTML


def test_fragment_without_html_element_is_markup():
    assert looks_like_markup("<p>一段</p>")
    assert body_text(prepare("<p>一段</p>")) == "一段"


def test_empty_page_is_rejected_as_empty():
    assert rejected("   \n ") == errors.EMPTY
