"""One configured topic in the recorder: its subscription, conversion pipeline and counters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ml_dash_ros.convert.pipeline import TopicPipeline
from ml_dash_ros.errors import MlDashRosError


@dataclass
class TopicCounts:
    """What happened to one topic's messages in the current episode."""

    received: int = 0
    entries: int = 0
    paused: int = 0
    append_errors: int = 0

    def as_dict(self) -> dict[str, int]:
        """Return the counts as a plain dict."""
        return {"received": self.received, "entries": self.entries, "paused": self.paused,
                "append_errors": self.append_errors}


@dataclass
class TopicRecorder:
    """Turn one topic's messages into track entries of the current experiment."""

    config: Any                        # mapping.TopicConfig
    append: Callable[[str, dict, float], None]
    now: Callable[[], float]
    latched: bool = False
    type_name: str = ""
    qos: str = ""
    subscription: Any = None
    paused: bool = False
    qos_incompatible: int = 0
    counts: TopicCounts = field(default_factory=TopicCounts)
    tracks: set[str] = field(default_factory=set)
    pipeline: TopicPipeline = field(init=False)
    first_append_error: str = ""
    _latched_entries: dict[str, tuple[dict, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.pipeline = TopicPipeline(self.config)

    def on_message(self, msg: Any) -> None:
        """Convert and append one message (the subscription callback: keep it lean)."""
        counts = self.counts
        counts.received += 1
        if self.paused:
            counts.paused += 1
            return
        for track, fields, ts in self.pipeline.process(msg, self.now()):
            try:
                self.append(track, fields, ts)
            except MlDashRosError as err:  # e.g. the store keeps failing: count, keep going
                counts.append_errors += 1
                self.first_append_error = self.first_append_error or f"{track}: {err}"
                continue
            counts.entries += 1
            self.tracks.add(track)
            if self.latched:
                self._latched_entries[track] = (fields, ts)

    def start_episode(self, append: Callable[[str, dict, float], None]) -> None:
        """Write into a new experiment: reset counters, replay latched entries into it."""
        self.append = append
        self.counts = TopicCounts()
        self.pipeline = TopicPipeline(self.config)
        self.tracks = set()
        for track, (fields, ts) in self._latched_entries.items():
            append(track, fields, ts)
            self.tracks.add(track)

    def problems(self) -> dict[str, Any]:
        """Return the pipeline's counters (no stamp, errors, ...) and its first error."""
        problems: dict[str, Any] = dict(self.pipeline.counts)
        if self.pipeline.first_error:
            problems["first_error"] = self.pipeline.first_error
        return problems
