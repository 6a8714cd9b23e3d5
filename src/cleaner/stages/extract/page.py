"""The page as a reader sees it: its text with the bounds of its blocks, against which a candidate's lines
are checked; the texts of its links; its metadata."""
from __future__ import annotations

import re
import unicodedata

from htmldate import find_date
from lxml import etree
from trafilatura import metadata as trafilatura_metadata
from trafilatura.settings import MIN_DUPLICATE_LENGTH, set_date_params

from ...text.chars import INVISIBLE_HINTS, without_space
from ..prepare_html import text_of

# Elements a browser starts on a new line (and the row of a table, whose cells render_text keeps on one line),
# and the JSON-LD script, which is no part of the text around it.
BLOCK_TAGS = ("address", "article", "aside", "blockquote", "br", "caption", "center", "dd", "details", "div", "dl",
              "dt", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
              "main", "nav", "ol", "p", "pre", "script", "section", "summary", "table", "tr", "ul")


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


_INVISIBLE_RE = re.compile(f"[{INVISIBLE_HINTS}]")  # on a whole page: 15x faster than str.translate


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

# htmldate's quick search finds the same dates on the cwced pages as its extensive one, at half the cost.
_DATE_PARAMS = set_date_params(False)


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
