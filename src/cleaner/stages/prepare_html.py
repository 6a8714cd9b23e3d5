"""Stage 2a: parse the page once and take out what a reader never sees.

Spam and casino words hide in pages the way a browser would not show them: ``display:none`` blocks,
zero-size fonts, text pushed off screen, white text inside a sentence, Discuz "jammer" fonts. Ruby
annotations (``<rt>``/``<rp>``) would otherwise come out as pinyin glued to the characters. Everything
here works on the lxml tree; inline ``style`` is looked at only where an element has one.
"""
from __future__ import annotations

import re

import lxml.html
from lxml import etree

from .. import errors
from ..document import Document
from ..text.chars import C0_CONTROLS, SENTENCE_ENDS, visible_chars
from .base import Stage

# C0 control characters other than white space: plentiful in binary payloads, absent from markup.
_CONTROL_CHAR = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
_TAG_START = re.compile("<[A-Za-z!/]")
# Characters XML forbids: libxml2's HTML parser keeps them in text nodes, where every later lxml call that
# writes text (trafilatura copies and rebuilds nodes) raises. A browser shows none of them.
_NOT_XML_CHARS = re.compile(f"[{C0_CONTROLS}\ufffe\uffff]")
_C0_BYTES = C0_CONTROLS.encode()  # one byte each in UTF-8, never part of a longer character
_SNIFF_CHARS = 8192
_MAX_CONTROL_SHARE = 0.05

# An offset this far left/up puts a box off any screen; layouts never need it, hiding tricks use
# -999px, -9999px and the like.
_OFF_SCREEN_PX = -500.0
_OFF_SCREEN_PROPERTIES = ("left", "top", "text-indent", "margin-left", "margin-top")

_WHITE = frozenset({"#fff", "#ffffff", "white", "rgb(255,255,255)", "rgba(255,255,255,1)"})
# Elements that sit inside running text. White text is judged only on these, where it vanishes on the page's
# white background. Blocks and table cells are left alone: a white heading or cell usually sits on a
# coloured box that a stylesheet paints.
INLINE_TAGS = frozenset({"a", "abbr", "b", "big", "cite", "code", "em", "font", "i", "kbd", "mark", "q",
                         "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "tt", "u", "var"})
# Longer than this, white inline text is a passage on a dark page, not a snippet slipped into a sentence.
_MAX_WHITE_SNIPPET = 32

_TEXT_NOT_CODE = etree.XPath(".//text()[not(ancestor::script or ancestor::style)]")

# Every element one of the rules below may apply to, in document order. A union of narrow paths: libxml2
# finds attributes and tags by name faster than it tests a predicate on every element (half the time).
_CANDIDATES = etree.XPath("//@style/.. | //@hidden/.. | //@class[contains(., 'jammer')]/.. | //font[@color]"
                          " | //rt | //rp")


def _parser() -> etree.HTMLParser:
    """lxml's HTML parser with lxml.html's element class, looked up in C.

    (``lxml.html.HTMLParser`` picks a class per tag with a Python callback for every element
    touched, a cost trafilatura then pays on each of its passes over the tree.) huge_tree lifts
    libxml2's silent cut-off at depth 256, which drops the rest of the page; depth is checked against
    Config.max_depth instead. Comments and processing instructions are never text.
    """
    parser = etree.HTMLParser(encoding="utf-8", huge_tree=True, remove_comments=True, remove_pis=True,
                              collect_ids=False, default_doctype=False)
    parser.set_element_class_lookup(etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity))
    return parser


# libxml2 checks each attribute of a start tag against all the earlier ones, and trafilatura and htmldate
# walk them per element: a tag with 50,000 attributes took over a minute. No page needs more than this
# (the most on the shared pages is 70); the rest of such a tag's attributes are dropped before parsing.
MAX_ATTRIBUTES = 512
# HTML5 tokenization of a start tag, written by hand because no library exposes a tokenizer that stops at
# the attribute count: the tag name, then attributes (a name, optionally ``=`` and a quoted or unquoted
# value; separators are white space or ``/``, or nothing after a quoted value). Every part is possessive,
# so nothing backtracks; a quoted value left open runs to the end, as it does for the parser.
_WS = "\t\n\f\r "
_START_TAG = f"<[A-Za-z][^{_WS}/>]*+"
_ATTRIBUTE = (f"(?>[{_WS}/]*+[^{_WS}/>][^{_WS}/>=]*+"
              f"(?:[{_WS}]*+=[{_WS}]*+(?:\"[^\"]*+\"?|'[^']*+'?|[^{_WS}>]*+))?+)")
_NO_MORE_ATTRIBUTES = f"(?![{_WS}/]*+[^{_WS}/>])"
# Markup up to the first start tag with MAX_ATTRIBUTES or more, in one linear pass: text, script and
# style content (raw text to the parser too; comments are not skipped, since HTML5 ends them in more ways
# than ``-->``), start tags with fewer attributes, and any other ``<``.
_UNTIL_CROWDED_TAG = re.compile(
    f"(?:[^<]++"
    f"|(?i:<(?:script|style)(?=[{_WS}/>]){_ATTRIBUTE}{{0,{MAX_ATTRIBUTES - 1}}}+{_NO_MORE_ATTRIBUTES}"
    f"[^<]*+(?:<(?!/(?:script|style))[^<]*+)*+)"
    f"|{_START_TAG}{_ATTRIBUTE}{{0,{MAX_ATTRIBUTES - 1}}}+{_NO_MORE_ATTRIBUTES}"
    f"|<(?![A-Za-z]))*+")
_CROWDED_TAG_HEAD = re.compile(f"{_START_TAG}{_ATTRIBUTE}{{{MAX_ATTRIBUTES}}}")
_ATTRIBUTES = re.compile(f"{_ATTRIBUTE}*+")


def cap_attributes(markup: str) -> str:
    """``markup`` with every start tag cut to its first ``MAX_ATTRIBUTES`` attributes (linear time)."""
    pieces = []
    pos = 0
    while (stop := _UNTIL_CROWDED_TAG.match(markup, pos).end()) < len(markup):
        head = _CROWDED_TAG_HEAD.match(markup, stop).end()
        pieces.append(markup[pos:head])
        pos = _ATTRIBUTES.match(markup, head).end()
    return "".join(pieces) + markup[pos:] if pieces else markup


def looks_like_markup(text: str) -> bool:
    """False for binary payloads and for text without a single tag."""
    head = text[:_SNIFF_CHARS]
    if len(_CONTROL_CHAR.findall(head)) > _MAX_CONTROL_SHARE * len(head):
        return False
    return _TAG_START.search(text) is not None


# libxml2's nesting limit with huge_tree (xmlParserMaxDepth for XML_PARSE_HUGE): deeper is ERR_RESOURCE_LIMIT.
PARSER_MAX_DEPTH = 2048


def parse_html(markup: str, max_depth: int) -> lxml.html.HtmlElement:
    """Parse a whole page into an ``<html>`` tree; raise ``Rejected`` if it nests deeper than ``max_depth``."""
    parser = _parser()
    data = markup.encode("utf-8", "replace")
    # Most pages hold none of them: looked for with C loops before a regex pass over the text. The noncharacters
    # in the text, not the bytes: a page of ASCII and Latin-1 cannot hold them, which Python sees at once.
    if len(data.translate(None, _C0_BYTES)) < len(data) or "\ufffe" in markup or "\uffff" in markup:
        markup, data = _NOT_XML_CHARS.sub(" ", markup), None
    capped = cap_attributes(markup)
    if data is None or capped is not markup:
        data = capped.encode("utf-8", "replace")
    tree = etree.fromstring(data, parser=parser)
    if tree is None:
        raise errors.Rejected(errors.NOT_HTML, "no elements")
    if any(entry.type_name == "ERR_RESOURCE_LIMIT" for entry in parser.error_log):
        raise errors.Rejected(errors.TOO_DEEP, "nesting beyond the parser's limit")
    # An element at depth max_depth + 1 exists iff this fixed-length child path selects anything. A limit the
    # parser's own is below needs no check (and libxml2's XPath overflows its recursion limit on a longer path).
    if max_depth < PARSER_MAX_DEPTH and tree.xpath("boolean(/" + "/".join(["*"] * (max_depth + 1)) + ")"):
        raise errors.Rejected(errors.TOO_DEEP, f"elements nested deeper than {max_depth}")
    return tree


def text_of(element: etree._Element) -> str:
    """All the text inside ``element``, as ``"".join(element.itertext())`` gives it, serialised by libxml2
    (four times as fast on a whole page)."""
    return etree.tostring(element, method="text", encoding="unicode", with_tail=False)


def _declarations(style: str) -> dict[str, str]:
    """Inline CSS as property -> value, lower case, white space and ``!important`` removed."""
    out = {}
    for declaration in "".join(style.split()).lower().split(";"):
        prop, _, value = declaration.partition(":")
        if value:
            out[prop] = value.removesuffix("!important")
    return out


def _length(value: str) -> float | None:
    """A CSS length in px (em and rem counted at the usual 16px; unitless as px); None for anything else."""
    scale = 1.0
    if value.endswith("em"):
        value, scale = value.removesuffix("em").removesuffix("r"), 16.0
    try:
        return float(value.removesuffix("px")) * scale
    except ValueError:
        return None


def _zero_size(value: str) -> bool:
    number = value.rstrip("abcdefghijklmnopqrstuvwxyz%")
    try:
        return float(number) == 0.0
    except ValueError:
        return False


def hidden_by_style(style: str, tag: str) -> str | None:
    """Why an inline ``style`` makes its element invisible, or None when it does not."""
    css = _declarations(style)
    if not css:
        return None
    if css.get("display") == "none":
        return "display-none"
    if css.get("visibility") in ("hidden", "collapse"):
        return "visibility-hidden"
    if "font-size" in css and _zero_size(css["font-size"]):
        return "font-size-0"
    for prop in _OFF_SCREEN_PROPERTIES:
        offset = _length(css[prop]) if prop in css else None
        if offset is not None and offset <= _OFF_SCREEN_PX:
            return "off-screen"
    if css.get("overflow") == "hidden":
        width, height = _length(css.get("width", "")), _length(css.get("height", ""))
        if width is not None and height is not None and width <= 1 and height <= 1:
            return "zero-size"
    if tag in INLINE_TAGS and css.get("color") in _WHITE:
        return "white-text"
    return None


def _paints_background(element: etree._Element) -> bool:
    """Whether the element sets a background colour other than white (inline style or bgcolor)."""
    bgcolor = element.get("bgcolor")
    if bgcolor and "".join(bgcolor.split()).lower() not in _WHITE:
        return True
    style = element.get("style")
    if style and "background" in style.lower():
        css = _declarations(style)
        for prop in ("background-color", "background"):
            value = css.get(prop)
            if value and value not in _WHITE and value not in ("none", "transparent", "inherit", "initial"):
                return True
    return False


def has_words(text: str | None) -> bool:
    """Whether ``text`` holds a letter or a digit."""
    return bool(text) and any(ch.isalnum() for ch in text)


def text_before(element: etree._Element) -> str | None:
    """The text right before ``element`` in its parent: its previous sibling's tail, or the parent's text."""
    previous = element.getprevious()
    return previous.tail if previous is not None else element.getparent().text


def _white_on_white(element: etree._Element) -> bool:
    """White inline text counts as hidden only when it is a snippet slipped into a sentence (the spam
    trick: words right before or after it) and nothing around it paints a background. A white link
    or label standing alone sits on a bar that a stylesheet colours; a longer white passage is real
    text on a dark page whose background the parser cannot see (a stylesheet, or a ``<body
    bgcolor>`` that libxml2 ignores when it comes after other content)."""
    if not (has_words(text_before(element)) or has_words(element.tail)):
        return False
    text = text_of(element)
    if len(text.strip()) > _MAX_WHITE_SNIPPET:
        return False
    return not any(_paints_background(e) for e in (element, *element.iterancestors()))


def why_hidden(element: etree._Element) -> str | None:
    """The rule that hides ``element`` from a reader, or None."""
    tag = element.tag
    if element.get("hidden") is not None:
        return "attribute"
    if "jammer" in (element.get("class") or "").split():
        return "jammer"  # Discuz inserts random characters in <font class="jammer"> to spoil copying
    if tag in ("rt", "rp"):
        return "ruby-annotation"
    style = element.get("style")
    why = hidden_by_style(style, tag) if style else None
    if why is None and tag == "font" and "".join((element.get("color") or "").split()).lower() in _WHITE:
        why = "white-text"
    if why == "white-text" and not _white_on_white(element):
        return None
    return why


# Rules a page's own scripts undo (tabs, slideshows, "read more" boxes, articles shown after a consent
# check), unlike the hiding tricks (zero font size, off-screen, white text, Discuz jammer) that only hide.
_REVEALABLE = frozenset({"display-none", "visibility-hidden", "attribute"})
# A hidden block of prose this long, in sentences and with little link text, is an article or a part of one
# that a script shows: hidden spam is link lists or keyword runs, hidden chrome is menus, dialogs and forms.
MIN_REVEALED_CHARS = 400
MIN_REVEALED_SENTENCES = 3
MAX_REVEALED_LINK_SHARE = 0.1
_CONTROLS = etree.XPath("boolean(.//input or .//button or .//textarea or .//select or .//form)")


def revealed_prose(element: etree._Element) -> bool:
    """Whether a block hidden by a rule that scripts undo holds prose a reader is shown: long, in
    sentences, little of it link text, and no form controls (consent banners and newsletter dialogs
    have buttons)."""
    text = "".join(_TEXT_NOT_CODE(element))
    size = visible_chars(text)
    if size < MIN_REVEALED_CHARS or _CONTROLS(element):
        return False
    if len(SENTENCE_ENDS.findall(text)) < MIN_REVEALED_SENTENCES:
        return False
    links = sum(visible_chars("".join(_TEXT_NOT_CODE(a))) for a in element.iter("a"))
    return links <= MAX_REVEALED_LINK_SHARE * size


def find_hidden(tree: etree._Element) -> dict[etree._Element, str]:
    """Every element a reader never sees, with the reason, in document order (not blocks of prose that
    the page's scripts show: :func:`revealed_prose`)."""
    found: dict[etree._Element, str] = {}
    for element in _CANDIDATES(tree):
        why = why_hidden(element)
        if why and not (why in _REVEALABLE and revealed_prose(element)):
            found[element] = why
    return found


def remove_hidden(tree: etree._Element, doc: Document) -> None:
    """Drop hidden elements (their tail text stays: it is visible) and record what went in ``doc``."""
    found = find_hidden(tree)
    for element, why in found.items():
        if element.getparent() is None or any(a in found for a in element.iterancestors()):
            continue  # the root, or inside an element that goes anyway
        doc.remove(f"hidden:{why}", "".join(_TEXT_NOT_CODE(element)))
        element.drop_tree()


def remove_code(tree: etree._Element) -> None:
    """Drop style sheets and scripts, which no reader sees and no extractor reads, before extraction
    copies and walks the tree; JSON-LD stays (metadata, and the article body some pages carry only there)."""
    etree.strip_elements(tree, "style", with_tail=False)
    for script in list(tree.iter("script")):
        if "ld+json" not in (script.get("type") or "") and script.getparent() is not None:
            script.drop_tree()


class PrepareHtmlStage(Stage):
    """Markup in ``doc.raw`` to a cleaned lxml tree in ``doc.tree``."""

    name = "prepare_html"

    def process(self, doc: Document) -> None:
        markup = doc.raw
        if not isinstance(markup, str):
            raise TypeError("PrepareHtmlStage needs decoded markup: run DecodeStage first")
        if not markup or markup.isspace():  # (strip() would copy the page)
            raise errors.Rejected(errors.EMPTY, "no markup")
        if not looks_like_markup(markup):
            raise errors.Rejected(errors.NOT_HTML, "no tags, or binary content")
        doc.tree = parse_html(markup, self.config.max_depth)
        remove_hidden(doc.tree, doc)
        remove_code(doc.tree)
