"""Near-duplicate detection on Ray Data: the twin of :func:`cleaner.dedup.find_duplicates` for a corpus
spread over a cluster, with the same results (tests compare the two).

With the semantics of :func:`cleaner.dedup.find_duplicates`, none of it on one node:
group by exact view hash (linking copies, one row per distinct view goes on), band keys in
``map_batches``, group by (band, key) and confirm each text against at most
:data:`cleaner.dedup.lsh.WINDOW` texts before it in the bucket (ordered by view hash, as locally)
with the signature estimate. Only the confirmed edges, thinned to a spanning forest per partition,
come to the driver for union-find, with the border pairs (estimate near the threshold) under
``Config.exact_jaccard``: those still in two components are decided by exact Jaccard on the driver,
from the texts of just their records. The driver keeps the maximum spanning forest of the confirmed
pairs (:func:`cleaner.dedup.lsh.spanning_forest`, the local engine's forest: each partition sends
only its own forest, and the forest of their union is the same) and gives each text its parent in
it, rooted at the component's first text. The components go back into Ray, are joined with ids and
lengths, grouped by component to pick the representative (longest text, then earliest) and to turn
the forest round to it: each member's ``duplicate_of`` is its confirmed neighbour towards the
representative. Those fields are joined back onto the records.

Groupings use a coarse partition column (``key % parts``) so that Ray calls the group function once per
partition, not once per bucket; inside a partition the grouping is done with numpy.
"""
from __future__ import annotations

from contextlib import contextmanager

import numba
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import ray
import ray.data
from ray.data.context import ShuffleStrategy
from ray.data.expressions import col

from ..config import Config
from ..engines.base import RunError
from ..io.writers import PARQUET_SCHEMA
from . import Signatures, band_keys, confirmation_bounds, exact_jaccard_of_texts
from .clusters import roots, tree_parents
from .lsh import WINDOW, choose_bands, link_pairs, spanning_forest

# Sort-based shuffles run as tasks in Ray's pooled workers, which have the cleaner and its numba kernels
# loaded already; the hash shuffle starts fresh aggregator actors for every grouping, seconds each.
SHUFFLE_STRATEGY = ShuffleStrategy.SORT_SHUFFLE_PULL_BASED
DEDUP_FIELDS = ("cluster", "duplicate_of", "similarity")
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



@contextmanager
def data_context(progress: bool = False):
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


# --- grouping --------------------------------------------------------------------------------------------


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
    """Confirmed pairs of the (band, key) buckets in one partition, as :func:`cleaner.dedup.lsh._link_band`
    finds them: texts ordered by view hash within a bucket, each compared with the :data:`WINDOW` before it,
    linked when the signature estimate reaches ``accept`` (:func:`cleaner.dedup.confirmation_bounds`);
    pairs in ``[low, accept)`` come as border pairs. Of the confirmed pairs only their
    :func:`cleaner.dedup.lsh.spanning_forest` goes on: the forest of the union of these forests is the
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
    (``duplicate_of``) and that edge's similarity, as :func:`cleaner.dedup.clusters.assemble`."""
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
    when their exact Jaccard reaches the threshold, as :func:`cleaner.dedup.find_duplicates` does.
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
    with data_context():
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


def drop_signature_columns(ds: ray.data.Dataset) -> ray.data.Dataset:
    return ds.drop_columns(list(_NOT_IN_OUTPUT))


def with_dedup_fields(records: ray.data.Dataset, config: Config, rows: int) -> tuple[ray.data.Dataset, int, int]:
    """``records`` (kept documents, :data:`CLEAN_SCHEMA`) with their dedup fields filled, without signature
    columns; the number of clusters and of duplicates."""
    if not config.dedup or not rows:
        return drop_signature_columns(records), 0, 0
    fields, clusters = dedup_fields(records, config, rows)
    duplicates = fields.filter(expr=col("duplicate_of").is_not_null()).count()
    columns = [name for name in CLEAN_SCHEMA.names if name not in _NOT_IN_OUTPUT and name not in DEDUP_FIELDS]
    joined = _join_on_order(records.select_columns(columns), _schema_of(columns), fields, _FIELDS_SCHEMA,
                            _partitions(rows, RECORDS_PER_PARTITION), keep_unmatched=True)
    return joined, clusters, duplicates
