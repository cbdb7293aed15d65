"""Atomic segment writes, merges, and the per-topic writer lock.

A merge writes a run of consecutive live segments as one sorted file, same-`_ts` rows
combined, newer rows winning; ``compaction`` decides which runs merge, in the background
while recording and at close. Compaction at close is skipped
when the segments already are a few large files: at most ``COMPACT_MAX_FILES`` of them and
at most two more than files of ``COMPACT_MIN_ROWS`` rows would need for the track (so a tail,
or an early flush of a few rows, is no reason to rewrite), one schema, and disjoint,
increasing `_ts` ranges in write order (so no same-`_ts` rows to combine). Rewriting them
would only cost a full decode and encode of the track; reading 64 files of 16k+ rows costs a
few milliseconds more than reading one.

Files are written with zstd, BYTE_STREAM_SPLIT for doubles, ``ROW_GROUP_ROWS`` = 4096 rows
per row group, fewer when rows are large (at most ``ROW_GROUP_BYTES`` decoded per group: a
time-window read decodes whole row groups), and min/max statistics for `_ts` only (the column
reads prune by; other columns' statistics only grew the footers every read parses). Segments
of ``COMPACT_MIN_BYTES`` count as full ones however few their rows, and compaction merges
row group by row group (``reader.iter_merged``), so closing needs bounded memory.
"""

from __future__ import annotations

import fcntl
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Iterator, Optional

import pyarrow as pa
import pyarrow.parquet as pq

from ml_dash_ros.errors import StoreError, TopicBusyError
from ml_dash_ros.tracks.store import compaction, layout, reader, schema
from ml_dash_ros.tracks.store.contract import WRITER_LOCK, fsync_dir, os_fault, with_format

ROW_GROUP_ROWS = 4096
COMPRESSION = "zstd"
COMPRESSION_LEVEL = 3
COMPACT_MAX_FILES = 64
COMPACT_MIN_ROWS = 16_384
COMPACT_MIN_BYTES = 64 << 20         # a segment this large is a "full" one, whatever its rows
ROW_GROUP_BYTES = 8 << 20            # decoded bytes per row group at most (large rows)
UNLINK_THREADS = 8


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _leaf_paths(name: str, t: pa.DataType) -> tuple[list, bool]:
    """Return the Parquet column paths of a field and whether its leaves are doubles."""
    path = name
    while pa.types.is_list(t):
        path += ".list.element"
        t = t.value_type
    return [path], t == pa.float64()


def write_options(table_schema: pa.Schema) -> dict:
    """Return pq.ParquetWriter options: zstd, BYTE_STREAM_SPLIT for doubles, dict otherwise."""
    split, dictionary = [], []
    for field in table_schema:
        paths, is_double = _leaf_paths(field.name, field.type)
        (split if is_double else dictionary).extend(paths)
    return dict(
        compression=COMPRESSION, compression_level=COMPRESSION_LEVEL,
        use_byte_stream_split=split or False, use_dictionary=dictionary or False,
        write_statistics=[schema.TS],  # the reader prunes by `_ts` only; smaller footers
    )


def _tmp_path(directory: Path, name: str) -> Path:
    return directory / f".{name}.{os.getpid()}.tmp"


def write_segment(directory: Path, seq: int, table: pa.Table, *, compacted: bool = False) -> Path:
    """Write one sorted table as an immutable segment; atomic under crashes."""
    return rewrite_segment(directory / layout.segment_name(seq, compacted), table)


def rewrite_segment(final: Path, table: pa.Table) -> Path:
    """Write a sorted table atomically under a segment's own name (what salvage keeps)."""
    directory, tmp = final.parent, _tmp_path(final.parent, final.name)
    try:
        with pq.ParquetWriter(tmp, with_format(table.schema),
                              **write_options(table.schema)) as writer:
            writer.write_table(table, row_group_size=group_rows(table))
        _fsync_file(tmp)
        os.rename(tmp, final)
        fsync_dir(directory)
    except OSError as err:
        _unlink_quietly(tmp)
        raise StoreError(
            f"cannot write segment {final}: {os_fault(err)}; rows stay buffered"
        ) from err
    return final


def group_rows(table: pa.Table) -> int:
    """Return the rows per row group for ``table``: ROW_GROUP_ROWS, fewer for large rows.

    A row group holds at most about ``ROW_GROUP_BYTES`` of decoded data, so reading one row
    (one camera frame) decodes a bounded number of bytes whatever the row size.
    """
    if table.num_rows == 0:
        return ROW_GROUP_ROWS
    per_row = max(1, table.nbytes // table.num_rows)
    return max(1, min(ROW_GROUP_ROWS, ROW_GROUP_BYTES // per_row))


def _write_rechunked(writer: pq.ParquetWriter, tables) -> None:
    """Write tables as row groups of ``group_rows`` rows each (the last may be shorter)."""
    pending: list = []
    rows = 0
    size = ROW_GROUP_ROWS
    for table in tables:
        pending.append(table)
        rows += table.num_rows
        size = group_rows(table) if table.num_rows else size
        if rows >= size:
            whole = pa.concat_tables(pending)
            full = rows - rows % size
            writer.write_table(whole.slice(0, full), row_group_size=size)
            pending, rows = [whole.slice(full)], rows - full
    if rows:
        writer.write_table(pa.concat_tables(pending), row_group_size=size)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class WriterLock:
    """An exclusive flock on ``topic=…/.writer.lock``; the kernel drops it if we die."""

    def __init__(self, directory: Path, topic: str, prefix: str,
                 busy: type = TopicBusyError) -> None:
        """Take the lock or raise ``busy`` naming the topic, prefix and lock file."""
        self.path = directory / WRITER_LOCK
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self._fd: Optional[int] = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise StoreError(f"cannot create {self.path}: {os_fault(err)}") from err
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            self._fd = None
            what = f"track {topic!r} of prefix {prefix!r}" if topic else f"prefix {prefix!r}"
            raise busy(
                f"{what} is being written by another writer (lock held on {self.path}); use "
                f"another {'topic or ' if topic else ''}prefix, or stop that writer") from None

    def release(self) -> None:
        """Release the lock (idempotent)."""
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None


def recover(directory: Path) -> int:
    """Remove temporaries and compaction leftovers; return the next sequence number.

    Call only while holding the writer lock.
    """
    for name in os.listdir(directory):
        if name.startswith(".seg-") and name.endswith(".tmp"):
            _unlink_quietly(directory / name)
    segments = layout.scan_segments(directory)
    live = set(layout.live_segments(segments))
    for seg in segments:
        if seg not in live:
            _unlink_quietly(seg.path)
    return max((s.seq for s in segments), default=0) + 1


def already_compact(infos: list) -> bool:
    """Return True if segments (in write order) are few for their rows, disjoint, of one
    schema."""
    rows = sum(i.num_rows for i in infos)
    size = sum(_stored_bytes(i) for i in infos)
    if len(infos) > min(COMPACT_MAX_FILES, rows // COMPACT_MIN_ROWS + size // COMPACT_MIN_BYTES
                        + 2):
        return False
    first = _shape(infos[0].schema)
    return all(_shape(i.schema) == first for i in infos) and all(
        a.ts_max < b.ts_min for a, b in zip(infos, infos[1:]))


def _stored_bytes(info) -> int:
    """Return the compressed bytes of a segment's data (from its footer)."""
    md = info.metadata
    return sum(md.row_group(i).column(c).total_compressed_size
               for i in range(md.num_row_groups) for c in range(md.num_columns))


def _shape(table_schema: pa.Schema) -> list:
    return [(f.name, schema.field_kind(f)) for f in table_schema]


def compact(directory: Path) -> Optional[Path]:
    """Merge the newest small live segments into one sorted file; return it (or None).

    Call only while holding the writer lock. Nothing happens when the segments already are
    a few large disjoint files; big segments (``compaction.BIG_BYTES``) are never rewritten.
    """
    return _compact(directory)[0]


def _compact(directory: Path) -> tuple:
    found = layout.scan_segments(directory)
    segments = layout.live_segments(found)
    for seg in set(found).difference(segments):  # leftovers of a crashed merge
        _unlink_quietly(seg.path)
    if len(segments) <= 1:
        return None, 0
    run = compaction.plan_close([compaction.Sized(s, os.stat(s.path).st_size)
                                 for s in segments])
    if run is None:
        return None, 0
    # Footers only when the segments may already be compact (a backlog of many is not).
    if len(segments) <= COMPACT_MAX_FILES and already_compact(
            [reader.file_info(s.path) for s in segments]):
        return None, 0
    chosen = [item.segment for item in run]
    return merge(directory, chosen, first_live=chosen[0] == segments[0]), len(chosen)


def merge(directory: Path, run: list, stop: Callable[[], bool] = lambda: False, *,
          first_live: bool = False) -> Path:
    """Merge consecutive live segments (oldest first) into one file; delete the inputs.

    Call only while holding the writer lock (or from its background merge). A crash at any
    point leaves data that reads back identically: the output is renamed into place before
    any input is removed, and its name covers exactly the inputs' sequence numbers
    (``seg-{last}-c`` when ``first_live``: everything up to ``last``), so readers ignore
    inputs left behind. ``stop()`` is asked between row groups; when it says so the merge
    raises ``compaction.Cancelled`` and changes nothing.
    """
    infos = [reader.file_info(s.path) for s in run]
    last = run[-1].seq
    name = layout.segment_name(last, True, -1 if first_live else run[0].low)
    final, tmp = directory / name, _tmp_path(directory, name)
    target, kinds = schema.unified_schema([i.schema for i in infos])
    try:
        with pq.ParquetWriter(tmp, with_format(target), **write_options(target)) as writer:
            _write_rechunked(writer, _until(stop, reader.iter_merged(infos, kinds)))
        _fsync_file(tmp)
        os.rename(tmp, final)
        fsync_dir(directory)
    except compaction.Cancelled:
        _unlink_quietly(tmp)
        raise
    except OSError as err:
        _unlink_quietly(tmp)
        raise StoreError(f"cannot compact into {final}: {os_fault(err)}") from err
    inputs = [seg.path for seg in run if seg.path != final]
    _unlink_all(inputs)
    reader.forget(inputs)
    fsync_dir(directory)
    return final


def _unlink_all(paths: list) -> None:
    """Remove files; many at once on a few threads (each unlink of a synced file waits ~2 ms
    for the file system, and those waits overlap)."""
    if len(paths) < 4:
        for path in paths:
            _unlink_quietly(path)
        return
    try:
        with ThreadPoolExecutor(min(UNLINK_THREADS, len(paths)),
                                thread_name_prefix="ml-dash-unlink") as pool:
            list(pool.map(_unlink_quietly, paths))
    except RuntimeError:  # interpreter shutdown (a close at exit): no new threads
        for path in paths:
            _unlink_quietly(path)


def _until(stop: Callable[[], bool], tables: Iterator[pa.Table]) -> Iterator[pa.Table]:
    for table in tables:
        if stop():
            raise compaction.Cancelled()
        yield table


class TopicWriter:
    """Writes one topic's segments: holds its writer lock and the next sequence number."""

    def __init__(self, directory: Path, topic: str, prefix: str) -> None:
        """Take the topic's writer lock, clean crash leftovers and find the next seq."""
        self.directory = directory
        self._lock = WriterLock(directory, topic, prefix)
        try:
            self.next_seq = recover(directory)
        except OSError as err:
            self._lock.release()
            raise StoreError(f"cannot scan {directory}: {os_fault(err)}") from err
        self.wrote = False
        self._background = compaction.BackgroundTopic(directory, self._merge_in_background)

    def write(self, table: pa.Table) -> Path:
        """Write a sorted, unique-`_ts` table as the next segment; merge old ones later."""
        path = write_segment(self.directory, self.next_seq, table)
        self.next_seq += 1
        self.wrote = True
        compaction.submit(self._background)
        return path

    def _merge_in_background(self, run: list, stop: Callable[[], bool]) -> Path:
        live = layout.live_segments(layout.scan_segments(self.directory))
        return merge(self.directory, run, stop, first_live=bool(live) and live[0] == run[0])

    def compact(self) -> Optional[Path]:
        """Stop background merges, then merge this topic's newest small segments."""
        self._background.stop()
        clock = time.perf_counter()
        path, inputs = _compact(self.directory)
        compaction.record(self.directory, close_merges=int(path is not None),
                          close_inputs=inputs, close_seconds=time.perf_counter() - clock)
        return path

    def release(self) -> None:
        """Stop background merges and release the writer lock."""
        self._background.stop()
        self._lock.release()
