"""TracksManager: cached TrackBuilders per topic, flush, list, back-pressure, close."""

from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from ml_dash_ros.errors import BufferFullError, ExperimentClosedError, StoreError
from ml_dash_ros.tracks.ingest import buffer
from ml_dash_ros.tracks.store import layout, reader, segments
from ml_dash_ros.tracks.api.builder import TrackBuilder

if TYPE_CHECKING:
    from ml_dash_ros.tracks.api.experiment import Experiment

_log = logging.getLogger(__name__)
FLUSH_THREADS = min(4, os.cpu_count() or 1)


class TracksManager:
    """``exp.tracks``: call with a topic to get its TrackBuilder; flush and list all topics."""

    def __init__(self, experiment: "Experiment", kind: str = "tracks") -> None:
        """Bind to an experiment; ``kind`` is the directory under the prefix."""
        self._exp = experiment
        self._kind = kind
        self._builders: dict = {}
        self._lock = threading.Lock()
        self._room = threading.Condition()

    @property
    def directory(self) -> Path:
        """The directory holding this manager's topics (``{prefix}/tracks``)."""
        return self._exp.path / self._kind

    def __call__(self, topic: str) -> TrackBuilder:
        """Return the (cached) TrackBuilder of a topic such as ``"robot/pose"``."""
        builder = self._builders.get(topic)
        if builder is None:
            with self._lock:
                builder = self._builders.get(topic)
                if builder is None:
                    builder = TrackBuilder(self, topic, layout.topic_dir(self.directory, topic))
                    self._builders[topic] = builder
                    self._exp._share_buffer()
        return builder

    def builders(self) -> list:
        """Return every builder created so far."""
        return list(self._builders.values())

    @property
    def buffered_rows(self) -> int:
        """Rows appended to any topic and not yet durable."""
        return sum(b._buf.pending for b in list(self._builders.values()))

    def flush(self) -> "TracksManager":
        """Write every topic's buffered rows now; raise StoreError if any write fails.

        Topics are written by up to ``FLUSH_THREADS`` threads at once: Parquet encoding and
        compression run without the GIL, so a close with several full topics uses every core.
        """
        builders = list(self.builders())
        if sum(1 for b in builders if b.buffered_rows) > 1:
            with ThreadPoolExecutor(min(FLUSH_THREADS, len(builders)),
                                    thread_name_prefix="ml-dash-flush") as pool:
                results = list(pool.map(self._try_flush, builders))
        else:
            results = [self._try_flush(b) for b in builders]
        errors = [err for err in results if err is not None]
        if errors:
            if len(errors) == 1:
                raise errors[0]
            raise StoreError(f"{len(errors)} topics failed to flush, rows kept: "
                             + "; ".join(str(e) for e in errors)) from errors[0]
        return self

    def list(self) -> list:
        """Flush, then return [{"topic", "count", "start_ts", "end_ts"}] for every topic.

        A topic with an unreadable file has ``count`` None and ``error`` naming the file.
        """
        self.flush()
        out = []
        for topic, directory in layout.list_topics(self.directory).items():
            try:
                out.append({"topic": topic, **reader.summary(directory)})
            except StoreError as err:
                out.append({"topic": topic, "count": None, "start_ts": None, "end_ts": None,
                            "error": str(err)})
        return out

    def align(self, tracks: list, hz: float, method: str = "asof",
              tolerance: Optional[float] = None, start: Optional[float] = None,
              end: Optional[float] = None, **kwargs):
        """Resample ``tracks`` onto one clock at ``hz``: a pyarrow.Table, a row per tick.

        Columns ``_ts`` then ``{track}/{column}``; ``method`` asof / nearest / linear; samples
        further than ``tolerance`` seconds from a tick give null (see ``ml_dash_ros.tools.align``).
        """
        from ml_dash_ros.tools.align import align  # align reads through this manager
        self.flush()
        return align(self._exp, tracks, hz, method=method, tolerance=tolerance, start=start,
                     end=end, **kwargs)

    def _try_flush(self, builder: TrackBuilder) -> Optional[StoreError]:
        try:
            self._flush_builder(builder)
        except StoreError as err:
            return err
        return None

    def _flush_builder(self, builder: TrackBuilder) -> None:
        buf = builder._buf
        with buf.flush_lock:
            parts = buf.take()
            if not parts:
                buf.error = None
                return
            rows = buf.inflight
            try:
                table = buffer.parts_to_table(parts)
            except Exception as err:
                buf.restore(parts, rows)
                raise StoreError(f"cannot build rows of track {builder.topic!r}: {err}") from err
            try:
                if builder._writer is None:
                    raise StoreError(f"track {builder.topic!r} has no writer (closed experiment)")
                builder._writer.write(table)
            except StoreError as err:
                buf.restore([table], table.num_rows)
                buf.error = err
                self._notify()
                raise
            buf.done()
            buf.error = None
            builder._written += table.num_rows
        self._notify()

    def _notify(self) -> None:
        with self._room:
            self._room.notify_all()

    def _slow_path(self, builder: TrackBuilder, incoming: int) -> None:
        """Take the writer lock on first use, wake the flusher, apply back-pressure."""
        exp = self._exp
        exp._ensure_open()
        if not exp._accepting:
            raise ExperimentClosedError(
                f"experiment {exp.prefix!r} is closed; call exp.open() to append again")
        settings = exp._settings
        if builder._writer is None:
            with self._lock:
                if builder._writer is None:
                    builder._writer = segments.TopicWriter(builder.path, builder.topic, exp.prefix)
        builder._buf.threshold = 0 if exp._tight else settings.share(len(exp._all_builders()))
        if builder._buf.count + incoming >= settings.threshold:
            exp._flusher.wake()
        total = exp._total_buffered() + incoming
        if total >= settings.max_buffer_rows // 2 and not exp._tight:
            exp._share_buffer(tight=True)
        if total < settings.max_buffer_rows:
            return
        exp._flusher.wake()
        if settings.when_full == "drop" and exp._total_buffered():
            raise BufferFullError(
                f"track {builder.topic!r}: buffer full ({settings.max_buffer_rows} rows over all "
                f"topics) and the store is not draining; this entry was NOT recorded. Last "
                f"store error: {self._last_error()}")
        deadline = time.monotonic() + settings.block_timeout
        with self._room:
            while exp._total_buffered() + incoming >= settings.max_buffer_rows:
                if exp._total_buffered() == 0:
                    return  # a single batch larger than the limit goes through alone
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    last = self._last_error()
                    raise StoreError(
                        f"track {builder.topic!r}: buffer full ({settings.max_buffer_rows} rows) "
                        f"for {settings.block_timeout:g} s and the store is not draining; "
                        f"this entry was NOT recorded. Last store error: {last}")
                exp._flusher.wake()
                self._room.wait(min(remaining, 0.1))

    def _last_error(self) -> Optional[BaseException]:
        for builder in self._exp._all_builders():
            if builder._buf.error is not None:
                return builder._buf.error
        return None

    def _stop_accepting(self) -> None:
        for builder in self.builders():
            builder._buf.threshold = 0

    def _finish(self, compact: bool = True) -> list:
        """Compact topics this process wrote and release their writer locks.

        A topic that cannot be compacted (an unreadable segment, a full disk) keeps its
        segments as they are; the others are still compacted. Return one warning per topic
        left uncompacted.
        """
        warnings = []
        for builder in self.builders():
            writer = builder._writer
            if writer is None:
                continue
            if compact:
                try:
                    writer.compact()
                except Exception as err:  # noqa: BLE001 - one topic never stops the others
                    warnings.append(f"track {builder.topic!r} left uncompacted, segments kept: "
                                    f"{err}")
                    _log.warning("%s", warnings[-1])
            writer.release()
            builder._writer = None
        return warnings
