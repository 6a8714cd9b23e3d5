"""The Ray engine writes what the local engine writes: records, rejects, dedup fields and numbers."""
from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cleaner.engines import local as engine
from cleaner.config import Config
from cleaner.engines.base import RunError
from cleaner.engines.shards import process_shard
from cleaner.dedup import Signatures, find_duplicates
from cleaner.dedup.lsh import WINDOW, choose_bands

from conftest import ROOT, SEEDS

try:
    import ray
except ImportError:  # CI installs the ray extra; there a missing Ray is a failure, not a skip
    if os.environ.get("CI"):
        raise
    ray = None

pytestmark = pytest.mark.skipif(ray is None, reason="Ray is not installed here: pip install 'cleaner[ray]'")

CONFIG = Config(workers=2)
COUNTS = ("read", "written", "rejected", "rejected_by_reason", "dropped_duplicates", "duplicates", "clusters",
          "chars_in", "chars_out")


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def engine_ray(local_ray):
    from cleaner.engines import ray as engine_ray
    return engine_ray


def _run_both(engine_ray, inputs: list[str], folder: Path, config: Config = CONFIG, suffix: str = ".jsonl"):
    """(local output, Ray output, local rejects, Ray rejects, local stats, Ray stats)."""
    paths = {name: folder / f"{name}{suffix}" for name in ("local", "ray", "local_rejects", "ray_rejects")}
    local = engine.run(inputs, paths["local"], config, rejects=paths["local_rejects"])
    on_ray = engine_ray.run(inputs, paths["ray"], config, rejects=paths["ray_rejects"])
    return paths, local, on_ray


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _assert_same(paths, local, on_ray) -> list[dict]:
    assert _lines(paths["ray"]) == _lines(paths["local"])
    assert _lines(paths["ray_rejects"]) == _lines(paths["local_rejects"])
    for name in COUNTS:
        assert getattr(on_ray, name) == getattr(local, name), name
    return [json.loads(line) for line in _lines(paths["local"])]


def test_seeds_same_as_local(engine_ray, tmp_path):
    paths, local, on_ray = _run_both(engine_ray, [str(SEEDS)], tmp_path)
    records = _assert_same(paths, local, on_ray)
    assert len(records) == 5 and local.rejected == 0  # the seed texts
    assert local.skipped_files == on_ray.skipped_files == 5  # the expected/*.json files: not a kind it reads


def test_realworld_same_as_local(engine_ray, realworld, tmp_path):
    paths, local, on_ray = _run_both(engine_ray, [str(realworld)], tmp_path)
    _assert_same(paths, local, on_ray)
    assert local.written > 100 and len(local.rejected_by_reason) >= 2


def _planted_corpus(folder: Path, n: int) -> Path:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from corpus import generate
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    corpus = generate(n, seed=7)
    folder.mkdir()
    half = n // 2
    for part, texts in enumerate((corpus.texts[:half], corpus.texts[half:])):
        with open(folder / f"part{part}.jsonl", "w", encoding="utf-8") as f:
            for i, text in enumerate(texts):
                f.write(json.dumps({"id": f"p{part}-{i}", "text": text}, ensure_ascii=False) + "\n")
    return folder


def test_planted_near_duplicates_same_as_local(engine_ray, tmp_path):
    corpus = _planted_corpus(tmp_path / "corpus", 5_000)  # 5,000: both engines in a few minutes on 2 cores
    paths, local, on_ray = _run_both(engine_ray, [str(corpus)], tmp_path)
    _assert_same(paths, local, on_ray)
    assert local.clusters > 250 and local.duplicates > 500  # planted copies within the threshold


def test_border_pairs_are_decided_by_exact_jaccard_as_locally(engine_ray, tmp_path, monkeypatch):
    from cleaner.dedup import ray as dedup_ray

    checked = []
    exact_jaccard_of_orders = dedup_ray._exact_jaccard_of_orders

    def counting(records, pairs, config):
        jaccard = exact_jaccard_of_orders(records, pairs, config)
        checked.append(int((jaccard >= config.threshold).sum()))
        return jaccard

    monkeypatch.setattr(dedup_ray, "_exact_jaccard_of_orders", counting)
    paths, local, on_ray = _run_both(engine_ray, [str(_planted_corpus(tmp_path / "corpus", 1000))], tmp_path)
    _assert_same(paths, local, on_ray)
    assert len(checked) == 1 and checked[0] > 10  # border pairs came to the driver and some were confirmed


def test_drop_duplicates_and_explain_in_parquet(engine_ray, tmp_path):
    corpus = _planted_corpus(tmp_path / "corpus", 600)
    config = CONFIG.replace(drop_duplicates=True, explain=True)
    paths, local, on_ray = _run_both(engine_ray, [str(corpus)], tmp_path, config, suffix=".parquet")
    assert pq.read_table(paths["ray"]).equals(pq.read_table(paths["local"]))
    for name in COUNTS:
        assert getattr(on_ray, name) == getattr(local, name), name
    assert local.dropped_duplicates > 50


def test_folder_output_is_the_single_file_in_shards(engine_ray, tmp_path):
    corpus = _planted_corpus(tmp_path / "corpus", 600)
    engine_ray.run([str(corpus)], tmp_path / "one.parquet", CONFIG)
    stats = engine_ray.run([str(corpus)], str(tmp_path / "shards") + os.sep, CONFIG.replace(shard_docs=64))
    manifest = json.loads((tmp_path / "shards" / "manifest.json").read_text())
    assert len(manifest["files"]) > 1
    assert manifest["stats"]["written"] == stats.written == 600
    shards = pa.concat_tables(pq.read_table(tmp_path / "shards" / f["file"]) for f in manifest["files"])
    assert shards.equals(pq.read_table(tmp_path / "one.parquet"))


def _signatures_with_a_crowded_bucket(rng: np.random.Generator) -> tuple[Signatures, np.ndarray]:
    """Three families of 40 texts that all share their first band, so that one bucket holds 120 texts
    (far over WINDOW); within a family texts agree on about 90% of the signature. Plus exact copies,
    texts without a signature, and loners."""
    num_perm = 128
    _, rows = choose_bands(0.8, num_perm)
    shared_band = rng.integers(0, 2**32, size=rows, dtype=np.uint32)
    parts = []
    for _ in range(3):
        base = rng.integers(0, 2**32, size=num_perm, dtype=np.uint32)
        family = np.tile(base, (40, 1))
        changed = rng.random(family.shape) < 0.1
        family[changed] = rng.integers(0, 2**32, size=changed.sum(), dtype=np.uint32)
        family[:, :rows] = shared_band
        parts.append(family)
    loners = rng.integers(0, 2**32, size=(10, num_perm), dtype=np.uint32)
    minhash = np.concatenate(parts + [loners])
    minhash = np.concatenate([minhash, minhash[[3, 50, 50]]])                 # exact copies
    n = len(minhash)
    exact = rng.integers(1, 2**63, size=n, dtype=np.uint64)
    exact[-3:] = exact[[3, 50, 50]]
    has_signature = np.ones(n, dtype=bool)
    no_signature = rng.choice(n - 3, size=4, replace=False)
    has_signature[no_signature] = False
    minhash[no_signature] = 0xFFFFFFFF
    extra = np.full((2, num_perm), 0xFFFFFFFF, dtype=np.uint32)                # two short texts, same view
    sigs = Signatures(np.concatenate([minhash, extra]), np.concatenate([exact, [77, 77]]).astype(np.uint64),
                      np.concatenate([has_signature, [False, False]]))
    lengths = rng.integers(100, 200, size=len(sigs))
    lengths[:5] = 300  # ties on length are broken by position
    return sigs, lengths


def test_dedup_fields_match_find_duplicates_with_crowded_buckets(engine_ray):
    sigs, lengths = _signatures_with_a_crowded_bucket(np.random.default_rng(3))
    assert 120 > 2 * WINDOW  # the shared bucket is one the local LSH only sees through its window
    n = len(sigs)
    config = CONFIG.replace(exact_jaccard=False)  # signatures without texts: the estimate decides
    expected = find_duplicates(sigs, lengths, config)
    assert max(len(c) for c in expected.clusters) >= 30 and len(expected.clusters) >= 4
    order = (np.arange(n, dtype=np.int64) // 50 << 32) + np.arange(n) % 50  # as if from several files
    table = pa.table({"order": order, "id": [f"d{i}" for i in range(n)], "length": lengths.astype(np.int64),
                      "exact": sigs.exact, "has_signature": sigs.has_signature,
                      "minhash": [row.tobytes() for row in sigs.minhash]})
    from cleaner.dedup import ray as dedup_ray

    fields, clusters = dedup_ray.dedup_fields(ray.data.from_arrow(table).repartition(4), config, n)
    got = {row["order"]: row for row in fields.take_all()}
    assert clusters == len(expected.clusters)
    for i in range(n):
        row = got.get(int(order[i]))
        duplicate_of = expected.duplicate_of[i]
        in_cluster = any(i in c for c in expected.clusters)
        assert (row is not None) == in_cluster, i
        if row is None:
            continue
        assert row["cluster"] == f"d{expected.representative[i]}"
        assert row["duplicate_of"] == (None if duplicate_of is None else f"d{duplicate_of}")
        assert row["similarity"] == expected.similarity[i]


def test_clean_dataset_flags_duplicates_and_keeps_rejected_rows(engine_ray):
    article = "今天上午，市政府召开新闻发布会，介绍了城市交通建设的最新进展和下一步工作安排。" * 4
    other = "完全不同的一段文字，讲述山区学校的孩子们如何学习编程。" * 4
    rows = [{"id": "a", "text": article}, {"id": "b", "text": other}, {"id": "c", "text": "   "},
            {"id": "d", "text": article + "记者李明报道。"}]
    out = engine_ray.clean_dataset(ray.data.from_items(rows), CONFIG).take_all()
    assert [r["id"] for r in out] == ["a", "b", "c", "d"]
    by_id = {r["id"]: r for r in out}
    assert by_id["c"]["rejected"] == "empty" and by_id["a"]["rejected"] is None
    assert by_id["a"]["duplicate_of"] == "d" and by_id["d"]["duplicate_of"] is None  # the longer one stays
    assert by_id["a"]["cluster"] == by_id["d"]["cluster"] == "d" and by_id["b"]["cluster"] is None
    assert 0.8 <= by_id["a"]["similarity"] < 1.0


def _die_on_first_try(marker: str, docs, config, on_document):
    """A shard function whose first call kills its Ray worker process."""
    if not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(1)
    return process_shard(docs, config, on_document)


def test_a_killed_task_is_retried_and_writes_each_document_once(engine_ray, tmp_path):
    from ray import cloudpickle
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    marker = tmp_path / "died"
    corpus = _planted_corpus(tmp_path / "corpus", 600)
    expected = engine_ray.run([str(corpus)], tmp_path / "expected.jsonl", CONFIG)
    stats = engine_ray.run([str(corpus)], tmp_path / "out.jsonl", CONFIG,
                           process=functools.partial(_die_on_first_try, str(marker)))
    assert marker.exists()
    assert _lines(tmp_path / "out.jsonl") == _lines(tmp_path / "expected.jsonl")
    assert stats.read == stats.written == expected.written == 600


def test_resume_is_refused(engine_ray, tmp_path):
    with pytest.raises(RunError, match="local engine"):
        engine_ray.run([str(SEEDS)], tmp_path / "out.jsonl", CONFIG, resume=True)


@pytest.mark.parametrize("batch_format", ["default", "numpy", "pandas", "pyarrow"])
def test_clean_batch_as_a_map_batches_function_in_every_batch_format(local_ray, batch_format):
    import cleaner
    from cleaner.io.writers import PARQUET_SCHEMA

    text = SEEDS.glob("*.txt").__next__().read_text("utf-8")
    rows = [{"content": text, "id": i} for i in range(3)] + [{"content": "", "id": 3}]
    ds = ray.data.from_items(rows).map_batches(cleaner.clean_batch, batch_size=2, batch_format=batch_format,
                                                fn_kwargs={"text_column": "content"})
    out = sorted(ds.take_all(), key=lambda r: r["id"])
    assert [r["id"] for r in out] == ["0", "1", "2", "3"]
    assert [r["rejected"] for r in out] == [None, None, None, "empty"]
    assert ds.schema().names == PARQUET_SCHEMA.names
