"""Charset labels: where a page or its HTTP header declares an encoding, and which Python codec a label
names (with the WHATWG Encoding Standard's aliases Python lacks)."""
from __future__ import annotations

import codecs
import re
from collections.abc import Mapping

META_PREFIX = 32 * 1024            # declarations further in than this are not looked for
_META = re.compile(rb"<meta\b[^>]{0,1024}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:\-]{1,40})", re.I)
_XML_DECL = re.compile(rb"\A\s*<\?xml\b[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z0-9_.:\-]{1,40})[\"']")
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:\-]{1,40})", re.I)


def header_labels(headers: Mapping | None) -> list[str]:
    """The charset of a Content-Type header, in any case of the header name."""
    if not isinstance(headers, Mapping):
        return []
    for key, value in headers.items():
        if isinstance(key, bytes):
            key = key.decode("latin-1")
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        if isinstance(key, str) and key.strip().lower() == "content-type" and isinstance(value, str):
            match = _HEADER_CHARSET.search(value)
            return [match.group(1)] if match else []
    return []


def declared_labels(data: bytes) -> list[str]:
    """Charsets the document declares near its start (XML declaration, then ``<meta>`` tags), in order."""
    prefix = data[:META_PREFIX]
    labels = []
    xml = _XML_DECL.match(prefix)
    if xml:
        labels.append(xml.group(1).decode("ascii"))
    labels += [m.group(1).decode("ascii") for m in _META.finditer(prefix)]
    unique = []
    for label in labels:
        if label.lower() not in (seen.lower() for seen in unique):
            unique.append(label)
    return unique


def codec_name(label: str) -> str | None:
    """Python's name for a charset label, or None if Python has no such codec."""
    label = label.strip().strip("\"'").lower()
    if not label:
        return None
    label = _WEB_LABELS.get(label, label)
    try:
        name = codecs.lookup(label).name
    except (LookupError, ValueError, UnicodeError):
        return None
    try:
        b"a".decode(name)
    except LookupError:  # a bytes-to-bytes codec (base64, zlib, rot13 ...)
        return None
    except (ValueError, UnicodeError):
        pass  # a text codec that cannot read one byte (UTF-16, UTF-32)
    return None if name in _NOT_PAGE_CODECS else name


# Web labels Python does not know, as the WHATWG Encoding Standard reads them.
_WEB_LABELS = {
    "x-gbk": "gbk", "gb_2312-80": "gbk", "x-gb2312": "gbk", "cn-gb": "gbk", "euc-cn": "gbk",
    "iso-ir-58": "gbk", "csgb2312": "gbk", "chinese": "gbk",
    "x-x-big5": "big5", "cn-big5": "big5", "csbig5": "big5",
    "x-sjis": "cp932", "windows-31j": "cp932", "ms_kanji": "cp932", "csshiftjis": "cp932",
    "x-euc-jp": "euc_jp", "cseucpkdfmtjapanese": "euc_jp",
    "windows-874": "cp874", "dos-874": "cp874", "x-cp1252": "cp1252",
    "unicode-1-1-utf-8": "utf-8", "unicode20utf8": "utf-8", "x-unicode20utf8": "utf-8",
}
# Python codecs that decode bytes to str but are no page encoding; a page "declaring" one is wrong.
_NOT_PAGE_CODECS = frozenset({"idna", "punycode", "unicode-escape", "raw-unicode-escape", "undefined",
                              "utf-7", "palmos", "mbcs", "oem"})
