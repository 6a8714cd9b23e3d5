"""Stage 1: page bytes to text, recording which evidence chose the codec.

The order is BOM, HTTP header charset, in-document declaration (``<meta>`` or the XML declaration),
strict UTF-8, then detection. A declaration is only believed when the bytes decode under it strictly:
crawled Chinese pages often declare gb2312 while being UTF-8, and the other way round. Legacy labels are
read as their supersets (GB2312/GBK as GB18030, Big5 as Big5-HKSCS, Shift_JIS as CP932, EUC-KR as CP949,
Latin-1/ASCII as CP1252), as browsers do, because pages labelled with the subset use the superset's
extra characters all the time.

Detection asks chardet on a bounded prefix. When chardet is unsure, or its answer does not decode the
whole page, every candidate (chardet's answers, the declared labels, the CJK codecs) is decoded and the
one whose text looks most like real writing wins; replacement characters only appear when no plausible
candidate decodes the bytes strictly (a "dirty" GBK page with a few invalid byte pairs, say).
"""
from __future__ import annotations

import codecs
import re
from bisect import bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from functools import cache
from typing import NamedTuple

import chardet

from .. import errors
from ..document import Document
from ..text.charsets import META_PREFIX, codec_name, declared_labels, header_labels
from .base import Stage

SOURCES = ("bom", "header", "meta", "utf-8", "detected")

_BOMS = (  # UTF-32 before UTF-16: the UTF-32-LE BOM starts with the UTF-16-LE one.
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Python codec name -> codecs to try, widest first. Pages labelled with a subset use the superset's
# characters (GBK hanzi under a gb2312 label, HKSCS or CP950 characters under big5, NEC/IBM extensions
# under Shift_JIS, UHC syllables under EUC-KR, CP1252 quotes under ISO-8859-1); the later entries catch
# the code points where the wider table disagrees (GBK for junk bytes that GB18030 swallows into
# private-use characters, EUC-KR for its 8-byte jamo sequences that CP949 does not compose).
_SUPERSETS = {
    "gb2312": ("gb18030", "gbk"),
    "gbk": ("gb18030", "gbk"),
    "gb18030": ("gb18030", "gbk"),
    "big5": ("big5hkscs", "cp950"),
    "cp950": ("cp950", "big5hkscs"),
    "big5hkscs": ("big5hkscs", "cp950"),
    "shift_jis": ("cp932", "shift_jis_2004"),
    "cp932": ("cp932", "shift_jis_2004"),
    "shift_jis_2004": ("cp932", "shift_jis_2004"),
    "euc_jp": ("euc_jp", "euc_jis_2004"),
    "euc_jis_2004": ("euc_jp", "euc_jis_2004"),
    "euc_kr": ("euc_kr", "cp949"),
    "cp949": ("cp949", "euc_kr"),
    "iso8859-1": ("cp1252", "iso8859-1"),
    "ascii": ("cp1252", "iso8859-1"),
    "iso8859-9": ("cp1254", "iso8859-9"),
    "iso8859-11": ("cp874", "iso8859-11"),
    "tis-620": ("cp874", "tis-620"),
    # A page cannot declare UTF-16/32 in markup it could be read in: browsers take it as UTF-8.
    "utf-16": ("utf-8",),
    "utf-16-le": ("utf-8",),
    "utf-16-be": ("utf-8",),
    "utf-32": ("utf-8",),
}

# Codecs tried when chardet is unsure: the corpus is mostly Chinese, with Japanese and Korean pages.
_CJK_CANDIDATES = ("gb18030", "big5hkscs", "cp932", "euc_jp", "cp949")
# What chardet may answer: the encodings browsers support (a page in any other could never have been
# read by its audience) plus the East Asian 7-bit and Johab encodings of older archives. Leaving out
# the DOS and EBCDIC code pages matters: they "decode" any bytes, and chardet falls back to them when
# its CJK checks reject short or slightly broken CJK text. So do the Mac code pages, which browsers
# support but pages almost never use.
_CHARDET_ENCODINGS = (
    "utf-8", "utf-16", "utf-16-be", "utf-16-le", "utf-32", "utf-32-be", "utf-32-le",
    "gb18030", "big5hkscs", "cp932", "shift_jis_2004", "euc_jis_2004", "cp949", "euc_kr", "johab",
    "iso2022_jp_2", "iso2022_jp_2004", "iso2022_jp_ext", "iso2022_kr", "hz",
    "cp874", "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258",
    "koi8-r", "koi8-u", "tis-620", "cp866",
    "iso8859-2", "iso8859-3", "iso8859-4", "iso8859-5", "iso8859-6", "iso8859-7", "iso8859-8",
    "iso8859-10", "iso8859-13", "iso8859-14", "iso8859-15", "iso8859-16",
)
# chardet names the JIS X 0213 codecs; the web's Shift_JIS and EUC-JP are CP932 and EUC-JP (JIS X 0208).
_WEB_JAPANESE = {"shift_jis_2004": "cp932", "euc_jis_2004": "euc_jp"}
_MULTIBYTE = frozenset({"gb18030", "gbk", "big5hkscs", "cp950", "cp932", "shift_jis_2004", "euc_jp",
                        "euc_jis_2004", "cp949", "euc_kr", "johab"})
_ESCAPE_CODECS = ("iso2022_jp", "iso2022_jp_1", "iso2022_jp_2", "iso2022_jp_2004", "iso2022_jp_3",
                  "iso2022_jp_ext", "iso2022_kr", "hz")

_DETECT_PREFIX = 64 * 1024          # bytes chardet looks at first
_DETECT_WIDE = 1024 * 1024          # bytes it looks at when the first look is unsure
_CONFIDENT = 0.5                    # chardet confidence taken without a second opinion
_SCORE_CHARS = 8 * 1024             # bytes of non-ASCII-bearing text each candidate is judged on
_MULTIBYTE_EVIDENCE = 0.5          # see _judge
_MAX_REPLACED = 0.1                 # candidates replacing more of the non-ASCII characters are dropped
# Evidence that the bytes are UTF-8 and a legacy declaration is wrong: this many multi-byte UTF-8
# sequences, all valid. Legacy CJK text forms a valid UTF-8 sequence by chance now and then, rarely
# three, while a GB18030 declaration "decodes" much short UTF-8 Chinese text strictly.
_UTF8_EVIDENCE = 3

_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")
# Byte sequences that only 7-bit escape encodings (ISO-2022-*, HZ) produce in ASCII-only data.
_ESCAPE_ENCODING = re.compile(rb"\x1b[$(]|~\{")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_C1_CONTROL = re.compile("[\x80-\x9f]")
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")
_ASCII_BYTE = re.compile(rb"[\x00-\x7f]")


@dataclass(frozen=True)
class DecodeInfo(Mapping):
    """How a page was decoded. Reads as attributes (``info.encoding``) or as a mapping (``info["encoding"]``).

    ``source`` is the step that decided (see :data:`SOURCES`). ``confidence`` is 1.0 for a BOM or plain
    ASCII, 0.99 for a header or strict UTF-8, 0.95 for a declaration in the page (0.9 of that when junk
    bytes had to be replaced), chardet's own figure when it decided, and the judged plausibility of the
    text when candidates were compared. ``replaced`` counts U+FFFD put in for bytes the codec could not
    read; ``notes`` says which declarations were not believed, and why.
    """

    encoding: str
    confidence: float
    source: str
    replaced: int = 0
    notes: tuple[str, ...] = field(default=())

    def __getitem__(self, key: str):
        if key not in self._keys():
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())

    @classmethod
    def _keys(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


class _Reading(NamedTuple):
    text: str
    codec: str
    replaced: int      # U+FFFD put in for unreadable bytes
    suspicious: int    # replaced plus private-use characters (junk bytes some codecs swallow)


def decode(data: bytes, headers: Mapping | None = None) -> tuple[str, DecodeInfo]:
    """Decode page bytes; ``headers`` are the HTTP response headers, if known. Never raises on any bytes."""
    data = bytes(data)
    notes: list[str] = []

    for bom, codec in _BOMS:
        if data.startswith(bom):
            text = _strict(data[len(bom):], codec)
            if text is not None:
                return text, DecodeInfo(codec, 1.0, "bom")
            notes.append(f"{codec} BOM, but the bytes after it are not {codec}")
            break

    declared = (("header", header_labels(headers), 0.99), ("meta", declared_labels(data), 0.95))
    for source, labels, confidence in declared:
        for label in labels:
            reading = _read_declared(data, label, source, notes)
            if reading is not None:
                if reading.suspicious:
                    confidence = 0.9 * confidence
                return reading.text, DecodeInfo(reading.codec, confidence, source, reading.replaced,
                                                tuple(notes))

    if data.isascii():
        if _ESCAPE_ENCODING.search(data):
            for codec, confidence in _chardet(data[:_DETECT_PREFIX]):
                if codec in _ESCAPE_CODECS and (text := _strict(data, codec)) is not None:
                    return text, DecodeInfo(codec, round(confidence, 3), "detected", notes=tuple(notes))
        return data.decode("ascii"), DecodeInfo("utf-8", 1.0, "utf-8", notes=tuple(notes))
    text = _strict(data, "utf-8")
    if text is not None:
        return text, DecodeInfo("utf-8", 0.99, "utf-8", notes=tuple(notes))

    labels = [label for _, source_labels, _ in declared for label in source_labels]
    return _detect(data, [codec for label in labels if (codec := codec_name(label))], notes)


def _read_declared(data: bytes, label: str, source: str, notes: list[str]) -> _Reading | None:
    """The page read with a declared charset if that decodes the bytes strictly; else a note why not."""
    codec = codec_name(label)
    if codec is None:
        notes.append(f"{source} charset {label!r} is not a known encoding")
        return None
    reading = _read_as(data, _SUPERSETS.get(codec, (codec,)))
    if reading is None:
        notes.append(f"{source} charset {label!r} does not decode the bytes")
        return None
    if reading.codec != "utf-8" and _looks_like_utf8(data):
        notes.append(f"{source} charset {label!r} overruled: the bytes are valid UTF-8")
        return None
    return reading


def _read_as(data: bytes, family: tuple[str, ...]) -> _Reading | None:
    """The best reading among sibling codecs, None if none decodes the bytes strictly.

    The first strict reading without private-use characters wins. Failing that, every sibling is read
    (with replacement where it must) and the one with the fewest suspicious characters wins: GB18030
    "decodes" a stray byte by pairing it with the next one and can read on out of step, while GBK
    replaces the byte and stays in step.
    """
    readings = []
    for codec in family:
        text = _strict(data, codec)
        if text is not None:
            # Private-use characters are junk only in legacy codecs' user-defined areas; in UTF-8 they
            # are real (icon fonts put their glyphs there).
            junk = 0 if codec.startswith("utf") else _private_use(text)
            if not junk:
                return _Reading(text, codec, 0, 0)
            readings.append(_Reading(text, codec, 0, junk))
    if not readings:
        return None
    for codec in family:
        if codec not in (r.codec for r in readings):
            text = data.decode(codec, "replace")
            replaced = text.count("\ufffd")
            readings.append(_Reading(text, codec, replaced, replaced + _private_use(text)))
    return min(readings, key=lambda r: (r.suspicious, family.index(r.codec)))


def _detect(data: bytes, declared: list[str], notes: list[str]) -> tuple[str, DecodeInfo]:
    """Ask chardet; when it is unsure or its answer does not read the page, judge every candidate, the
    ``declared`` codecs among them: a dirty page that no codec reads strictly still declares its family."""
    guesses = _chardet(data[:_DETECT_PREFIX])
    if guesses[0][1] < _CONFIDENT and len(data) > _DETECT_PREFIX:
        guesses = _chardet(data[:_DETECT_WIDE])
    best_codec, best_confidence = guesses[0]
    # chardet names a multi-byte codec only after its structural checks passed: worth taking even when
    # its language model is unsure (short text), if the page decodes cleanly.
    if best_confidence >= _CONFIDENT or best_codec in _MULTIBYTE:
        reading = _read_as(data, _web_family(best_codec))
        if reading is not None and not reading.suspicious:
            return reading.text, DecodeInfo(reading.codec, round(best_confidence, 3), "detected",
                                            notes=tuple(notes))

    candidates: list[str] = []
    for codec in [c for c, _ in guesses] + declared + list(_CJK_CANDIDATES):
        for sibling in _web_family(codec):
            if sibling not in candidates:
                candidates.append(sibling)
    sample = _sample(data)
    score, _, codec = max((_judge(sample, codec), -i, codec) for i, codec in enumerate(candidates))
    text = _strict(data, codec)
    replaced = 0
    if text is None:
        text = data.decode(codec, "replace")
        replaced = text.count("\ufffd")
    return text, DecodeInfo(codec, round(max(0.0, min(score, 1.0)), 3), "detected", replaced, tuple(notes))


def _web_family(codec: str) -> tuple[str, ...]:
    """The codecs to read a detected ``codec`` with: its family, less the JIS X 0213 codecs no browser
    has (short Big5-HKSCS text reads "cleanly" as Shift_JIS-2004, for one)."""
    return tuple(c for c in _SUPERSETS.get(codec, (codec,)) if c not in _WEB_JAPANESE)


def _chardet(data: bytes) -> list[tuple[str, float]]:
    """chardet's answers as (Python codec name, confidence), best first; never empty."""
    answers = []
    for result in chardet.detect_all(data, compat_names=False, include_encodings=_CHARDET_ENCODINGS,
                                     no_match_encoding="cp1252"):
        codec = codec_name(result["encoding"] or "")
        codec = _WEB_JAPANESE.get(codec, codec)
        if codec is not None and codec != "ascii":
            answers.append((codec, result["confidence"] or 0.0))
    return answers or [("cp1252", 0.0)]


def _sample(data: bytes) -> bytes:
    """About ``_SCORE_CHARS`` bytes from the first non-ASCII byte on, cut at ASCII bytes so that no
    multi-byte character is split (in ASCII-compatible encodings an ASCII byte starts a character)."""
    first = _HIGH_BYTE.search(data)
    start = first.start() if first else 0
    end = _ASCII_BYTE.search(data, start + _SCORE_CHARS)
    return data[start:end.start() if end else len(data)]


def _judge(sample: bytes, codec: str) -> float:
    """Plausibility, plus ``_MULTIBYTE_EVIDENCE`` when a multi-byte codec reads every byte as part of a
    valid character: single-byte code pages read any bytes without error, so their clean reading is no
    evidence, while short CJK text has too few characters for plausibility alone to be sure."""
    score = _plausibility(sample, codec)
    if codec in _MULTIBYTE and _strict(sample, codec) is not None and score > 0:
        score += _MULTIBYTE_EVIDENCE
    return score


def _plausibility(sample: bytes, codec: str) -> float:
    """How much ``sample`` read with ``codec`` looks like real writing, at most 1.

    The share of non-ASCII characters that are common letters, kana, hangul, hanzi or punctuation, less
    ten for each replacement, private-use or C1 control character (what ISO-8859 code pages make of
    bytes 0x80-0x9F, which pages do not contain: HTML reads them as Windows code page characters).
    Three signs of legacy CJK bytes read with an alphabetic code page (runs like "ÖÐÎÄ", "“ú–{Œê",
    "มcล้ค") make a letter not count: a capital right after another letter, a Latin, Greek or Cyrillic
    letter standing alone between non-letters, and a letter touching a letter of another alphabet.
    Hanzi and kana may touch Latin letters ("iPhone手机").
    """
    try:
        text = sample.decode(codec, "replace")
    except LookupError:
        return -1.0
    non_ascii = len(text) - sum(1 for _ in filter(str.isascii, text))
    if not non_ascii:
        return 1.0
    bad = text.count("\ufffd")
    if bad > _MAX_REPLACED * non_ascii:
        return -bad / non_ascii
    bad += _private_use(text) + len(_C1_CONTROL.findall(text))
    common = _common_characters()
    padded = f" {text} "
    good = 0
    for k in range(1, len(padded) - 1):
        char = padded[k]
        if char < "\x80" or char not in common:
            continue
        script = _script(char)
        if script and script != _CJK:
            before, after = _script(padded[k - 1]), _script(padded[k + 1])
            if (before and before != script) or (after and after != script):
                continue
            if script in _CASED and not before and not after:
                continue
            if char.isupper() and before:
                continue
        good += 1
    return (good - 10 * bad) / non_ascii


_LATIN, _GREEK, _CYRILLIC, _HEBREW, _ARABIC, _THAI, _CJK = range(1, 8)
_CASED = (_LATIN, _GREEK, _CYRILLIC)
_SCRIPT_STARTS, _SCRIPT_IDS = zip(*(  # (first code point, script from there on; 0 = not a letter)
    (0x00, 0), (0x41, _LATIN), (0x5B, 0), (0x61, _LATIN), (0x7B, 0), (0xC0, _LATIN), (0xD7, 0),
    (0xD8, _LATIN), (0xF7, 0), (0xF8, _LATIN), (0x250, 0), (0x370, _GREEK), (0x400, _CYRILLIC),
    (0x500, 0), (0x5D0, _HEBREW), (0x5EB, 0), (0x620, _ARABIC), (0x64B, 0), (0xE01, _THAI), (0xE5C, 0),
    (0x1E00, _LATIN), (0x1F00, 0), (0x3041, _CJK), (0x3100, 0), (0x3400, _CJK), (0xA000, 0),
    (0xAC00, _CJK), (0xD7A4, 0), (0xF900, _CJK), (0xFB00, 0), (0x20000, _CJK), (0x30000, 0),
))


def _script(char: str) -> int:
    """The alphabet ``char`` is a letter of (0 for digits, punctuation, symbols)."""
    return _SCRIPT_IDS[bisect_right(_SCRIPT_STARTS, ord(char)) - 1]


@cache
def _common_characters() -> frozenset[str]:
    """Characters ordinary text is made of, beyond ASCII.

    The hanzi, kanji and hangul are the "level 1" (most frequent) sets that the national standards
    themselves define, read out of the codecs: GB2312 rows 16-55, Big5 A440-C67E, JIS X 0208 rows 16-47,
    the 2,350 KS X 1001 syllables. Mojibake is made of rare hanzi, half-width katakana, box drawing and
    symbols, which are all missing here.
    """
    chars: set[str] = set()

    def table(codec: str, leads: range, trails: list[int]) -> None:
        for lead in leads:
            for trail in trails:
                try:
                    chars.add(bytes((lead, trail)).decode(codec))
                except UnicodeDecodeError:
                    pass

    euc_trails = list(range(0xA1, 0xFF))
    table("gb2312", range(0xB0, 0xD8), euc_trails)
    table("big5", range(0xA4, 0xC7), list(range(0x40, 0x7F)) + euc_trails)
    table("euc_jp", range(0xB0, 0xD0), euc_trails)
    table("euc_kr", range(0xB0, 0xC9), euc_trails)
    ranges = (
        (0x00C0, 0x024F),  # Latin letters with diacritics (× and ÷ removed below)
        (0x0370, 0x03FF), (0x0400, 0x04FF), (0x05D0, 0x05EA), (0x0620, 0x064A), (0x0E01, 0x0E5B),
        (0x1E00, 0x1EFF),  # Greek, Cyrillic, Hebrew, Arabic, Thai letters; Vietnamese Latin
        (0x2010, 0x2027), (0x2030, 0x203B),  # dashes, quotes, ellipsis, per mille, reference mark
        (0x3000, 0x3011), (0x3014, 0x301F),  # CJK punctuation and brackets
        (0x3041, 0x3096), (0x30A1, 0x30FC),  # hiragana, katakana
        (0xFF01, 0xFF5E),  # full-width ASCII
    )
    for first, last in ranges:
        chars.update(map(chr, range(first, last + 1)))
    chars.update("\u00a0\u00a9\u00ab\u00ae\u00b0\u00b7\u00bb")
    chars.difference_update("\u00d7\u00f7")
    return frozenset(chars)


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _private_use(text: str) -> int:
    return len(_PRIVATE_USE.findall(text))


def _looks_like_utf8(data: bytes) -> bool:
    evidence = len(_UTF8_MULTIBYTE.findall(data, 0, META_PREFIX))
    return evidence >= _UTF8_EVIDENCE and _strict(data, "utf-8") is not None


# Leading bytes of binary formats that reach a page pipeline from crawls: images, documents, archives.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or DOCX/XLSX/JAR)"),
    (b"\x1f\x8b\x08", "gzip-compressed data"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed data"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x7fELF", "an ELF executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an OLE document (DOC/XLS)"),
)
_BZIP2 = re.compile(rb"BZh[1-9]1AY&SY")


def sniff_binary(data: bytes) -> str | None:
    """What binary format ``data`` looks like, or None if it may be text."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return what
    if data[:4] == b"RIFF" and data[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        return f"a RIFF {data[8:12].decode().strip()} file"
    if data[4:8] == b"ftyp":
        return "an MP4/MOV media file"
    if _BZIP2.match(data):
        return "bzip2-compressed data"
    return None


_CONTROLS = tuple(chr(c) for c in range(32) if chr(c) not in "\t\n\r\f\v\x1b")


def control_share(text: str, prefix: int = 8192) -> float:
    """Share of the first ``prefix`` characters that are NUL or other C0 controls text does not use."""
    head = text[:prefix]
    if not head:
        return 0.0
    return sum(head.count(c) for c in _CONTROLS) / len(head)


_MAX_CONTROL_SHARE = 0.05   # more than this share of control characters: binary, not a page
_MAX_REPLACED_SHARE = 0.10  # more than this share of U+FFFD: no codec reads the bytes


class DecodeStage(Stage):
    """Turns ``doc.raw`` bytes into text and records the codec in ``doc.meta``."""

    name = "decode"

    def process(self, doc: Document) -> None:
        if isinstance(doc.raw, str):
            doc.meta["encoding_source"] = "str"
            return
        if not isinstance(doc.raw, (bytes, bytearray, memoryview)):
            return
        data = bytes(doc.raw)
        what = sniff_binary(data)
        if what:
            raise errors.Rejected(errors.NOT_HTML, f"payload looks like {what}")
        text, info = decode(data, doc.headers)
        share = control_share(text)
        if share > _MAX_CONTROL_SHARE:
            raise errors.Rejected(errors.NOT_HTML, f"binary data: {share:.0%} of the characters are NUL or "
                                                   f"control characters (read as {info.encoding})")
        if text and info.replaced > _MAX_REPLACED_SHARE * len(text):
            raise errors.Rejected(errors.UNDECODABLE, f"best candidate {info.encoding} leaves "
                                                      f"{info.replaced} of {len(text)} characters unreadable")
        doc.raw = text
        doc.meta["encoding"] = info.encoding
        doc.meta["encoding_confidence"] = info.confidence
        doc.meta["encoding_source"] = info.source
        if info.notes:
            doc.meta["encoding_notes"] = list(info.notes)
