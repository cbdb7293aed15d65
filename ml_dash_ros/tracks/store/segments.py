"""Atomic segment writes, compaction, and the per-topic writer lock.

Compaction (at close) merges a topic's live segments into one sorted file. It is skipped
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
from pathlib import Path
from typing import Optional

import pyarrow as pa
import pyarrow.parquet as pq

from ml_dash_ros.errors import StoreError, TopicBusyError
from ml_dash_ros.tracks.store import layout, reader, schema
from ml_dash_ros.tracks.store.contract import WRITER_LOCK, fsync_dir, os_fault

ROW_GROUP_ROWS = 4096
COMPRESSION = "zstd"
COMPRESSION_LEVEL = 3
COMPACT_MAX_FILES = 64
COMPACT_MIN_ROWS = 16_384
COMPACT_MIN_BYTES = 64 << 20         # a segment this large is a "full" one, whatever its rows
ROW_GROUP_BYTES = 8 << 20            # decoded bytes per row group at most (large rows)


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
    name = layout.segment_name(seq, compacted)
    final, tmp = directory / name, _tmp_path(directory, name)
    try:
        with pq.ParquetWriter(tmp, table.schema, **write_options(table.schema)) as writer:
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
    """Merge all live segments into one sorted file, then delete the inputs.

    Call only while holding the writer lock. A crash at any point leaves data that reads
    back identically: the output is renamed into place before any input is removed, and
    readers ignore inputs a newer compacted file holds.
    """
    found = layout.scan_segments(directory)
    segments = layout.live_segments(found)
    for seg in set(found).difference(segments):  # leftovers of a crashed compaction
        _unlink_quietly(seg.path)
    if len(segments) <= 1:
        return None
    infos = [reader.file_info(s.path) for s in segments]
    if already_compact(infos):
        return None
    seq = segments[-1].seq
    name = layout.segment_name(seq, compacted=True)
    final, tmp = directory / name, _tmp_path(directory, name)
    target, kinds = schema.unified_schema([i.schema for i in infos])
    try:
        with pq.ParquetWriter(tmp, target, **write_options(target)) as writer:
            _write_rechunked(writer, reader.iter_merged(infos, kinds))
        _fsync_file(tmp)
        os.rename(tmp, final)
        fsync_dir(directory)
    except OSError as err:
        _unlink_quietly(tmp)
        raise StoreError(f"cannot compact into {final}: {os_fault(err)}") from err
    for seg in segments:
        if seg.path != final:
            _unlink_quietly(seg.path)
    fsync_dir(directory)
    return final


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

    def write(self, table: pa.Table) -> Path:
        """Write a sorted, unique-`_ts` table as the next segment."""
        path = write_segment(self.directory, self.next_seq, table)
        self.next_seq += 1
        self.wrote = True
        return path

    def compact(self) -> Optional[Path]:
        """Compact this topic's segments into one file."""
        return compact(self.directory)

    def release(self) -> None:
        """Release the writer lock."""
        self._lock.release()
