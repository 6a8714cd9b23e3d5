"""Input files to Documents: ``.html/.htm``, ``.txt``, ``.jsonl`` and WARC, each optionally gzip or zstd;
``.parquet`` and ``.arrow`` tables (:mod:`cleaner.io.parquet`).

Nothing here raises for bad input. A file or record that cannot be read becomes a Document with
``rejected`` set (a code from :mod:`cleaner.errors`) and ``reject_detail``, so that every input record
is counted. Files are streamed: a page is held in memory only up to ``Config.max_page_bytes``.

Conventions:

* Ids: a file's path relative to the folder argument (the folder argument in front when there are
  several arguments; the path as given when the argument is the file), unique in a run (see
  :func:`list_input_files`); a JSONL record's or table row's ``id`` (``Config.id_field``; else
  ``FILE:LINE``, lines counted from 1, or ``FILE:ROW``, rows counted from 0); a WARC record's ``WARC-Target-URI``. When
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
  ``.txt`` files are decoded by that same stage, in the text pipeline.
* JSONL ``html`` stays a ``str`` in ``doc.raw`` (its bytes are gone; re-encoding would contradict a
  ``<meta charset>``), ``text`` goes to ``doc.text``.
"""
from __future__ import annotations

import fnmatch
import os
import stat
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import IO

from .. import errors
from ..config import Config
from ..document import Document
from . import remote
from .jsonl import read_jsonl
from .streams import GZIP_MAGIC, LZ4_MAGIC, ZSTD_MAGIC, InputError, MemberStream, PlainStream, Stream, TruncatedInput
from .warc import read_warc

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
TEXT_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")
WARC_SUFFIXES = (".warc",)
TABLE_SUFFIXES = {".parquet": "parquet", ".arrow": "arrow"}  # read whole (seekable), never compressed
COMPRESSION_SUFFIXES = (".gz", ".zst", ".zstd", ".lz4")


def list_input_files(paths: list[str], pattern: str | None = None,
                     skipped: Counter | None = None) -> list[tuple[Path, str]]:
    """(file, id base) for every file under ``paths``, in order. A path that cannot be listed or does not
    exist is still returned, so that :func:`iter_file` turns it into a reject.

    Ids are unique in the list: a file argument's id is its path as given; a file found in a folder is
    named by its path relative to the folder, with the folder argument in front when there are several
    arguments; a name that still repeats (a file reached twice) gets `` (2)``, `` (3)``... In a folder,
    only files whose relative path or name matches ``pattern`` (fnmatch) are read when it is given, and
    files of a kind this package does not read are left out and counted in ``skipped["files"]``."""
    out: list[tuple[Path, str]] = []
    for arg in paths:
        url = remote.is_url(arg)
        root = Path(arg)
        if remote.is_folder(arg) if url else root.is_dir():
            found: list[tuple[Path, str]] = []
            prefix = _printable(arg.rstrip("/\\")) + "/" if len(paths) > 1 else ""
            if url:  # URLs stay strings: a Path would fold the "//" of the protocol
                found = [(file, prefix + relative) for file, relative in remote.list_files(arg)]
            else:
                _walk(root, prefix, set(), found)
            for path, id_base in found:
                relative = id_base[len(prefix):]
                name = PurePosixPath(path).name if url else path.name
                if pattern and not (fnmatch.fnmatchcase(relative, pattern) or fnmatch.fnmatchcase(name, pattern)):
                    continue
                if (url or path.is_file()) and file_kind(path) is None:
                    if skipped is not None:
                        skipped["files"] += 1
                    continue
                out.append((path, id_base))
        else:
            out.append((arg if url else root, _printable(arg)))
    seen: Counter = Counter()
    for i, (path, id_base) in enumerate(out):
        seen[id_base] += 1
        if seen[id_base] > 1:
            out[i] = (path, f"{id_base} ({seen[id_base]})")
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


def open_input(path: Path | str):
    """An input file (a local path or a URL, see :mod:`cleaner.io.remote`) opened for reading bytes."""
    return remote.open_input(path) if remote.is_url(path) else open(path, "rb")


def _printable(name: str | os.PathLike) -> str:
    """A file name or path as valid UTF-8 text: undecodable bytes become ``\\xNN``."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def file_kind(path: Path) -> str | None:
    """``html``, ``text``, ``jsonl`` or ``warc`` from the name (a compression suffix ignored), ``parquet`` or
    ``arrow``, else None."""
    name = PurePosixPath(path).name.lower() if remote.is_url(path) else path.name.lower()
    for suffix, kind in TABLE_SUFFIXES.items():
        if name.endswith(suffix):
            return kind
    for suffix in COMPRESSION_SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    for kind, suffixes in (("html", HTML_SUFFIXES), ("text", TEXT_SUFFIXES), ("jsonl", JSONL_SUFFIXES),
                           ("warc", WARC_SUFFIXES)):
        if name.endswith(suffixes):
            return kind
    return None


def iter_file(path: Path, id_base: str, config: Config, skipped: Counter | None = None,
              opened: Callable[[IO[bytes]], None] | None = None) -> Iterator[Document]:
    """One file's documents (see :func:`iter_documents`). ``opened`` is given the file object once it is
    open, so a caller can follow how far it has been read (``tell()``)."""
    source = _printable(path)

    def reject(reason: str, detail: str, doc_id: str = id_base, where: str = source) -> Document:
        doc = Document(id=doc_id, source=where)
        doc.reject(reason, detail)
        return doc

    try:
        info = None if remote.is_url(path) else path.stat()  # a URL: the store tells when it is opened
        if info is not None and stat.S_ISDIR(info.st_mode):
            # Folders reach this point only when list_input_files could not list them.
            os.scandir(path).close()
            yield reject(errors.UNREADABLE_FILE, "a folder, not a file")
            return
        if info is not None and not stat.S_ISREG(info.st_mode):
            yield reject(errors.UNSUPPORTED_FILE, "not a regular file")
            return
        kind = file_kind(path)
        if kind is None:
            name = _printable(PurePosixPath(path).name)
            yield reject(errors.UNSUPPORTED_FILE, f"not a kind clean-corpus reads: {name!r}")
            return
        raw = open_input(path)
        if opened is not None:
            opened(raw)
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
        if kind in TABLE_SUFFIXES.values():
            import pyarrow as pa  # here: importing pyarrow costs every run a noticeable part of a second

            from .parquet import read_table

            try:
                yield from read_table(raw, kind, id_base, source, config, skipped)
            except (pa.ArrowException, OSError) as e:
                yield reject(errors.UNREADABLE_FILE, f"not a readable {kind} file: {e}")
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
    else:
        doc.raw, doc.kind = data, kind
    yield doc
