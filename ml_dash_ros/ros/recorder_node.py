"""The recorder node: subscribe to the mapped topics and write them as tracks.

One pipeline: message -> converter (``ml_dash_ros.convert``) -> ``TrackBuilder.append`` ->
merge buffer -> background flush -> Parquet store. The node only wires ROS to it.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

from diagnostic_msgs.msg import DiagnosticArray
from rcl_interfaces.msg import ParameterDescriptor
from rclpy.node import Node
from std_srvs.srv import Trigger

from ml_dash_ros.convert.episodes import EventLog, episode_prefix
from ml_dash_ros.convert.topic_stats import TopicStats, recorder_json_text, write_recorder_json
from ml_dash_ros.convert.types import import_message_class
from ml_dash_ros.errors import MlDashRosError, StoreError
from ml_dash_ros.mapping import RecordConfig, TopicConfig, load_config
from ml_dash_ros.mapping.selection import TopicSelection
from ml_dash_ros.ros import qos as qos_rules
from ml_dash_ros.ros.episode_close import ClosingEpisode, earlier_runs
from ml_dash_ros.ros.episode_meta import EpisodeMetadata
from ml_dash_ros.ros.recording_limits import CHECK_PERIOD, RecordingLimits
from ml_dash_ros.ros.status import diagnostics, log_line
from ml_dash_ros.ros.topic_recorder import TopicRecorder
from ml_dash_ros.tracks import Experiment
from ml_dash_ros.tracks.store.prefix_claim import SpaceReserve, claim_prefix, holds_recording
from ml_dash_ros.tracks.store.roots import resolve_dash_root
from ml_dash_ros.video import Cameras
from ml_dash_ros.tracks.store.contract import RECORDER_FILE


class RecorderNode(Node):
    """Record the topics of a mapping YAML into an ml_dash_ros experiment."""

    def __init__(self, **kwargs) -> None:
        super().__init__("recorder", **kwargs)
        path = self._text_parameter("config")
        prefix = self._text_parameter("prefix")
        dash_root = self._text_parameter("dash_root")
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
            services = {"flush": self._srv_flush, "pause": self._srv_pause,
                        "resume": self._srv_resume, "new_episode": self._srv_new_episode}
            for name, handler in services.items():
                self.create_service(Trigger, f"~/{name}", handler)
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

    def _text_parameter(self, name: str) -> str:
        """Declare a text parameter that accepts any value (``prefix:=20261125`` is text)."""
        value = self.declare_parameter(
            name, "", ParameterDescriptor(dynamic_typing=True)).value
        return "" if value is None else str(value)

    # -- episodes ----------------------------------------------------------------------------
    @property
    def prefix(self) -> str:
        """Return the prefix of the current episode: ``PREFIX-001``, ``PREFIX-002``, ..."""
        return episode_prefix(self.base_prefix, max(self.episode, 1))

    def _start_episode(self, reason: str = "node") -> None:
        self.episode += 1
        root = Path(self.dash_root).expanduser()
        if self.episode > 1 and not self.resume:   # never merge into an earlier run's episode
            while holds_recording(root.joinpath(*self.prefix.split("/"))):
                self.episode += 1
        self._lock = claim_prefix(root, self.prefix, resume=self.resume)
        buffer = self.config.buffer
        self.experiment = Experiment(self.prefix, dash_root=self.dash_root,
                                     flush_interval=buffer.flush_interval,
                                     batch_size=buffer.batch_size,
                                     max_buffer_rows=buffer.max_buffer_rows,
                                     when_full=buffer.when_full or "drop").open()
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
                               f"{Path(self.dash_root).expanduser() / self.prefix}")

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
            try:
                self._events.add(event, now, detail)
            except MlDashRosError as err:   # a full buffer or disk: the episode still closes
                print(f"recorder: event {event!r} not recorded in {self.prefix}: {err}",
                      file=sys.stderr, flush=True)

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
        self._close_previous()
        previous = self._detach_episode("time_jump")
        self.metadata.next_episode()
        self._start_episode("time_jump")
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
        self._close_previous()
        previous = self._detach_episode(reason)
        self.metadata.next_episode()
        self._start_episode(reason)
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
        stats = {**header, "stopped": time.time(), "executor_errors": self.executor_errors,
                 "topics": rows}
        stats["runs"] = earlier_runs(Path(experiment.path) / RECORDER_FILE) + [
            {key: value for key, value in stats.items() if key != "runs"}]
        try:
            write_recorder_json(experiment.path, stats)
        except StoreError as err:     # a full disk: the counts still reach whoever reads stderr
            print(f"recorder: {err}; the counts were:\n{recorder_json_text(stats)}",
                  file=sys.stderr, flush=True)

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
            type_name = recorder.config.type or _single(graph.get(name))
            if type_name is None:
                continue
            self._subscribe(recorder, type_name)

    def _subscribe(self, recorder: TopicRecorder, type_name: str) -> None:
        topic = recorder.config.topic
        try:
            msg_class = import_message_class(type_name)
        except MlDashRosError as err:
            self._skipped[topic] = str(err)
            self.get_logger().error(f"{topic}: not recorded: {err}")
            return
        if recorder.config.qos is not None:
            profile, note = qos_rules.configured_profile(recorder.config.qos), ""
        else:
            offered = [info.qos_profile for info in self.get_publishers_info_by_topic(topic)]
            profile, note = qos_rules.adapted_profile(offered, latched=recorder.latched)
        recorder.type_name, recorder.qos = type_name, qos_rules.describe(profile)
        on_message = recorder.on_message
        if topic == DIAGNOSTICS:     # never the recorder's own status (its name as frame_id)
            on_message = _not_from(self.get_fully_qualified_name(), on_message)
        recorder.subscribe(
            lambda events: self.create_subscription(
                msg_class, topic, _draining(recorder, on_message), profile,
                event_callbacks=events),
            incompatible_qos=lambda event: self._on_incompatible_qos(recorder, event))
        if note:
            self.get_logger().warning(f"{topic}: QoS {note}")
        self.get_logger().info(f"{topic} [{type_name}] -> {recorder.config.track} "
                               f"({recorder.qos})")

    def _on_incompatible_qos(self, recorder: TopicRecorder, event) -> None:
        if not recorder.qos_incompatible:
            self.get_logger().warning(
                f"{recorder.config.topic}: a publisher offers incompatible QoS "
                f"({event.last_policy_kind.name}); its messages cannot be received. "
                f"Subscribed with {recorder.qos}: change the topic's qos in the mapping")
        recorder.qos_incompatible = event.total_count

    # -- status ------------------------------------------------------------------------------
    def status_rows(self, experiment: Experiment | None = None) -> dict[str, dict[str, Any]]:
        """Return per-topic counts: received, written, dropped, lost, gaps, rate, problems."""
        experiment = experiment or self.experiment
        now = time.monotonic()
        period = max(now - self._last_status, 1e-6)
        rows = {}
        for topic, recorder in self.recorders.items():
            builders = [experiment.tracks(track) for track in sorted(recorder.tracks)]
            problems = recorder.problems()
            first_error = problems.pop("first_error", None) or recorder.first_append_error
            counts, loss = recorder.counts, recorder.loss()
            store_error = next((b.store_error for b in builders if b.store_error), None)
            rows[topic] = TopicStats(
                type=recorder.type_name, qos=recorder.qos,
                qos_incompatible=recorder.qos_incompatible,
                subscribed=recorder.subscription is not None, received=counts.received,
                entries=counts.entries, paused=counts.paused,
                append_errors=counts.append_errors,
                to_previous_episode=counts.to_previous_episode, buffer_full=counts.buffer_full,
                lost=loss["lost"], stamp_gaps=loss["stamp_gaps"],
                stamp_gap_missing=loss["stamp_gap_missing"],
                written=sum(b.written_rows for b in builders),
                buffered=sum(b.buffered_rows for b in builders),
                rate=(counts.received - self._last_received.get(topic, 0)) / period,
                tracks=tuple(sorted(recorder.tracks)), problems=tuple(problems.items()),
                first_error=first_error or None, skipped=self._skipped.get(topic),
                store_error=None if store_error is None else str(store_error)).as_dict()
        return rows

    def _publish_status(self) -> None:
        self._close_previous(wait=False)
        rows = self.status_rows()
        self._last_status = time.monotonic()
        self._last_received = {topic: row["received"] for topic, row in rows.items()}
        status = diagnostics(self.get_clock().now().to_msg(), rows)
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

    # -- services ----------------------------------------------------------------------------
    def _srv_flush(self, request, response):
        self.experiment.tracks.flush()
        response.success, response.message = True, f"flushed {self.prefix}"
        return response

    def _srv_pause(self, request, response):
        return self._set_paused(True, response)

    def _srv_resume(self, request, response):
        return self._set_paused(False, response)

    def _set_paused(self, paused: bool, response):
        for recorder in self.recorders.values():
            recorder.paused = paused
        self._event("pause" if paused else "resume")
        response.success = True
        response.message = f"{'paused' if paused else 'recording'} {self.prefix}"
        self.get_logger().info(response.message)
        return response

    def _srv_new_episode(self, request, response):
        self._event("new_episode")
        self.close_episode()
        self.metadata.next_episode()
        self._start_episode("new_episode")
        response.success, response.message = True, self.prefix
        return response


# Messages taken per callback at most, so timers and services still get their turn.
DRAIN_LIMIT = 1000
DIAGNOSTICS = "/diagnostics"


def _not_from(source: str, on_message: Callable[[Any], None]) -> Callable[[Any], None]:
    """Return ``on_message`` for diagnostics arrays not published by node ``source``."""
    def callback(msg) -> None:
        if msg.header.frame_id != source:
            on_message(msg)
    return callback


def _draining(recorder: TopicRecorder, on_message: Callable[[Any], None]):
    """Return a callback that handles its message and then every message already queued.

    rclpy's executor takes one message per wait cycle, which caps a subscription near 5k msg/s
    here; taking the queued ones in the same callback (as rclpy's executor does, under the
    handle's lock) removes that per-message overhead (benchmarks/RESULTS.md).
    """
    def callback(msg) -> None:
        on_message(msg)
        subscription = recorder.subscription
        handle, msg_type = subscription.handle, subscription.msg_type
        for _ in range(DRAIN_LIMIT):
            with handle:
                taken = handle.take_message(msg_type, False)
            if taken is None:
                return
            on_message(taken[0])
    return callback


def _single(types: list[str] | None) -> str | None:
    """Return the one type a topic has on the graph (None when absent or ambiguous)."""
    return types[0] if types and len(types) == 1 else None
