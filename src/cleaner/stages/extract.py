"""Stage 2b: main text and metadata out of the prepared tree, with trafilatura.

Extraction takes the best of its candidates on each page, chosen by :func:`choose` on evidence any page
has (how much of the page's visible text a candidate keeps, whether one contains the other, how much of
it is link text); the choice and its reason go in ``doc.meta["extractor"]`` and
``doc.meta["extractor_reason"]``:

1. trafilatura in precision mode, always: in its default mode a short article page comes out with the
   navigation, "related" lists and forum footers around it, and on the cwced pages precision scores
   higher. It runs without its readability comparison (trafilatura's "fast"), and only when it kept a
   small share of the page's visible text is its result compared with readability's, as trafilatura's
   non-fast mode does after extracting (:func:`readability_opinion`). trafilatura's comments are on
   where the page has a comment section: trafilatura then lifts reader comments out of the body into a
   part that is not used, and on a forum thread (schema.org ``DiscussionForumPosting``) makes the posts
   the body; off, precision mode prunes fewer kinds of comment section and leaves the others in the
   text. On a page without one the setting changes nothing, and it is off there: the comment search is
   a fifth of a precision run.
2. trafilatura in its default mode (its own recall and baseline rescues), only when
   precision kept a small share of the page even with readability's opinion: precision mode now and then
   drops a whole article and keeps a date line or a caption. It runs without the external comparisons too
   (fast): readability has given its opinion on this page already, and the default mode would ask it twice
   more (after its extraction and after its recall retry), with jusText beside the retry. On the shared
   pages that gives the same text at a third of the cost.
3. trafilatura's baseline, only when both give almost nothing: it also reads the article body that
   some pages carry only in JSON-LD.

Tables used for layout (old portals and forums put the whole page in nested tables) are turned into
plain blocks first, so that trafilatura can separate the post from the frame around it and the text
comes out as paragraphs instead of ``| a | b |`` rows. A heading's permalink anchor (a link to the
heading itself) is unwrapped too: with it precision mode reads the heading as a link and drops it. So is an
empty inline element with text after it, which precision mode deletes together with that text, and a span
in the middle of a sentence, which it may delete by its class. Loose text among paragraphs (a paragraph
after a figure, outside any element) is wrapped in a paragraph, which precision mode would otherwise drop.
So is a header holding paragraphs of prose, which precision mode deletes as it deletes every header. After
extraction, a paragraph the page shows twice in a row comes out twice (:func:`lines_as_on_page`).
"""
from __future__ import annotations

import re
import unicodedata
from copy import copy
from dataclasses import dataclass, field
from functools import cache, cached_property

import trafilatura
from htmldate import find_date
from lxml import etree
from trafilatura import metadata as trafilatura_metadata
from trafilatura.core import _forum_thread_page, trafilatura_sequence
from trafilatura.external import compare_extraction
from trafilatura.htmlprocessing import convert_tags, prune_unwanted_nodes, tree_cleaning
from trafilatura.main_extractor import extract_comments, extract_content
from trafilatura.settings import MIN_DUPLICATE_LENGTH, Extractor, set_date_params
from trafilatura.xpaths import RAW_TREE_PRUNE_XPATH, REMOVE_COMMENTS_AND_LISTS_XPATH, REMOVE_COMMENTS_XPATH

from ..document import Document
from ..text.chars import (C0_CONTROLS, CERTAIN_SENTENCE_END, INVISIBLE_HINTS, SENTENCE_CLOSERS, SENTENCE_ENDS, WIDE,
                          visible_chars, without_space)
from .base import Stage
from .limits import check_size
from .prepare_html import INLINE_TAGS, has_words, text_before, text_of

# A table is layout, not data, when it holds another table or a header cell holds blocks, or, unless a row
# of column headers labels it as data (a schedule whose cells hold a picture, a statistics table), when a
# cell holds blocks, or line breaks in a cell alone in its row or in a passage longer than a data cell's (a
# post or a footer in a frame; a price list or a pros-and-cons grid breaks its short cells too).
MIN_BROKEN_CELL_CHARS = 200
_HEADER_ROW = "tr[th[2] and not(td) and not(th[p or div or br])]"
_LAYOUT_TABLES = etree.XPath(
    f"//table[.//table or .//th[p or div or br] or not({_HEADER_ROW} or */{_HEADER_ROW}) and ("
    ".//td[p or div or ul or ol or dl or blockquote or form or pre or h1 or h2 or h3 or h4 or h5 or h6]"
    " or .//td[br and (not(preceding-sibling::td or following-sibling::td)"
    f" or string-length(normalize-space()) > {MIN_BROKEN_CELL_CHARS})])]"
)
# Elements every trafilatura mode deletes with their content (its settings.MANUALLY_CLEANED), deleted once
# before the candidates copy and walk the tree: 40% of the elements of the shared pages, 19% of a precision
# run's time (benchmarks/bench_extraction_speed.py). Not on the list although trafilatura deletes them:
# ``head`` (the metadata and the JSON-LD that the baseline reads), ``form`` and ``figure`` (trafilatura
# keeps a form holding most of the page, a figure holding a table), ``math`` (it keeps the formula's text).
# ``time`` is pruned after the metadata read it, and so are ``meta`` and ``base``, which hold nothing and which
# trafilatura unwraps or deletes with the head.
PRUNED = ("aside", "footer", "fencedframe", "svg", "nav", "menu", "menuitem", "iframe", "embed", "object",
          "noscript", "noindex", "applet", "audio", "canvas", "video", "map", "picture", "area", "select",
          "option", "optgroup", "datalist", "button", "input", "textarea", "label", "fieldset", "legend",
          "link", "dialog", "marquee", "time", "meta", "base")
_TABLE_PARTS = ("table", "caption", "thead", "tbody", "tfoot", "tr", "td", "th")
_TABLE_ATTRIBUTES = ("style", "width", "height", "align", "valign", "colspan", "rowspan", "cellpadding", "cellspacing",
                     "border")

# trafilatura's output tree: these start a new paragraph; "lb" is a line break inside one.
_BLOCKS = frozenset({"p", "head", "item", "list", "quote", "code", "table", "row", "tr", "div", "lb"})
_CELLS = frozenset({"cell", "td", "th"})
_SKIPPED = frozenset({"graphic"})
_VERBATIM = frozenset({"code", "quote"})  # their line breaks are the page's (trafilatura makes both of pre)
_PHRASING = _CELLS | {"p", "head", "item", "hi", "ref", "del"}  # hold text, not blocks
_INVISIBLE = {ord(c): None for c in INVISIBLE_HINTS}
_INVISIBLE_RE = re.compile(f"[{INVISIBLE_HINTS}]")  # on a whole page: 15x faster than str.translate
# Controls and invisible hints go, a carriage return stays (a line break), a tab becomes a space.
_CONTROL_CHARS = {ord(c): None for c in C0_CONTROLS + "\x7f" if c != "\r"} | {9: " "} | _INVISIBLE
_HAS_CONTROL_CHARS = re.compile("[" + re.escape("".join(map(chr, _CONTROL_CHARS))) + "]")  # 4x as fast as translate

# choose(): the default mode replaces precision only when precision kept less than this share of the
# page's visible text, the default mode keeps at least MIN_GAIN times as much (or adds whole paragraphs,
# below), including nearly all of what precision kept, and little of it is link text (menus, related
# lists). Measured on every shared source (benchmarks/eval_extraction.py): looser settings trade a
# dropped article on one page for teasers and comment threads on others.
MAX_PRECISION_SHARE = 0.10
# Precision mode runs without its readability comparison (trafilatura's "fast"; 40% of its time). Below this
# share of the visible text its result is compared with readability's: on every shared page that gives the
# same score as always comparing.
MIN_FAST_SHARE = 0.2
# ... and when it kept below this share of the page's prose (the characters of its blocks that end a
# sentence), and what it kept is mostly not prose: precision mode now and then keeps a document's metadata
# table (索引号, 发文机关, dates: a fifth of a short page's text) and drops the text below it, which
# readability finds. (A short article under a long comment thread also keeps little of the page's prose,
# and there readability would bring the comments in.) It sends 7 more of the 406 shared pages to the
# comparison (68 in all), none of which changes: the pages that lose their text this way are held back.
MIN_PROSE_SHARE = 0.3
MIN_GAIN = 3.0
# ... or at least MIN_SECTION_GAIN times as much when what it adds is MIN_ADDED_PARAGRAPHS paragraphs or more:
# a section the precision mode dropped (headings and their paragraphs), where a teaser for another
# article adds a headline and a summary.
MIN_SECTION_GAIN = 1.5
MIN_ADDED_PARAGRAPHS = 4
MIN_CONTAINED = 0.9
MAX_LINK_DENSITY = 0.2
# doc.meta["extractor_reason"] when precision mode's text stands: alone, or after readability's opinion (when the
# default mode was asked too, the reason is choose()'s).
PRECISION_ALONE = "precision mode"
PRECISION_WITH_OPINION = "precision mode with readability's second opinion"

# Plain strings (not lxml's "smart" ones, which know their element): half the time.
_CLASSES = etree.XPath("//@class", smart_strings=False)
_IDS = etree.XPath("//@id", smart_strings=False)
# What an element's class or id holds when trafilatura's comment search or comment prunes may take it (its
# COMMENTS_XPATH, REMOVE_COMMENTS_XPATH and REMOVE_COMMENTS_AND_LISTS_XPATH look at these), found a little more
# widely; and, in the order of its RAW_TREE_PRUNE_XPATH, what one holds when that prune may take it.
_COMMENT_CLASS = "omment"
_COMMENT_ID = re.compile("omment|^(?:social|comol|disqus_thread|dsq-comments)", re.MULTILINE)
_RAW_PRUNE_WORDS = (re.compile("mvp-post-add-(?:box|wrap)|infinite-?scroll"), re.compile("elementor-share-buttons"))


@dataclass(frozen=True)
class PageAttributes:
    """The class and the id values of a page's elements, one a line.

    trafilatura's prunes select elements with a full-tree XPath that calls a Python regex per element; those
    that can select nothing on a page are known beforehand from these values, gathered once for every
    candidate.
    """

    classes: str
    ids: str

    @classmethod
    def of(cls, tree: etree._Element) -> "PageAttributes":
        return cls("\n".join(_CLASSES(tree)), "\n".join(_IDS(tree)))

    def has_comment_section(self) -> bool:
        return _COMMENT_CLASS in self.classes or _COMMENT_ID.search(self.ids) is not None

    def raw_tree_prunes(self) -> list[etree.XPath]:
        """The expressions of trafilatura's RAW_TREE_PRUNE_XPATH that may select an element of the page (any
        expression this module does not know may)."""
        return [xpath for i, xpath in enumerate(RAW_TREE_PRUNE_XPATH)
                if i >= len(_RAW_PRUNE_WORDS) or _RAW_PRUNE_WORDS[i].search(self.classes)
                or _RAW_PRUNE_WORDS[i].search(self.ids)]


# htmldate's quick search finds the same dates on the cwced pages as its extensive one, at half the cost.
_DATE_PARAMS = set_date_params(False)


def _has_own_header_cells(table: etree._Element) -> bool:
    """Whether ``table`` has header cells of its own (not only in tables nested in it)."""
    return any(next(th.iterancestors("table")) is table for th in table.iter("th"))


def unlayout_tables(tree: etree._Element) -> int:
    """Turn layout tables into nested ``div``s in place. Returns how many tables were layout.

    Every layout table, menus included: keeping link-heavy ones as tables (a decision per table) scored
    higher at extraction but lower after line cleaning on the cwced pages, where the menus unwrapped
    into lines are removed by the navigation rules. So is every table nested in one, except a data table:
    one with header cells of its own and no sign of layout (a schedule or a statistics table inside a
    page frame or a collapsible box) stays a table, rows and cells, as trafilatura reads it on the page.
    A title cell is enough here, where the layout test above wants a row of column headers: as ``div``s in
    a quote, a statistics table's cells come out of trafilatura glued together ("Herbert Dürr6316.6%").

    The table's presentational attributes go with the conversion, inline ``style`` too: on a ``div``,
    trafilatura's precision mode reads a border as a boxed widget and deletes the box, a rule it never
    applies to a table.
    """
    tables = _LAYOUT_TABLES(tree)
    layout = set(tables)
    kept = {part for table in tables for inner in table.iter("table")
            if inner not in layout and _has_own_header_cells(inner) for part in inner.iter(*_TABLE_PARTS)}
    for table in tables:
        for part in table.iter(*_TABLE_PARTS):
            if part in kept:  # a data table's, or a part of a table inside one
                continue
            part.tag = "div"
            for attribute in _TABLE_ATTRIBUTES:
                part.attrib.pop(attribute, None)
    return len(tables)


# Elements every trafilatura mode unwraps, keeping their text (its settings.MANUALLY_STRIPPED), unwrapped once
# before the candidates copy and walk the tree, and a table's column definitions, which hold no text and which
# nothing reads (a third of the elements of a page of many small tables). Not on the list although trafilatura
# unwraps them: ``img`` and ``address``, which readability's opinion weighs (an element holding either is no
# paragraph to it, and it counts images); ``font`` and ``small``, which trafilatura's baseline and readability
# read before trafilatura's cleaning (unwrapped, they move line breaks on 2 of the 406 shared pages); ``meta``
# (PRUNED).
UNWRAPPED = ("abbr", "acronym", "bdi", "bdo", "big", "cite", "data", "dfn", "hgroup", "ins", "mark", "nobr", "ruby",
             "template", "tbody", "tfoot", "thead", "wbr", "col", "colgroup")
# Attributes no candidate reads with links and images off (targets and sources, image text, event handlers,
# presentation), deleted for the same reason: nearly half of the bytes of a tree's attributes. trafilatura reads
# ``href``, ``src``, ``alt`` and ``title`` only for links and images, readability ``src`` only on embedded videos
# (PRUNED); ``class``, ``id``, ``style``, ``role``, the ``aria-hidden``, ``itemprop`` and ``data-`` markers their
# tests read, and ``colspan`` and ``rowspan`` stay.
UNREAD_ATTRIBUTES = ("href", "src", "srcset", "data-src", "data-srcset", "sizes", "loading", "alt", "title", "target",
                     "onclick", "onmouseover", "onmouseout", "width", "height", "align", "valign", "bgcolor", "border",
                     "cellpadding", "cellspacing", "color", "face", "size", "name", "aria-label")


def strip_unread(tree: etree._Element) -> None:
    """Unwrap the :data:`UNWRAPPED` elements (their text and children stay) and delete the
    :data:`UNREAD_ATTRIBUTES`. After the layout-table test, which reads a cell's children."""
    etree.strip_tags(tree, *UNWRAPPED)
    etree.strip_attributes(tree, *UNREAD_ATTRIBUTES)


# Elements a browser starts on a new line (and the row of a table, whose cells render_text keeps on one line),
# and the JSON-LD script, which is no part of the text around it.
BLOCK_TAGS = ("address", "article", "aside", "blockquote", "br", "caption", "center", "dd", "details", "div", "dl",
              "dt", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
              "main", "nav", "ol", "p", "pre", "script", "section", "summary", "table", "tr", "ul")
# Elements whose children a browser lays out one below the other, and which hold paragraphs on article pages.
_CONTAINERS = ("article", "body", "center", "div", "form", "main", "section", "td", "th")
# ... those holding loose text and a paragraph, found from the paragraphs: one pass over the tree, not one a tag.
_PARAGRAPH_CONTAINERS = etree.XPath("//p/parent::*[" + " or ".join(f"self::{tag}" for tag in _CONTAINERS)
                                    + "][text()[normalize-space()]][p[normalize-space()]]")
_RUN_ENDS = frozenset(BLOCK_TAGS) - {"br"}  # a line break is part of a paragraph


def wrap_loose_runs(tree: etree._Element) -> int:
    """Wrap in a ``p`` each run of loose text in a container whose children include a paragraph: text that
    sits directly in the container, with the inline elements around it, up to the blocks on either side.
    Returns how many runs.

    A browser shows such a run as a paragraph of its own (CSS calls it an anonymous block box), but
    trafilatura's precision mode drops text that no element holds: a paragraph after a figure, a sentence
    between two lists. A run of inline elements alone (a link between paragraphs: a teaser, a share box)
    is an element trafilatura judges already, and stays as it is. Only among paragraphs: in a container of
    loose text without any, trafilatura reads the divs instead, and one paragraph wrapped there would make
    it read paragraphs only and drop the rest of the loose text.
    """
    wrapped = 0
    for parent in _PARAGRAPH_CONTAINERS(tree):
        run: list[etree._Element] = []
        text, before = parent.text, None  # the run's leading text, and the block it follows (None: the start)
        for child in [*parent, None]:
            if child is not None and child.tag not in _RUN_ENDS:
                run.append(child)
                continue
            if has_words("".join([text or "", *(e.tail or "" for e in run)])):
                p = parent.makeelement("p")  # of the tree's element class, as trafilatura expects
                p.text = text
                p.extend(run)
                if before is None:
                    parent.text = None
                    parent.insert(0, p)
                else:
                    before.tail = None
                    before.addnext(p)
                wrapped += 1
            if child is not None:
                run, text, before = [], child.tail, child
    return wrapped


_SPANS_IN_PARAGRAPHS = etree.XPath("//p//span")


def unwrap_spans_in_sentences(tree: etree._Element) -> int:
    """Unwrap the ``span``s of a paragraph that have words of its text on both sides (their text stays).
    Returns how many.

    Such a span is a piece of a sentence (a link's wrapper, a name), but precision mode deletes a span by
    its class or style alone ("link", "bottom", a border), and the sentence came out with a hole in it.
    """
    spans = [span for span in _SPANS_IN_PARAGRAPHS(tree) if has_words(span.tail) and has_words(text_before(span))]
    for span in spans:
        span.drop_tag()
    return len(spans)


# A header holds a title, a byline and at most a standfirst. One with this many paragraphs of prose (each with
# this many visible characters in lines that end a sentence, prose_chars) holds content the page put in a header:
# an article's sections, each under its own header, or an article that is all header.
MIN_HEADER_PARAGRAPHS = 2
MIN_HEADER_PROSE_CHARS = 80


def unwrap_prose_headers(tree: etree._Element) -> int:
    """Unwrap the ``header`` elements that hold :data:`MIN_HEADER_PARAGRAPHS` paragraphs of prose or more (their
    content stays). Returns how many.

    Precision mode deletes every header (trafilatura's other modes keep them); with a header that holds
    paragraphs it deletes them too.
    """
    headers = [header for header in tree.iter("header")
               if sum(prose_chars(text_of(p)) >= MIN_HEADER_PROSE_CHARS for p in header.iter("p"))
               >= MIN_HEADER_PARAGRAPHS]
    for header in headers:
        header.drop_tag()
    return len(headers)


# Links from a heading to itself: the permalink anchor ("#", "¶") that blogs and documentation put in every
# heading. trafilatura's precision mode reads a heading with a link as a link and drops it.
_HEADING_ANCHORS = etree.XPath("//a[starts-with(@href, '#')][ancestor::h1 or ancestor::h2 or ancestor::h3"
                                " or ancestor::h4 or ancestor::h5 or ancestor::h6]")


def unlink_heading_anchors(tree: etree._Element) -> int:
    """Unwrap links to a place on the same page inside headings, keeping their text; one that is only a
    mark ("#", "¶", "🔗") goes with it. Returns how many."""
    anchors = _HEADING_ANCHORS(tree)
    for anchor in anchors:
        if any(ch.isalnum() for ch in anchor.text_content()):
            anchor.drop_tag()
        else:
            anchor.drop_tree()  # its tail stays
    return len(anchors)


# The elements trafilatura deletes when they hold nothing (its CUT_EMPTY_ELEMS), after its own cleaning, on every
# copy it makes. In precision mode it deletes the text after such an element with it: a heading after its empty
# anchor (``<h2><span id="x"></span>Title``), the rest of a sentence after a formula shown as an image
# (``<span><img alt="N"></span> objects``).
CUT_WHEN_EMPTY = ("article", "b", "blockquote", "dd", "div", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "i",
                  "li", "main", "p", "pre", "q", "section", "span", "strong")
_EMPTY_INLINE = tuple(tag for tag in CUT_WHEN_EMPTY if tag in INLINE_TAGS)


def unwrap_empty_inline(tree: etree._Element) -> int:
    """Unwrap inline elements that hold no text but have some after them (their children and that text stay,
    as they are on the page, where an empty inline element shows no text). Returns how many."""
    empty = [e for e in tree.iter(*_EMPTY_INLINE)
             if e.tail and e.tail.strip() and not text_of(e).strip() and e.getparent() is not None]
    for element in empty:
        element.drop_tag()
    return len(empty)


def drop_empty(tree: etree._Element) -> int:
    """Delete the elements of :data:`CUT_WHEN_EMPTY` that hold nothing and have no text after them, as
    trafilatura does (one level deep), once instead of on every copy: 8% of the elements of the shared
    pages. Returns how many."""
    empty = [e for e in tree.iter(*CUT_WHEN_EMPTY)
             if e.text is None and len(e) == 0 and not (e.tail and e.tail.strip()) and e.getparent() is not None]
    for element in empty:
        element.drop_tree()
    return len(empty)


# A line break of the page's source in a paragraph, as render_text marks it (a C0 control: never in its text).
_SOURCE_BREAK = "\x00"
# ... where it stays a line break: a blank line, or after a mark that always ends a sentence (with the quotes and
# brackets that close a sentence after it); a full stop may end an abbreviation.
_BLANK_LINE = re.compile("\x00[^\\S\\n]*\x00[\\s\x00]*")
_BREAK_AFTER_SENTENCE = re.compile(f"([{CERTAIN_SENTENCE_END}][{re.escape(SENTENCE_CLOSERS)}]*)[^\\S\\n]*\x00")
_BREAK_BETWEEN_WIDE = re.compile(f"(?<=[{WIDE}])[^\\S\\n]*\x00[^\\S\\n]*(?=[{WIDE}])")


def _source_breaks(text: str) -> str:
    """``text`` with its source line breaks read as a reader sees them: a blank line, or one after a mark that
    always ends a sentence (。！？, the danda...), a line break (text written without tags separates its
    paragraphs so), any other between two Chinese or Japanese characters nothing (a browser joins them
    without a space, CSS Text 3), anywhere else a space."""
    text = _BREAK_AFTER_SENTENCE.sub(r"\1\n", _BLANK_LINE.sub("\n", text))
    return _BREAK_BETWEEN_WIDE.sub("", text).replace(_SOURCE_BREAK, " ")


def _inline_code(code: etree._Element) -> bool:
    """Whether a ``code`` element of trafilatura's output is a word or two of code in a sentence (its ``<code>``
    in a paragraph, a list item or a heading), not a block of code (its ``<pre>``)."""
    parent = code.getparent()
    return parent is not None and parent.tag in _PHRASING and "\n" not in "".join(code.itertext()).strip()


def render_text(body: etree._Element, keep_breaks: bool = False) -> str:
    """trafilatura's output tree as plain paragraphs, one per line, white space within a line folded.

    Unlike trafilatura's own text output this adds nothing the page does not show: no list markers,
    no table pipes (cells of a row are separated by a tab), no soft hyphens or zero-width spaces, and code in
    a sentence stays in its line (:func:`_inline_code`). A line break of the page's source is read as a
    browser shows it (a paragraph the source wraps is one line), but for a blank line and the end of a
    sentence (:func:`_source_breaks`), except in blocks of code and quotes, which trafilatura also makes
    of preformatted text, and everywhere with ``keep_breaks`` (trafilatura's baseline, which separates
    paragraphs with them).
    """
    lines: list[str] = []
    current: list[str] = []

    def add(text: str | None, verbatim: bool) -> None:
        if text:  # a tab in the output only ever separates cells; other control characters are never shown
            if _HAS_CONTROL_CHARS.search(text):
                text = text.translate(_CONTROL_CHARS)
            current.append(text if verbatim else text.replace("\n", _SOURCE_BREAK))

    def flush() -> None:
        joined = "".join(current)
        if _SOURCE_BREAK in joined:
            joined = _source_breaks(joined)
        for line in joined.split("\n"):
            if "\t" in line:
                line = "\t".join(cell for cell in (" ".join(cell.split()) for cell in line.split("\t")) if cell)
            else:
                line = " ".join(line.split())
            if line:
                lines.append(line)
        current.clear()

    def walk(element: etree._Element, verbatim: bool) -> None:
        tag = element.tag
        block = tag in _BLOCKS and not (tag == "code" and _inline_code(element))
        inside = verbatim or block and tag in _VERBATIM
        if block:
            flush()
            add(element.text, inside)
            for child in element:
                walk(child, inside)
            flush()
        elif tag not in _SKIPPED:
            if tag in _CELLS and element.getprevious() is not None:
                current.append("\t")
            add(element.text, inside)
            for child in element:
                walk(child, inside)
        add(element.tail, verbatim)

    add(body.text, keep_breaks)
    for child in body:
        walk(child, keep_breaks)
    flush()
    return "\n".join(lines)


def _folded(text: str) -> tuple[str, list[int]]:
    """``text`` without white space, and where each remaining character sits in ``text``."""
    positions = [i for i, ch in enumerate(text) if not ch.isspace()]
    return "".join(text[i] for i in positions), positions


# A noncharacter: never in the text of a page.
BLOCK_BREAK = "\ufdd0"
# The document's text with BLOCK_BREAK around every block element, in libxslt: half the time of marking the
# tree in Python and serialising it, and the tree is not touched.
_BREAK_REF = f"&#x{ord(BLOCK_BREAK):X};"
_BLOCK_TEXT = etree.XSLT(etree.XML(
    '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
    '<xsl:output method="text" encoding="UTF-8"/>'
    '<xsl:template match="/"><xsl:apply-templates select="*[1]"/></xsl:template>'
    f'<xsl:template match="{"|".join(BLOCK_TAGS)}">{_BREAK_REF}<xsl:apply-templates/>{_BREAK_REF}</xsl:template>'
    '</xsl:stylesheet>'))


def page_blocks(tree: etree._Element) -> str:
    """The text of the page ``tree`` is the root of, with a :data:`BLOCK_BREAK` at both ends of every block
    element."""
    return str(_BLOCK_TEXT(tree))


def fold_page(page_text: str) -> str:
    """The page text as lines are looked up in it: NFC, without white space and invisible hints."""
    return without_space(_INVISIBLE_RE.sub("", unicodedata.normalize("NFC", page_text)))


def lines_as_on_page(text: str, page: str) -> str:
    """``text``'s lines as the ``page`` (as :func:`fold_page` gives it; white space aside) has them: a line that
    does not occur on it split into pieces that do, and a paragraph it shows twice in a row twice.

    Split: trafilatura's precision mode now and then glues the loose text before and after a block it
    dropped into one paragraph (``a<section>b</section>c`` gives ``ac``), and it glues the texts of blocks
    it strips from its output (``div``s in a list item or a quote: ``Name: Stolen SackLevel: 70``, the
    cells of table rows it dropped). With the text of :func:`page_blocks`, a line that runs across
    a block boundary does not occur on the page, and is split there. Each piece is the longest
    run of the line, starting where the previous piece ended, that the page contains; a character
    the page does not contain at all is left out. Lines found on the page are kept as they are.

    Repeated: trafilatura drops a paragraph of over ``MIN_DUPLICATE_LENGTH`` characters that repeats the one
    before it, taking it for an artefact of its own overlapping candidates; when the page itself carries the
    block twice in a row, the repeat is the page's content, and gold texts count it. So a line trafilatura
    could have dropped so, found on the page as a block of its own, comes out as many times in a row as the
    page then shows it in neighbouring blocks (at most the end of one block and the start of the next between
    them: a heading that repeats the breadcrumb's last item before it is not a repeat).
    """
    lines = text.split("\n")
    out: list[str] = []
    cursor = i = 0  # lines mostly come in page order: look after the previous one first
    while i < len(lines):
        run = 1  # a line with the copies of it right after it, looked up once
        while i + run < len(lines) and lines[i + run] == lines[i]:
            run += 1
        line = unicodedata.normalize("NFC", lines[i])
        i += run
        folded = without_space(line)
        found = page.find(folded, cursor)
        if found < 0:
            found = page.find(folded)
        if found >= 0:
            cursor, shown = found + len(folded), 1
            if len(line.strip()) > MIN_DUPLICATE_LENGTH:
                cursor, shown = _repeats(page, folded, found, cursor)
            out.extend([line] * max(run, shown))
            continue
        folded, positions = _folded(line)
        pieces, start = [], 0
        while start < len(folded):
            low, high = 0, len(folded) - start  # folded[start:start + low] is on the page
            while low < high:
                middle = (low + high + 1) // 2
                if folded[start:start + middle] in page:
                    low = middle
                else:
                    high = middle - 1
            if low:
                pieces.append(line[positions[start]:positions[start + low - 1] + 1])
            start += max(low, 1)
        out.extend(pieces * run)
    return "\n".join(out)


def _repeats(page: str, folded: str, start: int, end: int) -> tuple[int, int]:
    """(where the last copy ends, how many copies) of the block ``page[start:end]`` (``folded``) and the
    neighbouring blocks after it with the same text; (``end``, 1) when it is not a block of its own."""
    if page[start - 1:start] != BLOCK_BREAK or page[end:end + 1] != BLOCK_BREAK:
        return end, 1
    shown = 1
    while True:
        after = end
        while after < len(page) and page[after] == BLOCK_BREAK:
            after += 1
        if not 0 < after - end <= 2 or not page.startswith(folded + BLOCK_BREAK, after):
            return end, shown
        end, shown = after + len(folded), shown + 1


# Link texts kept for the page verdict (cleaner.stages.spam_page): enough to judge a navigation, bounded in memory.
MAX_ANCHOR_CHARS = 20_000


def anchor_text(tree: etree._Element) -> str:
    """The texts of the page's links, one a line (after hidden text is gone), at most
    :data:`MAX_ANCHOR_CHARS` characters."""
    lines, size = [], 0
    for a in tree.iter("a"):
        text = " ".join(text_of(a).split())
        if text:
            lines.append(text)
            size += len(text) + 1
            if size >= MAX_ANCHOR_CHARS:
                break
    return "\n".join(lines)[:MAX_ANCHOR_CHARS]


def page_metadata(tree: etree._Element, url: str | None = None) -> dict[str, str]:
    """Title, author, date, url and site name of a page, the ones it has.

    Built from trafilatura's metadata helpers with two differences, measured on the 23 cwced pages:
    the author comes from meta tags and JSON-LD only (trafilatura's search of the page body for a
    byline found one garbled and one wrong author there, and takes over a third as long as the
    extraction itself), and a one-word author is kept (trafilatura drops a meta author without a
    space, which is how Chinese names are written: two right authors there).
    """
    found = trafilatura_metadata.extract_meta_json(tree, trafilatura_metadata.examine_meta(tree))
    url = found.url or trafilatura_metadata.extract_url(tree, url)
    values = {
        "title": found.title or trafilatura_metadata.extract_title(tree),
        "author": found.author,
        "date": find_date(tree, **{**_DATE_PARAMS, "url": url}),
        "url": url,
        "sitename": found.sitename or trafilatura_metadata.extract_sitename(tree),
    }
    return {key: " ".join(value.split()) for key, value in values.items() if value and value.strip()}


@dataclass
class Candidate:
    """One extraction of a page, with trafilatura's output tree and text it was rendered from."""

    name: str
    text: str
    body: etree._Element | None = field(default=None, repr=False)
    raw_text: str = field(default="", repr=False)

    @cached_property
    def chars(self) -> int:  # asked several times of a long text
        return visible_chars(self.text)


def link_chars(text: str, tree: etree._Element) -> int:
    """Characters of ``text`` that are link text on the page (menu items, related headlines), per line
    the link texts found in it, white space aside. Only run when the default mode is asked too."""
    anchors = {without_space(a.text_content()) for a in tree.iter("a")}
    anchors = [a for a in anchors if len(a) > 1]
    total = 0
    for line in text.split("\n"):
        folded = without_space(line)
        total += min(len(folded), sum(len(a) for a in anchors if a in folded))
    return total


def contained_share(inner: str, outer: str) -> float:
    """The share of ``inner``'s characters whose lines occur in ``outer`` (white space aside)."""
    folded_outer = without_space(outer)
    total = found = 0
    for line in inner.split("\n"):
        folded = without_space(line)
        total += len(folded)
        if folded and folded in folded_outer:
            found += len(folded)
    return found / total if total else 1.0


def added_paragraphs(inner: str, outer: str) -> int:
    """How many lines of ``outer`` do not occur in ``inner`` (white space aside)."""
    folded_inner = without_space(inner)
    return sum(1 for line in outer.split("\n") if (folded := without_space(line)) and folded not in folded_inner)


def prose_chars(text: str, separator: str = "\n") -> int:
    """Visible characters of the parts of ``text`` (split at ``separator``) that end a sentence somewhere."""
    return visible_chars("\n".join(part for part in text.split(separator) if SENTENCE_ENDS.search(part)))


def needs_default(precise: Candidate, visible_chars: int) -> bool:
    """Whether precision kept so little of the page that the default mode should be asked too."""
    return precise.chars < MAX_PRECISION_SHARE * visible_chars


def choose(precise: Candidate, default: Candidate, visible_chars: int, tree: etree._Element) -> tuple[Candidate, str]:
    """The better of the precision and default extractions of ``tree``, and why."""
    share = precise.chars / max(visible_chars, 1)
    if default.chars < MIN_GAIN * max(precise.chars, 1) and (
            default.chars < MIN_SECTION_GAIN * max(precise.chars, 1)
            or added_paragraphs(precise.text, default.text) < MIN_ADDED_PARAGRAPHS):
        return precise, f"precision kept {share:.0%} of the visible text; default mode adds little"
    density = link_chars(default.text, tree) / max(default.chars, 1)
    if density > MAX_LINK_DENSITY:
        return precise, f"precision kept {share:.0%}; default mode's text is {density:.0%} links"
    contained = contained_share(precise.text, default.text)
    if contained < MIN_CONTAINED:
        return precise, f"precision kept {share:.0%}; default mode holds only {contained:.0%} of it"
    return default, (f"precision kept {share:.0%} of the visible text; default mode keeps "
                     f"{default.chars / max(visible_chars, 1):.0%}, contains it, {density:.0%} links")


@cache
def _extractor(fast: bool = False, favor_precision: bool = False, include_comments: bool = False) -> Extractor:
    """trafilatura's settings for one kind of candidate, built once (a copy per page takes the url):
    ``bare_extraction`` called with keywords reads its configuration and htmldate's parameters anew every
    time, 6% of a precision run."""
    return Extractor(output_format="txt", fast=fast, precision=favor_precision, comments=include_comments,
                     tables=True, images=False, links=False)


def extractor(url: str | None, **settings) -> Extractor:
    """trafilatura's settings for one candidate of the page at ``url`` (see :func:`_extractor`)."""
    options = copy(_extractor(**settings))
    options.url = options.source = url
    return options


def readability_opinion(fast: Candidate, tree: etree._Element, options: Extractor) -> tuple[etree._Element, str]:
    """trafilatura's output tree and text for ``tree`` after it compares ``fast`` (its extraction without the
    comparison) with readability's, and with jusText's when the text is short.

    This is what its non-fast mode does after extracting, without extracting again: half the cost of a
    non-fast run. The comparison reads the page as trafilatura's extraction sequence hands it over, which is
    how ``fast``'s run left ``tree`` (:meth:`ExtractStage._trafilatura`). A non-fast extraction would also
    prune teaser blocks that the fast one keeps; on the 406 shared pages that changed no text.
    """
    body = fast.body if fast.body is not None else etree.Element("body")
    try:  # both trees are the comparison's to change
        return compare_extraction(tree_cleaning(copy(tree), options), copy(tree), body, fast.raw_text, options)
    except (TypeError, ValueError):  # what bare_extraction catches from these steps: the fast extraction stands
        return body, fast.raw_text


def extraction_sequence(tree: etree._Element, options: Extractor,
                        attributes: PageAttributes) -> tuple[etree._Element, str]:
    """trafilatura's body tree and text of ``tree``: what its ``trafilatura_sequence`` makes.

    Its steps copy the tree before they change it, except for the first, which prunes from ``tree`` in place
    what every candidate prunes first (infinite-scroll containers, and comment sections when comments are
    off). A fast precision run of a page that is not a forum thread, every page's first candidate, takes
    the same steps here with less work: the prunes that ``attributes`` show can select nothing are not
    run, nor is the copy of the cleaned tree that only the comparison with readability reads (together 8% of
    ``clean_html``'s time on the shared pages). Precision mode has none of the default mode's rescues.
    """
    if not options.fast or options.focus != "precision" or _forum_thread_page(tree):
        body, text, _, _ = trafilatura_sequence(tree, options, options.url)
        return body, text
    comments = attributes.has_comment_section()
    for xpath in attributes.raw_tree_prunes():
        prune_unwanted_nodes(tree, [xpath])
    if comments and not options.comments:
        prune_unwanted_nodes(tree, REMOVE_COMMENTS_AND_LISTS_XPATH)
    cleaned = convert_tags(tree_cleaning(copy(tree), options), options, options.url)
    if options.comments:
        _, _, cleaned = extract_comments(cleaned, options)
    if comments:
        prune_unwanted_nodes(cleaned, REMOVE_COMMENTS_XPATH)
    return extract_content(cleaned, options)


class ExtractStage(Stage):
    """``doc.tree`` to ``doc.text`` (paragraphs separated by ``"\\n"``) and metadata in ``doc.meta``."""

    name = "extract"

    def process(self, doc: Document) -> None:
        tree = doc.tree
        doc.meta["anchor_text"] = anchor_text(tree)
        for key, value in page_metadata(tree, doc.url).items():
            doc.meta.setdefault(key, value)
        page = page_blocks(tree)
        scripts = [s.text or "" for s in tree.iter("script")]  # the prepared tree holds no scripts but JSON-LD
        folded_page = fold_page(page)  # once for every candidate's lines
        # page and visible stay those of the whole page: the shares below are of what a reader sees, counted as
        # a candidate's characters are (NFC, without invisible hints)
        visible = len(folded_page) - folded_page.count(BLOCK_BREAK) - sum(len(fold_page(s)) for s in scripts)
        etree.strip_elements(tree, *PRUNED, with_tail=False)
        unlayout_tables(tree)
        unwrap_prose_headers(tree)
        wrap_loose_runs(tree)
        unwrap_spans_in_sentences(tree)
        unlink_heading_anchors(tree)
        strip_unread(tree)
        unwrap_empty_inline(tree)
        drop_empty(tree)
        attributes = PageAttributes.of(tree)
        options = extractor(doc.url, favor_precision=True, include_comments=attributes.has_comment_section(),
                            fast=True)
        precise = self._trafilatura("trafilatura-precision", tree, options, folded_page, attributes)
        chosen, reason = precise, PRECISION_ALONE
        kept_prose = prose_chars(precise.text)
        if (precise.chars < MIN_FAST_SHARE * visible
                or kept_prose < precise.chars / 2  # the page's prose is counted only then: a pass over its blocks
                and kept_prose < MIN_PROSE_SHARE * (prose_chars(page, BLOCK_BREAK)
                                                    - sum(prose_chars(s, BLOCK_BREAK) for s in scripts))):
            precise = self._candidate(precise.name, *readability_opinion(precise, tree, options), folded_page)
            chosen, reason = precise, PRECISION_WITH_OPINION
            if needs_default(precise, visible):
                default = self._trafilatura("trafilatura-default", tree, extractor(
                    doc.url, include_comments=options.comments, fast=True), folded_page, attributes)
                chosen, reason = choose(precise, default, visible, tree)
        if chosen.chars < self.config.min_extracted_chars:
            body, _, _ = trafilatura.baseline(tree)
            fallback = render_text(body, keep_breaks=True)
            if visible_chars(fallback) > chosen.chars:
                chosen = Candidate("trafilatura-baseline", fallback)
                reason = f"the others kept under {self.config.min_extracted_chars} characters"
        doc.meta["extractor"] = chosen.name
        doc.meta["extractor_reason"] = reason
        doc.text = chosen.text
        check_size(doc, self.config)

    @classmethod
    def _trafilatura(cls, name: str, tree: etree._Element, options: Extractor, folded_page: str,
                     attributes: PageAttributes) -> Candidate:
        """What ``bare_extraction`` runs with these options (:func:`extraction_sequence`), without its copy of
        the whole tree (1% of ``clean_html``'s time on the shared pages). With output format "txt" the body
        tree comes back unrendered: render_text does that."""
        try:
            body, raw_text = extraction_sequence(tree, options, attributes)
        except (TypeError, ValueError):  # what bare_extraction catches: no text
            return Candidate(name, "")
        return cls._candidate(name, body, raw_text, folded_page) if raw_text else Candidate(name, "")

    @staticmethod
    def _candidate(name: str, body: etree._Element, raw_text: str, folded_page: str) -> Candidate:
        text = render_text(body)
        return Candidate(name, lines_as_on_page(text, folded_page) if text else "", body, raw_text)
