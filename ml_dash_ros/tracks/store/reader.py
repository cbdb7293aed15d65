"""Pruned reads over a topic's segments and the same-`_ts` merge across them.

A time-range read lists the live segments, drops files and row groups whose ``_ts``
statistics (``footers``, cached) miss the range, reads the rest through the storage, and
merges them by ``row_merge``'s rule (equal ``_ts``, newest wins).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ml_dash_ros.errors import ColumnNotFoundError, StoreError, TrackNotFoundError
from ml_dash_ros.tracks.store import layout, schema
from ml_dash_ros.tracks.store.footers import FileInfo, file_info, read_stats, reading
from ml_dash_ros.tracks.store.row_merge import merge_tables
from ml_dash_ros.tracks.store.schema import TS
from ml_dash_ros.tracks.store.storage import storage_of

_SMALL_READ_GROUPS = 4
_kinds_lock = threading.Lock()


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
        pf = pq.ParquetFile(storage_of(info.path.parent).open(info.path),
                            metadata=info.metadata, pre_buffer=not small)
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
        with _kinds_lock:
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
    if storage_of(directory).is_dir(directory):
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


def _read_whole(path: Path, columns: Optional[list] = None) -> pa.Table:
    with reading(path):
        return pq.read_table(storage_of(path.parent).open(path, mapped=False), columns=columns)


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
