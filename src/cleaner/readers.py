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
  (:class:`cleaner.encoding.DecodeStage`) rejects them as ``not_html``, in one place for every input kind.
  ``.txt`` files are decoded here by that same stage.
* JSONL ``html`` stays a ``str`` in ``doc.raw`` (its bytes are gone; re-encoding would contradict a
  ``<meta charset>``), ``text`` goes to ``doc.text``.
"""
from __future__ import annotations

import json
import os
import re
import stat
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import zstandard

from . import errors
from .config import Config
from .document import Document
from .encoding import DecodeStage

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
TEXT_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")
WARC_SUFFIXES = (".warc",)
COMPRESSION_SUFFIXES = (".gz", ".zst", ".zstd", ".lz4")

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
LZ4_MAGIC = b"\x04\x22\x4d\x18"

CHUNK = 1 << 16
# zstd has no output bound per call, so compressed input goes in small pieces to bound each step's output.
ZSTD_INPUT_PIECE = 1 << 12
# A header line (WARC or HTTP) longer than this, or more header lines than this, is not a real header.
MAX_HEADER_LINE = 1 << 16
MAX_HEADER_LINES = 1024
HTML_MEDIA_TYPES = ("text/html", "application/xhtml+xml")
# HTTP headers that describe the payload as sent, which doc.raw (decoded) no longer is
TRANSPORT_HEADERS = ("Content-Encoding", "Transfer-Encoding", "Content-Length")


class _InputError(Exception):
    """Reading a file broke off; ``doc_id`` and ``where`` name the record it broke off in, when known."""

    doc_id: str | None = None
    where: str | None = None

    def at(self, doc_id: str, where: str) -> "_InputError":
        self.doc_id, self.where = doc_id, where
        return self


class TruncatedInput(_InputError):
    """The file ends inside a compressed member or a record."""


class CorruptInput(_InputError):
    """Compressed data that does not decompress."""


def iter_documents(paths: list[str], config: Config, skipped: Counter | None = None) -> Iterator[Document]:
    """Every input document, in a deterministic order (sorted paths within folders, file order within
    files). A Document has id, source, url, headers and either raw (page bytes, for .html/.htm and WARC
    response payloads; a str for JSONL 'html') or text (for .txt and JSONL 'text'). A record or file that
    cannot be read is yielded as a Document with .rejected set and reject_detail, id and source filled, so
    the caller counts it; nothing raises for bad input. ``skipped`` (optional) counts WARC records that are
    not documents, by kind."""
    for path, id_base in list_input_files(paths):
        yield from iter_file(path, id_base, config, skipped=skipped)


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
            stream: _Stream = _MemberStream(raw, "gzip")
        elif magic.startswith(ZSTD_MAGIC):
            stream = _MemberStream(raw, "zstd")
        else:
            stream = _PlainStream(raw)
        reader = {"html": _read_page, "text": _read_page, "jsonl": _read_jsonl, "warc": _read_warc}[kind]
        try:
            yield from reader(stream, kind, id_base, source, config, skipped)
        except _InputError as e:
            reason = errors.TRUNCATED_FILE if isinstance(e, TruncatedInput) else errors.UNREADABLE_FILE
            yield reject(reason, str(e), doc_id=e.doc_id or id_base, where=e.where or source)
        except OSError as e:
            yield reject(errors.UNREADABLE_FILE, f"{type(e).__name__}: {e.strerror or e}")
        except Exception as e:  # a bug here must not end the whole run
            yield reject(errors.INTERNAL_ERROR, f"reading {kind}: {type(e).__name__}: {e}")


# --- byte streams --------------------------------------------------------------------------------


class _Stream:
    """Buffered reading with a bounded ``readline`` and the position of every byte handed out."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._pos = 0        # decompressed bytes handed out so far
        self._eof = False

    def _fill(self) -> bool:
        """Append more bytes to the buffer; False at the end of the input."""
        raise NotImplementedError

    def location(self) -> str:
        """Where the next unread byte lies in the file (see the module notes)."""
        raise NotImplementedError

    def at_end(self) -> bool:
        while not self._buf:
            if self._eof or not self._fill():
                self._eof = True
                return True
        return False

    def peek(self, n: int) -> bytes:
        """The next ``n`` bytes (fewer at the end of the input), left unread."""
        while len(self._buf) < n and not self._eof:
            if not self._fill():
                self._eof = True
        return bytes(self._buf[:n])

    def read(self, n: int) -> bytes:
        """Up to ``n`` bytes; fewer only at the end of the input."""
        while len(self._buf) < n and not self._eof:
            if not self._fill():
                self._eof = True
        with memoryview(self._buf) as view:
            out = bytes(view[:n])  # one copy, not two
        del self._buf[:n]
        self._pos += len(out)
        return out

    def readline(self, limit: int) -> bytes:
        """One line with its ``\\n``, or the first ``limit`` bytes of a longer one."""
        start = 0
        while True:
            end = self._buf.find(b"\n", start, limit)
            if end >= 0:
                return self.read(end + 1)
            if len(self._buf) >= limit or self._eof:
                return self.read(limit)
            start = len(self._buf)
            if not self._fill():
                self._eof = True

    def skip(self, n: int) -> int:
        """Discard up to ``n`` bytes without holding them; returns how many there were."""
        done = 0
        while done < n:
            got = len(self.read(min(CHUNK, n - done)))
            if not got:
                break
            done += got
        return done

    def skip_line(self) -> None:
        """Discard the rest of the current line, however long."""
        while True:
            part = self.readline(CHUNK)
            if not part or part.endswith(b"\n"):
                return


class _PlainStream(_Stream):
    def __init__(self, raw) -> None:
        super().__init__()
        self._raw = raw

    def _fill(self) -> bool:
        data = self._raw.read(CHUNK)
        self._buf += data
        return bool(data)

    def location(self) -> str:
        return str(self._pos)


class _MemberStream(_Stream):
    """A gzip or zstd file decompressed member by member (frame by frame), remembering where each member
    starts in the compressed file, so that a record can be located as Common Crawl's index does."""

    def __init__(self, raw, codec: str) -> None:
        super().__init__()
        self._raw = raw
        self._codec = codec
        self._magic = GZIP_MAGIC if codec == "gzip" else ZSTD_MAGIC
        self._pending = b""      # compressed bytes read but not yet given to a decompressor
        self._offset = 0         # compressed offset of the first byte in _pending
        self._decoder = None
        # (decompressed position, compressed offset) where each member still in reach starts
        self._starts: list[tuple[int, int]] = []

    def _more_input(self) -> bool:
        data = self._raw.read(CHUNK)
        self._pending += data
        return bool(data)

    def _fill(self) -> bool:
        while True:
            if self._decoder is None:
                while len(self._pending) < len(self._magic) and self._more_input():
                    pass
                if not self._pending or not self._pending.strip(b"\0"):
                    return False  # clean end (NUL padding after the last member is tolerated)
                if not self._pending.startswith(self._magic):
                    raise CorruptInput(f"data at compressed offset {self._offset} is not {self._codec}")
                self._decoder = (zlib.decompressobj(31) if self._codec == "gzip"
                                 else zstandard.ZstdDecompressor().decompressobj())
                while len(self._starts) > 1 and self._starts[1][0] <= self._pos:
                    del self._starts[0]
                self._starts.append((self._pos + len(self._buf), self._offset))
            if not self._pending and not self._more_input():
                raise TruncatedInput(f"{self._codec} stream ends inside the member that starts at compressed "
                                     f"offset {self._starts[-1][1]}")
            piece = self._pending if self._codec == "gzip" else self._pending[:ZSTD_INPUT_PIECE]
            try:
                if self._codec == "gzip":
                    out = self._decoder.decompress(piece, CHUNK)
                    left = self._decoder.unconsumed_tail if not self._decoder.eof else self._decoder.unused_data
                else:
                    out = self._decoder.decompress(piece)
                    left = (self._decoder.unused_data if self._decoder.eof else b"") + self._pending[len(piece):]
            except (zlib.error, zstandard.ZstdError) as e:
                raise CorruptInput(f"corrupt {self._codec} data in the member that starts at compressed offset "
                                   f"{self._starts[-1][1]}: {e}") from None
            self._offset += len(self._pending) - len(left)
            self._pending = left
            if self._decoder.eof:
                self._decoder = None
            if out:
                self._buf += out
                return True

    def location(self) -> str:
        pos = self._pos
        while len(self._starts) > 1 and self._starts[1][0] <= pos:
            del self._starts[0]
        if not self._starts:  # nothing read yet
            return "0"
        start, offset = self._starts[0]
        return str(offset) if pos == start else f"{offset}+{pos - start}"


# --- html and text files -------------------------------------------------------------------------


def _read_page(stream: _Stream, kind: str, id_base: str, source: str, config: Config,
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


# --- JSONL ---------------------------------------------------------------------------------------


_SURROGATE = re.compile("[\ud800-\udfff]")


def _valid_text(value: str) -> str:
    """``value`` with lone surrogates (legal in JSON escapes, not in UTF-8) replaced by U+FFFD."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", value)


def _read_jsonl(stream: _Stream, kind: str, id_base: str, source: str, config: Config,
                skipped: Counter | None) -> Iterator[Document]:
    number = 0
    while True:
        number += 1
        line_id, where = f"{id_base}:{number}", f"{source}:{number}"
        try:
            line = stream.readline(config.max_page_bytes + 1)
        except _InputError as e:
            raise e.at(line_id, where)
        if not line:
            return
        if len(line) > config.max_page_bytes and not line.endswith(b"\n"):
            stream.skip_line()
            doc = Document(id=line_id, source=where)
            doc.reject(errors.TOO_LARGE, f"line longer than max_page_bytes ({config.max_page_bytes})")
            yield doc
            continue
        if not line.strip():
            continue
        yield _jsonl_document(line, line_id, where)


def _jsonl_document(line: bytes, line_id: str, where: str) -> Document:
    doc = Document(id=line_id, source=where)
    try:
        record = json.loads(line)
    except (ValueError, RecursionError) as e:
        doc.reject(errors.BAD_JSON, f"not JSON: {str(e)[:200]}")
        return doc
    if not isinstance(record, dict):
        doc.reject(errors.BAD_JSON, f"a JSON {type(record).__name__}, not an object")
        return doc
    html, text, rid, url, headers = (record.get(k) for k in ("html", "text", "id", "url", "headers"))
    problem = None
    if isinstance(html, str):
        doc.raw = _valid_text(html)
    elif isinstance(text, str):
        doc.text = _valid_text(text)
    else:
        problem = "no string field 'html' or 'text'"
    if rid is not None:
        if isinstance(rid, bool) or not isinstance(rid, (str, int)):
            problem = "'id' must be a string or an integer"
        else:
            doc.id = _valid_text(str(rid))
    if url is not None:
        if isinstance(url, str):
            doc.url = _valid_text(url)
        else:
            problem = "'url' must be a string"
    if headers is not None:
        if isinstance(headers, dict) and all(isinstance(v, str) for v in headers.values()):
            doc.headers = {_valid_text(k): _valid_text(v) for k, v in headers.items()}
        else:
            problem = "'headers' must be an object of strings"
    if problem:
        doc.raw, doc.text, doc.headers = None, "", None
        doc.reject(errors.BAD_JSON, problem)
    return doc


# --- WARC ----------------------------------------------------------------------------------------


class _BadRecord(Exception):
    """Bytes where a WARC record was expected that are not one."""


def _header_text(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def _canonical_name(name: str) -> str:
    return "-".join(part.capitalize() for part in name.strip().split("-"))


def _read_headers(next_line) -> dict[str, str]:
    """Header lines up to the empty line, folded continuation lines joined; names in canonical case."""
    headers: dict[str, str] = {}
    last = None
    for _ in range(MAX_HEADER_LINES):
        line = next_line()
        if not line:
            raise _BadRecord("headers end without an empty line")
        if not line.endswith(b"\n"):
            raise _BadRecord("header line too long or cut off")
        if line in (b"\r\n", b"\n"):
            return headers
        if line[:1] in (b" ", b"\t") and last:
            headers[last] += " " + _header_text(line).strip()
            continue
        name, sep, value = line.partition(b":")
        if not sep:
            raise _BadRecord(f"not a header line: {line[:80]!r}")
        last = _canonical_name(_header_text(name))
        headers[last] = _header_text(value).strip()
    raise _BadRecord(f"more than {MAX_HEADER_LINES} header lines")


_VERSION_START = re.compile(rb"WARC/\d+\.\d+\r?\n")


def _is_version_line(line: bytes) -> bool:
    return _VERSION_START.fullmatch(line) is not None


def _read_warc(stream: _Stream, kind: str, id_base: str, source: str, config: Config,
               skipped: Counter | None) -> Iterator[Document]:
    counts = skipped if skipped is not None else Counter()
    seen_uris: Counter = Counter()
    while True:
        # Records are separated by two CRLFs; tolerate any number of empty lines.
        try:
            while stream.peek(1) in (b"\r", b"\n"):
                stream.read(1)
            if stream.at_end():
                return
            where = f"{source}@{stream.location()}"
            version = stream.readline(MAX_HEADER_LINE)
        except _InputError as e:
            raise e.at(f"{id_base}@{stream.location()}", f"{source}@{stream.location()}")
        record_id = f"{id_base}@{where.rpartition('@')[2]}"
        try:
            if not _is_version_line(version):
                raise _BadRecord(f"expected a WARC version line, found {version[:60]!r}")
            warc = _read_headers(lambda: stream.readline(MAX_HEADER_LINE))
            length_text = warc.get("Content-Length", "")
            if not re.fullmatch(r"[0-9]{1,18}", length_text):
                raise _BadRecord(f"Content-Length is {length_text!r}")
        except _BadRecord as e:
            yield _bad_record(stream, record_id, where, str(e), counts)
            continue
        except _InputError as e:
            raise e.at(record_id, where)
        length = int(length_text)
        uri = warc.get("Warc-Target-Uri", "").strip("<> ").replace(" ", "%20")
        try:
            doc = _warc_response(stream, warc, length, where, config, counts)
        except _InputError as e:
            raise e.at(uri or record_id, where)
        if doc is not None:
            if uri:
                seen_uris[uri] += 1
                record_id = uri if seen_uris[uri] == 1 else f"{uri} ({seen_uris[uri]})"
            doc.id, doc.url = record_id, uri or None
            yield doc


def _bad_record(stream: _Stream, record_id: str, where: str, detail: str, counts: Counter) -> Document:
    """Skip to the next line that starts a WARC record; the bytes in between become one reject."""
    while not stream.at_end() and not _VERSION_START.match(stream.peek(16)):
        stream.skip_line()
    doc = Document(id=record_id, source=where)
    doc.reject(errors.UNREADABLE_FILE, f"malformed WARC record: {detail}")
    return doc


def _warc_response(stream: _Stream, warc: dict[str, str], length: int, where: str, config: Config,
                   counts: Counter) -> Document | None:
    """The document in one WARC record (whose headers are read), or None when it holds none. Consumes
    exactly the record's block."""
    warc_type = warc.get("Warc-Type", "").lower()
    block_type = warc.get("Content-Type", "application/http").lower()
    if warc_type != "response" or not block_type.startswith("application/http"):
        counts[f"warc_{warc_type or 'untyped'}" if warc_type != "response" else "warc_response_not_http"] += 1
        _skip_block(stream, length)
        return None
    left = length

    def next_line() -> bytes:
        nonlocal left
        line = stream.readline(min(MAX_HEADER_LINE, left))
        left -= len(line)
        return line

    doc = Document(source=where)
    status = next_line()
    match = re.match(rb"HTTP/\d(?:\.\d)? +(\d{3})", status)
    try:
        if not match:
            raise _BadRecord(f"not an HTTP status line: {status[:60]!r}")
        http = _read_headers(next_line)
    except _BadRecord as e:
        _skip_block(stream, left)
        doc.reject(errors.NOT_HTML, f"response record without HTTP headers: {e}")
        return doc
    code = int(match.group(1))
    media_type = http.get("Content-Type", "").split(";")[0].strip().lower()
    if not 200 <= code < 300:
        counts["warc_response_not_2xx"] += 1
        _skip_block(stream, left)
        return None
    if media_type and media_type not in HTML_MEDIA_TYPES:
        counts["warc_response_not_html"] += 1
        _skip_block(stream, left)
        return None
    if left > config.max_page_bytes:
        _skip_block(stream, left)
        doc.reject(errors.TOO_LARGE, f"payload of {left} bytes, over max_page_bytes ({config.max_page_bytes})")
        return doc
    payload = stream.read(left)
    if len(payload) < left:
        raise TruncatedInput(f"WARC record cut off: {len(payload)} of {left} payload bytes present")
    try:
        payload = _undo_encodings(payload, http, config.max_page_bytes)
    except errors.Rejected as e:
        doc.reject(e.reason, e.detail)
        return doc
    if not media_type and not _looks_like_html(payload):
        counts["warc_response_not_html"] += 1
        return None
    doc.raw = payload
    doc.headers = {k: v for k, v in http.items() if k not in TRANSPORT_HEADERS}
    return doc


def _skip_block(stream: _Stream, n: int) -> None:
    if stream.skip(n) < n:
        raise TruncatedInput("WARC record cut off before the end of its block")


def _undo_encodings(payload: bytes, http: dict[str, str], limit: int) -> bytes:
    """The payload with chunked transfer-encoding and gzip/deflate content-encoding undone. Crawlers
    often store the payload already decoded but keep the header, so a payload that is not in the
    declared form is taken as it is."""
    if "chunked" in http.get("Transfer-Encoding", "").lower():
        payload = _dechunk(payload)
    for coding in reversed([c.strip().lower() for c in http.get("Content-Encoding", "").split(",")]):
        if coding in ("", "identity"):
            continue
        if coding in ("gzip", "x-gzip"):
            if payload.startswith(GZIP_MAGIC):
                payload = _inflate(payload, 31, limit, coding)
        elif coding == "deflate":
            if payload[:1] == b"\x78":  # zlib header; else raw deflate
                payload = _inflate(payload, 15, limit, coding)
            elif payload.lstrip()[:1] != b"<":
                payload = _inflate(payload, -15, limit, coding)
        else:
            raise errors.Rejected(errors.UNDECODABLE, f"Content-Encoding {coding!r} is not supported")
    return payload


def _inflate(data: bytes, wbits: int, limit: int, coding: str) -> bytes:
    decoder = zlib.decompressobj(wbits)
    try:
        out = decoder.decompress(data, limit + 1)
    except zlib.error as e:
        raise errors.Rejected(errors.UNDECODABLE, f"bad {coding} payload: {e}") from None
    if len(out) > limit:
        raise errors.Rejected(errors.TOO_LARGE, f"{coding} payload inflates past max_page_bytes ({limit})")
    return out


def _dechunk(payload: bytes) -> bytes:
    """HTTP chunked transfer-encoding undone. A payload whose first line is not a chunk size was stored
    already de-chunked and is taken as it is; one that breaks off later is rejected."""
    first = payload.split(b"\n", 1)[0].split(b";")[0].strip()
    if not _CHUNK_SIZE.fullmatch(first):
        return payload
    out = bytearray()
    pos = 0
    while pos < len(payload):
        end = payload.find(b"\n", pos)
        end = len(payload) if end < 0 else end
        size_text = payload[pos:end].split(b";")[0].strip()
        if not _CHUNK_SIZE.fullmatch(size_text):
            raise errors.Rejected(errors.UNDECODABLE, f"bad chunk size {size_text[:20]!r} at payload byte {pos}")
        size = int(size_text, 16)
        if size == 0:
            break
        start = end + 1
        if start + size > len(payload):
            raise errors.Rejected(errors.UNDECODABLE, f"chunk of {size} bytes at payload byte {pos} runs past "
                                                      "the end of the record")
        out += payload[start:start + size]
        pos = start + size
        pos += 2 if payload[pos:pos + 2] == b"\r\n" else 1 if payload[pos:pos + 1] == b"\n" else 0
    return bytes(out)  # also when the closing zero-size chunk is missing: every whole chunk came


_CHUNK_SIZE = re.compile(rb"[0-9a-fA-F]{1,16}")
_HTML_START = re.compile(rb"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title)\b",
                         re.IGNORECASE | re.DOTALL)


def _looks_like_html(payload: bytes) -> bool:
    """Sniff a payload that has no Content-Type (after a UTF-8 BOM if any)."""
    return _HTML_START.match(payload.removeprefix(b"\xef\xbb\xbf")[:4096]) is not None
