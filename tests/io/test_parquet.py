"""Table input (Parquet, Arrow, datasets.save_to_disk), column mapping, kept columns, ids, WARC fields."""
from __future__ import annotations

import datetime
import json
from collections import Counter

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner import errors
from cleaner.cli import main
from cleaner.config import Config
from cleaner.io.readers import iter_file, list_input_files

TEXTS = ["新华社北京电 国务院新闻办公室今天举行发布会，介绍今年以来经济运行情况。",
         "第二篇文章的正文内容在这里，说明了会议的具体安排和参加人员。",
         "第三篇文章讲述了一个城市的交通改造计划，预计明年年底完成全部工程。"]
DATES = [datetime.date(2024, 1, d) for d in (1, 2, 3)]


def pages(path, rows_per_group=None, **extra):
    table = pa.table({"doc_id": ["d1", "d2", "d3"], "content": TEXTS, "crawl_date": pa.array(DATES, pa.date32()),
                      "score": pa.array([1, 2, 3], pa.int16()), **extra})
    pq.write_table(table, path, row_group_size=rows_per_group)
    return path


def read(paths, config):
    return [d for path, id_base in list_input_files([str(p) for p in paths]) for d in iter_file(path, id_base, config)]


MAPPED = Config(id_field="doc_id", text_field="content", keep_fields=("crawl_date", "score"))


def test_parquet_rows_are_documents_with_mapped_columns_in_order(tmp_path):
    docs = read([pages(tmp_path / "p.parquet", rows_per_group=1)], MAPPED)  # three row groups
    assert [d.id for d in docs] == ["d1", "d2", "d3"] and [d.text for d in docs] == TEXTS
    assert [d.source for d in docs] == [f"{tmp_path / 'p.parquet'}:{i}" for i in range(3)]
    assert [d.kept for d in docs] == [{"crawl_date": str(day), "score": i + 1} for i, day in enumerate(DATES)]


def test_rows_without_the_text_column_are_bad_records_naming_the_columns(tmp_path):
    docs = read([pages(tmp_path / "p.parquet")], Config())  # text_field "text" is not there
    assert [(d.rejected, d.id) for d in docs] == [(errors.BAD_RECORD, f"{tmp_path / 'p.parquet'}:{i}") for i in range(3)]
    assert "columns: doc_id, content" in docs[0].reject_detail


def test_html_column_may_be_bytes_and_null_text_is_a_bad_record(tmp_path):
    path = tmp_path / "h.parquet"
    pq.write_table(pa.table({"html": pa.array([b"<html><body><p>x</p></body></html>", None], pa.binary()),
                             "id": [7, 8]}), path)
    docs = read([path], Config())
    assert docs[0].raw.startswith(b"<html>") and docs[0].id == "7" and not docs[0].rejected
    assert docs[1].rejected == errors.BAD_RECORD and docs[1].id == "8"


def test_a_broken_parquet_file_is_one_unreadable_reject(tmp_path):
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 this is not parquet")
    [doc] = read([tmp_path / "bad.parquet"], Config())
    assert doc.rejected == errors.UNREADABLE_FILE and "parquet" in doc.reject_detail


def test_datasets_save_to_disk_folder_reads_as_its_rows(tmp_path):
    datasets = pytest.importorskip("datasets")
    datasets.Dataset.from_dict({"text": TEXTS, "id": ["a", "b", "c"]}).save_to_disk(str(tmp_path / "ds"))
    skipped = Counter()
    files = list_input_files([str(tmp_path / "ds")], skipped=skipped)
    docs = [d for path, id_base in files for d in iter_file(path, id_base, Config())]
    assert [(d.id, d.text) for d in docs] == list(zip("abc", TEXTS))
    assert skipped["files"] == 2  # dataset_info.json and state.json are not documents


def test_jsonl_columns_are_mapped_and_kept_too(tmp_path):
    (tmp_path / "a.jsonl").write_text(json.dumps({"key": "k1", "body": TEXTS[0], "lang": "zh", "n": [1, 2]},
                                                 ensure_ascii=False) + "\n", encoding="utf-8")
    [doc] = read([tmp_path / "a.jsonl"], Config(id_field="key", text_field="body", keep_fields=("lang", "n", "gone")))
    assert (doc.id, doc.text, doc.kept) == ("k1", TEXTS[0], {"lang": "zh", "n": [1, 2], "gone": None})


def test_clean_corpus_parquet_in_jsonl_and_parquet_out_keep_the_columns(tmp_path, capsys):
    source = pages(tmp_path / "pages.parquet", rows_per_group=2,
                   seen=pa.array([datetime.datetime(2024, 5, 1, 12, 30)] * 3, pa.timestamp("us")))
    args = [str(source), "--id-field", "doc_id", "--text-field", "content", "--keep-fields", "crawl_date,score,seen",
            "--workers", "1", "--no-dedup"]
    assert main([*args, "-o", str(tmp_path / "out.jsonl")]) == 0, capsys.readouterr().err
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text("utf-8").splitlines()]
    assert [r["id"] for r in records] == ["d1", "d2", "d3"]
    assert [r["crawl_date"] for r in records] == ["2024-01-01", "2024-01-02", "2024-01-03"]
    assert records[0]["score"] == 1 and records[0]["seen"] == "2024-05-01T12:30:00"
    assert main([*args, "-o", str(tmp_path / "out.parquet")]) == 0, capsys.readouterr().err
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.schema.field("crawl_date").type == pa.date32()
    assert table.schema.field("score").type == pa.int16()
    assert table.schema.field("seen").type == pa.timestamp("us")
    assert table.column("crawl_date").to_pylist() == DATES
    assert table.column("id").to_pylist() == ["d1", "d2", "d3"]


def test_files_named_alike_in_different_folders_get_different_ids(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for name in ("x", "y"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "page.html").write_text(f"<html><body><p>{TEXTS[0]}{name}</p></body></html>")
    assert [i for _, i in list_input_files(["x/page.html", "y/page.html"])] == ["x/page.html", "y/page.html"]
    assert [i for _, i in list_input_files(["x", "y"])] == ["x/page.html", "y/page.html"]
    assert [i for _, i in list_input_files(["x", "x/page.html"])] == ["x/page.html", "x/page.html (2)"]
    assert main(["x/page.html", "y/page.html", "-o", "out.jsonl", "--workers", "1"]) == 0, capsys.readouterr().err
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text("utf-8").splitlines()]
    assert [r["id"] for r in records] == ["x/page.html", "y/page.html"]
    assert records[1]["duplicate_of"] == "x/page.html"


def test_glob_picks_files_in_folders(tmp_path):
    (tmp_path / "a").mkdir()
    for name in ("a/page.html", "a/gold.txt", "b.html"):
        (tmp_path / name).write_text("<p>x</p>")
    assert [i for _, i in list_input_files([str(tmp_path)], "*.html")] == ["a/page.html", "b.html"]
    assert [i for _, i in list_input_files([str(tmp_path)], "page.html")] == ["a/page.html"]


def test_warc_records_keep_their_record_id_and_date(realworld):
    path = realworld / "warc/resiliparse/warcfile.warc.gz"
    docs = [d for d in read([path], Config()) if not d.rejected]
    assert docs and all(d.meta["warc_record_id"].startswith("<urn:uuid:") for d in docs)
    assert all(len(d.meta["warc_date"]) >= 20 and d.meta["warc_date"][:2] == "20" for d in docs)
    assert len({d.meta["warc_record_id"] for d in docs}) == len(docs)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.none() | st.text(max_size=30), max_size=300), group=st.integers(1, 50))
def test_every_row_is_one_document_in_order_whatever_the_row_groups(tmp_path, texts, group):
    path = tmp_path / "h.parquet"
    pq.write_table(pa.table({"text": pa.array(texts, pa.string())}), path, row_group_size=group)
    docs = read([path], Config())
    assert [d.source for d in docs] == [f"{path}:{i}" for i in range(len(texts))]
    assert [None if d.rejected else d.text for d in docs] == [
        None if t is None else t.encode("utf-8", "surrogatepass").decode("utf-8", "replace") for t in texts]
    assert all(d.rejected in (None, errors.BAD_RECORD) for d in docs)
