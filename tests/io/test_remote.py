"""fsspec paths: a memory:// round trip through clean-corpus, and the readers on URLs."""
from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cleaner.cli import main
from cleaner.config import Config
from cleaner.io.readers import iter_file, list_input_files

fsspec = pytest.importorskip("fsspec")

ARTICLE = "新华社北京电 国务院新闻办公室今天举行发布会，介绍今年以来经济运行情况。第二段文字在这里。"


@pytest.fixture
def store():
    fs = fsspec.filesystem("memory")
    fs.mkdir("/crawl")
    yield fs
    fs.rm("/crawl", recursive=True)


def test_memory_round_trip_through_clean_corpus(store, capsys):
    with store.open("/crawl/in/a.jsonl", "w") as f:
        f.write(json.dumps({"id": "j1", "text": ARTICLE}, ensure_ascii=False) + "\n")
    with store.open("/crawl/in/sub/p.html", "wb") as f:
        f.write(f"<html><body><article><p>{ARTICLE}</p></article></body></html>".encode())
    with store.open("/crawl/in/t.parquet", "wb") as f:
        pq.write_table(pa.table({"id": ["t1"], "text": [ARTICLE + "另一篇。"]}), f)
    with store.open("/crawl/in/LICENSE", "w") as f:
        f.write("not an input")
    status = main(["memory://crawl/in", "-o", "memory://crawl/out/clean.jsonl", "--rejects",
                   "memory://crawl/out/rejects.jsonl", "--stats", "memory://crawl/out/stats.json", "--workers", "1"])
    assert status == 0, capsys.readouterr().err
    records = [json.loads(line) for line in store.cat("/crawl/out/clean.jsonl").decode().splitlines()]
    assert [r["id"] for r in records] == ["j1", "sub/p.html", "t1"]
    assert records[1]["duplicate_of"] == "j1" and all(r["text"] for r in records)
    stats = json.loads(store.cat("/crawl/out/stats.json"))
    assert (stats["read"], stats["written"], stats["skipped_files"]) == (3, 3, 1)
    assert store.cat("/crawl/out/rejects.jsonl") == b""
    assert main(["memory://crawl/out/clean.jsonl", "-o", "memory://crawl/out/again.parquet", "--workers", "1",
                 "--no-dedup"]) == 0
    with store.open("/crawl/out/again.parquet", "rb") as f:
        assert pq.read_table(f).column("text").to_pylist() == [r["text"] for r in records]


def test_a_missing_url_input_is_one_line_exit_2(store, capsys):
    assert main(["memory://crawl/nothing.jsonl", "-o", "memory://crawl/out.jsonl"]) == 2
    assert capsys.readouterr().err == "clean-corpus: error: no such input: memory://crawl/nothing.jsonl\n"


def test_url_files_are_listed_and_read_like_local_ones(store):
    store.pipe("/crawl/x/a.txt", ARTICLE.encode("gb18030"))
    store.pipe("/crawl/x/.hidden.txt", b"x")
    files = list_input_files(["memory://crawl/x"])
    assert [i for _, i in files] == ["a.txt"]
    [doc] = [d for path, id_base in files for d in iter_file(path, id_base, Config())]
    assert doc.raw == ARTICLE.encode("gb18030") and doc.kind == "text" and doc.source == "memory://crawl/x/a.txt"
