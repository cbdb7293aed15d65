"""The recorder node: subscribe to the mapped topics and write them as tracks.

One pipeline: message -> converter (``ml_dash_ros.convert``) -> ``TrackBuilder.append`` ->
merge buffer -> background flush -> Parquet store. The node only wires ROS to it.
"""

from __future__ import annotations

import signal
import threading
import time
from typing import Any

from diagnostic_msgs.msg import DiagnosticArray
from rclpy.node import Node

from ml_dash_ros.convert.episodes import EventLog, episode_prefix
from ml_dash_ros.errors import MlDashRosError
from ml_dash_ros.mapping import RecordConfig, TopicConfig, load_config
from ml_dash_ros.mapping.selection import TopicSelection
from ml_dash_ros.ros.episode_close import ClosingEpisode, write_stats
from ml_dash_ros.ros.episode_meta import EpisodeMetadata
from ml_dash_ros.ros.episode_open import next_free_episode, open_episode
from ml_dash_ros.ros.recorder_services import add_services, text_parameter
from ml_dash_ros.ros.recording_limits import CHECK_PERIOD, RecordingLimits
from ml_dash_ros.ros.status import diagnostics, log_line, status_rows
from ml_dash_ros.ros.subscribing import DIAGNOSTICS, single_type, subscribe
from ml_dash_ros.ros.topic_recorder import TopicRecorder
from ml_dash_ros.tracks import Experiment
from ml_dash_ros.tracks.store.prefix_claim import SpaceReserve
from ml_dash_ros.tracks.store.roots import resolve_dash_root
from ml_dash_ros.tracks.store.uploader import upload_state
from ml_dash_ros.video import Cameras


class RecorderNode(Node):
    """Record the topics of a mapping YAML into an ml_dash_ros experiment."""

    def __init__(self, **kwargs) -> None:
        super().__init__("recorder", **kwargs)
        path, prefix, dash_root = (text_parameter(self, name)
                                   for name in ("config", "prefix", "dash_root"))
        self.resume = bool(self.declare_parameter("continue_recording", False).value)
        if not path:
            raise MlDashRosError("parameter 'config' is required: the mapping YAML to record")
        self.config: RecordConfig = load_config(path)
        self.base_prefix = prefix or self.config.experiment.prefix
        self.dash_root = resolve_dash_root(dash_root, self.config.experiment.dash_root)
        self.episode = 0
        self.experiment: Experiment | None = None
        self.selection = TopicSelection(self.config)
        self.recorders = {topic.topic: self._new_recorder(topic) for topic in self.config.topics}
        self.limits = RecordingLimits(self.config.recorder)
        self.finished = False       # a limit ended the recording: recorder_main stops spinning
        self.time_jumps: list[dict] = []      # stamps that jumped back, this run
        self._previous: ClosingEpisode | None = None
        self._events: EventLog | None = None
        self.metadata = EpisodeMetadata(self, self.config.params, self._store_metadata)
        self._closing: list[threading.Thread] = []
        self._skipped: dict[str, str] = {}
        # Errors the executor raised while dispatching (counted by recorder_main.spin).
        self.executor_errors = 0
        self._reported: set[str] = set()
        self._last_received: dict[str, int] = {}
        self._last_status = time.monotonic()
        try:
            self._start_episode()
            self._diagnostics = self.create_publisher(DiagnosticArray, DIAGNOSTICS, 10)
            add_services(self)
            self._discover()
            self.create_timer(self.config.recorder.discovery_period, self._discover)
            self.create_timer(self.config.recorder.status_period, self._publish_status)
            if self.limits.active:
                self.create_timer(CHECK_PERIOD, self._check_limits)
        except BaseException:
            # A SIGINT while starting (or a failure): close what was opened, counts written,
            # as a stop after start-up would; the caller only sees the exception.
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, signal.SIG_IGN)
            self.close_episode()
            raise

    # -- episodes ----------------------------------------------------------------------------
    @property
    def prefix(self) -> str:
        """Return the prefix of the current episode: ``PREFIX-001``, ``PREFIX-002``, ..."""
        return episode_prefix(self.base_prefix, max(self.episode, 1))

    def _next_episode(self) -> int:
        return next_free_episode(self.base_prefix, self.dash_root, self.episode, self.resume)

    def _open_episode(self, number: int) -> tuple:
        return open_episode(self.base_prefix, self.dash_root, number, self.config.buffer,
                            resume=self.resume)

    def _start_episode(self, reason: str = "node", opened: tuple | None = None) -> None:
        """Record into the episode ``opened`` (by default the next one, opened here)."""
        self.episode, self._lock, self.experiment = opened or self._open_episode(
            self._next_episode())
        self._reserve = SpaceReserve(self.experiment.path)
        self._events = EventLog(self.experiment)
        if self.metadata.params():
            self.experiment.params.set(**self.metadata.params())
        self._event("start", reason if not self.resume else f"{reason}, continued")
        self._started = time.time()
        self._tracks = self.experiment.tracks
        self._cameras = Cameras(self.experiment.files("video").directory)
        for recorder in self.recorders.values():
            recorder.start_episode(self._append)
            recorder.video = self._cameras.sink(recorder.config.video)
        self.get_logger().info(f"recording episode {self.episode} into "
                               f"{str(self.dash_root).rstrip('/')}/{self.prefix}")

    def close_episode(self, status: str = "completed", error: str | None = None) -> None:
        """Flush and close the current experiment, storing the counts beside it."""
        self._close_previous()
        for thread in self._closing:           # episodes closing in the background
            thread.join()
        self._closing = []
        if self.experiment is None:
            return
        episode = self._detach_episode(status)
        episode.close(status, error)

    def _detach_episode(self, ending: str) -> "ClosingEpisode":
        """Take the current experiment out of the message path, with what its stats need."""
        self._event("end", ending)
        self._events = None
        experiment, self.experiment = self.experiment, None
        self._cameras.close()       # the frames queued for the encoders, the open segments
        return ClosingEpisode(experiment, self._lock, self._stats_header(), time.monotonic(),
                              self.status_rows(experiment), self._write_stats, self._reserve)

    def _event(self, event: str, detail: object = "") -> None:
        """Record ``event`` in the current episode's ``_events`` track at the node clock."""
        if self._events is not None:
            try:
                now = self._now()
            except Exception:  # noqa: BLE001 - after a stop signal the context may be gone
                now = time.time()
            self._events.add_or_report(event, now, detail)

    def _store_metadata(self, changes: dict) -> None:
        """Write changed ``episode.*`` parameters into the current episode's params."""
        self.experiment.params.set(**changes)
        self._event("metadata", changes)

    def _stats_header(self) -> dict:
        return {"node": self.get_fully_qualified_name(), "config": self.config.source,
                "prefix": self.prefix, "episode": self.episode, "started": self._started,
                "time_jumps": list(self.time_jumps)}

    # -- stamps that jump back (a simulation reset, a looped bag) ---------------------------
    def _on_time_jump(self, recorder: TopicRecorder, ts: float) -> bool:
        """Start a new episode at a jump back in ``recorder``'s stamps (unless told to ignore).

        The old experiment stays open for the grace period of ``StampPasses`` so that late
        messages of the old pass land in it, then closes in the background.
        """
        jump = {"topic": recorder.config.topic, "from": recorder.passes.latest, "to": ts,
                "at": time.time()}
        self.time_jumps.append(jump)
        now = time.monotonic()
        self._event("time_jump", {key: jump[key] for key in ("topic", "from", "to")})
        if self.config.recorder.on_time_jump == "ignore":
            self.get_logger().warning(
                f"{jump['topic']}: stamps jumped back from {jump['from']:.9g} to {ts:.9g}; "
                "recording on into the same episode (recorder.on_time_jump: ignore), rows "
                "at equal stamps of the two passes merge")
            for other in self.recorders.values():
                other.passes.new_pass(now)
            return False
        opened = self._open_next("a time jump")
        if opened is None:    # the passes merge at equal stamps, as under on_time_jump: ignore
            for other in self.recorders.values():
                other.passes.new_pass(now)
            return False
        self._close_previous()
        previous = self._detach_episode("time_jump")
        self.metadata.next_episode()
        self._start_episode("time_jump", opened)
        self._previous = previous
        for other in self.recorders.values():
            other.passes.new_pass(now)
            other.append_previous = previous.append
        self.get_logger().warning(
            f"{jump['topic']}: stamps jumped back from {jump['from']:.9g} to {ts:.9g} (a "
            f"simulation reset or a looped bag): episode {self.episode} starts in "
            f"{self.prefix}, so the two passes never merge (recorder.on_time_jump: ignore "
            "keeps one recording)")
        return True

    # -- limits (recorder.max_*) -------------------------------------------------------------
    def _check_limits(self) -> None:
        """Start a new episode, or end the recording, when a ``recorder.max_*`` limit is hit."""
        if self.finished or self.experiment is None:
            return
        size = sum(builder.written_bytes for builder in self.experiment.tracks.builders())
        limit = self.limits.reached(self._now(), self.experiment, size)
        if limit == "max_duration":
            self.finished = True
            self.get_logger().info(f"recorder.max_duration ({self.limits.max_duration:g} s) "
                                   "reached: closing the recording and exiting")
        elif limit is not None:
            self._roll_episode(limit)

    def _roll_episode(self, reason: str) -> None:
        """Start the next episode as ~/new_episode does; the old one closes in the background."""
        opened = self._open_next(f"recorder.{reason}")
        if opened is None:
            return
        self._close_previous()
        previous = self._detach_episode(reason)
        self.metadata.next_episode()
        self._start_episode(reason, opened)
        self._closing.append(previous.close_in_background())
        self.get_logger().info(f"recorder.{reason} reached: episode {self.episode} starts")

    def _close_previous(self, *, wait: bool = True) -> None:
        """Close the episode a time jump left open for stragglers (now, or once its grace ends)."""
        previous = self._previous
        if previous is None:
            return
        if not wait and time.monotonic() < previous.opened + 2 * previous.grace:
            return
        self._previous = None
        for recorder in self.recorders.values():
            recorder.append_previous = None
        if wait:
            previous.close("completed", None)
        else:
            self._closing.append(previous.close_in_background())

    def _write_stats(self, experiment: Experiment, header: dict, rows: dict) -> None:
        write_stats(experiment, {**header, "executor_errors": self.executor_errors}, rows)

    # -- message path ------------------------------------------------------------------------
    def _append(self, track: str, fields: dict, ts: float) -> None:
        self._tracks(track).append(_ts=ts, **fields)

    def _now(self) -> float:
        return self.get_clock().now().nanoseconds * 1e-9

    # -- discovery ---------------------------------------------------------------------------
    def _new_recorder(self, config: TopicConfig) -> TopicRecorder:
        recorder = TopicRecorder(config, self._append, self._now, latched=config.latched)
        recorder.passes.threshold = self.config.recorder.time_jump_threshold
        recorder.on_time_jump = self._on_time_jump
        return recorder

    def _discover(self) -> None:
        """Subscribe to mapped topics (listed, or picked by a regex) that have appeared."""
        graph = dict(self.get_topic_names_and_types())
        if self.selection.open_ended:
            for name, types in graph.items():
                config = None if name in self.recorders else self.selection.select(name, types)
                if config is not None:
                    recorder = self.recorders[name] = self._new_recorder(config)
                    recorder.video = self._cameras.sink(config.video)
        for name, recorder in self.recorders.items():
            if recorder.subscription is not None or name in self._skipped:
                continue
            type_name = recorder.config.type or single_type(graph.get(name))
            if type_name is None:
                continue
            subscribe(self, recorder, type_name, self._skipped)

    # -- status ------------------------------------------------------------------------------
    def status_rows(self, experiment: Experiment | None = None) -> dict[str, dict[str, Any]]:
        """Return per-topic counts: received, written, dropped, lost, gaps, rate, problems."""
        period = max(time.monotonic() - self._last_status, 1e-6)
        return status_rows(self.recorders, experiment or self.experiment, self._skipped,
                           self._last_received, period)

    def _publish_status(self) -> None:
        self._close_previous(wait=False)
        rows = self.status_rows()
        self._last_status = time.monotonic()
        self._last_received = {topic: row["received"] for topic, row in rows.items()}
        status = diagnostics(self.get_clock().now().to_msg(), rows,
                             upload_state(self.experiment.path) if self.experiment else None)
        status.header.frame_id = self.get_fully_qualified_name()
        self._diagnostics.publish(status)
        failing = sorted({row["store_error"] for row in rows.values() if row.get("store_error")})
        if failing:     # names the path and errno; every topic's rows stay buffered
            self.get_logger().error(f"writing fails, rows kept in memory up to "
                                    f"max_buffer_rows, then refused and counted: {failing[0]}",
                                    throttle_duration_sec=5.0)
        for topic, row in rows.items():
            if row.get("first_error") and topic not in self._reported:
                self._reported.add(topic)
                self.get_logger().error(f"{topic}: messages dropped: {row['first_error']}")
        self.get_logger().info(log_line(rows, self.experiment.tracks.buffered_rows))

    # -- control (the services, ros/recorder_services.py) ---------------------------------
    def set_paused(self, paused: bool) -> str:
        """Pause or resume every topic; return what the recorder does now."""
        for recorder in self.recorders.values():
            recorder.paused = paused
        self._event("pause" if paused else "resume")
        message = f"{'paused' if paused else 'recording'} {self.prefix}"
        self.get_logger().info(message)
        return message

    def new_episode(self) -> str:
        """Close the current episode and start the next one; return its prefix (MlDashRosError,
        the current one going on, when the next one cannot be opened)."""
        opened = self._open_episode(self._next_episode())
        self._event("new_episode")
        self.close_episode()
        self.metadata.next_episode()
        self._start_episode("new_episode", opened)
        return self.prefix

    def _open_next(self, why: str) -> tuple | None:
        """Open the next episode, or log why not and return None (the current one goes on)."""
        try:
            return self._open_episode(self._next_episode())
        except (MlDashRosError, OSError) as err:
            self.get_logger().error(
                f"{why}: cannot start episode {self.episode + 1}, recording on into "
                f"{self.prefix}: {err}", throttle_duration_sec=10.0)
            return None
