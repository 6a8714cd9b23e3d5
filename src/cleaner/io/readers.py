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
  JSON/UTF-8 (the file itself is still opened under its real name); a backslash in a name is written
  ``\\x5c``, so two different names never give the same id.
* Folders are walked in sorted order of names; names starting with ``.`` are skipped. A symlink inside a
  folder argument whose target lies outside that folder is not followed (counted in ``skipped`` as
  ``symlink_leaving_input``) unless ``Config.follow_symlinks``: a crawl folder someone else filled must not
  pull host files into a dataset. A folder reached a second time (a symlink loop, or two links to it) is
  walked once (``folder_seen_before``); a file symlink that loops is an ``unreadable_file`` reject.
* A compressed file's damaged member costs the records in it (an ``unreadable_file`` reject at its offset);
  reading goes on at the next member (see :mod:`cleaner.io.streams`). Bytes after the last member that are
  not one are counted in ``skipped`` as ``trailing_garbage``.
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
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import IO

from .. import errors
from ..config import Config
from ..document import Document
from . import remote
from .jsonl import read_jsonl
from .streams import (
    GZIP_MAGIC,
    LZ4_MAGIC,
    ZSTD_MAGIC,
    DigestReader,
    InputError,
    MemberStream,
    PlainStream,
    Stream,
    TruncatedInput,
)
from .warc import read_warc

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
TEXT_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")
WARC_SUFFIXES = (".warc",)
TABLE_SUFFIXES = {".parquet": "parquet", ".arrow": "arrow"}  # read whole (seekable), never compressed
COMPRESSION_SUFFIXES = (".gz", ".zst", ".zstd", ".lz4")


def list_input_files(paths: list[str], pattern: str | None = None, skipped: Counter | None = None,
                     follow_symlinks: bool = False, leave_out: Iterable[str | Path] = ()) -> list[tuple[Path, str]]:
    """(file, id base) for every file under ``paths``, in order. A path that cannot be listed or does not
    exist is still returned, so that :func:`iter_file` turns it into a reject.

    Ids are unique in the list: a file argument's id is its path as given; a file found in a folder is
    named by its path relative to the folder, with the folder argument in front when there are several
    arguments; a name that still repeats (a file reached twice) gets `` (2)``, `` (3)``... In a folder,
    only files whose relative path or name matches ``pattern`` (fnmatch) are read when it is given, and
    files of a kind this package does not read are left out and counted in ``skipped["files"]``.
    Symlinks: see the module notes; ``skipped`` counts the entries left out. Folders in ``leave_out`` (a
    run's own work folder) are not walked."""
    out: list[tuple[Path, str]] = []
    counts = skipped if skipped is not None else Counter()
    own = set()
    for folder in leave_out:
        try:
            info = os.stat(folder)
        except OSError:
            continue
        own.add((info.st_dev, info.st_ino))
    for arg in paths:
        url = remote.is_url(arg)
        root = Path(arg)
        if remote.is_folder(arg) if url else root.is_dir():
            found: list[tuple[Path, str]] = []
            prefix = _printable(arg.rstrip("/\\")) + "/" if len(paths) > 1 else ""
            if url:  # URLs stay strings: a Path would fold the "//" of the protocol
                found = [(file, prefix + relative) for file, relative in remote.list_files(arg)]
            else:
                _walk(root, prefix, set(own), found, None if follow_symlinks else os.path.realpath(root), counts, own)
            for path, id_base in found:
                relative = id_base[len(prefix):]
                name = PurePosixPath(path).name if url else path.name
                if pattern and not _matches(relative, name, pattern):
                    continue
                if (url or path.is_file()) and file_kind(path) is None:
                    counts["files"] += 1
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


def _walk(folder: Path, prefix: str, seen: set[tuple[int, int]], out: list[tuple[Path, str]],
          inside: str | None, skipped: Counter, own: set[tuple[int, int]]) -> None:
    try:
        info = folder.stat()
        key = (info.st_dev, info.st_ino)
        if key in seen:
            if key not in own:
                skipped["folder_seen_before"] += 1
            return
        seen.add(key)
        entries = sorted(os.scandir(folder), key=lambda e: os.fsencode(e.name))
    except OSError:
        out.append((folder, prefix.rstrip("/") or _printable(folder.name)))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if inside is not None and entry.is_symlink():
            target = os.path.realpath(entry.path)
            if target != inside and not target.startswith(inside.rstrip(os.sep) + os.sep):
                skipped["symlink_leaving_input"] += 1
                continue
        id_base = prefix + _printable(entry.name)
        path = Path(entry.path)
        try:
            is_dir = entry.is_dir()  # follows symlinks; `seen` stops loops
        except OSError:
            is_dir = False
        if is_dir:
            _walk(path, id_base + "/", seen, out, inside, skipped, own)
        else:
            out.append((path, id_base))


def open_input(path: Path | str):
    """An input file (a local path or a URL, see :mod:`cleaner.io.remote`) opened for reading bytes."""
    return remote.open_input(path) if remote.is_url(path) else open(path, "rb")


def overwrites_input(files: list[tuple[Path, str]], targets: dict[str, str | Path | None]) -> str | None:
    """What is wrong when one of ``targets`` (name -> path to be written) is one of the input ``files``:
    the same file by device and inode, so also through ``..``, symlinks and hard links; else None."""
    inputs: dict[tuple[int, int], Path] = {}
    for path, _ in files:
        if remote.is_url(path):  # an object store's file is never one of this machine's
            continue
        try:
            info = path.stat()
        except OSError:
            continue
        inputs.setdefault((info.st_dev, info.st_ino), path)
    for name, target in targets.items():
        if target is None or remote.is_url(target):
            continue
        try:
            info = os.stat(target)
        except OSError:
            continue
        same = inputs.get((info.st_dev, info.st_ino))
        if same is not None:
            return f"{name} {target} is the input file {_printable(same)}; it would be overwritten"
    return None


def _matches(relative: str, name: str, pattern: str) -> bool:
    """``--glob``: a file in a folder is read when its relative path or its name matches."""
    return fnmatch.fnmatchcase(relative, pattern) or fnmatch.fnmatchcase(name, pattern)


def inside_input_folder(folders: list[str], targets: dict[str, str | None], pattern: str | None = None) -> str | None:
    """What is wrong when one of ``targets`` (name -> path to be written) would land in one of the input
    ``folders`` as a file a later run over that folder reads (a page, records): that run would take a
    report or an earlier output for input. Else None."""
    roots = [(arg, os.path.realpath(arg)) for arg in folders if not remote.is_url(arg) and os.path.isdir(arg)]
    for name, target in targets.items():
        if target is None or remote.is_url(target) or file_kind(Path(target)) is None:
            continue
        where = os.path.realpath(os.path.dirname(os.path.abspath(target)))
        for arg, root in roots:
            relative = os.path.relpath(os.path.join(where, os.path.basename(target)), root)
            if relative.startswith(os.pardir) or (pattern and not _matches(relative, os.path.basename(target),
                                                                            pattern)):
                continue
            return (f"{name} {target} would be in the input folder {_printable(arg)}, where a later run "
                    "over that folder would read it as input; write it elsewhere")
    return None


def _printable(name: str | os.PathLike) -> str:
    """A file name or path as valid UTF-8 text: undecodable bytes become ``\\xNN`` and a backslash
    ``\\x5c``, so that different names stay different."""
    return os.fsencode(name).replace(b"\\", b"\\x5c").decode("utf-8", "backslashreplace")


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
              opened: Callable[[IO[bytes]], None] | None = None,
              track: Callable[[DigestReader], None] | None = None) -> Iterator[Document]:
    """One file's documents (see the module notes). ``opened`` is given the file object once it is open,
    so a caller can follow how far it has been read (``tell()``); ``track``, when given, is handed the file
    as a :class:`DigestReader`, whose digest covers the whole file once the documents are out."""
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
        source_file = raw
        if track is not None:
            source_file = DigestReader(raw)
            track(source_file)
        if magic.startswith(GZIP_MAGIC):
            stream: Stream = MemberStream(source_file, "gzip")
        elif magic.startswith(ZSTD_MAGIC):
            stream = MemberStream(source_file, "zstd")
        else:
            stream = PlainStream(source_file)
        reader = {"html": _read_page, "text": _read_page, "jsonl": read_jsonl, "warc": read_warc}[kind]
        try:
            yield from reader(stream, kind, id_base, source, config, skipped)
            if stream.trailing_garbage and skipped is not None:
                skipped["trailing_garbage"] += 1
            if track is not None:
                source_file.finish()  # the digest covers the bytes no reader needed too
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
