"""TracksManager (``exp.tracks``): the registry of an experiment's topics of one kind
(tracks or metrics): a TrackBuilder handle per topic, flush, list and align over them."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Optional

from ml_dash_ros.errors import StoreError
from ml_dash_ros.tracks.api.builder import TrackBuilder
from ml_dash_ros.tracks.ingest.pool import BufferPool
from ml_dash_ros.tracks.ingest.topic import TopicIngest
from ml_dash_ros.tracks.store import layout, reader

FLUSH_THREADS = min(4, os.cpu_count() or 1)


class TracksManager:
    """``exp.tracks``: call with a topic to get its TrackBuilder; flush and list all topics."""

    def __init__(self, directory: Path, pool: BufferPool) -> None:
        """Keep the topics under ``directory`` (``{prefix}/tracks``) in the shared ``pool``."""
        self._directory = directory
        self._pool = pool
        self._builders: dict = {}
        self._lock = threading.Lock()

    @property
    def directory(self) -> Path:
        """The directory holding this manager's topics (``{prefix}/tracks``)."""
        return self._directory

    @property
    def prefix(self) -> str:
        """The experiment's prefix."""
        return self._pool.prefix

    def __call__(self, topic: str) -> TrackBuilder:
        """Return the (cached) TrackBuilder of a topic such as ``"robot/pose"``."""
        builder = self._builders.get(topic)
        if builder is None:
            with self._lock:
                builder = self._builders.get(topic)
                if builder is None:
                    directory = layout.topic_dir(self._directory, topic)
                    builder = TrackBuilder(TopicIngest(topic, directory, self._pool))
                    self._builders[topic] = builder
        return builder

    def builders(self) -> list:
        """Return every builder created so far."""
        return list(self._builders.values())

    @property
    def buffered_rows(self) -> int:
        """Rows appended to any topic and not yet durable."""
        return sum(b.buffered_rows for b in self.builders())

    def flush(self) -> "TracksManager":
        """Write every topic's buffered rows now; raise StoreError if any write fails.

        Topics are written by up to ``FLUSH_THREADS`` threads at once: Parquet encoding and
        compression run without the GIL, so a close with several full topics uses every core.
        """
        builders = self.builders()
        results = None
        if sum(1 for b in builders if b.buffered_rows) > 1:
            try:
                with ThreadPoolExecutor(min(FLUSH_THREADS, len(builders)),
                                        thread_name_prefix="ml-dash-flush") as pool:
                    results = list(pool.map(_try_flush, builders))
            except RuntimeError:    # at interpreter exit no new threads: one at a time
                results = None
        if results is None:
            results = [_try_flush(b) for b in builders]
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
        for topic, directory in layout.list_topics(self._directory).items():
            try:
                out.append({"topic": topic, **reader.summary(directory)})
            except StoreError as err:
                out.append({"topic": topic, "count": None, "start_ts": None, "end_ts": None,
                            "error": str(err)})
        return out

    def align(self, tracks: list, hz: Optional[float] = None, method: str = "asof",
              tolerance: Optional[float] = None, start: Optional[float] = None,
              end: Optional[float] = None, **kwargs):
        """Resample ``tracks`` onto one clock: a pyarrow.Table, a row per tick.

        Ticks at ``hz`` or, with ``ticks="cam/color"``, on that track's stamps. Columns
        ``_ts`` then ``{track}/{column}``; ``method`` asof / nearest / linear; samples
        further than ``tolerance`` seconds from a tick give null (see ``tracks.api.align``).
        """
        from ml_dash_ros.tracks.api.align import align_tracks  # numpy work, loaded on use
        return align_tracks(self, tracks, hz, method=method, tolerance=tolerance, start=start,
                            end=end, **kwargs)


def _try_flush(builder: TrackBuilder) -> Optional[StoreError]:
    try:
        builder.flush()
    except StoreError as err:
        return err
    return None
