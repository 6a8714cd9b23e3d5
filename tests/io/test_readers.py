"""Readers: every input kind, real and broken WARC files, malformed input as rejects."""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import random
import time
import zlib
from collections import Counter
from collections.abc import Iterator

import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner import errors
from cleaner.config import Config
from cleaner.document import Document
from cleaner.io.readers import iter_file, list_input_files
from cleaner.io.streams import MemberStream
from cleaner.io.warc import _dechunk, read_warc
from cleaner.stages.decode import DecodeStage

CONFIG = Config()
PAGE = "<html><head><title>标题</title></head><body><p>正文内容。</p></body></html>".encode()


def iter_documents(paths: list[str], config: Config, skipped: Counter | None = None) -> Iterator[Document]:
    """Every input document, in a deterministic order (sorted paths within folders, file order within
    files). A Document has id, source, url, headers and either raw (page bytes, for .html/.htm and WARC
    response payloads; a str for JSONL 'html') or text (for .txt and JSONL 'text'). A record or file that
    cannot be read is yielded as a Document with .rejected set and reject_detail, id and source filled, so
    the caller counts it; nothing raises for bad input. ``skipped`` (optional) counts WARC records that are
    not documents, by kind."""
    for path, id_base in list_input_files(paths):
        yield from iter_file(path, id_base, config, skipped=skipped)


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def read(paths, config=CONFIG, skipped=None):
    """Documents of ``paths`` named as a user in the test's folder names them (a file argument's id is
    its path as given)."""
    return list(iter_documents([os.path.relpath(p) for p in paths], config, skipped=skipped))


def accepted(docs):
    return [d for d in docs if not d.rejected]


def rejects(docs):
    return [(d.rejected, d.id) for d in docs if d.rejected]


# --- html / txt ----------------------------------------------------------------------------------


def test_html_file_gives_raw_bytes_named_by_file(tmp_path):
    page = tmp_path / "a.html"
    page.write_bytes(PAGE)
    [doc] = read([page])
    assert doc.raw == PAGE and doc.text == "" and not doc.rejected
    assert doc.id == "a.html" and doc.source == "a.html"


@pytest.mark.parametrize("codec", ["utf-8", "gb18030"])
def test_txt_file_is_decoded_to_text(tmp_path, codec):
    text = "新华社北京电 国务院新闻办公室今天举行发布会，介绍今年以来经济运行情况。\n第二段文字。\n" * 3
    (tmp_path / "a.txt").write_bytes(text.encode(codec))
    [doc] = read([tmp_path / "a.txt"])
    assert doc.kind == "text" and doc.raw == text.encode(codec) and not doc.is_page
    DecodeStage(CONFIG).process(doc)  # the text pipeline's decode stage, timed with the other stages
    assert doc.text == text and doc.raw is None and not doc.rejected
    assert doc.meta["encoding"] and doc.meta["encoding_source"]


def test_binary_txt_file_is_rejected_by_decode(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    [doc] = read([tmp_path / "a.txt"])
    with pytest.raises(errors.Rejected) as e:
        DecodeStage(CONFIG).process(doc)
    assert e.value.reason == errors.NOT_HTML


@pytest.mark.parametrize("name", ["a.html", "a.txt", "a.jsonl", "a.warc", "a.html.gz"])
def test_empty_file_is_rejected_empty(tmp_path, name):
    (tmp_path / name).write_bytes(b"")
    assert rejects(read([tmp_path / name])) == [(errors.EMPTY, name)]


def test_page_over_the_limit_is_too_large(tmp_path):
    (tmp_path / "big.html").write_bytes(b"<p>" + b"x" * 5000)
    (tmp_path / "big.html.gz").write_bytes(gzip.compress(b"<p>" + b"x" * 5000))
    docs = read([tmp_path], Config(max_page_bytes=1000))
    assert rejects(docs) == [(errors.TOO_LARGE, "big.html"), (errors.TOO_LARGE, "big.html.gz")]


def test_compressed_files_read_like_plain_ones(tmp_path):
    (tmp_path / "a.html").write_bytes(PAGE)
    (tmp_path / "b.html.gz").write_bytes(gzip.compress(PAGE))
    (tmp_path / "c.html.zst").write_bytes(zstandard.ZstdCompressor().compress(PAGE))
    docs = read([tmp_path])
    assert [d.raw for d in docs] == [PAGE] * 3
    assert [d.id for d in docs] == ["a.html", "b.html.gz", "c.html.zst"]


def test_png_named_html_is_passed_on_for_decode_to_reject(tmp_path):
    """Binary payloads are left to cleaner.stages.decode.decode (not_html), the one place for every kind."""
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    (tmp_path / "image.html").write_bytes(png)
    [doc] = read([tmp_path / "image.html"])
    assert doc.raw == png and not doc.rejected


def test_truncated_gzip_page_is_truncated_file(tmp_path):
    (tmp_path / "a.html.gz").write_bytes(gzip.compress(PAGE * 50)[:-30])
    assert rejects(read([tmp_path / "a.html.gz"])) == [(errors.TRUNCATED_FILE, "a.html.gz")]


def test_corrupt_gzip_is_unreadable(tmp_path):
    data = bytearray(gzip.compress(PAGE * 50))
    data[30:60] = b"\xff" * 30
    (tmp_path / "a.html.gz").write_bytes(bytes(data))
    [doc] = read([tmp_path / "a.html.gz"])
    assert doc.rejected in (errors.UNREADABLE_FILE, errors.TRUNCATED_FILE) and doc.reject_detail


# --- JSONL ---------------------------------------------------------------------------------------


def test_jsonl_records_ids_and_fields(tmp_path):
    lines = [
        json.dumps({"id": "x1", "html": "<p>页</p>", "url": "http://a/", "headers": {"Content-Type": "text/html"}}),
        "",
        json.dumps({"text": "已经提取的文字"}),
        json.dumps({"id": 7, "text": "t"}),
    ]
    (tmp_path / "d.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    docs = read([tmp_path])
    assert [d.id for d in docs] == ["x1", "d.jsonl:3", "7"]
    assert [d.source for d in docs] == [f"d.jsonl:{n}" for n in (1, 3, 4)]
    assert docs[0].raw == "<p>页</p>" and docs[0].url == "http://a/"
    assert docs[0].headers == {"Content-Type": "text/html"}
    assert docs[1].text == "已经提取的文字" and docs[1].raw is None


def test_jsonl_bad_lines_are_bad_json_and_the_rest_is_read(tmp_path):
    content = b"\n".join([
        b'{"text": "ok 1"}',
        b"\x89PNG\x00\xff\xfe binary",
        b'{"text": unquoted}',
        b"[1, 2]",
        b'{"title": "no html or text"}',
        b'{"text": "t", "id": [1]}',
        b'{"text": "t", "headers": {"a": 1}}',
        b"[" * 100_000,
        b'{"text": "ok 9"}',
    ]) + b"\n"
    (tmp_path / "d.jsonl").write_bytes(content)
    docs = read([tmp_path / "d.jsonl"])
    assert [d.text for d in accepted(docs)] == ["ok 1", "ok 9"]
    assert rejects(docs) == [(errors.BAD_JSON, f"d.jsonl:{n}") for n in range(2, 9)]
    assert all(d.reject_detail for d in docs if d.rejected)


def test_jsonl_lone_surrogate_becomes_replacement_character(tmp_path):
    (tmp_path / "d.jsonl").write_text('{"text": "a\\ud800b", "id": "\\udfff"}\n')
    [doc] = read([tmp_path / "d.jsonl"])
    assert doc.text == "a\ufffdb" and doc.id == "\ufffd"
    doc.text.encode("utf-8")


def test_jsonl_long_line_is_too_large_without_losing_the_next(tmp_path):
    big = json.dumps({"text": "x" * 50_000})
    (tmp_path / "d.jsonl").write_text(f'{{"text": "a"}}\n{big}\n{{"text": "b"}}\n')
    docs = read([tmp_path / "d.jsonl"], Config(max_page_bytes=1000))
    assert [d.text for d in accepted(docs)] == ["a", "b"]
    assert rejects(docs) == [(errors.TOO_LARGE, "d.jsonl:2")]


@pytest.mark.parametrize("compress", [gzip.compress, zstandard.ZstdCompressor().compress])
def test_truncated_compressed_jsonl_keeps_records_before_the_cut(tmp_path, compress):
    # hashes, so that zstd's blocks (up to 128 KiB each) are many: only whole blocks decompress
    lines = [json.dumps({"text": f"record {i} " + hashlib.sha256(b"%d" % i).hexdigest() * 16}) for i in range(400)]
    data = compress(("\n".join(lines) + "\n").encode())
    (tmp_path / "d.jsonl.gz").write_bytes(data[: len(data) * 2 // 3])
    docs = read([tmp_path / "d.jsonl.gz"])
    ok = accepted(docs)
    assert 0 < len(ok) < 400
    assert [d.text for d in ok] == [json.loads(line)["text"] for line in lines[: len(ok)]]
    assert rejects(docs) == [(errors.TRUNCATED_FILE, f"d.jsonl.gz:{len(ok) + 1}")]


def test_jsonl_with_bom_and_crlf_lines(tmp_path):
    (tmp_path / "d.jsonl").write_bytes(b'\xef\xbb\xbf{"text": "a"}\r\n{"text": "b"}\r\n')
    assert [d.text for d in read([tmp_path / "d.jsonl"])] == ["a", "b"]


def test_multi_member_gzip_jsonl_is_read_whole(tmp_path):
    data = gzip.compress(b'{"text": "a"}\n') + gzip.compress(b'{"text": "b"}\n')
    (tmp_path / "d.jsonl.gz").write_bytes(data)
    assert [d.text for d in read([tmp_path / "d.jsonl.gz"])] == ["a", "b"]


# --- folders and odd files -----------------------------------------------------------------------


def test_folder_order_ids_and_unsupported_files(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.html").write_bytes(PAGE)
    (tmp_path / "b" / "a.htm").write_bytes(PAGE)
    (tmp_path / "a.txt").write_text("文字")
    (tmp_path / "notes.md").write_text("# not an input")
    (tmp_path / ".hidden.html").write_bytes(PAGE)
    docs = read([tmp_path])
    assert [d.id for d in docs] == ["a.txt", "b/a.htm", "b/z.html"] and not rejects(docs)
    skipped = Counter()
    assert list_input_files([str(tmp_path)], skipped=skipped)[1] == (tmp_path / "b" / "a.htm", "b/a.htm")
    assert skipped == {"files": 1}  # notes.md: not a kind clean-corpus reads, so not a rejected document


def test_files_one_by_one_give_what_iter_documents_gives(tmp_path, realworld):
    """list_input_files + iter_file is how the engine shards; it must see the same documents."""
    (tmp_path / "a.jsonl").write_text('{"text": "a"}\nnot json\n')
    (tmp_path / "b.html").write_bytes(PAGE)
    paths = [str(tmp_path), str(realworld / "warc/resiliparse/warcfile.warc.gz")]
    whole = list(iter_documents(paths, CONFIG))
    parts = [d for path, id_base in list_input_files(paths) for d in iter_file(path, id_base, CONFIG)]
    assert [(d.id, d.source, d.rejected, d.raw, d.text) for d in parts] == \
        [(d.id, d.source, d.rejected, d.raw, d.text) for d in whole]
    assert len(whole) == 3 + 16


def test_missing_path_is_unreadable(tmp_path):
    assert rejects(read([tmp_path / "nope.html"])) == [(errors.UNREADABLE_FILE, "nope.html")]


def test_symlink_loop_is_followed_once(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.html").write_bytes(PAGE)
    os.symlink(tmp_path, tmp_path / "d" / "loop")
    os.symlink(tmp_path / "d", tmp_path / "again")
    docs = read([tmp_path])
    # each folder once, under the first name met in sorted order
    assert [d.id for d in docs] == ["again/a.html"]


def test_non_utf8_file_name_gets_an_escaped_json_safe_id(tmp_path):
    name = os.fsdecode(b"caf\xe9.html")
    (tmp_path / name).write_bytes(PAGE)
    [doc] = read([tmp_path])
    assert doc.id == "caf\\xe9.html" and doc.raw == PAGE
    json.dumps({"id": doc.id, "source": doc.source}, ensure_ascii=False).encode("utf-8")


def test_unreadable_file_and_folder_are_rejects(tmp_path):
    (tmp_path / "a.html").write_bytes(PAGE)
    (tmp_path / "locked.html").write_bytes(PAGE)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.html").write_bytes(PAGE)
    os.chmod(tmp_path / "locked.html", 0)
    os.chmod(tmp_path / "sub", 0)
    try:
        try:
            open(tmp_path / "locked.html", "rb").close()
            pytest.skip("running as a user whom chmod 000 does not stop (root)")
        except PermissionError:
            pass
        docs = read([tmp_path])
        assert [d.id for d in accepted(docs)] == ["a.html"]
        assert rejects(docs) == [(errors.UNREADABLE_FILE, "locked.html"), (errors.UNREADABLE_FILE, "sub")]
    finally:
        os.chmod(tmp_path / "locked.html", 0o644)
        os.chmod(tmp_path / "sub", 0o755)


def test_unreadable_file_as_seen_by_root(tmp_path, monkeypatch):
    """Where chmod does not block (root), an open() that fails must still give a reject."""
    (tmp_path / "a.html").write_bytes(PAGE)
    real_open = open

    def failing_open(file, *args, **kwargs):
        if str(file).endswith("a.html"):
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", failing_open)
    [doc] = read([tmp_path])
    assert (doc.rejected, doc.id) == (errors.UNREADABLE_FILE, "a.html") and "Permission" in doc.reject_detail


def test_lz4_is_unsupported_with_a_clear_detail(realworld):
    [doc] = read([realworld / "warc/resiliparse/warcfile.warc.lz4"])
    assert doc.rejected == errors.UNSUPPORTED_FILE and "lz4" in doc.reject_detail


# --- WARC: real files ----------------------------------------------------------------------------


def test_real_warc_plain_and_gzip_give_the_same_documents(realworld):
    skipped = Counter()
    plain = read([realworld / "warc/resiliparse/warcfile.warc"], skipped=skipped)
    packed = read([realworld / "warc/resiliparse/warcfile.warc.gz"])
    assert len(plain) == 16 and not rejects(plain)
    assert skipped == {"warc_warcinfo": 1, "warc_request": 17, "warc_metadata": 16}
    assert [(d.id, d.raw, d.headers) for d in plain] == [(d.id, d.raw, d.headers) for d in packed]
    assert all(d.url == d.id and "Content-Type" in d.headers for d in plain)


def test_real_warc_chinese_payloads_match_the_cut_out_pages(realworld):
    docs = {d.id: d.raw for d in read([realworld / "warc/resiliparse/warcfile.warc.gz"])}
    pages = sorted((realworld / "warc/resiliparse_cc2020_zh_pages").glob("*.html"))
    assert len(pages) == 12
    payloads = set(docs.values())
    assert all(page.read_bytes() in payloads for page in pages)


def test_warc_offsets_point_at_the_records(realworld):
    folder = realworld / "warc/resiliparse"
    for doc in read([folder / "warcfile.warc"]):
        offset = int(doc.source.rpartition("@")[2])
        with open(folder / "warcfile.warc", "rb") as f:
            f.seek(offset)
            head = f.read(2000)
        assert head.startswith(b"WARC/1.0\r\n") and doc.id.encode() in head
    for doc in read([folder / "warcfile.warc.gz"]):
        offset = int(doc.source.rpartition("@")[2])
        with open(folder / "warcfile.warc.gz", "rb") as f:
            f.seek(offset)
            member = zlib.decompressobj(31).decompress(f.read(300_000))
        assert member.startswith(b"WARC/1.0\r\n") and doc.id.encode() in member[:2000]


def test_clipped_warc_is_one_truncated_reject(realworld):
    docs = read([realworld / "warc/resiliparse/clipped.warc.gz"])
    assert [(d.rejected, d.id) for d in docs] == [
        (errors.TRUNCATED_FILE, "http://www.houstonpress.com/music/"
                                "a-humble-chance-the-rapper-leads-a-spiritual-awakening-at-revention-8866723")]


def test_broken_warcio_files_give_documents_or_rejects(realworld):
    folder = realworld / "warc/warcio"
    docs = read(sorted(folder.iterdir()))
    assert all(d.rejected != errors.INTERNAL_ERROR for d in docs)
    by_file = Counter(d.source.split("@")[0].rpartition("/")[2] for d in accepted(docs))
    # response records with an HTML payload; chunked and gzip-encoded ones decoded
    assert by_file == {"example-bad-non-chunked.warc.gz": 1, "example-iana.org-chunked.warc": 1,
                       "example-trunc.warc": 1, "example-wget-bad-target-uri.warc.gz": 1,
                       "example-wrong-chunks.warc.gz": 1, "example.warc": 1, "example.warc.gz": 1}
    for doc in accepted(docs):
        assert doc.raw.lstrip().lower().startswith(b"<!doctype html>"), doc.source
        assert doc.raw.rstrip().endswith(b"</html>"), doc.source
    iana = next(d for d in docs if "iana" in d.source)
    assert b"\r\n1f" not in iana.raw and len(iana.raw) == 7223
    assert "Transfer-Encoding" not in iana.headers and iana.headers["Content-Type"] == "text/html; charset=UTF-8"


# --- WARC: built records -------------------------------------------------------------------------


def warc_record(uri: str, payload: bytes, http_headers: list[str] | None = None, status: str = "200 OK",
                warc_type: str = "response", length_delta: int = 0) -> bytes:
    http = ("\r\n".join([f"HTTP/1.1 {status}", *(http_headers if http_headers is not None
                                                  else ["Content-Type: text/html; charset=gbk"])])
            + "\r\n\r\n").encode() + payload
    head = (f"WARC/1.0\r\nWARC-Type: {warc_type}\r\nWARC-Target-URI: {uri}\r\n"
            f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(http) + length_delta}"
            "\r\n\r\n").encode()
    return head + http + b"\r\n\r\n"


def chunked(data: bytes, size: int) -> bytes:
    parts = [b"%x\r\n%s\r\n" % (len(data[i:i + size]), data[i:i + size]) for i in range(0, len(data), size)]
    return b"".join(parts) + b"0\r\n\r\n"


def test_warc_encodings_types_duplicates_and_sniffing(tmp_path):
    records = [
        warc_record("http://a/", PAGE),
        warc_record("http://a/", chunked(gzip.compress(PAGE), 7),
                    ["Content-Type: text/html", "Transfer-Encoding: chunked", "Content-Encoding: gzip"]),
        warc_record("http://img/", b"\x89PNG....", ["Content-Type: image/png"]),
        warc_record("http://moved/", b"<html>moved</html>", status="301 Moved Permanently"),
        warc_record("http://req/", b"", warc_type="request"),
        warc_record("http://sniffed/", b"\xef\xbb\xbf  <!DOCTYPE html><p>x</p>", []),
        warc_record("http://not-sniffed/", b"plain text, no markup", []),
        warc_record("http://deflate/", zlib.compress(PAGE), ["Content-Type: text/html", "Content-Encoding: deflate"]),
        warc_record("http://br/", b"\x0b\x02\x80", ["Content-Type: text/html", "Content-Encoding: br"]),
    ]
    (tmp_path / "x.warc.gz").write_bytes(b"".join(gzip.compress(r) for r in records))
    skipped = Counter()
    docs = read([tmp_path / "x.warc.gz"], skipped=skipped)
    assert [d.id for d in accepted(docs)] == ["http://a/", "http://a/ (2)", "http://sniffed/", "http://deflate/"]
    assert [d.raw for d in accepted(docs)][:2] == [PAGE, PAGE]
    assert accepted(docs)[0].headers == {"Content-Type": "text/html; charset=gbk"}
    assert rejects(docs) == [(errors.UNDECODABLE, "http://br/")]
    assert skipped == {"warc_response_not_html": 2, "warc_response_not_2xx": 1, "warc_request": 1}


def test_warc_page_over_the_limit_is_too_large_and_reading_goes_on(tmp_path):
    records = [warc_record("http://big/", b"<html>" + b"x" * 5000), warc_record("http://small/", PAGE)]
    (tmp_path / "x.warc").write_bytes(b"".join(records))
    docs = read([tmp_path / "x.warc"], Config(max_page_bytes=1000))
    assert [(d.id, d.rejected) for d in docs] == [("http://big/", errors.TOO_LARGE), ("http://small/", None)]


def test_warc_cut_mid_record_keeps_earlier_records(tmp_path):
    data = warc_record("http://one/", PAGE) + warc_record("http://two/", PAGE)
    (tmp_path / "x.warc").write_bytes(data[:-100])
    docs = read([tmp_path / "x.warc"])
    assert [(d.id, d.rejected) for d in docs] == [("http://one/", None), ("http://two/", errors.TRUNCATED_FILE)]
    assert docs[1].source.endswith(f"@{len(warc_record('http://one/', PAGE))}")


def test_warc_wrong_content_length_resyncs_at_the_next_record(tmp_path):
    data = (warc_record("http://one/", PAGE, length_delta=-40) + warc_record("http://two/", PAGE))
    (tmp_path / "x.warc").write_bytes(data)
    docs = read([tmp_path / "x.warc"])
    assert [d.id for d in accepted(docs)][-1] == "http://two/"
    assert errors.UNREADABLE_FILE in [d.rejected for d in docs]


@pytest.mark.parametrize("length", ["", "-5", "12x", "\u00b2", "9" * 40])
def test_bad_warc_content_length_is_a_malformed_record(tmp_path, length):
    good = warc_record("http://two/", PAGE)
    bad = (b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://one/\r\n"
           b"Content-Length: " + length.encode() + b"\r\n\r\nHTTP/1.1 200 OK\r\n\r\n<html>\r\n\r\n")
    (tmp_path / "x.warc").write_bytes(bad + good)
    docs = read([tmp_path / "x.warc"])
    assert [(d.rejected, d.id) for d in docs] == [(errors.UNREADABLE_FILE, "x.warc@0"), (None, "http://two/")]
    assert "Content-Length" in docs[0].reject_detail


def test_bad_chunks_are_rejected_with_a_reason(tmp_path):
    body = b"5\r\nhello\r\nzz\r\nworld\r\n0\r\n\r\n"
    (tmp_path / "x.warc").write_bytes(
        warc_record("http://c/", body, ["Content-Type: text/html", "Transfer-Encoding: chunked"]))
    [doc] = read([tmp_path / "x.warc"])
    assert doc.rejected == errors.UNDECODABLE and "chunk" in doc.reject_detail


@given(st.binary(max_size=3000), st.integers(1, 600))
def test_dechunk_undoes_chunking(data, size):
    assert _dechunk(chunked(data, size)) == data


# --- arbitrary bytes never raise -----------------------------------------------------------------


SUFFIXES = [".jsonl", ".html", ".txt", ".warc", ".warc.gz", ".jsonl.gz", ".html.zst"]


def tricky_bytes():
    """Random bytes, and random bytes wrapped in the framing the readers look for."""
    raw = st.binary(max_size=2000)
    return st.one_of(
        raw,
        raw.map(gzip.compress),
        st.tuples(raw, st.integers(0, 100)).map(lambda t: gzip.compress(t[0])[: -t[1] - 1]),
        raw.map(lambda b: b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: %d\r\n\r\n" % (len(b) // 2) + b),
        raw.map(lambda b: warc_record("http://x/", b, ["Transfer-Encoding: chunked", "Content-Encoding: gzip"])),
        raw.map(lambda b: b'{"html": "' + b + b'"}\n' + b),
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=tricky_bytes(), suffix=st.sampled_from(SUFFIXES))
def test_arbitrary_bytes_never_raise(tmp_path, data, suffix):
    path = tmp_path / ("f" + suffix)
    path.write_bytes(data)
    docs = list(iter_documents([str(path)], Config(max_page_bytes=1500)))
    for doc in docs:
        assert isinstance(doc.id, str) and isinstance(doc.source, str)
        assert doc.rejected is None or doc.rejected in errors.ALL
        assert doc.rejected != errors.INTERNAL_ERROR, doc.reject_detail
        assert doc.rejected or doc.raw is not None or doc.text
    if suffix in (".html", ".txt", ".html.zst"):
        assert len(docs) == 1


@given(st.lists(st.binary(min_size=1, max_size=300), min_size=1, max_size=8))
def test_gzip_member_offsets_locate_each_record(payloads):
    records = [warc_record(f"http://r{i}/", b"<html>" + p) for i, p in enumerate(payloads)]
    members = [gzip.compress(r) for r in records]
    docs = list(read_warc(MemberStream(io.BytesIO(b"".join(members)), "gzip"), "warc", "f", "f", CONFIG, None))
    starts = [sum(len(m) for m in members[:i]) for i in range(len(members))]
    assert [d.source for d in docs] == [f"f@{s}" for s in starts]
    assert [d.raw for d in docs] == [b"<html>" + p for p in payloads]


def test_one_stream_gzip_warc_gives_offsets_inside_the_member(tmp_path):
    records = [warc_record(f"http://r{i}/", PAGE) for i in range(3)]
    (tmp_path / "x.warc.gz").write_bytes(gzip.compress(b"".join(records)))
    docs = read([tmp_path / "x.warc.gz"])
    assert [d.source.rpartition("@")[2] for d in docs] == ["0", f"0+{len(records[0])}",
                                                           f"0+{len(records[0]) + len(records[1])}"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.floats(0, 1), flip=st.none() | st.tuples(st.floats(0, 1), st.integers(1, 255)),
       name=st.sampled_from(["warcfile.warc", "warcfile.warc.gz"]))
def test_damaged_real_warc_keeps_the_records_before_the_damage(tmp_path, realworld, cut, flip, name):
    original = (realworld / "warc/resiliparse" / name).read_bytes()
    full = [(d.id, d.raw) for d in read([realworld / "warc/resiliparse" / name])]
    data = bytearray(original[: int(len(original) * cut)])
    if flip and data:
        data[int(flip[0] * (len(data) - 1))] ^= flip[1]
    (tmp_path / name).write_bytes(bytes(data))
    docs = read([tmp_path / name])
    assert all(d.rejected != errors.INTERNAL_ERROR for d in docs)
    kept = [(d.id, d.raw) for d in accepted(docs)]
    if flip is None:
        assert kept == full[: len(kept)]


@pytest.mark.parametrize("name", ["resiliparse/warcfile.warc.gz", "resiliparse/clueweb-quirk.warc.gz",
                                  "warcio/example-iana.org-chunked.warc", "warcio/example-trunc.warc",
                                  "warcio/example-wget-bad-target-uri.warc.gz"])
def test_payloads_agree_with_warcio(realworld, name):
    """Where warcio reads a file without error, it decodes the same HTML payloads."""
    from warcio.archiveiterator import ArchiveIterator
    theirs = []
    with open(realworld / "warc" / name, "rb") as f:
        for rec in ArchiveIterator(f):
            if (rec.rec_type == "response" and rec.http_headers.get_statuscode().startswith("2")
                    and "html" in rec.http_headers.get_header("Content-Type", "")):
                theirs.append((rec.rec_headers.get_header("WARC-Target-URI"), rec.content_stream().read()))
    ours = [(d.url, d.raw) for d in accepted(read([realworld / "warc" / name]))]
    assert ours == theirs and ours


# --- hostile files: lying lengths, damaged members, traps in folders ----------------------------------


@pytest.mark.parametrize("lie", ["swallows-next", "past-eof", "huge"])
@pytest.mark.parametrize("compress", [None, "members"])
def test_warc_content_length_too_long_costs_only_its_record(tmp_path, lie, compress):
    honest = [warc_record(f"http://r{i}/", PAGE) for i in range(4)]
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + PAGE
    declared = {"swallows-next": len(http) + len(honest[2]) // 2, "past-eof": len(http) + 10 * sum(map(len, honest)),
                "huge": 999999999999999999}[lie]
    liar = (b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://liar/\r\n"
            b"Content-Type: application/http; msgtype=response\r\nContent-Length: %d\r\n\r\n" % declared + http
            + b"\r\n\r\n")
    records = [honest[0], honest[1], liar, honest[2], honest[3]]
    name = "x.warc" if compress is None else "x.warc.gz"
    data = b"".join(records) if compress is None else b"".join(gzip.compress(r) for r in records)
    (tmp_path / name).write_bytes(data)
    docs = read([tmp_path / name], Config(max_page_bytes=5000))
    assert [(d.id, d.rejected) for d in docs] == [("http://r0/", None), ("http://r1/", None),
                                                  ("http://liar/", errors.UNREADABLE_FILE),
                                                  ("http://r2/", None), ("http://r3/", None)]
    assert "Content-Length" in docs[2].reject_detail
    offset = sum(len(r) if compress is None else len(gzip.compress(r)) for r in records[:2])
    assert docs[2].source == f"{os.path.relpath(tmp_path / name)}@{offset}"
    assert all(d.raw == PAGE for d in accepted(docs))


def test_warc_that_holds_a_warc_file_is_one_record(tmp_path):
    """A record start inside a block whose length is right (a stored WARC file) is no reason to cut."""
    inner = warc_record("http://inner/", PAGE)
    outer = warc_record("http://outer/", b"<html><body><pre>\n" + inner + b"</pre></body></html>")
    (tmp_path / "x.warc").write_bytes(outer + warc_record("http://after/", PAGE))
    assert [(d.id, d.rejected) for d in read([tmp_path / "x.warc"])] == [("http://outer/", None), ("http://after/", None)]


def corrupt_member(member: bytes, how: str) -> bytes:
    damaged = bytearray(member)
    if how == "crc":
        damaged[-8] ^= 0xFF  # the CRC32 in the trailer: the data decompresses, the check fails
    else:
        for i in range(12, len(damaged) - 8, 3):
            damaged[i] ^= 0x5A
    return bytes(damaged)


@pytest.mark.parametrize("how", ["crc", "data"])
def test_a_corrupt_gzip_member_in_a_warc_costs_only_its_record(tmp_path, how):
    records = [warc_record(f"http://r{i}/", PAGE + b"<p>%d</p>" % i) for i in range(5)]
    members = [gzip.compress(r) for r in records]
    members[2] = corrupt_member(members[2], how)
    (tmp_path / "x.warc.gz").write_bytes(b"".join(members))
    docs = read([tmp_path / "x.warc.gz"])
    assert [d.id for d in accepted(docs)] == ["http://r0/", "http://r1/", "http://r3/", "http://r4/"]
    [bad] = [d for d in docs if d.rejected]
    assert bad.rejected == errors.UNREADABLE_FILE and "corrupt gzip" in bad.reject_detail
    assert f"offset {sum(map(len, members[:2]))}" in bad.reject_detail


@pytest.mark.parametrize("how", ["crc", "data"])
@pytest.mark.parametrize("codec", ["gzip", "zstd"])
def test_a_corrupt_member_in_a_jsonl_costs_only_its_lines(tmp_path, how, codec):
    lines = [json.dumps({"id": f"d{i}", "text": f"第{i}篇正文。" * 30}, ensure_ascii=False).encode() + b"\n"
             for i in range(6)]
    if codec == "gzip":
        members = [gzip.compress(line) for line in lines]
        members[3] = corrupt_member(members[3], how)
    else:
        members = [zstandard.ZstdCompressor(write_checksum=True).compress(line) for line in lines]
        damaged = bytearray(members[3])
        if how == "crc":
            damaged[-1] ^= 0xFF  # the content checksum
        else:
            damaged[8:-4] = bytes(b ^ 0x5A for b in damaged[8:-4])
        members[3] = bytes(damaged)
    (tmp_path / f"x.jsonl.{'gz' if codec == 'gzip' else 'zst'}").write_bytes(b"".join(members))
    docs = read(list(tmp_path.iterdir()))
    assert [d.id for d in accepted(docs)] == ["d0", "d1", "d2", "d4", "d5"]
    assert [d.rejected for d in docs if d.rejected] == [errors.UNREADABLE_FILE]


def test_gzip_page_with_trailing_garbage_is_read_and_the_garbage_counted(tmp_path):
    (tmp_path / "page.html.gz").write_bytes(gzip.compress(PAGE) + b"this is not gzip" * 20)
    skipped = Counter()
    [doc] = read([tmp_path / "page.html.gz"], skipped=skipped)
    assert doc.raw == PAGE and not doc.rejected
    assert skipped == {"trailing_garbage": 1}


@pytest.mark.parametrize("padding", [b"\n", b"\r\n", b" \r\r\n\t", b"\r"])
@pytest.mark.parametrize("compress", [False, True])
def test_blank_padding_in_jsonl_costs_linear_small_time(tmp_path, padding, compress):
    """Megabytes of blank lines go in bulk: a budget a per-line loop could not meet (it took 3.5 s/MB)."""
    record = json.dumps({"id": "last", "text": "填充之后的正文。"}, ensure_ascii=False).encode() + b"\n"
    data = padding * ((8 << 20) // len(padding)) + b"\n" + record
    path = tmp_path / ("x.jsonl.zst" if compress else "x.jsonl")
    path.write_bytes(zstandard.ZstdCompressor().compress(data) if compress else data)
    started = time.process_time()
    docs = read([path])
    assert time.process_time() - started < 2.0  # 8 MB
    assert [d.id for d in docs] == ["last"]


def test_blank_lines_still_count_in_line_numbers(tmp_path):
    (tmp_path / "x.jsonl").write_bytes(b'\n\r\n  \n{"text": "a"}\n\n{"text": "b"}\n   {"text": "c"}\n')
    assert [d.id for d in read([tmp_path / "x.jsonl"])] == ["x.jsonl:4", "x.jsonl:6", "x.jsonl:7"]


def test_symlinks_leaving_the_input_folder_are_not_followed(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.html").write_bytes(PAGE)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("主机上的秘密，不得进入数据集。", encoding="utf-8")
    os.symlink("/etc", tmp_path / "in" / "etc")
    os.symlink(tmp_path / "outside", tmp_path / "in" / "outside")
    os.symlink(tmp_path / "outside" / "secret.txt", tmp_path / "in" / "secret.txt")
    os.symlink(tmp_path / "in" / "a.html", tmp_path / "in" / "b.html")  # stays inside: followed
    skipped = Counter()
    files = list_input_files([str(tmp_path / "in")], skipped=skipped)
    assert [id_base for _, id_base in files] == ["a.html", "b.html"]
    assert skipped == {"symlink_leaving_input": 3}
    followed = list_input_files([str(tmp_path / "in")], follow_symlinks=True)
    assert "outside/secret.txt" in [id_base for _, id_base in followed]
    assert any(id_base.startswith("etc/") for _, id_base in followed)


def test_symlink_loops_never_end_the_listing(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.html").write_bytes(PAGE)
    os.symlink(tmp_path / "in" / "loop_b", tmp_path / "in" / "loop_a")
    os.symlink(tmp_path / "in" / "loop_a", tmp_path / "in" / "loop_b")
    os.symlink(tmp_path / "in", tmp_path / "in" / "self")
    for follow in (False, True):
        skipped = Counter()
        docs = list(iter_documents([str(tmp_path / "in")], CONFIG) if not follow else
                    (d for p, i in list_input_files([str(tmp_path / "in")], skipped=skipped, follow_symlinks=True) for d in iter_file(p, i, CONFIG)))
        assert [(d.id, d.rejected) for d in docs] == [("a.html", None), ("loop_a", errors.UNREADABLE_FILE),
                                                      ("loop_b", errors.UNREADABLE_FILE)]
        assert "symbolic links" in docs[1].reject_detail


def test_names_that_are_not_utf8_in_different_ways_get_different_ids(tmp_path):
    names = [b"caf\xe9.html", b"caf\\xe9.html", b"caf\xc3.html", b"caf\\x5cxe9.html"]
    for name in names:
        with open(os.path.join(os.fsencode(tmp_path), name), "wb") as f:
            f.write(PAGE)
    docs = read([tmp_path])
    assert len({d.id for d in docs}) == len({d.source for d in docs}) == len(names) == len(accepted(docs))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payloads=st.lists(st.binary(min_size=1, max_size=400), min_size=2, max_size=6), data=st.data())
def test_damage_inside_one_gzip_member_costs_only_that_member(tmp_path, payloads, data):
    records = [warc_record(f"http://r{i}/", b"<html>" + p) for i, p in enumerate(payloads)]
    members = [gzip.compress(r) for r in records]
    k = data.draw(st.integers(0, len(members) - 1))
    damaged = bytearray(members[k])
    for _ in range(data.draw(st.integers(1, 4))):  # flips in the deflate data or the trailer, not the header
        damaged[data.draw(st.integers(10, len(damaged) - 1))] ^= data.draw(st.integers(1, 255))
    members[k] = bytes(damaged)
    (tmp_path / "x.warc.gz").write_bytes(b"".join(members))
    docs = read([tmp_path / "x.warc.gz"])
    kept = {d.id: d.raw for d in docs if not d.rejected}
    for i, p in enumerate(payloads):
        if i != k:
            assert kept.get(f"http://r{i}/") == b"<html>" + p, (i, k, [(d.id, d.reject_detail) for d in docs])
    assert len(docs) <= len(payloads) + 1


def test_damage_found_in_a_members_first_step_past_the_probe_still_moves_on(tmp_path):
    """Bad deflate data 20 KB into a member, met before any of it is consumed: reading goes on after it
    (this once looped for ever, re-trying the same member)."""
    member = bytearray(gzip.compress(random.Random(0).randbytes(50_000)))  # incompressible: 50 KB compressed
    for i in range(20000, 20100):
        member[i] ^= 0x55
    after = json.dumps({"id": "after", "text": "损坏之后的记录。"}, ensure_ascii=False).encode() + b"\n"
    (tmp_path / "x.jsonl.gz").write_bytes(bytes(member) + gzip.compress(after))
    docs = read([tmp_path / "x.jsonl.gz"])
    assert [d.id for d in accepted(docs)] == ["after"]
    assert [d.rejected for d in docs if d.rejected] == [errors.UNREADABLE_FILE]


@pytest.mark.parametrize("data", [b"\x1f\x8b", b"\x1f\x8bgarbage", b"\x28\xb5\x2f\xfd"])
def test_a_compression_magic_with_nothing_behind_it_is_one_reject(tmp_path, data):
    """Found by the arbitrary-bytes property: the reader used to raise the same error forever."""
    (tmp_path / "f.warc").write_bytes(data)
    docs = read([tmp_path / "f.warc"])
    assert len(docs) == 1 and docs[0].rejected in (errors.UNREADABLE_FILE, errors.TRUNCATED_FILE)
