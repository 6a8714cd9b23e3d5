"""WARC input: ``response`` records with HTML payloads, transfer and content encodings undone."""
from __future__ import annotations

import re
import zlib
from collections import Counter
from collections.abc import Iterator

from .. import errors
from ..config import Config
from ..document import Document
from .streams import GZIP_MAGIC, InputError, Stream, TruncatedInput

# A header line (WARC or HTTP) longer than this, or more header lines than this, is not a real header.
MAX_HEADER_LINE = 1 << 16
MAX_HEADER_LINES = 1024
HTML_MEDIA_TYPES = ("text/html", "application/xhtml+xml")
# HTTP headers that describe the payload as sent, which doc.raw (decoded) no longer is
TRANSPORT_HEADERS = ("Content-Encoding", "Transfer-Encoding", "Content-Length")



class BadRecord(Exception):
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
            raise BadRecord("headers end without an empty line")
        if not line.endswith(b"\n"):
            raise BadRecord("header line too long or cut off")
        if line in (b"\r\n", b"\n"):
            return headers
        if line[:1] in (b" ", b"\t") and last:
            headers[last] += " " + _header_text(line).strip()
            continue
        name, sep, value = line.partition(b":")
        if not sep:
            raise BadRecord(f"not a header line: {line[:80]!r}")
        last = _canonical_name(_header_text(name))
        headers[last] = _header_text(value).strip()
    raise BadRecord(f"more than {MAX_HEADER_LINES} header lines")


_VERSION_START = re.compile(rb"WARC/\d+\.\d+\r?\n")


def _is_version_line(line: bytes) -> bool:
    return _VERSION_START.fullmatch(line) is not None


def read_warc(stream: Stream, kind: str, id_base: str, source: str, config: Config,
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
        except InputError as e:
            raise e.at(f"{id_base}@{stream.location()}", f"{source}@{stream.location()}")
        record_id = f"{id_base}@{where.rpartition('@')[2]}"
        try:
            if not _is_version_line(version):
                raise BadRecord(f"expected a WARC version line, found {version[:60]!r}")
            warc = _read_headers(lambda: stream.readline(MAX_HEADER_LINE))
            length_text = warc.get("Content-Length", "")
            if not re.fullmatch(r"[0-9]{1,18}", length_text):
                raise BadRecord(f"Content-Length is {length_text!r}")
        except BadRecord as e:
            yield _bad_record(stream, record_id, where, str(e), counts)
            continue
        except InputError as e:
            raise e.at(record_id, where)
        length = int(length_text)
        uri = warc.get("Warc-Target-Uri", "").strip("<> ").replace(" ", "%20")
        try:
            doc = _warc_response(stream, warc, length, where, config, counts)
        except InputError as e:
            raise e.at(uri or record_id, where)
        if doc is not None:
            if uri:
                seen_uris[uri] += 1
                record_id = uri if seen_uris[uri] == 1 else f"{uri} ({seen_uris[uri]})"
            doc.id, doc.url = record_id, uri or None
            doc.meta["warc_record_id"] = warc.get("Warc-Record-Id") or None
            doc.meta["warc_date"] = warc.get("Warc-Date") or None
            yield doc


def _bad_record(stream: Stream, record_id: str, where: str, detail: str, counts: Counter) -> Document:
    """Skip to the next line that starts a WARC record; the bytes in between become one reject."""
    while not stream.at_end() and not _VERSION_START.match(stream.peek(16)):
        stream.skip_line()
    doc = Document(id=record_id, source=where)
    doc.reject(errors.UNREADABLE_FILE, f"malformed WARC record: {detail}")
    return doc


def _warc_response(stream: Stream, warc: dict[str, str], length: int, where: str, config: Config,
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
            raise BadRecord(f"not an HTTP status line: {status[:60]!r}")
        http = _read_headers(next_line)
    except BadRecord as e:
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


def _skip_block(stream: Stream, n: int) -> None:
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
