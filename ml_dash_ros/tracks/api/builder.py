"""TrackBuilder: append, append_batch, flush and read for one topic."""

from __future__ import annotations

import bisect
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional, Sequence, Union

import pyarrow as pa

from ml_dash_ros.errors import FieldTypeError, NotFoundError
from ml_dash_ros.tracks.ingest.array_part import part_from_rows, part_from_tuples
from ml_dash_ros.tracks.ingest.columns import batch_table, columns_table
from ml_dash_ros.tracks.ingest.topic import TopicIngest
from ml_dash_ros.tracks.ingest.values import MISSING, check_names, check_ts, normalize_fields
from ml_dash_ros.tracks.store import formats, reader, schema
from ml_dash_ros.tracks.store.formats import gc_paused

TS = schema.TS
_INF = float("inf")


class TrackBuilder:
    """One topic of an experiment: ``append(**fields, _ts=...)`` and ``read(...)``.

    A thin handle: the topic's buffer, writer and flush belong to its ``TopicIngest``.
    """

    def __init__(self, ingest: TopicIngest) -> None:
        """Bind a builder to its topic's ingest."""
        self._ingest = ingest
        self._topic = ingest.topic
        self._dir = ingest.directory
        self._buf = ingest.buffer       # the hot path fills it directly

    def __repr__(self) -> str:
        """Show the topic and its counters."""
        return (f"TrackBuilder(topic={self._topic!r}, buffered_rows={self.buffered_rows}, "
                f"written_rows={self.written_rows})")

    @property
    def topic(self) -> str:
        """The topic name."""
        return self._topic

    @property
    def path(self) -> Path:
        """The topic's directory (``…/tracks/topic=<encoded>``)."""
        return self._dir

    @property
    def buffered_rows(self) -> int:
        """Rows (distinct `_ts`) appended but not yet durable on disk."""
        return self._ingest.buffered_rows

    @property
    def store_error(self) -> BaseException | None:
        """The error of this topic's last failed write (None once a write succeeds)."""
        return self._ingest.store_error

    @property
    def written_rows(self) -> int:
        """Rows this process has written to segments for this topic."""
        return self._ingest.written_rows

    @property
    def written_bytes(self) -> int:
        """Bytes of the segments this process has written for this topic (before merges)."""
        return self._ingest.written_bytes

    def append(self, _ts: Any = MISSING, **fields: Any) -> "TrackBuilder":
        """Buffer one entry at `_ts`; entries with equal `_ts` merge. Return self."""
        # Hot path of a recorder: no disk I/O, no Python object kept per value, one lock.
        # A row like the previous ones (same fields, types and list lengths, larger _ts)
        # goes straight into the C arrays of the current ArrayPart; anything else, including
        # every invalid value, goes through _append_slow, which validates and raises.
        ts = _ts if type(_ts) is float else check_ts(self._topic, _ts)
        buf = self._buf
        if len(buf.part.stamps) + buf.parts_rows + buf.inflight >= buf.threshold:
            self._ingest.admit(1)
        lock = buf.lock
        lock.acquire()  # not ``with``: half the cost, same release on any exception
        try:
            part = buf.part
            if part.last < ts < _INF and tuple(fields) == part.names:
                try:
                    # array.append / array.fromlist check the numbers; a misfit adds nothing
                    if part.fill(fields.values()):
                        part.last = ts        # too high is safe, too low is not
                        part.stamps.append(ts)
                        return self
                except Exception:  # TypeError, OverflowError: undo, take the slow path
                    pass
                except BaseException:  # KeyboardInterrupt between two columns: undo, raise
                    part.rollback()
                    raise
                part.rollback()
        finally:
            lock.release()
        return self._append_slow(ts, fields)

    def _append_slow(self, ts: Any, fields: dict) -> "TrackBuilder":
        ts = check_ts(self._topic, ts)
        fields = normalize_fields(self._topic, fields)
        with self._buf.lock:
            self._buf.put(ts, fields)
        return self

    def append_batch(self, rows: Union[Iterable[dict], dict, pa.Table]) -> dict:
        """Buffer many entries, all or none; return {"count": n}.

        ``rows`` is a list of dicts each with `_ts`, or columns: a dict of equal-length
        arrays/lists (one of them `_ts`) or a pyarrow.Table (the fast path for numpy data).
        """
        if isinstance(rows, (dict, pa.Table)):
            table = columns_table(self._topic, rows)
            if self._buf.pending + table.num_rows >= self._buf.threshold:
                self._ingest.admit(table.num_rows)
            if table.num_rows:
                self._buf.add_table(table)
            return {"count": table.num_rows, "topic": self._topic}
        rows = rows if isinstance(rows, list) else list(rows)
        if not rows:
            return {"count": 0, "topic": self._topic}
        table: Any = part_from_rows(rows)  # plain numeric rows: straight into C arrays
        items = None
        if table is None:
            with gc_paused():  # the caller's rows are many small objects; we make no cycles
                table = batch_table(rows)
                items = None if table is not None else self._validate_rows(rows)
        if table is not None:  # the fast paths checked values; names are checked here
            check_names(self._topic, table.names if type(table) is not pa.Table
                        else table.column_names[1:])
        if self._buf.pending + len(rows) >= self._buf.threshold:
            self._ingest.admit(len(rows))
        if table is not None:
            self._buf.add_table(table)
        else:
            self._buf.add_rows(items)
        return {"count": len(rows), "topic": self._topic}

    def append_rows(self, names: Sequence[str], rows: Iterable[Sequence[Any]]) -> dict:
        """Buffer rows given as value tuples in the order of ``names`` (one of them `_ts`).

        Same result, errors included, as ``append_batch([dict(zip(names, row)) ...])``;
        faster for many rows of one shape (a bag import), which are checked column by column.
        """
        names = tuple(names)
        check_names(self._topic, [name for name in names if name != TS])
        rows = rows if isinstance(rows, list) else list(rows)
        part = part_from_tuples(names, rows)
        if part is None:
            return self.append_batch([dict(zip(names, row)) for row in rows])
        if self._buf.pending + len(part) >= self._buf.threshold:
            self._ingest.admit(len(part))
        self._buf.add_table(part)
        return {"count": len(part), "topic": self._topic}

    def _validate_rows(self, rows: Sequence[Any]) -> list:
        items = []
        for i, row in enumerate(rows):
            if not isinstance(row, dict):
                raise FieldTypeError(
                    f"track {self._topic!r}: append_batch row {i} must be a dict, "
                    f"got {type(row).__name__}")
            fields = dict(row)
            ts = check_ts(self._topic, fields.pop(TS, MISSING))
            items.append((ts, normalize_fields(self._topic, fields)))
        return items

    def flush(self) -> "TrackBuilder":
        """Write this topic's buffered rows as one segment now. Return self."""
        self._ingest.flush()
        return self

    def summary(self) -> dict:
        """Flush, then return ``{"count", "start_ts", "end_ts"}`` of the stored rows.

        Raises TrackNotFoundError when nothing was ever written to this topic.
        """
        if self._buf.pending:
            self.flush()
        reader.require_topic(self._dir)
        return reader.summary(self._dir)

    def read_table(self, start_timestamp: Optional[float] = None,
                   end_timestamp: Optional[float] = None, *,
                   columns: Optional[Sequence[str]] = None) -> pa.Table:
        """Flush this topic, then return its rows in the range as a pyarrow.Table."""
        if self._buf.pending:
            self.flush()
        return reader.read_range(self._dir, _bound(start_timestamp), _bound(end_timestamp),
                                 columns)

    def read(self, start_timestamp: Optional[float] = None,
             end_timestamp: Optional[float] = None, columns: Optional[Sequence[str]] = None,
             format: str = "json") -> Any:
        """Return entries with start <= _ts <= end, sorted by `_ts`, in the given format.

        Formats: json, jsonl, parquet, mocap, arrow, numpy.

        Buffered rows of this topic are flushed first, so a read sees every append before it.
        """
        formats.check_format(format)
        table = self.read_table(start_timestamp, end_timestamp, columns=columns)
        return formats.render(table, format, self._topic)

    def list_entries(self) -> list:
        """Return every entry as a dict (the json format's entries)."""
        return self.read(format="json")["entries"]

    def slice(self, start_timestamp: Optional[float] = None,
              end_timestamp: Optional[float] = None) -> "TrackSlice":
        """Return a lazy, sized, iterable view of entries in [start, end]."""
        return TrackSlice(self, start_timestamp, end_timestamp)

    def find_by_time(self, timestamp: float) -> Optional[dict]:
        """Return the last entry with `_ts` <= timestamp, or None."""
        return self.slice().find_by_time(timestamp)


def _bound(value: Optional[float]) -> Optional[float]:
    return None if value is None else float(value)


class TrackSlice:
    """Entries of a time range, loaded on first use; floor-match lookups by time."""

    def __init__(self, builder: TrackBuilder, start: Optional[float], end: Optional[float]):
        """Remember the range; nothing is read until first use."""
        self._builder = builder
        self._start, self._end = start, end
        self._entries: Optional[list] = None
        self._stamps: list = []

    def _load(self) -> list:
        if self._entries is None:
            self._entries = self._builder.read(self._start, self._end, format="json")["entries"]
            self._stamps = [e[TS] for e in self._entries]
        return self._entries

    def __iter__(self) -> Iterator[dict]:
        """Iterate over entries in `_ts` order."""
        return iter(self._load())

    def __len__(self) -> int:
        """Return the number of entries."""
        return len(self._load())

    def __getitem__(self, index: int) -> dict:
        """Return the entry at a position."""
        return self._load()[index]

    def __repr__(self) -> str:
        """Show topic and range."""
        return (f"TrackSlice(topic={self._builder.topic!r}, start={self._start}, "
                f"end={self._end})")

    def find_by_time(self, timestamp: float) -> Optional[dict]:
        """Return the last entry with `_ts` <= timestamp (floor match), or None."""
        self._load()
        i = bisect.bisect_right(self._stamps, float(timestamp))
        return self._entries[i - 1] if i else None

    def findByTime(self, timestamp: Union[float, list]) -> Union[dict, list]:  # noqa: N802
        """Floor-match like ml-dash: a list gives a list; no match raises NotFoundError."""
        if isinstance(timestamp, list):
            return [self.findByTime(t) for t in timestamp]
        entry = self.find_by_time(timestamp)
        if entry is None:
            first = self._stamps[0] if self._stamps else None
            raise NotFoundError(
                f"track {self._builder.topic!r}: no entry with _ts <= {timestamp} "
                f"(earliest: {first})")
        return entry
