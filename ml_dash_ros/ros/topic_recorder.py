"""One configured topic in the recorder: its subscription, conversion pipeline and counters.

Besides what it writes, it counts what it could not see: the middleware's ``message_lost``
event (messages DDS lost before the recorder took them; "not supported" where the middleware
does not report it) and gaps in each track's header stamps (``convert.stamp_gaps``). Gaps are
not looked for on latched or ``on_change`` topics, nor in entries stamped with receive time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

try:
    from rclpy.event_handler import SubscriptionEventCallbacks, UnsupportedEventTypeError
except ImportError:  # Humble's rclpy: the same classes in rclpy.qos_event
    from rclpy.qos_event import SubscriptionEventCallbacks, UnsupportedEventTypeError

from ml_dash_ros.convert.passes import PREVIOUS, RESET, StampPasses
from ml_dash_ros.convert.pipeline import TopicPipeline
from ml_dash_ros.convert.stamp_gaps import StampGaps, total
from ml_dash_ros.errors import BufferFullError, MlDashRosError
from ml_dash_ros.video import is_image


@dataclass
class TopicCounts:
    """What happened to one topic's messages in the current episode."""

    received: int = 0
    entries: int = 0
    paused: int = 0
    append_errors: int = 0
    to_previous_episode: int = 0       # late stragglers of the pass before a time jump
    buffer_full: int = 0               # refused: the buffer limit was reached (store stuck)

    def as_dict(self) -> dict[str, int]:
        """Return the counts as a plain dict."""
        return {"received": self.received, "entries": self.entries, "paused": self.paused,
                "append_errors": self.append_errors,
                "to_previous_episode": self.to_previous_episode,
                "buffer_full": self.buffer_full}


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
    lost_supported: bool = True
    _latched_entries: dict[str, tuple[dict, float]] = field(default_factory=dict)
    _lost_total: int = 0               # the subscription's message_lost total_count
    _lost_base: int = 0                # ... when the current episode started
    _gaps: dict[str, StampGaps] = field(default_factory=dict)
    _gaps_restart: bool = False
    # Stamps jumping back (ml_dash_ros.convert.passes): ``on_time_jump(recorder, ts)`` returns
    # True when it started a new episode; stragglers of the old pass go to ``append_previous``.
    passes: StampPasses = field(default_factory=StampPasses)
    on_time_jump: Callable[[Any, float], bool] | None = None
    append_previous: Callable[[str, dict, float], None] | None = None
    # Images as video (ml_dash_ros.video.CameraSink of the current episode), or None.
    video: Any = None

    def __post_init__(self) -> None:
        self.pipeline = TopicPipeline(self.config)

    def subscribe(self, create: Callable[[SubscriptionEventCallbacks], Any],
                  **callbacks: Callable) -> None:
        """Create the subscription with ``create(events)``, counting lost messages if possible.

        ``callbacks`` are the other event callbacks; where the middleware does not support
        the ``message_lost`` event, the subscription is created without it.
        """
        try:
            self.subscription = create(SubscriptionEventCallbacks(
                message_lost=self.on_message_lost, **callbacks))
        except UnsupportedEventTypeError:
            self.lost_supported = False
            self.subscription = create(SubscriptionEventCallbacks(**callbacks))

    def on_message_lost(self, event: Any) -> None:
        """Take the middleware's count of messages lost before they reached the recorder."""
        self._lost_total = event.total_count

    def on_message(self, msg: Any) -> None:
        """Convert and append one message (the subscription callback: keep it lean)."""
        counts = self.counts
        counts.received += 1
        if self.paused:
            counts.paused += 1
            self._gaps_restart = True
            return
        now = self.now()
        gaps = None if self.latched or self.config.on_change else self._gaps
        if self._gaps_restart:
            self._gaps_restart = False
            for detector in self._gaps.values():
                detector.restart()
        for track, fields, ts in self.pipeline.process(msg, now):
            append = self.append
            verdict = self.passes.classify(ts, time.monotonic(), ts != now)
            if verdict == RESET and self.on_time_jump is not None \
                    and self.on_time_jump(self, ts):          # a new episode has started
                counts = self.counts
                counts.received += 1
                append = self.append
                self.passes.classify(ts, time.monotonic(), ts != now)   # the new pass's first
                if gaps is not None:
                    gaps = self._gaps                 # the new episode's detectors
            elif verdict == PREVIOUS and self.append_previous is not None:
                append = self.append_previous       # a straggler of the pass before a reset
                counts.to_previous_episode += 1
            if gaps is not None and ts != now:      # header stamps only
                detector = gaps.get(track)
                if detector is None:
                    detector = gaps[track] = StampGaps()
                detector.add(ts)
            if self.video is not None and is_image(fields):
                fields = self.video(track, fields, ts, late=append is not self.append)
                if fields is None:       # refused, invalid or late: counted by the sink
                    continue
            try:
                append(track, fields, ts)
            except BufferFullError:    # the store is not draining: shed this entry, counted
                counts.buffer_full += 1
                continue
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
        self._gaps = {}
        self._lost_base = self._lost_total
        for track, (fields, ts) in self._latched_entries.items():
            append(track, fields, ts)
            self.tracks.add(track)

    def loss(self) -> dict[str, Any]:
        """Return what was lost before the recorder: ``lost`` and the stamp gaps' counts."""
        gaps = total(detector.count() for detector in self._gaps.values())
        lost = self._lost_total - self._lost_base if self.lost_supported else "not supported"
        return {"lost": lost, "stamp_gaps": gaps.gaps, "stamp_gap_missing": gaps.missing}

    def problems(self) -> dict[str, Any]:
        """Return the pipeline's counters (no stamp, errors, ...) and its first error."""
        problems: dict[str, Any] = dict(self.pipeline.counts)
        if self.video is not None:
            problems.update(self.video.counts())
        if self.pipeline.first_error:
            problems["first_error"] = self.pipeline.first_error
        return problems
