"""trafilatura's output tree as plain text: one paragraph a line, nothing the page does not show."""
from __future__ import annotations

import re

from lxml import etree

from ...text.chars import C0_CONTROLS, CERTAIN_SENTENCE_END, INVISIBLE_HINTS, SENTENCE_CLOSERS, WIDE

# trafilatura's output tree: these start a new paragraph; "lb" is a line break inside one.
_BLOCKS = frozenset({"p", "head", "item", "list", "quote", "code", "table", "row", "tr", "div", "lb"})
_CELLS = frozenset({"cell", "td", "th"})
_SKIPPED = frozenset({"graphic"})
_VERBATIM = frozenset({"code", "quote"})  # their line breaks are the page's (trafilatura makes both of pre)
_PHRASING = _CELLS | {"p", "head", "item", "hi", "ref", "del"}  # hold text, not blocks
_INVISIBLE = {ord(c): None for c in INVISIBLE_HINTS}
# Controls and invisible hints go, a carriage return stays (a line break), a tab becomes a space.
_CONTROL_CHARS = {ord(c): None for c in C0_CONTROLS + "\x7f" if c != "\r"} | {9: " "} | _INVISIBLE
_HAS_CONTROL_CHARS = re.compile("[" + re.escape("".join(map(chr, _CONTROL_CHARS))) + "]")  # 4x as fast as translate


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
