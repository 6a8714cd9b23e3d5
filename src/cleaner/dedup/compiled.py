"""numba compilation with an on-disk cache that degrades to in-memory compilation.

``cache=True`` stores machine code next to the module (``__pycache__``), or in ``NUMBA_CACHE_DIR`` when
that is set, so a second run of ``clean-corpus`` loads it instead of compiling again. When no cache
location is writable (a read-only install without ``NUMBA_CACHE_DIR``), numba refuses ``cache=True``
outright; the kernels are then compiled on first use in each process, which is slower to start but
otherwise identical.
"""
from __future__ import annotations

from collections.abc import Callable

import numba


def kernel(**options) -> Callable:
    """``numba.njit(cache=True, **options)``, or without the cache when no cache location is usable."""

    def compile_(function: Callable) -> Callable:
        try:
            return numba.njit(cache=True, **options)(function)
        except RuntimeError:  # "cannot cache function ...: no locator available"
            return numba.njit(cache=False, **options)(function)

    return compile_
