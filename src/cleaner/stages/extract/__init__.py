"""Stage 2b: main text and metadata out of the prepared tree, with trafilatura.

Extraction takes the best of its candidates on each page, chosen by :func:`.candidates.choose` on evidence
any page has (how much of the page's visible text a candidate keeps, whether one contains the other, how much
of it is link text); the choice and its reason go in ``doc.meta["extractor"]`` and
``doc.meta["extractor_reason"]``:

1. trafilatura in precision mode, always: in its default mode a short article page comes out with the
   navigation, "related" lists and forum footers around it, and on the cwced pages precision scores
   higher. It runs without its readability comparison (trafilatura's "fast"), and only when it kept a
   small share of the page's visible text is its result compared with readability's, as trafilatura's
   non-fast mode does after extracting (:func:`.runs.readability_opinion`). trafilatura's comments are on
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

The prepared tree is changed first where trafilatura would misread it (:mod:`.tree`). trafilatura's output
tree becomes text in :mod:`.render`, and its lines are checked against the page in :mod:`.page`: a paragraph
the page shows twice in a row comes out twice (:func:`.page.lines_as_on_page`). :mod:`.runs` holds the
trafilatura runs, :mod:`.candidates` the choice among them.
"""
from __future__ import annotations

import trafilatura
from lxml import etree
from trafilatura.settings import Extractor

from ...document import Document
from ...text.chars import prose_chars, visible_chars
from ..base import Stage
from ..limits import check_size
from .candidates import (MIN_FAST_SHARE, MIN_PROSE_SHARE, PRECISION_ALONE, PRECISION_WITH_OPINION, Candidate, choose,
                         needs_default)
from .page import BLOCK_BREAK, anchor_text, fold_page, lines_as_on_page, page_blocks, page_metadata
from .render import render_text
from .runs import PageAttributes, extraction_sequence, extractor, readability_opinion
from .tree import (PRUNED, drop_empty, strip_unread, unlayout_tables, unlink_heading_anchors, unwrap_empty_inline,
                   unwrap_prose_headers, unwrap_spans_in_sentences, wrap_loose_runs)


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
        """What ``bare_extraction`` runs with these options (:func:`.runs.extraction_sequence`), without its copy of
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
