"""Reading back what the writers wrote: every output form, in order, and one clear error for a bad line."""
from __future__ import annotations

import pytest

from cleaner.io.records import read_records
from cleaner.io.writers import open_writer

RECORDS = [{"id": f"d{i}", "text": "正文" * i, "removed": [{"rule": "boilerplate:nav", "text": "首页",
                                                            "before": None, "line": "首页", "after": "正文"}]}
           for i in range(5)]


@pytest.mark.parametrize("name", ["out.jsonl", "out.jsonl.gz", "out.jsonl.zst", "out.parquet", "folder"])
def test_records_read_back_as_written(tmp_path, name):
    if name == "folder":  # the Ray engine's output: Parquet shards in a folder
        path = tmp_path / "folder"
        path.mkdir()
        for part, chunk in (("part-0000", RECORDS[:2]), ("part-0002", RECORDS[2:])):
            with open_writer(path / f"{part}.parquet") as writer:
                for record in chunk:
                    writer.write(record)
    else:
        path = tmp_path / name
        with open_writer(path) as writer:
            for record in RECORDS:
                writer.write(record)
    back = list(read_records(path))
    assert [r["id"] for r in back] == [r["id"] for r in RECORDS]
    assert [r["text"] for r in back] == [r["text"] for r in RECORDS]
    assert [r["removed"] for r in back] == [r["removed"] for r in RECORDS]


def test_a_line_that_is_not_json_is_named(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_text('{"id": "a"}\nnot json\n')
    with pytest.raises(ValueError, match=r"out.jsonl:2"):
        list(read_records(path))
    with pytest.raises(ValueError, match="not a .jsonl"):
        list(read_records(tmp_path / "out.csv"))
