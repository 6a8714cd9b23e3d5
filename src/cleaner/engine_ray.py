"""clean-corpus on Ray Data: the local engine's stages, spread over a Ray cluster, with the same output.

Every document carries an ordering key, ``order = file index << 32 | position in the file``, which is
its place in the local engine's input order. The run:

1. **Read**: one task per input file (:func:`cleaner.readers.iter_file`, the local readers, so ids,
   sources and reader rejects are those of a local run); documents travel pickled, a shard at a time.
2. **Clean**: ``map_batches`` over shards with :func:`cleaner.engine.process_shard`, the local unit of
   work: records, rejects, MinHash signatures and stats. The result is materialised once (Ray's
   object store, spilled to disk when large) because everything after reads it.
3. **Dedup**, with the semantics of :func:`cleaner.minhash.find_duplicates`, none of it on one node:
   group by exact view hash (linking copies, one row per distinct view goes on), band keys in
   ``map_batches``, group by (band, key) and confirm each text against at most
   :data:`cleaner.minhash.lsh.WINDOW` texts before it in the bucket (ordered by view hash, as locally)
   with the signature estimate. Only the confirmed edges, thinned to a spanning forest per partition,
   come to the driver for union-find, with the border pairs (estimate near the threshold) under
   ``Config.exact_jaccard``: those still in two components are decided by exact Jaccard on the driver,
   from the texts of just their records. The driver keeps the maximum spanning forest of the confirmed
   pairs (:func:`cleaner.minhash.lsh.spanning_forest`, the local engine's forest: each partition sends
   only its own forest, and the forest of their union is the same) and gives each text its parent in
   it, rooted at the component's first text. The components go back into Ray, are joined with ids and
   lengths, grouped by component to pick the representative (longest text, then earliest) and to turn
   the forest round to it: each member's ``duplicate_of`` is its confirmed neighbour towards the
   representative. Those fields are joined back onto the records.
4. **Write**: sorted by ``order``; one file streamed through :func:`cleaner.writers.open_writer` on the
   driver when ``output`` names a file, or Parquet shards written by Ray plus ``manifest.json`` when it
   names a folder.

Groupings use a coarse partition column (``key % parts``) so that Ray calls the group function once per
partition, not once per bucket; inside a partition the grouping is done with numpy.

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
from contextlib import contextmanager
from pathlib import Path
from typing import Any

try:
    import ray
    import ray.data
    from ray.data.context import ShuffleStrategy
    from ray.data.expressions import col
except ImportError as e:  # pragma: no cover - depends on the installation
    raise ImportError("the Ray engine needs Ray: pip install 'cleaner[ray]'") from e

import numba
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .config import Config
from .document import Document
from .engine import RunError, ShardFunction, Stats, cut_shards, input_files, process_shard
from .minhash import Signatures, band_keys, confirmation_bounds, exact_jaccard_of_texts
from .minhash.clusters import link_pairs, roots, spanning_forest, tree_parents
from .minhash.lsh import WINDOW, choose_bands
from .readers import iter_file
from .record import FIELDS
from .writers import PARQUET_SCHEMA, open_writer

POSITION_BITS = 32
STATS_ORDER = -1  # ``order`` of the rows that carry a shard's numbers rather than a document
# Sort-based shuffles run as tasks in Ray's pooled workers, which have the cleaner and its numba kernels
# loaded already; the hash shuffle starts fresh aggregator actors for every grouping, seconds each.
SHUFFLE_STRATEGY = ShuffleStrategy.SORT_SHUFFLE_PULL_BASED
DEDUP_FIELDS = ("cluster", "duplicate_of", "similarity")
MANIFEST = "manifest.json"
# Rows per coarse partition of a grouping, which one group-function call holds in memory: signature rows
# (about 0.6 kB each), and output records (text: a few kB each).
ROWS_PER_PARTITION = 500_000
RECORDS_PER_PARTITION = 50_000

_SIGNATURE_FIELDS = [pa.field("order", pa.int64()), pa.field("length", pa.int64()),
                     pa.field("exact", pa.uint64()), pa.field("has_signature", pa.bool_()),
                     pa.field("minhash", pa.binary())]
# One row per input document: the output record (or a reject) and its signature; plus one row per shard
# (``order`` STATS_ORDER) holding the shard's pickled Stats.
CLEAN_SCHEMA = pa.schema(list(PARQUET_SCHEMA) + _SIGNATURE_FIELDS + [pa.field("shard_stats", pa.binary())])
# ``border``: a pair whose estimate is near the threshold, for the driver to decide by exact Jaccard
# (its ``similarity`` is null); other pairs are confirmed, with their signature estimate
_EDGE_SCHEMA = pa.schema([pa.field("a", pa.int64()), pa.field("b", pa.int64()), pa.field("border", pa.bool_()),
                          pa.field("similarity", pa.float64())])
_NOT_IN_OUTPUT = ("length", "exact", "has_signature", "minhash", "shard_stats")
_FIELDS_SCHEMA = pa.schema([pa.field("order", pa.int64()), pa.field("cluster", pa.string()),
                            pa.field("duplicate_of", pa.string()), pa.field("similarity", pa.float64())])


# --- read and clean -----------------------------------------------------------------------------------


def _read_files(batch: dict[str, np.ndarray], config: Config) -> Iterator[pa.Table]:
    """Documents of the files in ``batch``, pickled, one table per shard (oversized pages rejected here,
    as the local engine does before shipping a shard); then, for a file with WARC records that are not
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
    """``process`` (:func:`cleaner.engine.process_shard`) on one shard, as rows of :data:`CLEAN_SCHEMA`."""
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


# --- dedup --------------------------------------------------------------------------------------------


def _minhash_matrix(column: pa.ChunkedArray | pa.Array, num_perm: int) -> np.ndarray:
    values = column.to_pylist()
    return np.frombuffer(b"".join(values), dtype=np.uint32).reshape(len(values), num_perm)


def _with_partition(batch: pa.Table, column: str, parts: int) -> pa.Table:
    part = (batch.column(column).to_numpy().astype(np.uint64) % np.uint64(parts)).astype(np.int64)
    return batch.append_column("part", pa.array(part))


def _matchable(batch: pa.Table) -> pa.Table:
    """Rows whose view hash can match: 0 is an empty view, which matches nothing."""
    return batch.filter(pc.not_equal(batch.column("exact"), pa.scalar(0, pa.uint64())))


def _views(group: pa.Table) -> pa.Table:
    """Texts with the same exact view hash: each row gets ``head``, the earliest text of its view.

    Only the head keeps its signature; it is the view's one entry into LSH."""
    group = group.sort_by([("exact", "ascending"), ("order", "ascending")])
    exact = group.column("exact").to_numpy()
    starts = np.ones(len(exact), dtype=bool)
    starts[1:] = exact[1:] != exact[:-1]
    order = group.column("order").to_numpy()
    head = order[np.flatnonzero(starts)][np.cumsum(starts) - 1]
    minhash = pc.if_else(pa.array(starts), group.column("minhash"), pa.scalar(b"", pa.binary()))
    return pa.table({"order": order, "head": head, "exact": group.column("exact"),
                     "has_signature": group.column("has_signature"), "minhash": minhash})


def _lsh_entries(batch: pa.Table) -> pa.Table:
    """The heads of views that have a signature: the texts that enter LSH."""
    is_head = pc.equal(batch.column("order"), batch.column("head"))
    return batch.filter(pc.and_(is_head, batch.column("has_signature")))


def _band_rows(batch: pa.Table, config: Config, parts: int) -> pa.Table:
    """One row per (view, band): the band key, and the signature to confirm candidates with."""
    numba.set_num_threads(1)
    n = batch.num_rows
    sigs = Signatures(_minhash_matrix(batch.column("minhash"), config.num_perm),
                      batch.column("exact").to_numpy(), np.ones(n, dtype=bool))
    keys = band_keys(sigs, config)
    bands = keys.shape[1]
    take = pa.array(np.repeat(np.arange(n), bands))
    return pa.table({"part": (keys.ravel() % np.uint64(parts)).astype(np.int64),
                     "band": np.tile(np.arange(bands, dtype=np.int64), n), "key": keys.ravel(),
                     "order": batch.column("order").take(take), "exact": batch.column("exact").take(take),
                     "minhash": batch.column("minhash").take(take)})


def _bucket_edges(group: pa.Table, config: Config) -> pa.Table:
    """Confirmed pairs of the (band, key) buckets in one partition, as :func:`cleaner.minhash.lsh._link_band`
    finds them: texts ordered by view hash within a bucket, each compared with the :data:`WINDOW` before it,
    linked when the signature estimate reaches ``accept`` (:func:`cleaner.minhash.confirmation_bounds`);
    pairs in ``[low, accept)`` come as border pairs. Of the confirmed pairs only their
    :func:`cleaner.minhash.lsh.spanning_forest` goes on: the forest of the union of these forests is the
    forest of all confirmed pairs, as the local engine keeps it."""
    numba.set_num_threads(1)
    band, key = group.column("band").to_numpy(), group.column("key").to_numpy()
    exact = group.column("exact").to_numpy()
    sort = np.lexsort((exact, key, band))
    band, key = band[sort], key[sort]
    n = sort.size
    starts = np.ones(n, dtype=bool)
    starts[1:] = (band[1:] != band[:-1]) | (key[1:] != key[:-1])
    start_index = np.flatnonzero(starts)
    sizes = np.diff(np.append(start_index, n))
    in_pair_bucket = np.repeat(sizes >= 2, sizes)
    rows = sort[in_pair_bucket]
    bucket_start = np.repeat(np.cumsum(np.append(0, sizes[sizes >= 2]))[:-1], sizes[sizes >= 2])
    order = group.column("order").to_numpy()[rows]
    minhash = _minhash_matrix(group.column("minhash").take(pa.array(rows)), config.num_perm)
    position = np.arange(rows.size)
    accept, low = confirmation_bounds(config)
    a_parts, b_parts, border_parts = [np.empty(0, np.int64)], [np.empty(0, np.int64)], [np.empty((0, 2), np.int64)]
    similarity_parts = [np.empty(0, np.float64)]
    for distance in range(1, WINDOW + 1):
        later = np.flatnonzero(position - distance >= bucket_start)
        if not later.size:
            break
        earlier = later - distance
        estimate = np.count_nonzero(minhash[later] == minhash[earlier], axis=1) / config.num_perm
        confirmed = estimate >= accept
        a_parts.append(order[earlier[confirmed]])
        b_parts.append(order[later[confirmed]])
        similarity_parts.append(estimate[confirmed])
        near = (estimate >= low) & ~confirmed
        border_parts.append(np.stack([order[earlier[near]], order[later[near]]], axis=1))
    forest, similarity = spanning_forest(np.concatenate(a_parts), np.concatenate(b_parts),
                                         np.concatenate(similarity_parts))
    border = np.unique(np.sort(np.concatenate(border_parts), axis=1), axis=0)
    return pa.table({"a": np.concatenate([forest[:, 0], border[:, 0]]),
                     "b": np.concatenate([forest[:, 1], border[:, 1]]),
                     "border": np.repeat([False, True], [len(forest), len(border)]),
                     "similarity": pa.array(np.concatenate([similarity, np.zeros(len(border))]),
                                            mask=np.repeat([False, True], [len(forest), len(border)]))},
                    schema=_EDGE_SCHEMA)


def _representatives(group: pa.Table) -> pa.Table:
    """Per component: the longest text (then the earliest) represents it. The driver gave every member
    its parent in the spanning forest rooted at the component's first text (``parent``, the root its
    own) and that edge's ``similarity``; rooted at the representative instead, the parents change only
    on the path between the two, which turns round. Each member gets the id of its parent there
    (``duplicate_of``) and that edge's similarity, as :func:`cleaner.minhash.clusters.assemble`."""
    group = group.sort_by([("component", "ascending"), ("length", "descending"), ("order", "ascending")])
    component = group.column("component").to_numpy()
    starts = np.ones(len(component), dtype=bool)
    starts[1:] = component[1:] != component[:-1]
    rep = np.flatnonzero(starts)[np.cumsum(starts) - 1]
    order = group.column("order").to_numpy()
    by_order = np.argsort(order)
    first_parent = by_order[np.searchsorted(order, group.column("parent").to_numpy(), sorter=by_order)]
    first_similarity = group.column("similarity").to_numpy(zero_copy_only=False)
    parent, similarity = first_parent.copy(), first_similarity.copy()
    for head in np.flatnonzero(starts).tolist():
        previous, x = -1, head
        while True:
            parent[x] = previous
            similarity[x] = first_similarity[previous] if previous >= 0 else np.nan
            if first_parent[x] == x:
                break
            previous, x = x, int(first_parent[x])
    ids = group.column("id")
    is_head = parent < 0
    return pa.table({"order": group.column("order"), "cluster": ids.take(pa.array(rep)),
                     "duplicate_of": ids.take(pa.array(np.maximum(parent, 0), mask=is_head)),
                     "similarity": pa.array(similarity, mask=is_head)}, schema=_FIELDS_SCHEMA)


def _schema_of(columns: list[str]) -> pa.Schema:
    return pa.schema([CLEAN_SCHEMA.field(name) for name in columns])


def _pad(batch: pa.Table, schema: pa.Schema, side: int) -> pa.Table:
    """``batch`` with every column of ``schema`` (missing ones null) and a ``side`` column, so that the two
    sides of a join can be one dataset."""
    columns = {f.name: batch.column(f.name) if f.name in batch.column_names else pa.nulls(batch.num_rows, f.type)
               for f in schema}
    columns["side"] = pa.array(np.full(batch.num_rows, side, dtype=np.int8))
    return pa.table(columns, schema=schema.append(pa.field("side", pa.int8())))


def _join_group(group: pa.Table, left_columns: list[str], right_columns: list[str],
                keep_unmatched: bool) -> pa.Table:
    """Left rows of one partition with the columns of the right row of the same ``order`` (right orders
    are unique); left rows without one get nulls, or are left out unless ``keep_unmatched``."""
    is_left = pc.equal(group.column("side"), 0)
    left = group.filter(is_left).select(left_columns)
    right = group.filter(pc.invert(is_left)).sort_by("order")
    right_order = right.column("order").to_numpy()
    left_order = left.column("order").to_numpy()
    position = np.minimum(np.searchsorted(right_order, left_order), max(right_order.size - 1, 0))
    found = right_order[position] == left_order if right_order.size else np.zeros(left_order.size, dtype=bool)
    if not keep_unmatched:
        left, position, found = left.filter(pa.array(found)), position[found], found[found]
    take = pa.array(position, mask=~found)
    for name in right_columns:
        left = left.append_column(name, right.column(name).take(take))
    return left


def _join_on_order(left: ray.data.Dataset, left_schema: pa.Schema, right: ray.data.Dataset,
                   right_schema: pa.Schema, parts: int, keep_unmatched: bool) -> ray.data.Dataset:
    """Join on ``order`` by grouping both sides on a hash of it (Ray's own ``join`` needs polars)."""
    right_columns = [name for name in right_schema.names if name != "order"]
    schema = pa.schema(list(left_schema) + [right_schema.field(name) for name in right_columns])
    both = left.map_batches(_pad, batch_format="pyarrow", fn_kwargs={"schema": schema, "side": 0}).union(
        right.map_batches(_pad, batch_format="pyarrow", fn_kwargs={"schema": schema, "side": 1}))
    return _group_by_partition(both, "order", parts, _join_group, left_columns=left_schema.names,
                               right_columns=right_columns, keep_unmatched=keep_unmatched)


def _collect_edges(ds: ray.data.Dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(a, b, border, similarity) of the pairs in ``ds``; where ``ds`` has no such columns ``border`` is
    all False and ``similarity`` all 1.0 (copies of one view); a border pair's similarity is NaN."""
    a_parts, b_parts, border_parts = [np.empty(0, np.int64)], [np.empty(0, np.int64)], [np.empty(0, bool)]
    similarity_parts = [np.empty(0, np.float64)]
    for batch in ds.iter_batches(batch_size=None, batch_format="pyarrow"):
        a_parts.append(batch.column("a").to_numpy())
        b_parts.append(batch.column("b").to_numpy())
        if "border" in batch.column_names:
            border_parts.append(batch.column("border").to_numpy(zero_copy_only=False))
            similarity_parts.append(batch.column("similarity").to_numpy(zero_copy_only=False))
        else:
            border_parts.append(np.zeros(batch.num_rows, dtype=bool))
            similarity_parts.append(np.ones(batch.num_rows))
    return (np.concatenate(a_parts), np.concatenate(b_parts), np.concatenate(border_parts),
            np.concatenate(similarity_parts).astype(np.float64))


def _exact_jaccard_of_orders(records: ray.data.Dataset, pairs: np.ndarray, config: Config) -> np.ndarray:
    """Exact Jaccard of pairs (k, 2) of ``order`` keys, from the texts of just those records (filtered in
    Ray, collected to the driver), as :func:`cleaner.dedup` computes it."""
    needed = np.unique(pairs)
    found = records.select_columns(["order", "text"]).filter(expr=col("order").is_in(needed.tolist()))
    rows = sorted(found.take_all(), key=lambda row: row["order"])
    if [row["order"] for row in rows] != needed.tolist():
        raise RunError("the texts of some near-duplicate candidates went missing")
    return exact_jaccard_of_texts([row["text"] for row in rows], np.searchsorted(needed, pairs), config)


def _components(a: np.ndarray, b: np.ndarray, border: np.ndarray, similarity: np.ndarray,
                records: ray.data.Dataset, config: Config) -> pa.Table:
    """Union-find over the edges (on the driver: only linked texts appear); each node's component is
    the smallest ``order`` in it. Border pairs not in one component after the other edges are linked
    when their exact Jaccard reaches the threshold, as :func:`cleaner.minhash.find_duplicates` does.
    The spanning forest of the confirmed pairs, that of the local engine, is rooted at each component's
    first text: every node gets its ``parent`` there (the root itself) and that edge's ``similarity``."""
    nodes, index = np.unique(np.concatenate([a, b]), return_inverse=True)
    left, right = index[:a.size], index[a.size:]
    parent = np.arange(nodes.size, dtype=np.int64)
    link_pairs(parent, left[~border], right[~border])
    root = roots(parent)
    undecided = border & (root[left] != root[right])
    edges = [np.stack([left[~border], right[~border]], axis=1)]
    edge_similarity = [similarity[~border]]
    if undecided.any():
        pairs = np.unique(np.stack([left[undecided], right[undecided]], axis=1), axis=0)
        jaccard = _exact_jaccard_of_orders(records, nodes[pairs], config)
        confirmed = jaccard >= config.threshold
        link_pairs(parent, pairs[confirmed, 0], pairs[confirmed, 1])
        root = roots(parent)
        edges.append(pairs[confirmed])
        edge_similarity.append(jaccard[confirmed])
    pairs = np.concatenate(edges)
    forest, forest_similarity = spanning_forest(pairs[:, 0], pairs[:, 1], np.concatenate(edge_similarity))
    linked = np.bincount(root, minlength=nodes.size)[root] >= 2  # a border pair left unconfirmed links nothing
    tree_parent, tree_similarity = tree_parents(nodes.size, forest, forest_similarity, np.unique(root[linked]))
    tree_parent = np.where(tree_parent == -1, np.arange(nodes.size), tree_parent)
    return pa.table({"order": nodes[linked], "component": nodes[root[linked]],
                     "parent": nodes[tree_parent[linked]], "similarity": tree_similarity[linked]})


def _partitions(rows: int, per_partition: int) -> int:
    """How many coarse partitions a grouping of ``rows`` rows uses: at least 2, so that two tasks share it."""
    return max(2, -(-rows // per_partition))


def _group_by_partition(ds: ray.data.Dataset, column: str, parts: int, fn, **kwargs) -> ray.data.Dataset:
    return (ds.map_batches(_with_partition, batch_format="pyarrow", fn_kwargs={"column": column, "parts": parts})
            .groupby("part", num_partitions=parts).map_groups(fn, batch_format="pyarrow", fn_kwargs=kwargs))


def dedup_fields(records: ray.data.Dataset, config: Config, rows: int) -> tuple[ray.data.Dataset, int]:
    """(``order, cluster, duplicate_of, similarity`` for every clustered record, materialised; number of
    clusters).

    ``records`` has the columns ``order, id, length, exact, has_signature, minhash`` for kept documents,
    and ``text`` with ``config.exact_jaccard``; ``rows`` (their number) sets how many partitions the
    groupings use."""
    with _data_context():
        return _dedup_fields(records, config, rows)


def _dedup_fields(records: ray.data.Dataset, config: Config, rows: int) -> tuple[ray.data.Dataset, int]:
    parts = _partitions(rows, ROWS_PER_PARTITION)
    # Materialised (they are read twice) into a dataset of this engine's Ray Data settings.
    signatures = ray.data.from_arrow_refs(
        records.select_columns(["order", "id", "length", "exact", "has_signature", "minhash"]).to_arrow_refs())
    matchable = signatures.map_batches(_matchable, batch_format="pyarrow")
    views = _group_by_partition(matchable.select_columns(["order", "exact", "has_signature", "minhash"]),
                                "exact", parts, _views).materialize()
    exact_edges = (views.filter(expr=col("order") != col("head")).select_columns(["head", "order"])
                   .rename_columns({"head": "a", "order": "b"}))
    universe = views.map_batches(_lsh_entries, batch_format="pyarrow")
    band_parts = _partitions(rows * choose_bands(config.threshold, config.num_perm)[0], ROWS_PER_PARTITION)
    bands = universe.map_batches(_band_rows, batch_format="pyarrow",
                                 fn_kwargs={"config": config, "parts": band_parts})
    lsh_edges = bands.groupby("part", num_partitions=band_parts).map_groups(
        _bucket_edges, batch_format="pyarrow", fn_kwargs={"config": config})
    components = _components(*(np.concatenate(parts) for parts in zip(_collect_edges(exact_edges),
                                                                      _collect_edges(lsh_edges))),
                             records, config)
    clusters = int(np.unique(components.column("component").to_numpy()).size)
    if not components.num_rows:
        return ray.data.from_arrow(_FIELDS_SCHEMA.empty_table()), 0
    members = _join_on_order(ray.data.from_arrow(components), components.schema, signatures,
                             _schema_of(["order", "id", "length"]), parts, keep_unmatched=False)
    member_parts = _partitions(components.num_rows, ROWS_PER_PARTITION)
    fields = _group_by_partition(members, "component", member_parts, _representatives)
    return fields.materialize(), clusters


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


@contextmanager
def _data_context(progress: bool = False):
    """Ray Data settings of this engine (:data:`SHUFFLE_STRATEGY`, progress bars) while building and
    running its datasets; the previous ones afterwards."""
    context = ray.data.DataContext.get_current()
    previous = (context.enable_progress_bars, context.shuffle_strategy)
    context.enable_progress_bars = progress
    context.shuffle_strategy = SHUFFLE_STRATEGY
    try:
        yield
    finally:
        context.enable_progress_bars, context.shuffle_strategy = previous


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


def _drop_signature_columns(ds: ray.data.Dataset) -> ray.data.Dataset:
    return ds.drop_columns(list(_NOT_IN_OUTPUT))


def with_dedup_fields(records: ray.data.Dataset, config: Config, rows: int) -> tuple[ray.data.Dataset, int, int]:
    """``records`` (kept documents, :data:`CLEAN_SCHEMA`) with their dedup fields filled, without signature
    columns; the number of clusters and of duplicates."""
    if not config.dedup or not rows:
        return _drop_signature_columns(records), 0, 0
    fields, clusters = _dedup_fields(records, config, rows)
    duplicates = fields.filter(expr=col("duplicate_of").is_not_null()).count()
    columns = [name for name in CLEAN_SCHEMA.names if name not in _NOT_IN_OUTPUT and name not in DEDUP_FIELDS]
    joined = _join_on_order(records.select_columns(columns), _schema_of(columns), fields, _FIELDS_SCHEMA,
                            _partitions(rows, RECORDS_PER_PARTITION), keep_unmatched=True)
    return joined, clusters, duplicates


def run(inputs: list[str], output: str | Path, config: Config, *, rejects: str | Path | None = None,
        stats_path: str | Path | None = None, resume: bool = False, progress: bool = False,
        ray_address: str | None = None, process: ShardFunction = process_shard) -> Stats:
    """Clean every document under ``inputs`` into ``output`` on Ray (see the module notes); the same
    records, rejects and numbers as :func:`cleaner.engine.run`. ``output`` is a file (``.jsonl``,
    ``.jsonl.gz``, ``.jsonl.zst``, ``.parquet``) or a folder for Parquet shards. ``ray_address`` joins an
    existing cluster; without it a local Ray is started for the run (``config.workers`` CPUs).
    ``process`` is the per-shard function (tests substitute one that misbehaves)."""
    if resume:
        raise RunError("--resume is for the local engine; on Ray a failed task is retried by Ray itself")
    started, cpu_start = time.monotonic(), time.process_time()
    started_ray = _connect(ray_address, config)
    try:
        with _data_context(progress):
            own = [Path(p) for p in (output, rejects, stats_path) if p]
            cleaned = _docs_to_clean(input_files(inputs, own), config, process).materialize()
            stats = _shard_stats(cleaned)
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
    with _data_context():
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
    rejected = _drop_signature_columns(cleaned.map_batches(_rejects, batch_format="pyarrow"))
    columns = [*FIELDS, *(["removed"] if config.explain else []), "rejected", "reject_detail"]
    return records.union(rejected).sort("order").select_columns(columns)
