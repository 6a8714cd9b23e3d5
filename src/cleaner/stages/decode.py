"""Stage 1: page bytes to text, recording which evidence chose the codec.

The order is BOM, HTTP header charset, in-document declaration (``<meta>`` or the XML declaration),
strict UTF-8, pages pasted together from UTF-8 and legacy parts, then detection. A declaration is only
believed when the bytes decode under it strictly: crawled Chinese pages often declare gb2312 while being
UTF-8, and the other way round. Nor is it believed when the bytes contradict it and support another
reading: when the header and the page disagree, the reading with junk characters loses to a clean one
and the less plausible text to the more plausible; a single-byte code page whose text looks like
mojibake (``ÕâÊÇÒ»Æª``) loses to a CJK codec that reads every byte. Legacy labels are
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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import NamedTuple

import chardet

from .. import errors
from ..document import Document
from ..text.charsets import META_PREFIX, codec_name, declared_labels, header_labels
from ..text.plausibility import plausibility, private_use
from .base import Stage

SOURCES = ("bom", "header", "meta", "utf-8", "mixed", "detected")

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
# A single-byte code page reads any bytes, so a declaration or detection of one is no evidence by itself;
# below this plausibility its text is mojibake, and a CJK codec that reads every byte and gives more
# plausible text wins (legacy CJK text read as Latin-1 scores below 0.3, real Western text above 0.8).
_PLAUSIBLE_SINGLE_BYTE = 0.5
# An HTTP header can name UTF-16 or UTF-32 (a page cannot: it would have to be read first). Without a BOM
# the WHATWG reads "utf-16" as little-endian.
_HEADER_WIDE = {"utf-16": "utf-16-le", "utf-16-le": "utf-16-le", "utf-16-be": "utf-16-be",
                "utf-32": "utf-32-le", "utf-32-le": "utf-32-le", "utf-32-be": "utf-32-be"}
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
# Evidence that the bytes are UTF-8 and a legacy declaration is wrong: this many multi-byte UTF-8
# sequences, all valid. Legacy CJK text forms a valid UTF-8 sequence by chance now and then, rarely
# three, while a GB18030 declaration "decodes" much short UTF-8 Chinese text strictly.
_UTF8_EVIDENCE = 3

_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")
# Byte sequences that only 7-bit escape encodings (ISO-2022-*, HZ) produce in ASCII-only data.
_ESCAPE_ENCODING = re.compile(rb"\x1b[$(]|~\{")
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")
_ASCII_BYTE = re.compile(rb"[\x00-\x7f]")


@dataclass(frozen=True)
class DecodeInfo(Mapping):
    """How a page was decoded. Reads as attributes (``info.encoding``) or as a mapping (``info["encoding"]``).

    ``source`` is the step that decided (see :data:`SOURCES`). ``confidence`` is 1.0 for a BOM or plain
    ASCII, 0.99 for a header or strict UTF-8, 0.95 for a declaration in the page (0.9 of that when junk
    bytes had to be replaced), chardet's own figure when it decided, and the judged plausibility of the
    text when candidates were compared. A ``mixed`` page has UTF-8 lines and lines in ``encoding``. ``replaced`` counts U+FFFD put in for bytes the codec could not
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
    readings: list[tuple[str, float, _Reading]] = []
    for source, labels, confidence in declared:
        for label in labels:
            reading = _read_declared(data, label, source, notes)
            if reading is not None and all(r.codec != reading.codec for _, _, r in readings):
                readings.append((source, confidence, reading))
    if readings:
        source, confidence, reading = _believed(data, readings, notes)
        rival = _multibyte_rival(data, reading)
        if rival is not None:
            notes.append(f"{source} charset {reading.codec} overruled: the bytes read as {rival.codec}")
            return rival.text, DecodeInfo(rival.codec, 0.9, "detected", notes=tuple(notes))
        if reading.suspicious:
            confidence = 0.9 * confidence
        return reading.text, DecodeInfo(reading.codec, confidence, source, reading.replaced, tuple(notes))

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
    codecs_declared = [codec for label in labels if (codec := codec_name(label))]
    mixed = _read_mixed(data, codecs_declared)
    if mixed is not None:
        return mixed.text, DecodeInfo(mixed.codec, 0.9, "mixed", mixed.replaced, tuple(notes))
    return _detect(data, codecs_declared, notes)


def _believed(data: bytes, readings: list[tuple[str, float, _Reading]],
              notes: list[str]) -> tuple[str, float, _Reading]:
    """The declared reading the bytes support best, header first among equals: a reading with junk
    characters loses to a clean one, and of several clean ones the most plausible text wins."""
    clean = [r for r in readings if not r[2].suspicious] or readings
    best = clean[0]
    if len(clean) > 1:
        sample = _sample(data)
        best = max(clean, key=lambda r: (plausibility(sample, r[2].codec), -clean.index(r)))
    for source, _, reading in readings:
        if reading is not best[2]:
            notes.append(f"{source} charset {reading.codec} overruled: the bytes read better as {best[2].codec}")
    return best


def _single_byte(codec: str) -> bool:
    return not codec.startswith("utf") and codec not in _MULTIBYTE and codec not in _ESCAPE_CODECS


def _multibyte_rival(data: bytes, reading: _Reading) -> _Reading | None:
    """A CJK reading that contradicts ``reading``: one that reads every byte without junk and gives more
    plausible text, where ``reading`` has junk characters or is implausible single-byte text. None when
    there is none."""
    if not reading.suspicious and not _single_byte(reading.codec):
        return None
    sample = _sample(data)
    score = plausibility(sample, reading.codec)
    if not reading.suspicious and score >= _PLAUSIBLE_SINGLE_BYTE:
        return None
    best = None
    for candidate in _CJK_CANDIDATES:
        rival = _read_as(data, _web_family(candidate))
        if rival is not None and not rival.suspicious:
            rival_score = plausibility(sample, rival.codec)
            if rival_score > score:
                best, score = rival, rival_score
    return best


def _read_mixed(data: bytes, declared: list[str]) -> _Reading | None:
    """A page pasted together from UTF-8 parts and parts in one legacy encoding (a UTF-8 template around
    a GBK article, say), read line by line; None unless both kinds are there.

    A line is UTF-8 when it reads so strictly and not more plausibly in the legacy codec (a short legacy
    line can be valid UTF-8 by chance). The legacy codec is the one detection picks for the lines that are
    not UTF-8, with the page's declarations among its candidates.
    """
    lines = data.split(b"\n")
    utf8 = [line.isascii() or _strict(line, "utf-8") is not None for line in lines]
    if all(utf8) or len(_UTF8_MULTIBYTE.findall(b"".join(l for l, u in zip(lines, utf8) if u))) < _UTF8_EVIDENCE:
        return None
    _, legacy = _detect(b"\n".join(l for l, u in zip(lines, utf8) if not u), declared, [])
    family = _web_family(legacy.encoding)
    if legacy.encoding.startswith("utf"):
        return None
    texts = []
    replaced = 0
    for line, is_utf8 in zip(lines, utf8):
        if line.isascii():
            texts.append(line.decode("ascii"))
            continue
        reading = _read_as(line, family)
        if is_utf8 and (reading is None or reading.suspicious
                        or plausibility(line, "utf-8") >= plausibility(line, reading.codec)):
            texts.append(line.decode("utf-8"))
            continue
        if reading is None:
            text = line.decode(family[0], "replace")
            reading = _Reading(text, family[0], text.count("\ufffd"), 0)
        texts.append(reading.text)
        replaced += reading.replaced
    return _Reading("\n".join(texts), family[0], replaced, replaced)


def _read_declared(data: bytes, label: str, source: str, notes: list[str]) -> _Reading | None:
    """The page read with a declared charset if that decodes the bytes strictly; else a note why not."""
    codec = codec_name(label)
    if codec is None:
        notes.append(f"{source} charset {label!r} is not a known encoding")
        return None
    if source == "header" and codec in _HEADER_WIDE:
        reading = _read_as(data, (_HEADER_WIDE[codec],))
        if reading is not None and "<" not in reading.text[:_SCORE_CHARS]:
            notes.append(f"{source} charset {label!r} does not read the bytes as markup")
            return None
    else:
        reading = _read_as(data, _SUPERSETS.get(codec, (codec,)))
    if reading is None:
        notes.append(f"{source} charset {label!r} does not decode the bytes")
        return None
    if not reading.codec.startswith("utf") and _looks_like_utf8(data):
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
            junk = 0 if codec.startswith("utf") else private_use(text)
            if not junk:
                return _Reading(text, codec, 0, 0)
            readings.append(_Reading(text, codec, 0, junk))
    if not readings:
        return None
    for codec in family:
        if codec not in (r.codec for r in readings):
            text = data.decode(codec, "replace")
            replaced = text.count("\ufffd")
            readings.append(_Reading(text, codec, replaced, replaced + private_use(text)))
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
            rival = _multibyte_rival(data, reading)
            if rival is not None:
                notes.append(f"detected {reading.codec} overruled: the bytes read as {rival.codec}")
                reading = rival
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
    score = plausibility(sample, codec)
    if codec in _MULTIBYTE and _strict(sample, codec) is not None and score > 0:
        score += _MULTIBYTE_EVIDENCE
    return score


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


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
        if doc.kind == "text":
            doc.text, doc.raw = text, None
        else:
            doc.raw = text
        doc.meta["encoding"] = info.encoding
        doc.meta["encoding_confidence"] = info.confidence
        doc.meta["encoding_source"] = info.source
        if info.notes:
            doc.meta["encoding_notes"] = list(info.notes)
