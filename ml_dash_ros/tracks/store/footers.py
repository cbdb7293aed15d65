"""Footer facts of segment files (rows, schema, `_ts` range per row group), cached.

Footers are cached per file version (``storage.version``: size, mtime, inode on disk), so a
file replaced by a merge is read again; ``read_stats`` counts what was really parsed and
opened (tests use it to check pruning).
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ml_dash_ros.errors import CorruptFileError, StoreError
from ml_dash_ros.tracks.store.contract import FORMAT_KEY, check_format
from ml_dash_ros.tracks.store.schema import TS
from ml_dash_ros.tracks.store.storage import storage_of

_CACHE_LIMIT = 4096


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


def row_group_range(md: pq.FileMetaData, i: int, col: int) -> tuple:
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
    storage = storage_of(path.parent)
    key = storage.version(path)
    info = _cache.get(path)
    if info is not None and info.key == key:
        return info
    with reading(path), storage.open(path) as source:  # NativeFile: no fs resolution
        md = pq.read_metadata(source)
        arrow_schema = md.schema.to_arrow_schema()
    read_stats.footers_parsed += 1
    check_format((md.metadata or {}).get(FORMAT_KEY), path)
    if TS not in md.schema.names:
        raise CorruptFileError(path, f"segment has no {TS} column")
    col = md.schema.names.index(TS) if md.num_row_groups else 0
    groups = tuple(row_group_range(md, i, col) for i in range(md.num_row_groups))
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
