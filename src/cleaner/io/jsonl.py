"""JSONL input: one record a line with ``html`` or ``text``, optional ``id``, ``url``, ``headers`` (column
names from :class:`cleaner.config.Config`); :func:`fill_document` is shared with the table readers."""
from __future__ import annotations

import datetime
import json
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from .. import errors
from ..config import Config
from ..document import Document
from .streams import InputError, Stream

_SURROGATE = re.compile("[\ud800-\udfff]")


def _valid_text(value: str) -> str:
    """``value`` with lone surrogates (legal in JSON escapes, not in UTF-8) replaced by U+FFFD."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", value)


def read_jsonl(stream: Stream, kind: str, id_base: str, source: str, config: Config,
                skipped: Counter | None) -> Iterator[Document]:
    number = 0
    while True:
        number += 1
        line_id, where = f"{id_base}:{number}", f"{source}:{number}"
        try:
            line = stream.readline(config.max_page_bytes + 1)
        except InputError as e:
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
        yield _jsonl_document(line, line_id, where, config)


def _jsonl_document(line: bytes, line_id: str, where: str, config: Config) -> Document:
    doc = Document(id=line_id, source=where)
    try:
        record = json.loads(line)
    except (ValueError, RecursionError) as e:
        doc.reject(errors.BAD_JSON, f"not JSON: {str(e)[:200]}")
        return doc
    if not isinstance(record, dict):
        doc.reject(errors.BAD_JSON, f"a JSON {type(record).__name__}, not an object")
        return doc
    return fill_document(doc, record, config, errors.BAD_JSON)


def fill_document(doc: Document, record: dict, config: Config, bad: str) -> Document:
    """``doc`` filled from one input record (a JSONL object or a table row) by the column names of
    ``config`` (``html_field`` or ``text_field``; ``id_field``, ``url_field``, ``headers``, ``keep_fields``);
    rejected with reason ``bad`` when a field has the wrong type. ``html`` may also be bytes (a table's
    binary column). Kept fields missing from the record are None."""
    html, text, rid, url, headers = (record.get(k) for k in (config.html_field, config.text_field,
                                                              config.id_field, config.url_field, "headers"))
    problem = None
    if isinstance(html, str):
        doc.raw = _valid_text(html)
    elif isinstance(html, bytes):
        doc.raw = html
    elif isinstance(text, str):
        doc.text = _valid_text(text)
    else:
        problem = f"no string field {config.html_field!r} or {config.text_field!r}"
    if rid is not None:
        if isinstance(rid, bool) or not isinstance(rid, (str, int)):
            problem = f"{config.id_field!r} must be a string or an integer"
        else:
            doc.id = _valid_text(str(rid))
    if url is not None:
        if isinstance(url, str):
            doc.url = _valid_text(url)
        else:
            problem = f"{config.url_field!r} must be a string"
    if isinstance(headers, list):  # an Arrow map column reads as (key, value) pairs
        headers = dict(headers) if all(isinstance(h, tuple) and len(h) == 2 for h in headers) else headers
    if headers is not None:
        if isinstance(headers, dict) and all(isinstance(v, str) for v in headers.values()):
            doc.headers = {_valid_text(k): _valid_text(v) for k, v in headers.items()}
        else:
            problem = "'headers' must be an object of strings"
    if config.keep_fields:
        doc.kept = {name: _plain(record.get(name)) for name in config.keep_fields}
    if problem:
        doc.raw, doc.text, doc.headers = None, "", None
        doc.reject(bad, problem)
    return doc


def _plain(value: Any) -> Any:
    """A kept input value as JSON can hold it (dates and times in ISO 8601, decimals as text, bytes as
    UTF-8 text); the Parquet writer casts it back to the input column's type."""
    if isinstance(value, str):
        return _valid_text(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (datetime.date, datetime.time)):  # datetime is a date
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "backslashreplace")
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)  # Decimal and anything else Arrow hands out
