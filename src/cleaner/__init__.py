"""cleaner: raw web-crawl pages in, clean deduplicated text out.

Public contract (see README): :func:`clean_html`, :func:`clean_text`, :func:`clean_batch`,
:func:`decode`, :func:`dedup`, :class:`Document`, :class:`Config`.
"""
from .api import clean_batch, clean_html, clean_text
from .config import Config
from .document import Document
from .stages.decode import decode
from .errors import Rejected
from .dedup import dedup

__all__ = ["Config", "Document", "Rejected", "clean_batch", "clean_html", "clean_text", "decode", "dedup"]
__version__ = "0.1.0"
