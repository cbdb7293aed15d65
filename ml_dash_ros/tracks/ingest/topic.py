"""One topic's ingest, owned in one place: its merge buffer, its writer (the topic's lock and
segment numbers), its counters, its part of the shared buffer budget, and its flush.

``TrackBuilder`` (the public handle) fills ``buffer`` on its hot path and calls ``admit``
when the buffer reaches its threshold; the flusher calls ``due`` and ``flush``; closing calls
``finish``. Nothing else touches the buffer or the writer.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Protocol

from ml_dash_ros.errors import StoreError
from ml_dash_ros.tracks.ingest.buffer import TopicBuffer, parts_to_table
from ml_dash_ros.tracks.store import segments

if TYPE_CHECKING:
    from ml_dash_ros.tracks.ingest.flusher import BufferSettings

_log = logging.getLogger(__name__)


class Budget(Protocol):
    """What a topic needs from the budget it shares with the other topics (``BufferPool``)."""

    prefix: str

    def add(self, topic: "TopicIngest") -> None:
        """Register a topic."""

    def admit(self, topic: "TopicIngest", incoming: int) -> None:
        """Let rows in, wait for room or refuse them."""

    def written(self) -> None:
        """Hear that a write finished (or failed)."""


class TopicIngest:
    """Buffer, writer, counters and flush of one topic."""

    def __init__(self, topic: str, directory: Path, pool: Budget) -> None:
        """Create the empty buffer; the writer (and its lock) comes with the first admit."""
        self.topic = topic
        self.directory = directory
        self.buffer = TopicBuffer(topic)
        self._pool = pool
        self._writer: Optional[segments.TopicWriter] = None
        self._writer_lock = threading.Lock()
        self._written = 0
        self._written_bytes = 0
        pool.add(self)

    # counters ----------------------------------------------------------------------------
    @property
    def buffered_rows(self) -> int:
        """Rows (distinct ``_ts``) appended and not yet durable: buffered plus in flight."""
        return self.buffer.pending

    @property
    def queued_rows(self) -> int:
        """Rows buffered and not yet taken by a flush."""
        return self.buffer.count

    @property
    def written_rows(self) -> int:
        """Rows this process has written to segments for this topic."""
        return self._written

    @property
    def written_bytes(self) -> int:
        """Bytes of the segments this process has written for this topic (before merges)."""
        return self._written_bytes

    @property
    def store_error(self) -> Optional[BaseException]:
        """The error of the last failed write (None once a write succeeds)."""
        return self.buffer.error

    @property
    def started(self) -> bool:
        """Whether the topic holds its writer (its first append has been admitted)."""
        return self._writer is not None

    # appending ---------------------------------------------------------------------------
    def start(self) -> None:
        """Take the topic's writer lock and find its next segment number (once)."""
        if self._writer is None:
            with self._writer_lock:
                if self._writer is None:
                    self._writer = segments.TopicWriter(self.directory, self.topic,
                                                        self._pool.prefix)

    def admit(self, incoming: int) -> None:
        """The slow path of an append: start the topic, apply the shared buffer budget."""
        self._pool.admit(self, incoming)

    def set_threshold(self, rows: int) -> None:
        """Set the buffered rows at which appends take the slow path (0: every append)."""
        self.buffer.threshold = rows

    # flushing ----------------------------------------------------------------------------
    def due(self, now: float, settings: "BufferSettings", full: bool) -> bool:
        """Tell whether the flusher should write this topic now."""
        buf = self.buffer
        n = buf.count
        if n == 0 or now < buf.retry_at:
            return False
        waited = buf.since is not None and now - buf.since >= settings.flush_interval
        return n >= settings.batch_size or waited or full

    def retry_in(self, seconds: float) -> None:
        """Leave this topic alone in the background for a while (its last write failed)."""
        self.buffer.retry_at = time.monotonic() + seconds

    def flush(self) -> None:
        """Write the buffered rows as one segment; on failure keep them and raise StoreError."""
        buf = self.buffer
        try:
            with buf.flush_lock:
                parts = buf.take()
                if not parts:
                    buf.error = None
                    return
                rows = buf.inflight
                try:
                    table = parts_to_table(parts)
                except Exception as err:
                    buf.restore(parts, rows)
                    raise StoreError(f"cannot build rows of track {self.topic!r}: {err}") from err
                try:
                    if self._writer is None:
                        raise StoreError(f"track {self.topic!r} has no writer (closed experiment)")
                    path = self._writer.write(table)
                except StoreError as err:
                    buf.restore([table], table.num_rows)
                    buf.error = err
                    raise
                buf.done()
                buf.error = None
                self._written += table.num_rows
                self._written_bytes += _size(path)
        finally:
            self._pool.written()

    # closing -----------------------------------------------------------------------------
    def discard(self) -> int:
        """Drop the buffered rows (the store refuses them); return how many."""
        buf = self.buffer
        with buf.flush_lock:
            given_up = buf.pending
            buf.take()
            buf.done()
        return given_up

    def finish(self, compact: bool = True) -> Optional[str]:
        """Compact (unless told not to) and release the writer; return a warning or None.

        A topic that cannot be compacted (an unreadable segment, a full disk) keeps its
        segments as they are.
        """
        writer, warning = self._writer, None
        if writer is None:
            return None
        if compact:
            try:
                writer.compact()
            except Exception as err:  # noqa: BLE001 - one topic never stops the others
                warning = f"track {self.topic!r} left uncompacted, segments kept: {err}"
                _log.warning("%s", warning)
        writer.release()
        self._writer = None
        return warning


def _size(path: Path) -> int:
    """Return the size of a segment just written (0 if it is already merged away)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0
