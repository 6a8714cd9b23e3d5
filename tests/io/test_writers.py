"""Writers: round trips, the fixed Parquet schema, atomic publication."""
from __future__ import annotations

import gzip
import json

import pyarrow.parquet as pq
import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner.document import Document
from cleaner.record import FIELDS, to_record
from cleaner.io.writers import PARQUET_SCHEMA, ParquetWriter, open_writer


def sample_records(n: int, explain: bool = False) -> list[dict]:
    out = []
    for i in range(n):
        doc = Document(id=f"doc-{i}", source=f"in.jsonl:{i + 1}", text=f"第{i}段正文\n第二行",
                       meta={"title": "标题", "encoding": "gb18030", "script": "zh-hans"},
                       flags={"spun": i % 2 == 1, "spin_score": i / 10})
        doc.remove("boilerplate", "版权所有")
        out.append(to_record(doc, explain=explain))
    return out


def read_jsonl(path) -> list[dict]:
    raw = path.read_bytes()
    if path.name.endswith(".gz"):
        raw = gzip.decompress(raw)
    elif path.name.endswith(".zst"):
        raw = zstandard.ZstdDecompressor().stream_reader(raw).read()
    # "\n" only: str.splitlines would also split at U+0085 and U+2028, which JSON keeps unescaped
    return [json.loads(line) for line in raw.decode("utf-8").split("\n")[:-1]]


@pytest.mark.parametrize("name", ["out.jsonl", "out.jsonl.gz", "out.jsonl.zst"])
def test_jsonl_round_trip(tmp_path, name):
    records = sample_records(5, explain=True)
    with open_writer(tmp_path / name) as writer:
        for record in records:
            writer.write(record)
    assert read_jsonl(tmp_path / name) == records
    assert writer.count == 5


def test_jsonl_keeps_non_ascii_as_utf8(tmp_path):
    with open_writer(tmp_path / "out.jsonl") as writer:
        writer.write({"text": "中文"})
    assert (tmp_path / "out.jsonl").read_bytes() == '{"text": "中文"}\n'.encode()


def test_parquet_round_trip_in_row_groups(tmp_path):
    records = sample_records(7, explain=True)
    with ParquetWriter(tmp_path / "out.parquet", row_group_rows=3) as writer:
        for record in records:
            writer.write(record)
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.schema.equals(PARQUET_SCHEMA)
    assert pq.ParquetFile(tmp_path / "out.parquet").metadata.num_row_groups == 3
    rows = table.to_pylist()
    assert [{k: row[k] for k in records[0]} for row in rows] == records
    assert all(row["rejected"] is None for row in rows)


def test_parquet_without_explain_and_with_rejects(tmp_path):
    plain = sample_records(1)[0]
    rejected = {"id": "bad", "source": "x.jsonl:2", "rejected": "bad_json", "reject_detail": "not JSON"}
    with open_writer(tmp_path / "out.parquet") as writer:
        writer.write(plain)
        writer.write(rejected)
    rows = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert rows[0]["removed"] is None and rows[0]["text"] == plain["text"]
    assert (rows[1]["rejected"], rows[1]["reject_detail"], rows[1]["text"]) == ("bad_json", "not JSON", None)


def test_empty_parquet_has_the_full_schema(tmp_path):
    with open_writer(tmp_path / "out.parquet"):
        pass
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.num_rows == 0 and table.schema.equals(PARQUET_SCHEMA)
    assert list(FIELDS) == table.schema.names[: len(FIELDS)]


def test_parquet_takes_numeric_cluster_ids_as_text(tmp_path):
    with open_writer(tmp_path / "out.parquet") as writer:
        writer.write({"id": "b", "duplicate_of": 0, "cluster": 4, "similarity": 0.9})
    [row] = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert (row["duplicate_of"], row["cluster"], row["similarity"]) == ("0", "4", 0.9)


def test_parquet_refuses_fields_outside_the_schema(tmp_path):
    with pytest.raises(ValueError, match="colour"):
        with open_writer(tmp_path / "out.parquet") as writer:
            writer.write({"id": "a", "colour": "red"})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["out.jsonl", "out.jsonl.gz", "out.parquet"])
def test_final_name_appears_only_on_close(tmp_path, name):
    final = tmp_path / name
    writer = open_writer(final)
    writer.write(sample_records(1)[0])
    assert not final.exists()
    [temp] = list(tmp_path.iterdir())
    assert temp.name.startswith(".") and temp.name.endswith(".tmp")
    writer.close()
    assert [p.name for p in tmp_path.iterdir()] == [name]


@pytest.mark.parametrize("name", ["out.jsonl", "out.parquet"])
def test_failure_leaves_the_previous_file_and_no_temporary(tmp_path, name):
    final = tmp_path / name
    final.write_bytes(b"previous run")
    with pytest.raises(RuntimeError):
        with open_writer(final) as writer:
            writer.write(sample_records(1)[0])
            raise RuntimeError("stage crashed")
    assert final.read_bytes() == b"previous run"
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_unknown_extension_is_refused(tmp_path):
    with pytest.raises(ValueError, match="jsonl"):
        open_writer(tmp_path / "out.csv")


def test_lone_surrogates_stay_valid_utf8(tmp_path):
    with open_writer(tmp_path / "out.jsonl") as writer:
        writer.write({"id": "bad\udcff"})
    with open_writer(tmp_path / "out.parquet") as writer:
        writer.write({"id": "bad\udcff"})
    assert read_jsonl(tmp_path / "out.jsonl") == [{"id": "bad\udcff"}]
    assert pq.read_table(tmp_path / "out.parquet").column("id").to_pylist() == ["bad\ufffd"]


texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.fixed_dictionaries({"id": texts, "text": texts, "spin_score": st.floats(allow_nan=False),
                                       "cluster": st.none() | texts}), max_size=10))
def test_any_records_round_trip_through_both_formats(tmp_path, records):
    for name in ("out.jsonl", "out.parquet"):
        with ParquetWriter(tmp_path / name, row_group_rows=4) if name.endswith("parquet") \
                else open_writer(tmp_path / name) as writer:
            for record in records:
                writer.write(record)
    assert read_jsonl(tmp_path / "out.jsonl") == records
    rows = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert [{k: row[k] for k in ("id", "text", "spin_score", "cluster")} for row in rows] == records
