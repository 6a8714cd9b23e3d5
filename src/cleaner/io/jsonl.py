"""JSONL input: one record a line with ``html`` or ``text``, optional ``id``, ``url``, ``headers``."""
from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator

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
