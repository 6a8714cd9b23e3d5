"""trafilatura's runs on the prepared tree: its settings for each candidate, its extraction sequence, and
readability's second opinion."""
from __future__ import annotations

import re
from copy import copy
from dataclasses import dataclass
from functools import cache

from lxml import etree
from trafilatura.core import _forum_thread_page, trafilatura_sequence
from trafilatura.external import compare_extraction
from trafilatura.htmlprocessing import convert_tags, prune_unwanted_nodes, tree_cleaning
from trafilatura.main_extractor import extract_comments, extract_content
from trafilatura.settings import Extractor
from trafilatura.xpaths import RAW_TREE_PRUNE_XPATH, REMOVE_COMMENTS_AND_LISTS_XPATH, REMOVE_COMMENTS_XPATH

from .candidates import Candidate

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
    run, nor is the copy of the cleaned tree that only the comparison with readability reads (together 6–8% of
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
