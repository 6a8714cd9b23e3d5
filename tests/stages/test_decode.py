"""Stage 1, decoding: the order of evidence, real samples under their true encodings, and properties."""
import codecs
import csv
from collections import Counter

import pytest
from conftest import REALWORLD
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import errors
from cleaner.config import Config
from cleaner.document import Document
from cleaner.stages.decode import SOURCES, DecodeInfo, DecodeStage, decode
from codec_alike import decodes_alike

# Folder under realworld/encodings/ -> the Python codec that reads its samples correctly.
TRUE_CODEC = {
    "Big5": "big5", "Big5-HKSCS": "big5hkscs", "CP932": "cp932", "CP949": "cp949", "EUC-JP": "euc_jp",
    "EUC-KR": "euc_kr", "EUC-TW": None, "GB18030": "gb18030", "GB2312": "gb2312", "GBK": "gbk",
    "GBK-dirty": "gbk", "HZ-GB-2312": "hz", "Johab": "johab", "SHIFT_JIS": "shift_jis",
    "iso-2022-jp": "iso2022_jp", "iso-2022-kr": "iso2022_kr", "utf-8": "utf-8",
}


def _samples():
    root = REALWORLD / "encodings"
    if not root.is_dir():
        return []
    out = []
    for folder, codec in sorted(TRUE_CODEC.items()):
        for path in sorted((root / folder).iterdir()):
            marks = ()
            if codec is None:
                if path.read_bytes().isascii():
                    codec_here = "ascii"
                else:
                    codec_here = None
                    marks = pytest.mark.skip(reason="Python has no EUC-TW codec to compare with")
            else:
                codec_here = codec
            out.append(pytest.param(path, codec_here, id=f"{folder}/{path.name}", marks=marks))
    return out


@pytest.mark.parametrize("path, truth", _samples())
def test_sample_reads_as_its_true_encoding(path, truth):
    data = path.read_bytes()
    text, info = decode(data)
    assert text == data.decode(info.encoding, "replace").removeprefix("\ufeff")
    assert decodes_alike(data, info.encoding, truth), (info, truth)


CANDIDATES = ("utf-8", "gb18030", "gbk", "big5hkscs", "cp932", "euc_jp", "cp949")


def test_cwced_pages_have_no_mojibake(realworld):
    """The gold text's hanzi are in the decoded page (gold cut by hand misses or adds a few; on page
    33a95b71 it keeps 19 hanzi of GB18030's out-of-step reading of a stray byte), and U+FFFD appears
    only where no candidate reads the page strictly without taking junk bytes as private-use characters."""
    pages = sorted((realworld / "extraction").glob("cwced__*/page.html"))
    assert len(pages) == 23
    for page in pages:
        data = page.read_bytes()
        text, info = decode(data)
        gold_text = (page.parent / "gold.txt").read_text("utf-8")
        gold = Counter(c for c in gold_text if "\u4e00" <= c <= "\u9fff")
        found = Counter(c for c in text if "\u4e00" <= c <= "\u9fff")
        assert sum((gold - found).values()) <= 0.02 * sum(gold.values()), (page.parent.name, info)
        if "\ufffd" in text:
            assert info.replaced == text.count("\ufffd")
            assert not [c for c in CANDIDATES if _reads_cleanly(data, c)], (page.parent.name, info)


def _reads_cleanly(data, codec):
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return False
    return not any("\ue000" <= c <= "\uf8ff" for c in text)


def test_common_crawl_chinese_pages(realworld):
    folder = realworld / "warc" / "resiliparse_cc2020_zh_pages"
    with open(folder / "LABELS.tsv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    assert len(rows) == 12
    for row in rows:
        data = (folder / row["file"]).read_bytes()
        text, info = decode(data, {"Content-Type": row["http_content_type"]})
        strict = row["strict_decodes"].split(",")
        assert "\ufffd" not in text, row["file"]
        assert any(decodes_alike(data, info.encoding, codec) for codec in strict), (row["file"], info)
        assert sum("\u4e00" <= c <= "\u9fff" for c in text) == int(row["n_han"])


# --- the order of evidence ----------------------------------------------------------------------------

GBK_TEXT = "中文网页，新闻中心，欢迎光临本站。" * 4
GBK_PAGE = f"<html><head><title>{GBK_TEXT}</title></head><body>{GBK_TEXT}</body></html>"


def test_bom_beats_header_and_meta():
    data = codecs.BOM_UTF8 + '<meta charset="gbk"><p>中文</p>'.encode("utf-8")
    text, info = decode(data, {"Content-Type": "text/html; charset=gbk"})
    assert (info.source, info.encoding, text) == ("bom", "utf-8", '<meta charset="gbk"><p>中文</p>')


def test_utf16_bom():
    data = codecs.BOM_UTF16_LE + "<p>中文</p>".encode("utf-16-le")
    assert decode(data) == ("<p>中文</p>", DecodeInfo("utf-16-le", 1.0, "bom"))


def test_header_beats_meta():
    data = ('<meta charset="utf-8">' + GBK_PAGE).encode("gbk")
    text, info = decode(data, {"content-type": "text/html; charset=GBK"})
    assert (info.source, info.encoding) == ("header", "gb18030")
    assert GBK_TEXT in text


def test_lying_header_is_noted_and_meta_decides():
    data = ('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">' + GBK_PAGE).encode("gbk")
    text, info = decode(data, {"Content-Type": 'text/html; charset="utf-8"'})
    assert (info.source, info.encoding) == ("meta", "gb18030")
    assert GBK_TEXT in text
    assert any("header" in note and "utf-8" in note for note in info.notes)


def test_meta_that_lies_about_utf8_bytes_is_overruled():
    # GB18030 reads this short UTF-8 text strictly (every non-ASCII run has an even number of bytes),
    # so strictness alone cannot catch the lie.
    page = '<meta charset="gb2312"><title>新闻中心</title><p>欢迎光临本站</p>'
    data = page.encode("utf-8")
    data.decode("gb18030")  # the trap is real
    text, info = decode(data)
    assert (info.source, info.encoding, text) == ("utf-8", "utf-8", page)
    assert any("overruled" in note for note in info.notes)


def test_meta_in_script_tag_is_not_a_declaration():
    data = ('<script src="a.js" charset="utf-8"></script>' + GBK_PAGE).encode("gbk")
    text, info = decode(data)
    assert info.source == "detected" and info.encoding == "gb18030"
    assert GBK_TEXT in text


def test_xml_declaration_counts_as_meta():
    data = '<?xml version="1.0" encoding="big5"?><rss><title>繁體中文網頁</title></rss>'.encode("big5")
    text, info = decode(data)
    assert (info.source, info.encoding) == ("meta", "big5hkscs")
    assert "繁體中文網頁" in text


@pytest.mark.parametrize("label, char, encoded_as, read_as", [
    ("gb2312", "喆", "gbk", "gb18030"),          # a GBK-only hanzi under a gb2312 label
    ("big5", "𠄌", "big5hkscs", "big5hkscs"),    # an HKSCS character under a big5 label
    ("shift_jis", "髙", "cp932", "cp932"),        # an IBM extension kanji under a Shift_JIS label
    ("iso-8859-1", "€", "cp1252", "cp1252"),      # Windows quotes and euro under a Latin-1 label
])
def test_labels_read_as_supersets(label, char, encoded_as, read_as):
    data = f'<meta charset="{label}"><p>{char}</p>'.encode(encoded_as)
    text, info = decode(data)
    assert (info.source, info.encoding) == ("meta", read_as)
    assert char in text


def test_unknown_label_is_noted_and_ignored():
    text, info = decode('<meta charset="klingon-8"><p>中文</p>'.encode("utf-8"))
    assert (info.source, info.encoding) == ("utf-8", "utf-8")
    assert any("klingon-8" in note for note in info.notes)


def test_strict_utf8_without_declarations():
    assert decode("<p>中文 and ünïcödé</p>".encode("utf-8"))[1].source == "utf-8"
    assert decode(b"<p>plain ascii</p>") == ("<p>plain ascii</p>", DecodeInfo("utf-8", 1.0, "utf-8"))


def test_seven_bit_escape_encodings_are_detected():
    for codec in ("iso2022_jp", "hz"):
        sample = "日本語のテキストです。" if codec == "iso2022_jp" else "简体中文的文字。"
        data = (sample * 5).encode(codec)
        assert data.isascii()
        text, info = decode(data)
        assert info.source == "detected" and text == sample * 5


def test_undeclared_gbk_is_detected():
    text, info = decode(GBK_PAGE.encode("gbk"))
    assert (info.source, info.encoding, text) == ("detected", "gb18030", GBK_PAGE)


def test_dirty_page_gets_fewest_replacements():
    data = GBK_PAGE.encode("gbk").replace("光临".encode("gbk"), b"\xff\xff", 1)
    text, info = decode(data)
    assert info.encoding in ("gb18030", "gbk") and info.replaced == 2
    assert text == GBK_PAGE.replace("光临", "\ufffd\ufffd", 1)


def test_junk_bytes_gb18030_would_swallow_are_replaced_instead():
    """A stray lead byte (0xAC, as on cwced page 33a95b71): GB18030 pairs it with the next byte and reads
    the following hanzi out of step, still "strictly"; GBK replaces the one byte and reads on correctly."""
    head = '<meta charset="gb2312"><p>表示'
    tail = "没有经过A测试，他们不知道那位消费者是否使用产品。</p>"
    data = head.encode("gbk") + b"\xac" + tail.encode("gbk")
    assert "没有经过" not in data.decode("gb18030")  # the trap is real
    text, info = decode(data)
    assert (info.source, info.encoding, info.replaced) == ("meta", "gbk", 1)
    assert text == head + "\ufffd" + tail


def test_short_cjk_samples_that_chardet_gives_up_on():
    for sample, codec in (("繁體中文" * 8, "big5"), ("日本語" * 8, "shift_jis")):
        text, info = decode(sample.encode(codec))
        assert text == sample, (codec, info)


def test_decode_info_reads_as_mapping_and_attributes():
    _, info = decode(GBK_PAGE.encode("gbk"))
    assert info["encoding"] == info.encoding == "gb18030"
    assert info["source"] == info.source and info["confidence"] == info.confidence
    assert dict(info)["encoding"] == "gb18030" and set(info) >= {"encoding", "confidence", "source"}
    with pytest.raises(KeyError):
        info["nope"]


def test_decodes_alike_tells_siblings_from_strangers():
    data = GBK_PAGE.encode("gbk")
    assert decodes_alike(data, "gb18030", "gbk")
    assert not decodes_alike(data, "big5hkscs", "gbk")
    assert not decodes_alike(data, "cp1252", "gbk")


# --- properties ---------------------------------------------------------------------------------------

HEADER_NAMES = st.sampled_from(["Content-Type", "content-type", "X-Other"])
HEADERS = st.one_of(st.none(), st.dictionaries(HEADER_NAMES, st.text(max_size=40), max_size=2))


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=2048), headers=HEADERS)
def test_decode_never_raises(data, headers):
    text, info = decode(data, headers)
    assert isinstance(text, str)
    assert info.source in SOURCES and 0.0 <= info.confidence <= 1.0
    assert codecs.lookup(info.encoding)
    assert info.replaced == 0 or "\ufffd" in text


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1).filter(lambda s: not s.isascii() and not s.startswith("\ufeff")))
def test_utf8_text_round_trips(text):
    assert decode(text.encode("utf-8"))[0] == text


def _gbk_hanzi():
    return [bytes((lead, trail)).decode("gbk") for lead in range(0xB0, 0xF8) for trail in range(0xA1, 0xFF)
            if (lead, trail) < (0xD7, 0xFA) or lead > 0xD7]


@settings(max_examples=200, deadline=None)
@given(text=st.text(st.sampled_from(_gbk_hanzi() + list("abc ,.<>")), min_size=1),
       label=st.sampled_from(["gb2312", "GBK", "x-gbk", "gb18030"]))
def test_declared_gbk_round_trips_unless_the_bytes_are_utf8(text, label):
    data = text.encode("gbk")
    try:
        data.decode("utf-8")
        is_utf8 = not data.isascii()
    except UnicodeDecodeError:
        is_utf8 = False
    decoded, info = decode(data, {"Content-Type": f"text/html; charset={label}"})
    if not is_utf8:
        assert decoded == text and info.source == "header"


# --- the stage ----------------------------------------------------------------------------------------

def _stage_run(raw, headers=None):
    doc = Document(raw=raw, headers=headers)
    DecodeStage(Config()).process(doc)
    return doc


def test_stage_decodes_bytes_and_records_meta():
    doc = _stage_run(GBK_PAGE.encode("gbk"), {"Content-Type": "text/html; charset=gbk"})
    assert doc.raw == GBK_PAGE
    assert doc.meta["encoding"] == "gb18030" and doc.meta["encoding_source"] == "header"
    assert doc.meta["encoding_confidence"] > 0.9


def test_stage_leaves_text_alone():
    doc = _stage_run("<p>already text</p>")
    assert doc.raw == "<p>already text</p>" and doc.meta == {"encoding_source": "str"}


@pytest.mark.parametrize("data, what", [
    (b"\x89PNG\r\n\x1a\n" + bytes(200), "PNG"),
    (b"\xff\xd8\xff\xe0" + bytes(range(256)), "JPEG"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
    (b"PK\x03\x04" + bytes(100), "ZIP"),
    (b"\x1f\x8b\x08\x00" + bytes(50), "gzip"),
    (b"<html>" + b"\x00\x01\x02\x03" * 500, "control characters"),
])
def test_stage_rejects_binary(data, what):
    with pytest.raises(errors.Rejected) as caught:
        _stage_run(data)
    assert caught.value.reason == errors.NOT_HTML and what in caught.value.detail


def test_stage_rejects_what_no_codec_reads(monkeypatch):
    """Every candidate reading leaves most characters U+FFFD: undecodable, not half a page of junk."""
    unreadable = ("<p>" + "\ufffd" * 40, DecodeInfo("gb18030", 0.1, "detected", replaced=40))
    monkeypatch.setattr("cleaner.stages.decode.decode", lambda data, headers: unreadable)
    with pytest.raises(errors.Rejected) as caught:
        _stage_run(b"<p>" + b"\xff" * 40)
    assert caught.value.reason == errors.UNDECODABLE and "gb18030" in caught.value.detail


def test_stage_keeps_utf16_text():
    doc = _stage_run(codecs.BOM_UTF16_BE + "<html><p>中文</p></html>".encode("utf-16-be"))
    assert doc.raw == "<html><p>中文</p></html>"


# --- decisions the bytes contradict (issue 17) -------------------------------------------------------

ZH_A = "这是一篇关于中国经济发展的文章，内容包括工业、农业和服务业的最新情况。"
ZH_B = "第二部分介绍了教育和医疗卫生事业的进展，以及人民生活水平的提高。"
FRENCH = "Le café est très apprécié à Paris, où l'on déguste des crêpes et du thé glacé. " * 2
RUSSIAN = "Москва является столицей России и крупнейшим городом страны, её население растёт. " * 2


def _page(meta: str, *paragraphs: bytes) -> bytes:
    body = b"\n".join(b"<p>" + p + b"</p>" for p in paragraphs)
    return f"<html><head>{meta}<title>t</title></head><body>".encode() + body + b"</body></html>"


@pytest.mark.parametrize("meta", ['<meta charset="utf-8">', '<meta charset="gbk">', ""])
@pytest.mark.parametrize("first", ["utf-8", "gbk"])
def test_a_page_of_utf8_and_gbk_lines_reads_each_line_in_its_encoding(meta, first):
    second = "gbk" if first == "utf-8" else "utf-8"
    data = _page(meta, ZH_A.encode(first), ZH_B.encode(second), ZH_A.encode(first))
    text, info = decode(data)
    assert ZH_A in text and ZH_B in text
    assert (info.source, info.encoding, info.replaced) == ("mixed", "gb18030", 0)


# GB2312 level 1: the 3,755 common hanzi real text is mostly made of.
COMMON_HANZI = [h for h in _gbk_hanzi() if h.encode("gbk")[0] <= 0xD7]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.text(st.sampled_from(COMMON_HANZI + list("，。 ab")), min_size=4, max_size=40),
                          st.booleans()), min_size=2, max_size=8))
def test_mixed_lines_never_read_worse_than_one_codec(lines):
    """However UTF-8 and GBK lines of common hanzi are mixed, no line comes out with replacement
    characters, and when the page is read line by line every UTF-8 line with hanzi is read as UTF-8."""
    data = b"\n".join(line.encode("utf-8" if as_utf8 else "gbk") for line, as_utf8 in lines)
    text, info = decode(data)
    assert info.replaced == 0 and "\ufffd" not in text
    if info.source == "mixed":
        for (line, as_utf8), out in zip(lines, text.split("\n")):
            if as_utf8 and len(line.encode("utf-8")) > 2 * len(line):
                assert out == line


@pytest.mark.parametrize("label", ["iso-8859-1", "ISO-8859-1", "windows-1252", "latin1", "us-ascii"])
@pytest.mark.parametrize("meta", ['<meta charset="gbk">', ""])
def test_a_latin1_header_on_gbk_bytes_is_overruled(label, meta):
    data = _page(meta, ZH_A.encode("gbk"), ZH_B.encode("gbk"))
    text, info = decode(data, {"Content-Type": f"text/html; charset={label}"})
    assert info.encoding == "gb18030" and ZH_A in text and ZH_B in text
    assert any("overruled" in note for note in info.notes)


@pytest.mark.parametrize("text, label, codec", [
    (FRENCH, "iso-8859-1", "cp1252"),
    (FRENCH, "windows-1252", "cp1252"),
    (RUSSIAN, "windows-1251", "cp1251"),
    (RUSSIAN, "koi8-r", "koi8-r"),
])
def test_real_single_byte_pages_keep_their_header(text, label, codec):
    data = f"<html><head><title>t</title></head><body><p>{text}</p></body></html>".encode(codec)
    decoded, info = decode(data, {"Content-Type": f"text/html; charset={label}"})
    assert (info.source, info.encoding) == ("header", codec) and text in decoded


def test_a_wrong_header_loses_to_the_meta_the_bytes_support():
    big5 = "這是一篇關於經濟發展的文章，內容包括工業、農業和服務業的最新情況。"
    data = _page('<meta charset="big5">', big5.encode("big5"))
    text, info = decode(data, {"Content-Type": "text/html; charset=gbk"})
    assert (info.source, info.encoding) == ("meta", "big5hkscs") and big5 in text
    assert any("header" in note and "overruled" in note for note in info.notes)


def test_a_header_whose_reading_has_junk_loses_to_a_clean_reading():
    big5 = "這是一篇關於經濟發展的文章，內容包括工業、農業和服務業的最新情況。"
    text, info = decode(_page("", big5.encode("big5")), {"Content-Type": "text/html; charset=gbk"})
    assert info.encoding == "big5hkscs" and info.replaced == 0 and big5 in text
    assert any("gbk overruled" in note for note in info.notes)


@pytest.mark.parametrize("where", ["header", "meta"])
def test_x_user_defined_gbk_pages_are_read_as_gbk(where):
    meta = '<meta charset="x-user-defined">' if where == "meta" else ""
    headers = {"Content-Type": "text/html; charset=x-user-defined"} if where == "header" else None
    text, info = decode(_page(meta, ZH_A.encode("gbk"), ZH_B.encode("gbk")), headers)
    assert info.encoding == "gb18030" and ZH_A in text and ZH_B in text


@pytest.mark.parametrize("label, codec", [("utf-16", "utf-16-le"), ("UTF-16LE", "utf-16-le"),
                                          ("utf-16be", "utf-16-be")])
def test_utf16_without_bom_is_read_under_a_header(label, codec):
    page = f"<html><head><title>t</title></head><body><article><p>{ZH_A}</p><p>{ZH_B}</p></article></body></html>"
    headers = {"Content-Type": f"text/html; charset={label}"}
    text, info = decode(page.encode(codec), headers)
    assert (text, info.encoding, info.source) == (page, codec, "header")
    doc = _stage_run(page.encode(codec), headers)
    assert doc.raw == page


def test_a_utf16_header_on_ascii_compatible_bytes_is_not_believed():
    data = _page("", ZH_A.encode("utf-8"))
    text, info = decode(data, {"Content-Type": "text/html; charset=utf-16"})
    assert (info.source, info.encoding) == ("utf-8", "utf-8") and ZH_A in text
    assert any("utf-16" in note for note in info.notes)
