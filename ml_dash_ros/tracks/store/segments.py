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

How one file is laid out is ``segment_file``'s; every file operation goes through
``storage`` (seal, list, read, remove). Segments
of ``COMPACT_MIN_BYTES`` count as full ones however few their rows, and compaction merges
row group by row group (``row_merge.iter_merged``), so closing needs bounded memory.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Iterator, Optional

import pyarrow as pa

from ml_dash_ros.errors import StoreError
from ml_dash_ros.tracks.store import compaction, layout, schema
from ml_dash_ros.tracks.store.footers import file_info, forget
from ml_dash_ros.tracks.store.row_merge import iter_merged
from ml_dash_ros.tracks.store.contract import os_fault
from ml_dash_ros.tracks.store.segment_file import seal_tables, write_segment
from ml_dash_ros.tracks.store.storage import storage_of
from ml_dash_ros.tracks.store.writer_lock import WriterLock

COMPACT_MAX_FILES = 64
COMPACT_MIN_ROWS = 16_384
COMPACT_MIN_BYTES = 64 << 20         # a segment this large is a "full" one, whatever its rows


def recover(directory: Path) -> int:
    """Remove temporaries and compaction leftovers; return the next sequence number.

    Call only while holding the writer lock.
    """
    storage = storage_of(directory)
    storage.remove_temporaries(directory)
    segments = layout.scan_segments(directory)
    live = set(layout.live_segments(segments))
    storage.remove([seg.path for seg in segments if seg not in live])
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
    storage = storage_of(directory)
    found = layout.scan_segments(directory)
    segments = layout.live_segments(found)
    # leftovers of a crashed merge
    storage.remove([seg.path for seg in set(found).difference(segments)])
    if len(segments) <= 1:
        return None, 0
    run = compaction.plan_close([compaction.Sized(s, storage.size(s.path)) for s in segments])
    if run is None:
        return None, 0
    # Footers only when the segments may already be compact (a backlog of many is not).
    if len(segments) <= COMPACT_MAX_FILES and already_compact(
            [file_info(s.path) for s in segments]):
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
    infos = [file_info(s.path) for s in run]
    last = run[-1].seq
    name = layout.segment_name(last, True, -1 if first_live else run[0].low)
    target, kinds = schema.unified_schema([i.schema for i in infos])
    final = seal_tables(directory / name, target, _until(stop, iter_merged(infos, kinds)))
    inputs = [seg.path for seg in run if seg.path != final]
    storage_of(directory).remove(inputs)
    forget(inputs)
    return final


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
