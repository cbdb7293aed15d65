"""The same-`_ts` merge rule, for tables from several segments or flushes, and the streamed
merge of whole segments that compaction writes.

Rows with equal ``_ts`` combine; for each column the value comes from the newest table
(highest segment sequence, latest flush) where it is not null. ``None`` means "not set".
"""

from __future__ import annotations

from typing import Iterator, Optional, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ml_dash_ros.tracks.store import schema
from ml_dash_ros.tracks.store.footers import FileInfo, row_group_range, reading
from ml_dash_ros.tracks.store.schema import TS
from ml_dash_ros.tracks.store.storage import storage_of


def _strictly_increasing(ts: np.ndarray) -> bool:
    return bool(np.all(ts[1:] > ts[:-1]))


def merge_tables(tables: Sequence[pa.Table], kinds: Optional[dict] = None) -> pa.Table:
    """Merge tables (oldest first) into one table sorted by `_ts` with unique `_ts`."""
    if kinds is None:
        _, kinds = schema.unified_schema([t.schema for t in tables])
    parts = [schema.conform(t, kinds) for t in tables if t.num_rows]
    if not parts:
        return schema.conform(pa.table({TS: pa.array([], pa.float64())}), kinds)
    stamps = [p.column(TS).to_numpy() for p in parts]
    order = sorted(range(len(parts)), key=lambda i: stamps[i][0])
    disjoint = all(_strictly_increasing(s) for s in stamps) and all(
        stamps[a][-1] < stamps[b][0] for a, b in zip(order, order[1:]))
    if disjoint:
        if len(parts) == 1:
            return parts[0]
        return pa.concat_tables([parts[i] for i in order])  # chunked: no copy
    return _merge_overlapping(pa.concat_tables(parts).combine_chunks(), np.concatenate(stamps))


def _merge_overlapping(full: pa.Table, ts: np.ndarray) -> pa.Table:
    order = np.argsort(ts, kind="stable")  # ties keep table order: oldest first
    ts_sorted = ts[order]
    n = len(ts_sorted)
    starts = np.flatnonzero(np.r_[True, ts_sorted[1:] != ts_sorted[:-1]])
    taken = full.take(pa.array(order))
    if len(starts) == n:
        return taken
    arrays = [pa.array(ts_sorted[starts], type=pa.float64())]
    positions = np.arange(n)
    for name in full.column_names[1:]:
        col = taken.column(name).combine_chunks()
        valid = col.is_valid().to_numpy(zero_copy_only=False)
        last = np.maximum.reduceat(np.where(valid, positions, -1), starts)
        arrays.append(col.take(pa.array(last, mask=last < 0)))
    return pa.Table.from_arrays(arrays, schema=full.schema)


def iter_merged(infos: Sequence[FileInfo], kinds: dict) -> Iterator[pa.Table]:
    """Yield the merged rows of several files in `_ts` order, a few row groups at a time.

    Row groups whose `_ts` ranges overlap (same stamps written by several flushes, stamps out
    of order) are merged together; every other row group passes alone. Memory is bounded by
    the largest cluster of overlapping row groups, not by the track: compaction of a
    recording of any length needs about one row group per overlapping segment.
    """
    groups = sorted(((lo, hi, order, i, info) for order, info in enumerate(infos)
                     for i, (lo, hi, _) in enumerate(_groups_of(info))),
                    key=lambda g: (g[0], g[2], g[3]))
    cluster: list = []
    end = -np.inf
    for group in groups:
        if cluster and group[0] > end:
            yield _merge_groups(cluster, kinds)
            cluster = []
        cluster.append(group)
        end = group[1] if len(cluster) == 1 else max(end, group[1])
    if cluster:
        yield _merge_groups(cluster, kinds)


def _groups_of(info: FileInfo) -> tuple:
    if info.row_groups:
        return info.row_groups
    md = info.metadata
    col = md.schema.to_arrow_schema().get_field_index(TS)
    return tuple(row_group_range(md, i, col) for i in range(md.num_row_groups))


def _merge_groups(cluster: list, kinds: dict) -> pa.Table:
    """Read a cluster of row groups and merge them, newer files winning (write order)."""
    tables = []
    for _, _, _, i, info in sorted(cluster, key=lambda g: (g[2], g[3])):
        with reading(info.path):
            source = storage_of(info.path.parent).open(info.path, mapped=False)
            group = pq.ParquetFile(source, metadata=info.metadata).read_row_group(i)
        tables.append(schema.conform(group, kinds))
    return tables[0] if len(tables) == 1 else merge_tables(tables, kinds)
