"""Hostile input never stops a run, never loses a record, never blows memory; hung or crashing workers
are replaced and cost only their document."""
from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import zstandard

from cleaner import errors
from cleaner.engines import local as engine
from cleaner.engines import shards, workers
from cleaner.config import Config
from cleaner.document import Document
from cleaner.engines.shards import process_shard
from cleaner.pipeline import Pipeline
from cleaner.stages.base import Stage

BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + "".join(f'<!ENTITY lol{k} "{("&lol" + (str(k - 1) if k > 1 else "") + ";") * 10}">'
                            for k in range(1, 10))
                  + ']><html><body><p>&lol9;</p><p>正文在这里，不应因实体而爆炸。</p></body></html>')


def write_hostile_corpus(folder: Path) -> dict[str, str]:
    """The hostile cases, generated; returns id -> the reason it must be rejected with ("" if it may pass)."""
    folder.mkdir()
    expected = {}
    (folder / "one-line.html").write_bytes(b"<p>" + b"x" * (50 << 20) + b"</p>")  # 50 MB, no newline
    expected["one-line.html"] = errors.TOO_LARGE
    (folder / "deep.html").write_bytes(b"<html><body>" + b"<div>" * 100_000 + "深".encode() + b"</div>" * 100_000
                                       + b"</body></html>")
    expected["deep.html"] = errors.TOO_DEEP
    (folder / "laughs.html").write_text(BILLION_LAUGHS, encoding="utf-8")
    expected["laughs.html"] = ""
    spam = "".join(f"<p>{'博彩 百家乐 六合彩 澳门赌场 ' * 20}</p>\n" for _ in range(20_000))  # ~10 MB
    (folder / "spam.html").write_text(f"<html><body>{spam}</body></html>", encoding="utf-8")
    expected["spam.html"] = ""
    (folder / "nul.html").write_bytes(("<html><body><p>" + "正\x00文\x00" * 2000 + "</p></body></html>").encode())
    expected["nul.html"] = ""
    (folder / "binary.html").write_bytes(bytes(range(256)) * 64)
    expected["binary.html"] = ""
    with open(folder / "odd.jsonl", "w", encoding="utf-8") as f:  # json.dumps escapes lone surrogates
        f.write(json.dumps({"id": "surrogates", "text": "正文\ud800混杂\udfff孤立代理\x01\x07\x1b控制字符。" * 50}) + "\n")
        f.write(json.dumps({"id": "nul-text", "text": "\x00".join("零字节到处都是的一段正文。" * 40)}) + "\n")
        # the reader writes a lone surrogate in an id as U+FFFD
        f.write(json.dumps({"id": "surrogate-id-\udc80", "html": "<p>标识里有孤立代理。</p>" * 20}) + "\n")
        f.write("\x00" * 1000 + "\n")
        f.write('{"id": "truncated", "text": "半截\n')
    expected.update({"surrogates": "", "nul-text": "", "surrogate-id-\ufffd": "", "odd.jsonl:4": errors.BAD_JSON,
                     "odd.jsonl:5": errors.BAD_JSON})
    expected.update(write_broken_containers(folder))
    return expected


HONEST = "诚实的记录，应当完整写出。" * 8


def warc(uri: str, declared_extra: int = 0) -> bytes:
    http = f"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>{uri} {HONEST}</p></body></html>"
    block = http.encode()
    length = len(block) + declared_extra if declared_extra >= 0 else 999999999999999999
    return (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {uri}\r\n"
            f"Content-Type: application/http; msgtype=response\r\nContent-Length: {length}\r\n\r\n").encode() + block + b"\r\n\r\n"


def write_broken_containers(folder: Path) -> dict[str, str]:
    """Containers that lie or are damaged, and traps in the folder; every honest record in them must be
    written. Ids of the honest records start with "honest"."""
    expected = {}
    # Content-Length past the next record, and absurd: each costs only its own record
    for name, pack in (("lying.warc", b"".join), ("lying-members.warc.gz", lambda rs: b"".join(map(gzip.compress, rs)))):
        records = [warc(f"honest://{name}/0"), warc(f"liar://{name}/1", 300), warc(f"honest://{name}/2"),
                   warc(f"liar://{name}/3", -1), warc(f"honest://{name}/4")]
        (folder / name).write_bytes(pack(records))
        expected.update({f"honest://{name}/{i}": "" for i in (0, 2, 4)})
        expected.update({f"liar://{name}/{i}": errors.UNREADABLE_FILE for i in (1, 3)})
    # a corrupt gzip member (bad CRC) in the middle of a multi-member JSONL
    members = [gzip.compress((json.dumps({"id": f"honest-g{i}", "text": HONEST}, ensure_ascii=False) + "\n").encode())
               for i in range(5)]
    damaged = bytearray(members[2])
    damaged[-8] ^= 0xFF
    members[2] = bytes(damaged)
    (folder / "members.jsonl.gz").write_bytes(b"".join(members))
    expected.update({f"honest-g{i}": "" for i in (0, 1, 3, 4)})
    expected["members.jsonl.gz:3"] = errors.UNREADABLE_FILE
    # a complete gzip page with garbage after it (gzip -d: "trailing garbage ignored")
    (folder / "honest-page.html.gz").write_bytes(
        gzip.compress(f"<html><body><p>{HONEST}</p></body></html>".encode()) + b"\x00garbage" * 50)
    expected["honest-page.html.gz"] = ""
    # megabytes of blank lines and CR/LF padding, then a record
    padding = (b"\n" * 1000 + b"\r\n" * 1000 + b" \r\r\n") * 3000
    record = (json.dumps({"id": "honest-after-padding", "text": HONEST}, ensure_ascii=False) + "\n").encode()
    (folder / "padding.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(padding + record))
    expected["honest-after-padding"] = ""
    # traps: a symlink loop, and host folders linked in
    os.symlink(folder / "loop_b", folder / "loop_a")
    os.symlink(folder / "loop_a", folder / "loop_b")
    expected.update({"loop_a": errors.UNREADABLE_FILE, "loop_b": errors.UNREADABLE_FILE})
    os.symlink("/etc", folder / "etc")
    os.symlink(folder, folder / "again")
    return expected


def test_hostile_corpus_runs_through_with_every_record_accounted_for(tmp_path):
    # A first run compiles the numba kernels (a few hundred MB, once per installation, then cached); warm
    # that cache so the peak measured below is the one the hostile data causes.
    (tmp_path / "warm").mkdir()
    warm_text = "".join(f"预热编译缓存的第{i}段正文，内容足够长，可以计算签名。" for i in range(40))
    for name, text in (("a", warm_text), ("b", warm_text), ("c", warm_text.replace("第7段", "第八段"))):
        (tmp_path / "warm" / f"{name}.txt").write_text(text, encoding="utf-8")  # a copy and a near-copy
    subprocess.run([sys.executable, "-m", "cleaner.cli", str(tmp_path / "warm"), "-o", str(tmp_path / "warm.jsonl")],
                   capture_output=True, timeout=300, check=True)
    expected = write_hostile_corpus(tmp_path / "in")
    out, rejects, stats_path = tmp_path / "out.jsonl", tmp_path / "rejects.jsonl", tmp_path / "stats.json"
    proc = subprocess.run([sys.executable, "-m", "cleaner.cli", str(tmp_path / "in"), "-o", str(out),
                           "--rejects", str(rejects), "--stats", str(stats_path), "--workers", "2"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    stats = json.loads(stats_path.read_text())
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    rejected = [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()]
    assert stats["read"] == len(expected) == stats["written"] + stats["rejected"] + stats["dropped_duplicates"]
    assert stats["written"] == len(records) and stats["rejected"] == len(rejected)
    assert {r["id"] for r in records} | {r["id"] for r in rejected} == set(expected)
    for reject in rejected:
        assert reject["rejected"] in errors.ALL and reject["reject_detail"]
        if expected[reject["id"]]:
            assert reject["rejected"] == expected[reject["id"]], reject
    assert sum(stats["rejected_by_reason"].values()) == stats["rejected"]
    assert {r["id"] for r in records} >= {i for i in expected if i.startswith("honest")}
    assert not [r for r in records + rejected if r["source"].startswith("/etc") or "/etc/" in r["source"]]
    assert stats["skipped"] == {"symlink_leaving_input": 1, "folder_seen_before": 1, "trailing_garbage": 1}
    assert all(len(r["text"]) < 100_000 for r in records)  # no entity was expanded a billion times
    # Memory stays bounded. With its modules and numba kernels loaded a process holds about 205 MB (main)
    # or 215 MB (worker) here. The main process peaked between 205 and 720 MB over runs of this test (it
    # holds a shard's pages while handing them to a worker; the spread is not yet explained); decoding and
    # parsing the 50 MB line as a page would take it past a gigabyte.
    assert stats["peak_rss_mb"]["main"] < 800, stats["peak_rss_mb"]
    assert stats["peak_rss_mb"]["worker"] < 700, stats["peak_rss_mb"]  # with the language model and spam lexicons loaded


class SleepStage(Stage):
    """Sleeps in Python on documents that start with SLOW, as a stage stuck in a slow loop would."""

    name = "sleep"

    def process(self, doc):
        if doc.text.startswith("SLOW"):
            time.sleep(60)


def test_python_code_past_the_time_limit_is_stopped_and_only_that_document_rejected(monkeypatch):
    config = Config(timeout_s=1.0, dedup=False)
    html = Pipeline.for_html(config)
    text = Pipeline([*Pipeline.for_text(config).stages, SleepStage(config)])
    monkeypatch.setattr(shards, "pipelines", lambda config: (html, text))
    process_shard([Document(text="先热身：第一次调用会加载词典。")], config)
    docs = [Document(id="a", text="第一篇正文。"), Document(id="slow", text="SLOW 第二篇。"),
            Document(id="c", text="第三篇正文。")]
    started = time.monotonic()
    result = process_shard(docs, config)
    assert time.monotonic() - started < 5
    assert [r["id"] for r in result.records] == ["a", "c"]
    assert [(r["id"], r["rejected"]) for r in result.rejects] == [("slow", errors.TIMEOUT)]
    assert signal.getsignal(signal.SIGALRM) == signal.SIG_DFL and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def misbehave(docs, config, on_document):
    """A shard function for the test below: hangs in C code (SIGALRM blocked) on "HANG", dies on "CRASH"."""
    for i, doc in enumerate(docs):
        if doc.rejected:
            continue
        if doc.text == "HANG":
            on_document(i)
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            time.sleep(3600)
        if doc.text == "CRASH":
            on_document(i)
            os.kill(os.getpid(), signal.SIGKILL)
    return process_shard(docs, config, on_document)


def test_hung_and_dead_workers_are_replaced_and_cost_only_their_document(tmp_path, monkeypatch):
    monkeypatch.setattr(workers, "HANG_GRACE_S", 1.0)
    texts = ["第一篇正文。", "HANG", "第三篇正文。", "CRASH", "第五篇正文。", "第六篇正文。"]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps({"id": f"d{i}", "text": t}) + "\n"
                                               for i, t in enumerate(texts)), encoding="utf-8")
    # a worker's first document loads dictionaries, which takes a while on a busy machine
    config = Config(timeout_s=3.0, shard_docs=3, workers=2)
    stats = engine.run([str(tmp_path / "in.jsonl")], tmp_path / "out.jsonl", config,
                       rejects=tmp_path / "rejects.jsonl", process=misbehave)
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    rejects = [json.loads(line) for line in (tmp_path / "rejects.jsonl").read_text().splitlines()]
    assert [r["id"] for r in records] == ["d0", "d2", "d4", "d5"]
    assert {r["id"]: r["rejected"] for r in rejects} == {"d1": errors.TIMEOUT, "d3": errors.INTERNAL_ERROR}
    assert stats.workers_replaced == 2
    assert stats.read == stats.written + stats.rejected == 6


def test_a_text_the_signatures_cannot_take_costs_only_its_document(monkeypatch):
    real_signatures_for = shards.signatures_for

    def signatures_for(texts, config):
        if any("毒" in t for t in texts):
            raise ValueError("cannot shingle this")
        return real_signatures_for(texts, config)

    monkeypatch.setattr(shards, "signatures_for", signatures_for)
    docs = [Document(id=str(i), text=t) for i, t in enumerate(["第一篇正文。", "有毒的一篇。", "第三篇正文。"])]
    result = process_shard(docs, Config())
    assert [r["id"] for r in result.records] == ["0", "2"]
    assert len(result.signatures) == len(result.lengths) == 2
    assert [(r["id"], r["rejected"]) for r in result.rejects] == [("1", errors.INTERNAL_ERROR)]
