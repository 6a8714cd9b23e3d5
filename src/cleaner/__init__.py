"""cleaner: raw web-crawl pages in, clean deduplicated text out.

Public contract (see README): :func:`clean_html`, :func:`clean_text`, :func:`clean_batch`,
:func:`decode`, :func:`dedup`, :class:`DedupIndex`, :class:`Document`, :class:`Config`.

The names are imported on first use (PEP 562), so that ``clean-corpus`` and a program that needs only
part of the package do not pay for loading trafilatura, OpenCC and numba up front.
"""
import importlib
import logging
import sys
import types

__all__ = ["Config", "DedupIndex", "Document", "Rejected", "clean_batch", "clean_html", "clean_text", "decode", "dedup"]
__version__ = "0.1.0"

_WHERE = {"clean_batch": ".api", "clean_html": ".api", "clean_text": ".api", "Config": ".config",
          "Document": ".document", "decode": ".stages.decode", "Rejected": ".errors", "dedup": ".dedup",
          "DedupIndex": ".dedup.index"}

logging.getLogger("cleaner").addHandler(logging.NullHandler())  # the application decides where logs go


class _Package(types.ModuleType):
    """Keeps ``cleaner.dedup`` the function when the subpackage of the same name is imported (the import
    system would set the package attribute to the subpackage, as an eager ``from .dedup import dedup``
    overwrote it)."""

    def __setattr__(self, name: str, value) -> None:
        if name in _WHERE and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cleaner' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
