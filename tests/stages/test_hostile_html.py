"""clean_html on hostile pages: attribute floods, decoration runs and control characters (issue 17).

The library call has no time limit of its own, so every stage must stay linear: a tag with 100,000
attributes took minutes in libxml2 (which compares each attribute with all the earlier ones) and in the
extractor, before ``cap_attributes`` cut such tags down. The fuzz properties run on the smallest shared
cwced pages with a fixed example budget.
"""
import re
import time
from functools import cache

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cleaner import clean_html
from cleaner.document import Document
from cleaner.stages.decode import decode
from cleaner.stages.prepare_html import MAX_ATTRIBUTES, cap_attributes
from linearity import PAGES, growth, page

ARTICLE = "<p>这是一篇真正的文章，内容丰富，句子完整。</p><p>第二段也是正文，读者需要它。</p>"


def flood(n: int, template: str = 'a{i}="v{i}"') -> str:
    return " ".join(template.format(i=i) for i in range(n))


def attribute_count(tag: str) -> int:
    return len(re.findall(r"\sa\d+=", tag))


# --- cap_attributes --------------------------------------------------------------------------------

def test_a_tag_with_100k_attributes_is_cleaned_in_seconds():
    markup = f"<html><body><article><div {flood(100_000)}>{ARTICLE}</div></article></body></html>"
    clean_html(page("warm up"))  # the extractor's and OpenCC's data load on the first call
    start = time.process_time()
    doc = clean_html(markup)
    assert time.process_time() - start < 10
    assert not doc.rejected
    assert "这是一篇真正的文章" in doc.text and "第二段也是正文" in doc.text


def test_only_the_attributes_past_the_limit_go():
    markup = f'<p><div {flood(MAX_ATTRIBUTES + 500)} />text</div><b {flood(3)}>bold</b>'
    capped = cap_attributes(markup)
    div = capped[capped.index("<div"):capped.index("text")]
    assert attribute_count(div) == MAX_ATTRIBUTES
    assert f' a{MAX_ATTRIBUTES - 1}="v{MAX_ATTRIBUTES - 1}"' in div and f"a{MAX_ATTRIBUTES}=" not in div
    assert capped.endswith(f'>text</div><b {flood(3)}>bold</b>')


@pytest.mark.parametrize("template", [
    'a{i}=">"',            # a quoted > does not end the tag
    "a{i}='<b c d>'",      # nor a quoted tag
    'a{i}=""',             # values right after each other: "a="" b="""
    "a{i}",                # bare names
    "a{i}=x/",             # unquoted values and slashes
])
def test_every_way_of_writing_attributes_is_counted(template):
    separator = "" if template.endswith('""') else " "
    attributes = separator.join(template.format(i=i) for i in range(MAX_ATTRIBUTES + 100))
    capped = cap_attributes(f"<div {attributes}>text</div>")
    assert capped.endswith(">text</div>")
    assert len(capped) < len(attributes)


def test_script_and_style_content_is_left_alone():
    script = "<script>if (a<b " + " ".join(f"x{i}" for i in range(2 * MAX_ATTRIBUTES)) + ") {}</script>"
    style = "<STYLE>a<b " + " x" * (2 * MAX_ATTRIBUTES) + "</style>"
    markup = f"<html><head>{script}{style}</head><body>{ARTICLE}</body></html>"
    assert cap_attributes(markup) is markup


def test_shared_pages_are_unchanged(realworld):
    pages = sorted((realworld / "extraction").glob("*/page.html"))
    assert len(pages) > 300
    for path in pages:
        text, _ = decode(path.read_bytes())
        assert cap_attributes(text) is text, path.parent.name


@pytest.mark.parametrize("make", [
    lambda n: "<a" * (n // 2),                          # tag names that swallow the next tag
    lambda n: "<x y=" + "<a" * (n // 2),                # an unquoted value of tag starts
    lambda n: '<a x="' + "y" * n,                       # a quoted value left open
    lambda n: "<script>" * (n // 8),                    # scripts never closed
    lambda n: ("<p " + "<a " * (MAX_ATTRIBUTES - 1) + ">") * (n // (3 * MAX_ATTRIBUTES)),
    lambda n: ("<p " + "a " * (MAX_ATTRIBUTES + 1) + ">") * (n // (2 * MAX_ATTRIBUTES)),
], ids=["tag names", "unquoted", "open quote", "scripts", "just under the limit", "just over"])
def test_cap_attributes_is_linear(make):
    _, _, ratio = growth(cap_attributes, make, 200_000, repeat=2)
    assert ratio < 10


@pytest.mark.parametrize("run", ["x" + "-" * 128_000 + "y", "•" * 128_000, "【】-=_|" * 20_000])
def test_a_decoration_run_keeps_the_article(run):
    clean_html(page("warm up"))
    start = time.process_time()
    doc = clean_html(f"<html><body><article>{ARTICLE}<p>{run}</p></article></body></html>")
    assert time.process_time() - start < 10
    assert "这是一篇真正的文章" in doc.text and "第二段也是正文" in doc.text


@pytest.mark.parametrize("name", ["attribute flood", "attributes with quoted >", "decoration paragraph"])
def test_clean_html_is_linear_on_floods(name):
    _, _, ratio = growth(clean_html, PAGES[name], 20_000, repeat=2)
    assert ratio < 10


# --- fuzzing clean_html ----------------------------------------------------------------------------

@cache
def real_pages() -> list[str]:
    """The six smallest shared cwced pages, decoded, each one that clean_html keeps."""
    from conftest import REALWORLD  # the fixture cannot feed a strategy

    paths = sorted((REALWORLD / "extraction").glob("cwced*/page.html"), key=lambda p: p.stat().st_size)
    pages = [decode(p.read_bytes())[0] for p in paths[:6]]
    return [p for p in pages if not clean_html(p).rejected]


def _insert(markup: str, fraction: float, piece: str, after: str = ">") -> str:
    """``piece`` put in right after the ``after`` nearest ``fraction`` of the way into ``markup``."""
    at = markup.find(after, int(fraction * len(markup)))
    at = len(markup) if at < 0 else at + len(after)
    return markup[:at] + piece + markup[at:]


HOSTILE_PIECES = st.one_of(
    st.builds(lambda n: " " + flood(n) + " ", st.integers(MAX_ATTRIBUTES - 2, 20_000)).map(lambda p: ("tag", p)),
    st.builds(lambda c, n: c * n, st.sampled_from(["-", "•", "【】", "=_|", "- ", "…"]),
              st.integers(1, 50_000)).map(lambda p: ("text", p)),
)


@pytest.fixture(scope="module")
def pages(realworld):
    found = real_pages()
    assert len(found) >= 4
    return found


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, 5), st.floats(0, 1), HOSTILE_PIECES)
def test_floods_and_decoration_runs_never_reject_a_page(pages, which, fraction, piece):
    markup = pages[which % len(pages)]
    kind, text = piece
    # An attribute flood goes into a start tag, a decoration run between two tags.
    hostile = _insert(markup, fraction, text, after="<div") if kind == "tag" else _insert(markup, fraction, text)
    doc = clean_html(hostile)
    assert isinstance(doc, Document)
    assert not doc.rejected, (doc.rejected, doc.reject_detail)


CONTROLS = [chr(c) for c in (*range(0, 9), 11, 12, *range(14, 32), 127)]


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, 5), st.floats(0, 1), st.sampled_from(CONTROLS), st.sampled_from(["", "<br", ">", "</"]))
@example(which=5, fraction=0.0, control="\x0b", place="<br")  # the case of issue 17
def test_a_control_character_anywhere_never_rejects_a_page(pages, which, fraction, control, place):
    markup = pages[which % len(pages)]
    at = markup.find(place, int(fraction * len(markup)))  # anywhere, or right after a tag or a line break
    at = markup.find(">", at) + 1 if place == "<br" and at >= 0 else at
    at = len(markup) if at < 0 else at
    doc = clean_html(markup[:at] + control + markup[at:])
    assert not doc.rejected, (doc.rejected, doc.reject_detail)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(list("<>/=\"' -•abp\x00\x0b\x1f\u3000中") + ["<p>", "<br>", "<div "]),
                max_size=300).map("".join))
def test_clean_html_never_raises(markup):
    doc = clean_html(markup)
    assert isinstance(doc, Document)
    assert doc.rejected or doc.text
