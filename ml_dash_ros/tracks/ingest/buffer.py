"""Per-topic merge buffer: rows keyed by ``_ts``, held column by column.

The buffer is a list of parts, oldest first; appends go into the newest part, whose kind the
first row of the part chooses (``array_part``, ``column_part``):

- ``ArrayPart`` (the common case): every field is a float, an int, a str, bytes or a bool, a
  non-empty list of floats or of ints, or a non-empty list of str (joint names). Numbers go
  straight into C arrays (``array('d')``, ``array('q')``; a list of k numbers as k items), so
  a buffered row holds no Python number objects and the flush turns the arrays into Arrow
  columns without copying. Rows must keep the same fields, types and list lengths and arrive
  with increasing ``_ts``. As in any double column, ints and bools appended later inside a
  list of floats widen to double (schema rule 1).
- ``ColumnPart``: anything else (sparse fields, repeated or out-of-order ``_ts``, None, nested
  or ragged lists). ``_ts`` -> row index plus one growing Python list per field; an append at
  a ``_ts`` already in the part fills or overwrites that row (later non-None fields win).

A row that does not fit the ``ArrayPart`` closes it; a ``ColumnPart`` takes the rest until the
next flush. ``append_batch`` adds an Arrow table or a filled ``ArrayPart`` as a part of its
own. A flush takes all parts and merges them with the rule the reader uses across segments.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Optional

import pyarrow as pa

from ml_dash_ros.tracks.ingest.array_part import ArrayPart, array_spec
from ml_dash_ros.tracks.ingest.column_part import ColumnPart
from ml_dash_ros.tracks.store import row_merge


class TopicBuffer:
    """Rows of one topic waiting to be written; guarded by ``lock``."""

    __slots__ = (
        "topic", "lock", "flush_lock", "part", "parts", "parts_rows", "inflight", "since",
        "threshold", "error", "retry_at",
    )

    def __init__(self, topic: str) -> None:
        """Create an empty buffer; threshold 0 sends the first append to the slow path."""
        self.topic = topic
        self.lock = threading.Lock()
        self.flush_lock = threading.Lock()
        self.part: Any = ArrayPart()
        self.parts: list = []
        self.parts_rows = 0
        self.inflight = 0
        self.since: Optional[float] = None
        self.threshold = 0
        self.error: Optional[BaseException] = None
        self.retry_at = 0.0

    @property
    def count(self) -> int:
        """Rows buffered and not being written right now."""
        return len(self.part.stamps) + self.parts_rows

    @property
    def pending(self) -> int:
        """Rows not yet durable: buffered plus in flight."""
        return len(self.part.stamps) + self.parts_rows + self.inflight

    def _close_part(self, new: Any) -> None:
        """Move the current part (if it holds rows) to ``parts``; make ``new`` current."""
        n = len(self.part.stamps)
        if n:
            self.parts.append(self.part)
            self.parts_rows += n
        self.part = new

    def put(self, ts: float, fields: dict) -> None:
        """Add one validated row (the general path of ``append``); call under ``lock``."""
        part = self.part
        if not len(part.stamps):
            spec = array_spec(fields)
            part = self.part = ArrayPart(*spec) if spec else ColumnPart()
            if self.since is None:
                self.since = time.monotonic()
        if type(part) is ArrayPart:
            if part.add_row(ts, fields):
                return
            part = ColumnPart()
            self._close_part(part)
        part.put_row(ts, fields)
        if self.since is None:
            self.since = time.monotonic()

    def add_rows(self, items: list) -> None:
        """Merge several validated (ts, fields) rows atomically."""
        with self.lock:
            for ts, fields in items:
                self.put(ts, fields)

    def add_table(self, table: Any) -> None:
        """Add a batch (a table or a filled ArrayPart) as a part newer than all buffered."""
        with self.lock:
            if self.since is None:
                self.since = time.monotonic()
            self._close_part(ArrayPart())
            self.parts.append(table)
            self.parts_rows += len(table) if type(table) is ArrayPart else table.num_rows

    def take(self) -> list:
        """Remove and return all parts (oldest first); they count as in flight."""
        with self.lock:
            parts = self.parts
            if len(self.part.stamps):
                parts.append(self.part)
            self.inflight = self.count
            self.part, self.parts, self.parts_rows, self.since = ArrayPart(), [], 0, None
            return parts

    def restore(self, parts: list, rows: int) -> None:
        """Put back parts whose write failed, older than anything appended since."""
        with self.lock:
            self.parts = parts + self.parts
            self.parts_rows += rows
            self.inflight = 0
            self.since = time.monotonic() if self.since is None else self.since

    def done(self) -> None:
        """Mark the in-flight rows as written."""
        with self.lock:
            self.inflight = 0


def parts_to_table(parts: list) -> pa.Table:
    """Turn buffer parts into one table sorted by unique `_ts` (same-`_ts` rows merged)."""
    tables = [p if isinstance(p, pa.Table) else p.to_table() for p in parts]
    return row_merge.merge_tables(tables)
