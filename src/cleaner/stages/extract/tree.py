"""The prepared tree, changed once before trafilatura's candidates run.

What every trafilatura mode deletes or unwraps (:data:`PRUNED`, :data:`UNWRAPPED`) and the attributes none reads
(:data:`UNREAD_ATTRIBUTES`) go here once, not in each candidate's copy of the tree. And markup that trafilatura's
precision mode misreads is rewritten as a reader sees it.

Tables used for layout (old portals and forums put the whole page in nested tables) are turned into
plain blocks first, so that trafilatura can separate the post from the frame around it and the text
comes out as paragraphs instead of ``| a | b |`` rows. A heading's permalink anchor (a link to the
heading itself) is unwrapped too: with it precision mode reads the heading as a link and drops it. So is an
empty inline element with text after it, which precision mode deletes together with that text, and a span
in the middle of a sentence, which it may delete by its class. Loose text among paragraphs (a paragraph
after a figure, outside any element) is wrapped in a paragraph, which precision mode would otherwise drop.
So is a header holding paragraphs of prose, which precision mode deletes as it deletes every header.
"""
from __future__ import annotations

from lxml import etree

from ...text.chars import prose_chars
from ..prepare_html import INLINE_TAGS, has_words, text_before, text_of
from .page import BLOCK_TAGS

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
