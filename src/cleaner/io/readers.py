"""Input files to Documents: ``.html/.htm``, ``.txt``, ``.jsonl`` and WARC, each optionally gzip or zstd.

Nothing here raises for bad input. A file or record that cannot be read becomes a Document with
``rejected`` set (a code from :mod:`cleaner.errors`) and ``reject_detail``, so that every input record
is counted. Files are streamed: a page is held in memory only up to ``Config.max_page_bytes``.

Conventions:

* Ids: a file's path relative to the folder argument (its name when the argument is the file); a JSONL
  record's ``id`` (else ``FILE:LINE``, lines counted from 1); a WARC record's ``WARC-Target-URI``. When
  the same URI appears again in one WARC file, the later records get `` (2)``, `` (3)``... appended
  (spaces in the URI are first written ``%20``, so the suffix cannot collide with a real URI). A WARC
  record without a URI gets ``FILE@OFFSET``.
* ``source``: the input path as given plus ``:LINE`` (JSONL) or ``@OFFSET`` (WARC). For a plain WARC the
  offset is the record's byte offset; for a compressed one it is the offset of the gzip member or zstd
  frame the record starts in (what Common Crawl's index gives), followed by ``+N`` when the record
  starts N decompressed bytes into that member (a WARC compressed as one stream).
* File-name bytes that are not UTF-8 are written ``\\xNN`` in ids and sources, so both stay valid
  JSON/UTF-8 (the file itself is still opened under its real name).
* Folders are walked in sorted order of names; names starting with ``.`` are skipped; a symlinked folder is
  followed once (a symlink loop ends there).
* WARC: only ``response`` records with a 2xx HTTP status and an HTML payload (``text/html`` or
  ``application/xhtml+xml``, or sniffed when the header is missing) are documents; the rest (requests,
  metadata, images, redirects...) are not input documents and are only counted in ``skipped``.
  ``Transfer-Encoding: chunked`` and ``Content-Encoding`` gzip/deflate are undone here (and those headers
  and ``Content-Length`` left out of ``doc.headers``); ``br`` is rejected (``undecodable``). Bytes that
  are not a WARC record (after a wrong ``Content-Length``, say) are one ``unreadable_file`` reject, after
  which reading resumes at the next ``WARC/`` version line.
* Binary payloads (a PNG named ``.html``) are not detected here: the decode stage
  (:class:`cleaner.stages.decode.DecodeStage`) rejects them as ``not_html``, in one place for every input kind.
  ``.txt`` files are decoded here by that same stage.
* JSONL ``html`` stays a ``str`` in ``doc.raw`` (its bytes are gone; re-encoding would contradict a
  ``<meta charset>``), ``text`` goes to ``doc.text``.
"""
from __future__ import annotations

import os
import stat
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from .. import errors
from ..config import Config
from ..document import Document
from ..stages.decode import DecodeStage
from .jsonl import read_jsonl
from .streams import GZIP_MAGIC, LZ4_MAGIC, ZSTD_MAGIC, InputError, MemberStream, PlainStream, Stream, TruncatedInput
from .warc import read_warc

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
TEXT_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")
WARC_SUFFIXES = (".warc",)
COMPRESSION_SUFFIXES = (".gz", ".zst", ".zstd", ".lz4")


def list_input_files(paths: list[str]) -> list[tuple[Path, str]]:
    """(file, id base) for every file under ``paths``, in order. A path that cannot be listed or does not
    exist is still returned, so that :func:`iter_file` turns it into a reject."""
    out: list[tuple[Path, str]] = []
    for arg in paths:
        root = Path(arg)
        if root.is_dir():
            _walk(root, "", set(), out)
        else:
            out.append((root, _printable(root.name)))
    return out


def _walk(folder: Path, prefix: str, seen: set[tuple[int, int]], out: list[tuple[Path, str]]) -> None:
    try:
        info = folder.stat()
        key = (info.st_dev, info.st_ino)
        if key in seen:
            return
        seen.add(key)
        entries = sorted(os.scandir(folder), key=lambda e: os.fsencode(e.name))
    except OSError:
        out.append((folder, prefix.rstrip("/") or _printable(folder.name)))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        id_base = prefix + _printable(entry.name)
        path = Path(entry.path)
        try:
            is_dir = entry.is_dir()  # follows symlinks; `seen` stops loops
        except OSError:
            is_dir = False
        if is_dir:
            _walk(path, id_base + "/", seen, out)
        else:
            out.append((path, id_base))


def _printable(name: str | os.PathLike) -> str:
    """A file name or path as valid UTF-8 text: undecodable bytes become ``\\xNN``."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def file_kind(path: Path) -> str | None:
    """``html``, ``text``, ``jsonl`` or ``warc`` from the name (a compression suffix ignored), else None."""
    name = path.name.lower()
    for suffix in COMPRESSION_SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    for kind, suffixes in (("html", HTML_SUFFIXES), ("text", TEXT_SUFFIXES), ("jsonl", JSONL_SUFFIXES),
                           ("warc", WARC_SUFFIXES)):
        if name.endswith(suffixes):
            return kind
    return None


def iter_file(path: Path, id_base: str, config: Config, skipped: Counter | None = None) -> Iterator[Document]:
    """One file's documents (see :func:`iter_documents`)."""
    source = _printable(path)

    def reject(reason: str, detail: str, doc_id: str = id_base, where: str = source) -> Document:
        doc = Document(id=doc_id, source=where)
        doc.reject(reason, detail)
        return doc

    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            # Folders reach this point only when list_input_files could not list them.
            os.scandir(path).close()
            yield reject(errors.UNREADABLE_FILE, "a folder, not a file")
            return
        if not stat.S_ISREG(info.st_mode):
            yield reject(errors.UNSUPPORTED_FILE, "not a regular file")
            return
        kind = file_kind(path)
        if kind is None:
            yield reject(errors.UNSUPPORTED_FILE, f"not a kind clean-corpus reads: {_printable(path.name)!r}")
            return
        raw = open(path, "rb")
    except OSError as e:
        yield reject(errors.UNREADABLE_FILE, f"{type(e).__name__}: {e.strerror or e}")
        return
    with raw:
        try:
            magic = raw.read(4)
            raw.seek(0)
        except OSError as e:
            yield reject(errors.UNREADABLE_FILE, f"{type(e).__name__}: {e.strerror or e}")
            return
        if not magic:
            yield reject(errors.EMPTY, "empty file")
            return
        if magic.startswith(LZ4_MAGIC):
            yield reject(errors.UNSUPPORTED_FILE, "lz4 compression is not supported; decompress it first "
                                                   "(lz4 -d) or recompress with gzip or zstd")
            return
        if magic.startswith(GZIP_MAGIC):
            stream: Stream = MemberStream(raw, "gzip")
        elif magic.startswith(ZSTD_MAGIC):
            stream = MemberStream(raw, "zstd")
        else:
            stream = PlainStream(raw)
        reader = {"html": _read_page, "text": _read_page, "jsonl": read_jsonl, "warc": read_warc}[kind]
        try:
            yield from reader(stream, kind, id_base, source, config, skipped)
        except InputError as e:
            reason = errors.TRUNCATED_FILE if isinstance(e, TruncatedInput) else errors.UNREADABLE_FILE
            yield reject(reason, str(e), doc_id=e.doc_id or id_base, where=e.where or source)
        except OSError as e:
            yield reject(errors.UNREADABLE_FILE, f"{type(e).__name__}: {e.strerror or e}")
        except Exception as e:  # a bug here must not end the whole run
            yield reject(errors.INTERNAL_ERROR, f"reading {kind}: {type(e).__name__}: {e}")


# --- html and text files -------------------------------------------------------------------------


def _read_page(stream: Stream, kind: str, id_base: str, source: str, config: Config,
               skipped: Counter | None) -> Iterator[Document]:
    data = stream.read(config.max_page_bytes + 1)
    doc = Document(id=id_base, source=source)
    if len(data) > config.max_page_bytes:
        doc.reject(errors.TOO_LARGE, f"page larger than max_page_bytes ({config.max_page_bytes})")
    elif not data:
        doc.reject(errors.EMPTY, "empty file")
    elif kind == "html":
        doc.raw = data
    else:
        _decode_text(doc, data, config)
    yield doc


def _decode_text(doc: Document, data: bytes, config: Config) -> None:
    """Text file bytes to ``doc.text`` by the decode stage, so binary and undecodable files are rejected
    as pages are."""
    doc.raw = data
    try:
        DecodeStage(config).process(doc)
    except errors.Rejected as e:
        doc.reject(e.reason, e.detail)
    except Exception as e:  # a bug in decode must not lose the other records
        doc.reject(errors.INTERNAL_ERROR, f"decode: {type(e).__name__}: {e}")
    else:
        doc.text = doc.raw
    doc.raw = None
