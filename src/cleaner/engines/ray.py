"""clean-corpus on Ray Data: the local engine's stages, spread over a Ray cluster, with the same output.

Every document carries an ordering key, ``order = file index << 32 | position in the file``, which is
its place in the local engine's input order. The run:

1. **Read**: one task per input file (:func:`cleaner.io.readers.iter_file`, the local readers, so ids,
   sources and reader rejects are those of a local run); documents travel pickled, a shard at a time.
2. **Clean**: ``map_batches`` over shards with :func:`cleaner.engines.shards.process_shard`, the local unit of
   work: records, rejects, MinHash signatures and stats. The result is materialised once (Ray's
   object store, spilled to disk when large) because everything after reads it.
3. **Dedup**: :mod:`cleaner.dedup.ray`, the distributed twin of :func:`cleaner.dedup.find_duplicates`.
4. **Write**: sorted by ``order``; one file streamed through :func:`cleaner.io.writers.open_writer` on the
   driver when ``output`` names a file, or Parquet shards written by Ray plus ``manifest.json`` when it
   names a folder.

A failed task is retried by Ray and its output replaces the failed attempt's; a document reaches the
output only through the final sort, so it is never written twice. Shard files are named after the first
``order`` they hold, so a retried write task replaces its own file.
"""
from __future__ import annotations

import json
import os
import pickle
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

try:
    import ray
    import ray.data
    from ray.data.expressions import col
except ImportError as e:  # pragma: no cover - depends on the installation
    raise ImportError("the Ray engine needs Ray: pip install 'cleaner[ray]'") from e

import numba
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..config import Config
from ..dedup import Signatures
from ..dedup.ray import CLEAN_SCHEMA, data_context, drop_signature_columns, with_dedup_fields
from ..document import Document
from ..io.readers import iter_file
from ..io.writers import open_writer
from ..record import FIELDS
from .base import RunError, Stats
from .local import input_files
from .shards import ShardFunction, cut_shards, process_shard

POSITION_BITS = 32
STATS_ORDER = -1  # ``order`` of the rows that carry a shard's numbers rather than a document
MANIFEST = "manifest.json"


# --- read and clean -----------------------------------------------------------------------------------


def _read_files(batch: dict[str, np.ndarray], config: Config) -> Iterator[pa.Table]:
    """Documents of the files in ``batch``, pickled, one table per shard (sizes are checked by the limits
    stage in the cleaning task); then, for a file with WARC records that are not
    documents, a row with ``order`` -1 and their counts by kind."""
    for file_index, path, id_base in zip(batch["file_index"], batch["path"], batch["id_base"]):
        position = int(file_index) << POSITION_BITS
        skipped: Counter = Counter()
        documents = iter_file(Path(os.fsdecode(bytes(path))), str(id_base), config, skipped=skipped)
        for docs in cut_shards(documents, config):
            orders = np.arange(position, position + len(docs), dtype=np.int64)
            position += len(docs)
            yield pa.table({"order": orders,
                            "doc": pa.array([pickle.dumps(d, protocol=pickle.HIGHEST_PROTOCOL) for d in docs],
                                            pa.binary()),
                            "skipped": pa.nulls(len(docs), pa.binary())})
        if skipped:
            yield pa.table({"order": [STATS_ORDER], "doc": pa.nulls(1, pa.binary()),
                            "skipped": [pickle.dumps(dict(skipped))]})


def _clean_shard(batch: pa.Table, config: Config, process: ShardFunction) -> pa.Table:
    """``process`` (:func:`cleaner.engines.shards.process_shard`) on one shard, as rows of :data:`CLEAN_SCHEMA`."""
    numba.set_num_threads(1)  # Ray's tasks are the parallelism
    is_document = pc.is_valid(batch.column("doc"))
    documents = batch.filter(is_document)
    docs: list[Document] = [pickle.loads(b) for b in documents.column("doc").to_pylist()]
    skipped: Counter = Counter()
    for blob in batch.filter(pc.invert(is_document)).column("skipped").to_pylist():
        skipped.update(pickle.loads(blob))
    return _shard_table(documents.column("order").to_numpy(), docs, config, skipped, process)


def _shard_table(orders: np.ndarray, docs: list[Document], config: Config, skipped: Counter,
                 process: ShardFunction = process_shard) -> pa.Table:
    """Records and rejects of ``docs`` and one last row (``order`` -1) holding the shard's pickled Stats."""
    cpu_start = time.process_time()
    result = process(docs, config, None) if docs else None
    stats = result.stats if result else Stats()
    stats.skipped = dict(skipped)
    stats.cpu_seconds = {"workers": time.process_time() - cpu_start}
    rows: list[dict[str, Any]] = []
    if result:
        kept = [i for i, d in enumerate(docs) if not d.rejected]
        sigs: Signatures | None = result.signatures
        for k, (i, record) in enumerate(zip(kept, result.records)):
            row = dict(record, order=int(orders[i]), length=int(result.lengths[k]))
            if sigs is not None:
                row.update(exact=int(sigs.exact[k]), has_signature=bool(sigs.has_signature[k]),
                           minhash=sigs.minhash[k].tobytes())
            rows.append(row)
        rejected_orders = (int(orders[i]) for i, d in enumerate(docs) if d.rejected)
        rows.extend(dict(reject, order=order) for order, reject in zip(rejected_orders, result.rejects))
    rows.append({"order": STATS_ORDER, "shard_stats": pickle.dumps(stats)})
    return pa.Table.from_pylist(rows, schema=CLEAN_SCHEMA)


def _records(batch: pa.Table) -> pa.Table:
    """The documents kept (not rejected, not a stats row)."""
    return batch.filter(pc.and_(pc.greater_equal(batch.column("order"), 0), pc.is_null(batch.column("rejected"))))


def _rejects(batch: pa.Table) -> pa.Table:
    return batch.filter(pc.is_valid(batch.column("rejected")))


def _docs_to_clean(files: list[tuple[Path, str]], config: Config, process: ShardFunction) -> ray.data.Dataset:
    items = [{"file_index": i, "path": os.fsencode(path), "id_base": id_base}
             for i, (path, id_base) in enumerate(files)]
    read = ray.data.from_items(items, override_num_blocks=max(1, len(items))).map_batches(
        _read_files, batch_size=1, fn_kwargs={"config": config}, num_cpus=0.5)
    # A different CPU request keeps reading and cleaning apart, so one large file is cleaned by many tasks.
    return read.map_batches(_clean_shard, batch_size=config.shard_docs, batch_format="pyarrow",
                            fn_kwargs={"config": config, "process": process}, num_cpus=1)


# --- the run ------------------------------------------------------------------------------------------


def _record_row(row: dict[str, Any], explain: bool) -> dict[str, Any]:
    record = {name: row[name] for name in FIELDS}
    if explain:
        record["removed"] = row["removed"]
    return record


def _sorted_rows(ds: ray.data.Dataset) -> Iterator[dict[str, Any]]:
    """Rows of ``ds`` in ``order``, streamed to the driver block by block."""
    last = -1
    for batch in ds.sort("order").iter_batches(batch_size=None, batch_format="pyarrow"):
        for row in batch.to_pylist():
            if row["order"] <= last:
                raise RunError("Ray returned rows out of order; refusing to write a shuffled output")
            last = row["order"]
            yield row


def _write_shard(batch: pa.Table, folder: str, explain: bool) -> pa.Table:
    """One Parquet shard named after its first ``order``, so file names sort in record order and a
    retried task replaces its own file."""
    if not batch.num_rows:
        return pa.table({"file": pa.array([], pa.string()), "rows": pa.array([], pa.int64()),
                         "first": pa.array([], pa.int64())})
    first = int(batch.column("order")[0].as_py())
    name = f"part-{first:020d}.parquet"
    with open_writer(Path(folder) / name) as writer:
        for row in batch.to_pylist():
            writer.write(_record_row(row, explain))
    return pa.table({"file": [name], "rows": [batch.num_rows], "first": [first]})


def is_folder_output(output: str | Path) -> bool:
    """A folder output: an existing folder, or a path ending in a separator."""
    return Path(output).is_dir() or str(output).endswith(os.sep)


def _connect(ray_address: str | None, config: Config) -> bool:
    """Join ``ray_address``, or start a local Ray; returns whether this run started it."""
    if ray.is_initialized():
        return False
    if ray_address:
        ray.init(address=ray_address, log_to_driver=False)
    else:
        ray.init(num_cpus=config.workers, include_dashboard=False, log_to_driver=False)
    return True


def _shard_stats(cleaned: ray.data.Dataset) -> Stats:
    """The shards' numbers added up; ``cpu_seconds["workers"]`` is the CPU time of the cleaning tasks,
    ``"main"`` is set by :func:`run`."""
    stats = Stats()
    shards = cleaned.select_columns(["shard_stats"]).filter(expr=col("shard_stats").is_not_null())
    for batch in shards.iter_batches(batch_size=None, batch_format="pyarrow"):
        for blob in batch.column("shard_stats").to_pylist():
            shard = pickle.loads(blob)
            stats.add(shard)
    stats.skipped = dict(sorted(stats.skipped.items()))
    stats.cpu_seconds = {"workers": round(stats.cpu_seconds.get("workers", 0.0), 3)}
    return stats


def run(inputs: list[str], output: str | Path, config: Config, *, rejects: str | Path | None = None,
        stats_path: str | Path | None = None, resume: bool = False, progress: bool = False,
        ray_address: str | None = None, process: ShardFunction = process_shard) -> Stats:
    """Clean every document under ``inputs`` into ``output`` on Ray (see the module notes); the same
    records, rejects and numbers as :func:`cleaner.engines.local.run`. ``output`` is a file (``.jsonl``,
    ``.jsonl.gz``, ``.jsonl.zst``, ``.parquet``) or a folder for Parquet shards. ``ray_address`` joins an
    existing cluster; without it a local Ray is started for the run (``config.workers`` CPUs).
    ``process`` is the per-shard function (tests substitute one that misbehaves)."""
    if resume:
        raise RunError("--resume is for the local engine; on Ray a failed task is retried by Ray itself")
    if config.keep_fields:
        raise RunError("--keep-fields is for the local engine; the Ray engine does not carry input columns yet")
    started, cpu_start = time.monotonic(), time.process_time()
    started_ray = _connect(ray_address, config)
    try:
        with data_context(progress):
            own = [Path(p) for p in (output, rejects, stats_path) if p]
            skipped_files: Counter = Counter()
            cleaned = _docs_to_clean(input_files(inputs, own, config, skipped_files), config, process).materialize()
            stats = _shard_stats(cleaned)
            stats.skipped_files = skipped_files["files"]
            stats.workers = int(ray.cluster_resources().get("CPU", 0))
            kept = cleaned.map_batches(_records, batch_format="pyarrow")
            records, stats.clusters, stats.duplicates = with_dedup_fields(kept, config, stats.read - stats.rejected)
            if rejects:
                with open_writer(rejects) as writer:
                    for row in _sorted_rows(cleaned.map_batches(_rejects, batch_format="pyarrow")):
                        writer.write({k: row[k] for k in ("id", "source", "url", "rejected", "reject_detail")})
            if config.drop_duplicates:
                records = records.filter(expr=col("duplicate_of").is_null())
                stats.dropped_duplicates = stats.duplicates
            if is_folder_output(output):
                _write_folder(records, Path(output), config, stats)
            else:
                with open_writer(output) as writer:
                    for row in _sorted_rows(records):
                        writer.write(_record_row(row, config.explain))
                stats.written = writer.count
    finally:
        if started_ray:
            ray.shutdown()
    stats.seconds = time.monotonic() - started
    stats.cpu_seconds["main"] = round(time.process_time() - cpu_start, 3)
    return stats


def _write_folder(records: ray.data.Dataset, folder: Path, config: Config, stats: Stats) -> None:
    """Parquet shards in ``folder`` and a manifest listing them in record order, with the run's numbers
    (``stats.written`` set here)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = records.sort("order").map_batches(
        _write_shard, batch_size=None, batch_format="pyarrow",
        fn_kwargs={"folder": str(folder.resolve()), "explain": config.explain}).to_arrow_refs()
    files = []
    if written:
        shards = pa.concat_tables(ray.get(written)).sort_by("first")
        files = [{"file": name, "rows": rows}
                 for name, rows in zip(shards.column("file").to_pylist(), shards.column("rows").to_pylist())]
    stats.written = sum(f["rows"] for f in files)
    with open(folder / MANIFEST, "w", encoding="utf-8") as f:
        json.dump({"files": files, "stats": stats.to_json()}, f, indent=1)


# --- for users who already have a Ray Dataset ---------------------------------------------------------


@ray.remote
def _num_rows(table: pa.Table) -> int:
    return table.num_rows


@ray.remote
def _with_order(table: pa.Table, first: int) -> pa.Table:
    return table.append_column("order", pa.array(np.arange(first, first + table.num_rows, dtype=np.int64)))


def _clean_rows(batch: pa.Table, config: Config) -> pa.Table:
    """Rows with ``html`` or ``text`` (optional ``id``, ``url``, ``headers``) to :data:`CLEAN_SCHEMA` rows."""
    numba.set_num_threads(1)
    columns = batch.to_pydict()
    n = batch.num_rows
    docs = []
    for i in range(n):
        doc = Document(id=_value(columns, "id", i), url=_value(columns, "url", i),
                       headers=_value(columns, "headers", i))
        if "html" in columns:
            doc.raw = columns["html"][i] if columns["html"][i] is not None else b""
        else:
            doc.text = columns["text"][i] or ""
        docs.append(doc)
    return _shard_table(batch.column("order").to_numpy(), docs, config, Counter())


def _value(columns: dict[str, list[Any]], name: str, i: int) -> Any:
    return columns[name][i] if name in columns else None


def clean_dataset(ds: ray.data.Dataset, config: Config | None = None) -> ray.data.Dataset:
    """Clean and deduplicate a Ray Dataset: rows with ``html`` or ``text`` (optional ``id``, ``url``,
    ``headers``) in, one output record per row out, in input order, with ``rejected`` and
    ``reject_detail`` set on rows that could not be used (as :func:`cleaner.api.clean_batch`). "Earliest"
    in the choice of a cluster's representative is the row's position in ``ds``.

    Runs ``ds``, the cleaning and the dedup grouping here (the rows must be numbered, and the duplicate
    edges come to the driver); joining the fields back and sorting run when the result is consumed."""
    config = config or Config()
    with data_context():
        return _clean_dataset(ds, config)


def _clean_dataset(ds: ray.data.Dataset, config: Config) -> ray.data.Dataset:
    blocks = ds.to_arrow_refs()
    counts = ray.get([_num_rows.remote(b) for b in blocks])
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64) if counts else []
    ordered = ray.data.from_arrow_refs([_with_order.remote(b, int(s)) for b, s in zip(blocks, starts)])
    cleaned = ordered.map_batches(_clean_rows, batch_size=config.shard_docs, batch_format="pyarrow",
                                  fn_kwargs={"config": config}).materialize()
    kept = cleaned.map_batches(_records, batch_format="pyarrow")
    records, _, _ = with_dedup_fields(kept, config, kept.count())
    rejected = drop_signature_columns(cleaned.map_batches(_rejects, batch_format="pyarrow"))
    columns = [*FIELDS, *(["removed"] if config.explain else []), "rejected", "reject_detail"]
    return records.union(rejected).sort("order").select_columns(columns)
