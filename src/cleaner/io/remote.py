"""Paths through fsspec (``s3://``, ``gs://``, ``memory://``...), the optional extra ``cleaner[fsspec]``.

A path with a protocol (``NAME://``) is a URL; anything else is a local path and never goes through
fsspec. Inputs are read straight from the store; an output is written to a local temporary file and
uploaded when complete (an object store has no rename, but one upload is all or nothing), so a reader
never sees half a file.
"""
from __future__ import annotations

import re
from typing import IO, Any

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def is_url(path: Any) -> bool:
    return isinstance(path, str) and _URL.match(path) is not None


def _fs(url: str):
    """(file system, path inside it) of ``url``; ImportError naming the package to install."""
    try:
        import fsspec.core
    except ImportError as e:
        raise ImportError(f"{url}: paths with a protocol need fsspec: pip install 'cleaner[fsspec]'",
                          name="fsspec") from e
    return fsspec.core.url_to_fs(url)


def exists(url: str) -> bool:
    fs, path = _fs(url)
    return fs.exists(path)


def is_folder(url: str) -> bool:
    fs, path = _fs(url)
    return fs.isdir(path)


def list_files(url: str) -> list[tuple[str, str]]:
    """(file URL, path relative to ``url``) of every file under the folder ``url``, in sorted order; the
    file URL is ``url`` as given joined with the relative path. Names starting with ``.`` are left out,
    as in local folders."""
    fs, root = _fs(url)
    root = root.rstrip("/")
    out = []
    for path in sorted(fs.find(root)):
        relative = path[len(root):].lstrip("/")
        if any(part.startswith(".") for part in relative.split("/")):
            continue
        out.append((url.rstrip("/") + "/" + relative, relative))
    return out


def open_input(url: str) -> IO[bytes]:
    fs, path = _fs(url)
    return fs.open(path, "rb")


def size(url: str) -> int | None:
    fs, path = _fs(url)
    return fs.info(path).get("size")


def upload(local_path: str, url: str) -> None:
    fs, path = _fs(url)
    fs.put_file(local_path, path)


def open_output_text(url: str) -> IO[str]:
    """A small text file (the stats) written straight to the store."""
    fs, path = _fs(url)
    return fs.open(path, "w", encoding="utf-8")
