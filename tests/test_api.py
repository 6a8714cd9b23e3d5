"""The public contract of ../shared/design.md, as other pipelines call it."""
import socket

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import cleaner
from cleaner import Config
from cleaner.io.writers import PARQUET_SCHEMA

from conftest import SEEDS

GBK_PAGE = ("<html><head><meta charset='gbk'><title>县医院能力提升</title></head><body>"
            "<article><p>" + "县医院综合能力提升工作专题会议在重庆召开，来自全国的代表交流了经验。" * 6 +
            "</p></article></body></html>").encode("gbk")


def test_clean_html_fills_text_meta_flags_and_removed():
    doc = cleaner.clean_html(GBK_PAGE, url="https://example.cn/a.html")
    assert doc.rejected is None
    assert "县医院综合能力提升工作专题会议在重庆召开" in doc.text
    assert doc.meta["encoding"] == "gb18030"  # a GBK label is read as its superset
    assert doc.meta["encoding_source"] == "meta"
    assert 0.0 <= doc.meta["encoding_confidence"] <= 1.0
    assert doc.meta["script"] == "zh-hans"
    assert doc.flags["spun"] is False and isinstance(doc.flags["spin_score"], float)
    assert isinstance(doc.removed, list)


def test_clean_html_never_reaches_the_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("cleaner tried to open a network connection")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    doc = cleaner.clean_html(GBK_PAGE, url="https://example.cn/a.html")
    assert doc.rejected is None


def test_clean_html_rejects_instead_of_raising():
    doc = cleaner.clean_html(b"")
    assert doc.rejected == "empty" and doc.text == ""
    doc = cleaner.clean_html(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    assert doc.rejected == "not_html"


def test_clean_text_and_decode():
    text = (SEEDS / "003_9e8e72ff4af0a9b1.txt").read_text("utf-8")
    doc = cleaner.clean_text(text, Config(script="zh-tw"))
    assert "(yī)" not in doc.text and doc.meta["script"] == "zh-tw"
    decoded, info = cleaner.decode("標題".encode("big5"), headers={"Content-Type": "text/html; charset=big5"})
    assert decoded == "標題"
    assert info.encoding == info["encoding"] == "big5hkscs" and info["source"] == "header"


def test_clean_batch_keeps_rows_aligned_with_the_input():
    out = cleaner.clean_batch({"html": [GBK_PAGE, b"", GBK_PAGE.decode("gbk")], "id": ["a", "b", "c"]})
    assert out.schema == PARQUET_SCHEMA
    assert out.column("id").to_pylist() == ["a", "b", "c"]
    assert out.column("rejected").to_pylist() == [None, "empty", None]
    assert out.column("reject_detail").to_pylist()[1]
    text = out.column("text").to_pylist()
    assert text[1] == "" and text[0] == text[2] != ""
    texts = cleaner.clean_batch({"text": ["第一段正文内容在这里，说明了会议的情况。", ""]}, Config(explain=True))
    assert texts.column("rejected").to_pylist() == [None, "empty"] and texts.column("removed")[0].as_py() == []


ARTICLE = "第一段正文内容在这里，说明了会议的情况。"


@pytest.mark.parametrize("batch", [
    {"content": np.array([ARTICLE, ""], dtype=object), "id": np.array([7, 8])},   # Ray's numpy format
    pd.DataFrame({"content": [ARTICLE, ""], "id": [7, 8]}),                          # Ray's pandas format
    pa.table({"content": [ARTICLE, ""], "id": pa.array([7, 8], pa.int64())}),        # pyarrow
])
def test_clean_batch_reads_every_batch_format_and_named_columns(batch):
    out = cleaner.clean_batch(batch, text_column="content")
    assert out.schema == PARQUET_SCHEMA
    assert out.column("id").to_pylist() == ["7", "8"]
    assert out.column("rejected").to_pylist() == [None, "empty"]
    with pytest.raises(ValueError, match="no column 'text' in the batch"):
        cleaner.clean_batch(batch)


def test_datasets_map_works_when_only_a_later_batch_has_rejected_rows():
    datasets = pytest.importorskip("datasets")
    ds = datasets.Dataset.from_dict({"content": [ARTICLE] * 4 + ["", ARTICLE], "id": list(range(6))})
    out = ds.map(cleaner.clean_batch, batched=True, batch_size=2, fn_kwargs={"text_column": "content"})
    assert out["rejected"] == [None] * 4 + ["empty", None]
    assert out["id"] == [str(i) for i in range(6)]
    assert out.features["similarity"].dtype == "float64" and out.features["rejected"].dtype == "string"


def test_dedup_flags_a_traditional_repost_of_a_simplified_article():
    raw = (SEEDS / "001_d635b29beb109ae6.txt").read_text("utf-8")
    article = cleaner.clean_text(raw).text
    repost = cleaner.clean_text(raw, Config(script="zh-hant")).text
    assert repost != article
    other = cleaner.clean_text((SEEDS / "002_38fdde4c84a3ce5c.txt").read_text("utf-8")).text
    result = cleaner.dedup([article, other, repost])
    assert result.clusters == [[0, 2]]
    assert result.duplicate_of[1] is None
    kept = 0 if result.duplicate_of[0] is None else 2
    assert result.duplicate_of[2 - kept] == kept and result.similarity[2 - kept] > 0.8


def test_config_from_toml(tmp_path):
    path = tmp_path / "cleaner.toml"
    path.write_text('script = "zh-hk"\nthreshold = 0.7\n[unused]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="unknown config keys: unused"):
        Config.from_toml(path)
    path.write_text('[cleaner]\nscript = "zh-hk"\nthreshold = 0.7\n', encoding="utf-8")
    config = Config.from_toml(path)
    assert (config.script, config.threshold) == ("zh-hk", 0.7)
    with pytest.raises(ValueError, match="script must be one of"):
        Config(script="zh-cn")
