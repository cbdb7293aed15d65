"""Pruned reads over a topic's segments and the same-`_ts` merge across them.

A time-range read lists the live segments, drops files and row groups whose ``_ts``
statistics miss the range, reads the rest, and merges. Footers are cached per
``(path, size, mtime)``; ``read_stats`` counts what was really opened.

Merge rule: rows with equal ``_ts`` combine; for each column the value comes from the newest
table (highest segment sequence) where it is not null. ``None`` means "not set".
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ml_dash_ros.errors import (ColumnNotFoundError, CorruptFileError, StoreError,
                                TrackNotFoundError)
from ml_dash_ros.tracks.store import layout, schema
from ml_dash_ros.tracks.store.contract import FORMAT_KEY, check_format
from ml_dash_ros.tracks.store.schema import TS

_CACHE_LIMIT = 4096
_SMALL_READ_GROUPS = 4


@dataclass
class ReadStats:
    """Counters of real I/O done by reads (tests use them to check pruning)."""

    footers_parsed: int = 0
    files_opened: int = 0
    row_groups_read: int = 0

    def reset(self) -> None:
        """Set every counter to zero."""
        self.footers_parsed = self.files_opened = self.row_groups_read = 0


read_stats = ReadStats()


@dataclass(frozen=True)
class FileInfo:
    """Footer facts of one immutable segment file."""

    path: Path
    key: tuple
    schema: pa.Schema
    metadata: pq.FileMetaData
    num_rows: int
    ts_min: float
    ts_max: float
    row_groups: tuple = field(default=())  # (ts_min, ts_max, num_rows) per row group


_cache: dict = {}
_cache_lock = threading.Lock()


def _rg_range(md: pq.FileMetaData, i: int, col: int) -> tuple:
    rg = md.row_group(i)
    stats = rg.column(col).statistics
    if stats is None or not stats.has_min_max:
        return (-np.inf, np.inf, rg.num_rows)
    return (float(stats.min), float(stats.max), rg.num_rows)


@contextlib.contextmanager
def reading(path: Path) -> Iterator[None]:
    """Turn a failure to decode ``path`` inside the block into CorruptFileError naming it."""
    try:
        yield
    except (FileNotFoundError, StoreError):
        raise  # a concurrent compaction removed the file (the caller lists again)
    except (pa.ArrowException, OSError) as err:
        detail = " ".join(str(err).split()) or type(err).__name__
        raise CorruptFileError(path, f"unreadable Parquet segment: {detail}") from err


def file_info(path: Path) -> FileInfo:
    """Return the (cached) footer facts of a segment file; CorruptFileError if unreadable."""
    st = os.stat(path)
    key = (st.st_size, st.st_mtime_ns, st.st_ino)
    info = _cache.get(path)
    if info is not None and info.key == key:
        return info
    with reading(path), pa.memory_map(str(path)) as source:  # NativeFile: no fs resolution
        md = pq.read_metadata(source)
        arrow_schema = md.schema.to_arrow_schema()
    read_stats.footers_parsed += 1
    check_format((md.metadata or {}).get(FORMAT_KEY), path)
    if TS not in md.schema.names:
        raise CorruptFileError(path, f"segment has no {TS} column")
    col = md.schema.names.index(TS) if md.num_row_groups else 0
    groups = tuple(_rg_range(md, i, col) for i in range(md.num_row_groups))
    info = FileInfo(
        path=path, key=key, schema=arrow_schema, metadata=md, num_rows=md.num_rows,
        ts_min=min((g[0] for g in groups), default=np.inf),
        ts_max=max((g[1] for g in groups), default=-np.inf),
        row_groups=groups,
    )
    with _cache_lock:
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        _cache[path] = info
    return info


def forget(paths: Sequence[Path]) -> None:
    """Drop the cached footers of files a merge deleted."""
    with _cache_lock:
        for path in paths:
            _cache.pop(path, None)


def _overlaps(lo: float, hi: float, start: Optional[float], end: Optional[float]) -> bool:
    return (start is None or hi >= start) and (end is None or lo <= end)


def read_file(info: FileInfo, start: Optional[float], end: Optional[float],
              columns: Optional[Sequence[str]]) -> Optional[pa.Table]:
    """Read the row groups of one file that overlap [start, end], trimmed exactly."""
    groups = [i for i, (lo, hi, _) in enumerate(info.row_groups) if _overlaps(lo, hi, start, end)]
    if not groups:
        return None
    names = None
    if columns is not None:
        names = [TS] + [c for c in columns if c in info.schema.names and c != TS]
    # A few row groups (a time window) decode fastest on this thread: starting Arrow's
    # thread pools and pre-buffering cost more than they save (3 ms vs 4-15 ms cold).
    small = len(groups) <= _SMALL_READ_GROUPS
    with reading(info.path):
        pf = pq.ParquetFile(pa.memory_map(str(info.path)), metadata=info.metadata,
                            pre_buffer=not small)
        read_stats.files_opened += 1
        read_stats.row_groups_read += len(groups)
        table = pf.read_row_groups(groups, columns=names, use_threads=not small)
    if names is not None:
        table = table.select(names)
    if start is None and end is None:
        return table
    ts = table.column(TS).to_numpy()
    lo = 0 if start is None else int(np.searchsorted(ts, start, "left"))
    hi = len(ts) if end is None else int(np.searchsorted(ts, end, "right"))
    return table.slice(lo, hi - lo)


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


def live_infos(directory: Path) -> list:
    """Return FileInfo of every live segment of a topic, oldest first."""
    return [file_info(s.path) for s in layout.live_segments(layout.scan_segments(directory))]


_kinds_cache: dict = {}


def _unified_kinds(infos: Sequence[FileInfo]) -> dict:
    """Return the unified column kinds of some segments (cached by their footer keys)."""
    key = tuple((i.path, i.key) for i in infos)
    kinds = _kinds_cache.get(key)
    if kinds is None:
        _, kinds = schema.unified_schema([i.schema for i in infos])
        with _cache_lock:
            if len(_kinds_cache) >= 256:
                _kinds_cache.clear()
            _kinds_cache[key] = kinds
    return dict(kinds)


def resolve_columns(kinds: dict, columns: Optional[Sequence[str]],
                    where: str = "the track") -> Optional[list]:
    """Map requested names to stored columns: exact names or dotted children (``camera``).

    A name that is neither raises ColumnNotFoundError listing the columns, unless the track
    has no stored column at all (nothing written yet: the read is simply empty).
    """
    if columns is None:
        return None
    if isinstance(columns, str):
        columns = [columns]
    out: list = []
    for name in columns:
        if name == TS:
            continue
        if name in kinds:
            out.append(name)
            continue
        children = [k for k in kinds if k.startswith(name + ".")]
        if not children and any(k != TS for k in kinds):
            known = ", ".join(k for k in kinds if k != TS)
            raise ColumnNotFoundError(f"{where} has no column {name!r} (columns: {known})")
        out.extend(children)
    return list(dict.fromkeys(out))


def require_topic(directory: Path) -> None:
    """Raise TrackNotFoundError, listing the stored topics, when a topic directory is absent."""
    if directory.is_dir():
        return
    kind_dir = directory.parent
    known = ", ".join(repr(t) for t in layout.list_topics(kind_dir)) or "none"
    topic = _topic_of(directory)
    noun = kind_dir.name[:-1] if kind_dir.name.endswith("s") else kind_dir.name
    raise TrackNotFoundError(f"{kind_dir.parent} has no {noun} {topic!r} "
                             f"({kind_dir.name}: {known})")


def read_range(directory: Path, start: Optional[float] = None, end: Optional[float] = None,
               columns: Optional[Sequence[str]] = None) -> pa.Table:
    """Read one topic's rows in [start, end] (inclusive), merged and sorted by `_ts`.

    An absent topic raises TrackNotFoundError; a column no segment has, ColumnNotFoundError.
    """
    require_topic(directory)
    for attempt in range(3):
        try:
            return _read_range_once(directory, start, end, columns)
        except FileNotFoundError:  # a concurrent compaction replaced a file; list again
            if attempt == 2:
                raise
        except StoreError:
            raise  # names the file already
        except OSError as err:
            raise StoreError(f"cannot read {directory}: {err.strerror or err}") from err
    raise AssertionError("unreachable")


def _read_range_once(directory: Path, start: Optional[float], end: Optional[float],
                     columns: Optional[Sequence[str]]) -> pa.Table:
    infos = live_infos(directory)
    kinds = _unified_kinds(infos)
    names = resolve_columns(kinds, columns, f"track {_topic_of(directory)!r}")
    if names is not None:
        kinds = {n: kinds[n] for n in names}
    tables = []
    for info in infos:
        if _overlaps(info.ts_min, info.ts_max, start, end):
            table = read_file(info, start, end, names)
            if table is not None and table.num_rows:
                tables.append(table)
    return merge_tables(tables, kinds)


def _topic_of(directory: Path) -> str:
    return layout.decode_topic(directory.name[len(layout.TOPIC_DIR_PREFIX):])


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
    return tuple(_rg_range(md, i, col) for i in range(md.num_row_groups))


def _merge_groups(cluster: list, kinds: dict) -> pa.Table:
    """Read a cluster of row groups and merge them, newer files winning (write order)."""
    tables = []
    for _, _, _, i, info in sorted(cluster, key=lambda g: (g[2], g[3])):
        with reading(info.path):
            group = pq.ParquetFile(info.path, metadata=info.metadata).read_row_group(i)
        tables.append(schema.conform(group, kinds))
    return tables[0] if len(tables) == 1 else merge_tables(tables, kinds)


def _read_whole(path: Path, columns: Optional[list] = None) -> pa.Table:
    with reading(path):
        return pq.read_table(path, columns=columns)


def summary(directory: Path) -> dict:
    """Return count and time range of a topic's stored rows, from footers when possible."""
    infos = [i for i in live_infos(directory) if i.num_rows]
    if not infos:
        return {"count": 0, "start_ts": None, "end_ts": None}
    order = sorted(infos, key=lambda i: i.ts_min)
    if all(a.ts_max < b.ts_min for a, b in zip(order, order[1:])):
        count = sum(i.num_rows for i in infos)
    else:
        stamps = [_read_whole(i.path, [TS]).column(TS).to_numpy() for i in infos]
        count = len(np.unique(np.concatenate(stamps)))
    return {"count": count, "start_ts": order[0].ts_min,
            "end_ts": max(i.ts_max for i in infos)}
