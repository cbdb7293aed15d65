"""``exp.metrics(name).log(**values)``: step-indexed scalars, stored like tracks.

Each metric is a track under ``{prefix}/metrics/topic={name}/`` whose ``_ts`` is the step
index 0, 1, 2, ...; indices continue across processes that reopen the prefix.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Optional

from ml_dash_ros.errors import TrackNotFoundError
from ml_dash_ros.tracks.api.builder import TrackBuilder
from ml_dash_ros.tracks.api.manager import TracksManager
from ml_dash_ros.tracks.ingest.pool import BufferPool


class MetricBuilder:
    """One named metric: ``log(**values)`` appends at the next step index."""

    def __init__(self, track: TrackBuilder) -> None:
        """Wrap the track that stores this metric."""
        self._track = track
        self._next: Optional[int] = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """The metric name."""
        return self._track.topic

    def log(self, **values: Any) -> "MetricBuilder":
        """Record one data point at the next index. Return self."""
        with self._lock:
            if self._next is None:
                try:
                    stats = self._track.read_table(columns=[]).column("_ts")
                except TrackNotFoundError:  # the first point of a new metric
                    stats = ()
                self._next = int(stats[-1].as_py()) + 1 if len(stats) else 0
            index = self._next
            self._track.append(_ts=float(index), **values)
            self._next = index + 1
        return self

    def flush(self) -> "MetricBuilder":
        """Write buffered points now. Return self."""
        self._track.flush()
        return self

    def read(self, start_index: int = 0, limit: int = 1000) -> dict:
        """Return points by index: ``{"data": [{"index", "data"}], "startIndex", "endIndex",
        "total", "hasMore"}`` (the ml-dash shape).
        """
        stop = start_index + limit - 1
        entries = self._track.read(float(start_index), float(stop + 1), format="json")["entries"]
        points = [{"index": int(e.pop("_ts")), "data": e} for e in entries]
        has_more = len(points) > limit
        points = points[:limit]
        return {
            "data": points, "startIndex": start_index,
            "endIndex": points[-1]["index"] if points else start_index - 1,
            "total": len(points), "hasMore": has_more,
        }


class MetricsManager:
    """``exp.metrics``: call with a name to get its MetricBuilder."""

    def __init__(self, directory: Path, pool: BufferPool) -> None:
        """Keep metrics under ``directory`` (``{prefix}/metrics``) in the shared ``pool``."""
        self._tracks = TracksManager(directory, pool)
        self._builders: dict = {}
        self._lock = threading.Lock()

    def __call__(self, name: str) -> MetricBuilder:
        """Return the (cached) MetricBuilder of a metric name."""
        builder = self._builders.get(name)
        if builder is None:
            with self._lock:
                builder = self._builders.setdefault(name, MetricBuilder(self._tracks(name)))
        return builder

    def flush(self) -> "MetricsManager":
        """Write every metric's buffered points now. Return self."""
        self._tracks.flush()
        return self

    def list(self) -> list:
        """Return [{"topic", "count", "start_ts", "end_ts"}] for every metric."""
        return self._tracks.list()

    @property
    def tracks(self) -> TracksManager:
        """The tracks that store the metrics (one per name, ``_ts`` = step index)."""
        return self._tracks
