"""Import a rosbag2 recording (sqlite3 or MCAP directory, or a bare ``.mcap`` / ``.db3``).

Messages go through what the live recorder uses: the mapping YAML, ``TopicPipeline``
(converters, stamp policy, field renaming, ``_recv_ts``, track templates, on_change) and the
Track API, with the bag's log time as receive time, so a bag and a live run of the same
messages give the same tracks. ``/tf_static`` is a topic like any other here: when the
mapping lists it, its transforms are written into the recording.

Speed: rows are queued per track as value tuples and handed over 2000 at a time
(``TrackBuilder.append_rows``, same result as appending them one by one). A topic whose type
has a column converter (JointState) and whose track no other topic can write is converted
2000 messages at a time into numpy columns (``TopicPipeline.columns``); a batch that converter
does not take (an empty array, a zero stamp, changing joint names) goes message by message.
The cyclic GC is paused while streaming. See benchmarks/RESULTS.md.

Bookkeeping: the counts go to ``recorder.json`` in the live node's shape (``topics`` ->
received / entries / written / dropped / tracks / the pipeline's counters: the same
``convert.topic_stats.TopicStats`` record and writer as the node), plus the import's
own keys: ``source: "bag"``, ``bag``, ``storage``, ``messages``, ``seconds``, ``unmapped``
(topic -> messages of bag topics the mapping does not list, not read) and per topic
``undecodable`` (messages whose type has no usable definition, or that fail to deserialize;
they are skipped and also counted in ``dropped``) with ``skipped`` giving the reason.

Types: the bag's own message definitions where present (they describe the data as written),
else the built-in ROS 2 Kilted types of ``rosbags``. ``rosbags.rosbag2.Reader`` is used rather
than ``rosbags.highlevel.AnyReader`` because AnyReader builds its typestore all or nothing: one
missing or mismatching definition refuses the whole bag, and a bag with definitions disables
the built-in types for the topics that lack one. Here each type stands alone.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Union

import pyarrow as pa

from ml_dash_ros.convert.episodes import EventLog, episode_prefix, free_episode
from ml_dash_ros.convert.passes import PREVIOUS, RESET, StampPasses
from ml_dash_ros.convert.pipeline import TopicPipeline
from ml_dash_ros.convert.topic_stats import TopicStats, write_recorder_json
from ml_dash_ros.errors import BagError, MlDashRosError, RecordingExistsError
from ml_dash_ros.mapping import RecordConfig, load_config
from ml_dash_ros.tracks import Experiment
from ml_dash_ros.tools import catalog as store
from ml_dash_ros.tools.bag_reader import (bag_seconds, bag_typestore, message_count,
                                          one_line, open_bag, read_messages, storage_kind)
from ml_dash_ros.tracks.store.formats import gc_paused
from ml_dash_ros.tracks.store.roots import resolve_dash_root
from ml_dash_ros.tracks.store.segments import COMPACT_MIN_ROWS
from ml_dash_ros.video import Cameras
from ml_dash_ros.video.rows import video_entries

__all__ = ["BagError", "ImportReport", "RecordingExistsError", "TopicImport", "bag_typestore",
           "import_bag"]

NODE_NAME = "ml-dash-ros import"
PROGRESS_EVERY = 1000
CHUNK_ROWS = 2000            # rows (or column-converted messages) handed over at once
# Segments are cut by size, not time, and written by the background flusher while the bag
# is decoded. Each holds at least the rows above which the store leaves segments as they are
# (no rewrite at close: compaction was a third of the store's share), and about a sixteenth
# of the bag, so a long bag still gives few files; at most MAX_BATCH_ROWS bounds memory.
MAX_BATCH_ROWS = 262_144
BUFFER_ROWS = 500_000        # at least this many rows buffered in all (memory stays bounded)
FLUSH_SECONDS = 600.0        # a time-based flush only for very slow imports
TS = "_ts"
Progress = Callable[[int, int], None]


@dataclass
class TopicImport:
    """What happened to one mapped topic's messages."""

    type: str = ""
    received: int = 0
    entries: int = 0
    undecodable: int = 0
    append_errors: int = 0
    tracks: set = field(default_factory=set)
    skipped: str = ""
    first_error: str = ""
    to_previous_episode: int = 0    # late messages of the pass before a time jump


@dataclass(slots=True)
class _Chunk:
    """Rows queued for one track: value tuples in the order of ``names``, then `_ts`."""

    names: tuple
    counts: TopicImport
    rows: list


@dataclass(slots=True)
class _Batch:
    """Decoded messages of one topic waiting to be converted in columns."""

    pipeline: TopicPipeline
    counts: TopicImport
    msgs: list
    times: list


@dataclass(frozen=True)
class ImportReport:
    """The result of an import: where it went and the counts stored in recorder.json."""

    bag: str
    prefix: str
    path: Path
    storage: str
    messages: int
    entries: int
    seconds: float
    topics: dict          # topic -> the recorder.json row
    unmapped: dict        # topic -> message count, for bag topics the mapping does not list
    episodes: tuple = ()  # every prefix written, in order (more than one after a time jump)

    @property
    def rate(self) -> float:
        """Return messages imported per second."""
        return self.messages / self.seconds if self.seconds > 0 else 0.0

    @property
    def dropped(self) -> int:
        """Return the messages or entries not recorded, over all topics."""
        return sum(row["dropped"] for row in self.topics.values())


def import_bag(path: Union[str, os.PathLike], config: Union[RecordConfig, str, os.PathLike],
               prefix: Optional[str] = None, *,
               dash_root: Union[str, os.PathLike, None] = None,
               progress: Optional[Progress] = None) -> ImportReport:
    """Import a rosbag2 bag into new episodes ``PREFIX-001``, ... through the mapping.

    Return the counts (``ImportReport.episodes`` lists every episode written).
    """
    if not isinstance(config, RecordConfig):
        config = load_config(config)
    bag = Path(path).expanduser()
    base = prefix or config.experiment.prefix
    prefix = episode_prefix(base, 1)
    dash_root = Path(resolve_dash_root(dash_root, config.experiment.dash_root)).expanduser()
    target = _experiment(prefix, dash_root, config, messages=0)
    if store.is_experiment_dir(target.path):
        raise RecordingExistsError(f"{target.path} already holds a recording; an import only "
                                   "creates new ones: choose another prefix")
    with open_bag(bag) as reader:
        target = _experiment(prefix, dash_root, config, messages=message_count(reader))
        return _Import(bag, reader, config, target, progress, base=base).run()


def _experiment(prefix: str, dash_root: Path, config: RecordConfig, messages: int) -> Experiment:
    """Return the import's Experiment, its segments sized for a bag of ``messages``.

    The mapping's ``buffer`` settings are for live recording; an import keeps only its
    ``max_buffer_rows`` (when larger than BUFFER_ROWS) and cuts segments by size alone.
    """
    batch = min(max(messages // 16, COMPACT_MIN_ROWS), MAX_BATCH_ROWS)
    return Experiment(prefix, dash_root=dash_root, flush_interval=FLUSH_SECONDS,
                      batch_size=batch,
                      max_buffer_rows=max(config.buffer.max_buffer_rows or 0, BUFFER_ROWS,
                                          2 * batch))


class _Import:
    """One import run: plan the connections, stream the messages, write the counts."""

    def __init__(self, bag: Path, reader: Any, config: RecordConfig, exp: Experiment,
                 progress: Optional[Progress], *, base: str) -> None:
        self.bag, self.reader, self.config, self.base = bag, reader, config, base
        self.progress = progress
        self.messages = 0
        self.topics = {t.topic: TopicImport() for t in config.topics}
        self.passes = {t.topic: StampPasses(config.recorder.time_jump_threshold)
                       for t in config.topics}
        self.jumps: list = []      # stamps that jumped back (a sim reset, a looped bag)
        self.previous: Optional[_Closed] = None     # the episode before the last jump
        self.episodes: list = [exp.prefix]
        self._begin_episode(exp)

    def _begin_episode(self, exp: Experiment) -> None:
        """Start writing into ``exp``: fresh counters, pipelines, queues and cameras."""
        self.exp = exp
        self.topics = {name: TopicImport(type=old.type, skipped=old.skipped)
                       for name, old in self.topics.items()}
        self.pipelines = {t.topic: TopicPipeline(t) for t in self.config.topics}
        self.pending: dict = {}    # track -> _Chunk
        self.batches: dict = {}    # topic -> _Batch, for topics converted in columns
        self.cameras: Optional[Cameras] = Cameras(exp.files("video").directory, block=True)
        self.sinks: dict = {}      # topic -> CameraSink, for image topics (video)
        self.started = time.time()

    def run(self) -> ImportReport:
        connections = list(self.reader.connections)
        typestore, problems = bag_typestore(connections)
        wanted = self._plan(connections, problems)
        total = sum(c.msgcount for c in wanted)
        clock = time.perf_counter()
        self.exp.open()
        self._opened(self.reader.start_time * 1e-9, "bag")
        try:
            with gc_paused():  # millions of small acyclic objects: collection passes cost 6 %
                self._stream(wanted, typestore, total)
            self._close_cameras()
            self.exp.tracks.flush()
        except BaseException as err:
            try:
                self._drain()  # keep what was read before the failure
                self._close_cameras()
            finally:
                self._finish(time.perf_counter() - clock, "failed", one_line(err))
            raise
        return self._finish(time.perf_counter() - clock, "completed", None)

    def _opened(self, ts: float, reason: str) -> None:
        """Give the episode just opened the mapping's params and its start event."""
        if self.config.params:
            self.exp.params.set(**self.config.params)
        self.events = EventLog(self.exp)
        self.events.add("start", ts, reason)

    def _plan(self, connections: list, problems: dict) -> list:
        """Return the connections to read; note skipped types and unmapped topics."""
        self.unmapped: Counter = Counter()
        self.skip: dict = {}
        wanted = []
        for conn in connections:
            topic = self.topics.get(conn.topic)
            if topic is None:
                self.unmapped[conn.topic] += conn.msgcount
                continue
            topic.type = ", ".join(sorted(set(filter(None, topic.type.split(", ")))
                                          | {conn.msgtype}))
            declared = self.pipelines[conn.topic].config.type
            reason = problems.get(conn.msgtype)
            if declared and declared != conn.msgtype:
                reason = f"type {conn.msgtype} in the bag, the mapping says {declared}"
            if reason:
                self.skip[conn.id] = reason
                topic.skipped = topic.skipped or f"{conn.msgtype}: {reason}"
            wanted.append(conn)
        return wanted

    def _stream(self, wanted: list, typestore: Any, total: int) -> None:
        """Deserialize, convert and queue every message of the wanted connections."""
        deserialize = typestore.deserialize_cdr
        routes = self._routes(wanted)
        episode = self.exp
        passes, jumps_split = self.passes, self.config.recorder.on_time_jump == "new_episode"
        queue = self._queue
        progress, done = self.progress, 0
        if progress is not None:
            progress(0, total)
        for conn, stamp, raw in read_messages(self.reader, wanted, self.bag):
            done += 1
            if not done % PROGRESS_EVERY:
                self.messages = done
                if progress is not None:
                    progress(done, total)
            counts, entries, msgtype, skipped, batch = routes[conn.id]
            counts.received += 1
            if skipped:
                counts.undecodable += 1
                continue
            try:
                msg = deserialize(raw, msgtype)
            except Exception as err:  # a corrupt message is skipped and counted
                counts.undecodable += 1
                counts.first_error = counts.first_error or f"undecodable: {one_line(err)}"
                continue
            header_ts = _header_stamp(msg)
            if header_ts is not None:
                verdict = passes[conn.topic].classify(header_ts, stamp * 1e-9)
                if verdict == RESET:
                    if jumps_split:
                        counts.received -= 1        # this message opens the next episode
                    self._time_jump(conn.topic, header_ts, stamp * 1e-9, jumps_split)
                    if self.exp is not episode:     # a new episode: new routes and counters
                        episode, routes = self.exp, self._routes(wanted)
                        counts, entries, msgtype, skipped, batch = routes[conn.id]
                        counts.received += 1
                elif verdict == PREVIOUS and self.previous is not None:
                    self.previous.take(self.pipelines[conn.topic], msg, stamp * 1e-9, counts)
                    continue
            if batch is not None:
                batch.msgs.append(msg)
                batch.times.append(stamp * 1e-9)
                if len(batch.msgs) >= CHUNK_ROWS:
                    self._convert_batch(batch)
                continue
            for track, names, values, ts in entries(msg, stamp * 1e-9):
                queue(track, names, values + (ts,), counts)
        self.messages = done
        self._drain()
        if progress is not None:
            progress(done, total)

    def _routes(self, wanted: list) -> dict:
        """Return connection id -> (counts, entries, type, skipped, batch) of this episode."""
        return {c.id: (self.topics[c.topic], self._entries_for(c), c.msgtype,
                       c.id in self.skip, self._batch_for(c)) for c in wanted}

    def _time_jump(self, topic: str, ts: float, log_time: float, split: bool) -> None:
        """Stamps of ``topic`` jumped back: start the next episode (or, told to, go on)."""
        self.jumps.append({"topic": topic, "from": self.passes[topic].latest, "to": ts,
                           "log_time": log_time})
        for passes in self.passes.values():
            passes.new_pass(log_time)
        self.passes[topic].classify(ts, log_time)     # the new pass's first stamp
        self.events.add("time_jump", log_time, {key: self.jumps[-1][key]
                                                for key in ("topic", "from", "to")})
        if not split:
            return
        self.events.add("end", log_time, "time_jump")
        self._drain()
        self._close_cameras()
        self.exp.tracks.flush()
        if self.previous is not None:
            self.previous.close()
        self.previous = _Closed(self.exp, self._doc(0.0), self._rows())
        prefix = _next_prefix(self.exp.dash_root, self.base, len(self.episodes))
        self.episodes.append(prefix)
        exp = _experiment(prefix, self.exp.dash_root, self.config, messages=0)
        exp.open()
        self._begin_episode(exp)
        self._opened(log_time, "time_jump")

    def _entries_for(self, conn: Any) -> Callable:
        """Return the topic's ``entries``: images as video frames unless ``video: false``."""
        pipeline = self.pipelines[conn.topic]
        if conn.msgtype.rsplit("/", 1)[-1] not in ("Image", "CompressedImage"):
            return pipeline.entries
        sink = self.sinks.get(conn.topic) or self.cameras.sink(pipeline.config.video)
        if sink is None:
            return pipeline.entries
        self.sinks[conn.topic] = sink
        return video_entries(sink, pipeline.entries)

    def _close_cameras(self) -> None:
        """Finish the camera topics' video; their counts join the pipeline's counters."""
        cameras, self.cameras = self.cameras, None
        if cameras is None:
            return
        cameras.close()
        for topic, sink in self.sinks.items():
            self.pipelines[topic].counts.update(
                {k: v for k, v in sink.counts().items() if isinstance(v, int)})

    def _queue(self, track: str, names: tuple, row: tuple, counts: TopicImport) -> None:
        """Queue one row; a chunk is a run of same-shaped rows from one topic (keeps order)."""
        chunk = self.pending.get(track)
        if chunk is None or chunk.names is not names or chunk.counts is not counts:
            if chunk is not None:
                self._append(track)
            chunk = self.pending[track] = _Chunk(names, counts, [])
        rows = chunk.rows
        rows.append(row)
        if len(rows) >= CHUNK_ROWS:
            self._append(track)

    def _batch_for(self, conn: Any) -> Optional["_Batch"]:
        """Return the message queue of a topic converted in columns, or None.

        Only for a type with a column converter, a track without a template that no other
        mapped topic can write to (so no other rows need to interleave with its rows).
        """
        pipeline = self.pipelines[conn.topic]
        if conn.id in self.skip or not pipeline.batchable(conn.msgtype):
            return None
        track = pipeline.config.track
        for other in self.pipelines.values():
            head = other.config.track.split("{", 1)[0]
            if other is not pipeline and (other.config.track == track or (
                    "{" in other.config.track and track.startswith(head))):
                return None
        batch = self.batches.get(conn.topic)
        if batch is None:
            batch = self.batches[conn.topic] = _Batch(pipeline, self.topics[conn.topic], [], [])
        return batch

    def _convert_batch(self, batch: "_Batch") -> None:
        """Convert a topic's queued messages in columns (or one by one) and hand them over."""
        msgs, times = batch.msgs, batch.times
        batch.msgs, batch.times = [], []
        counts = batch.counts
        result = batch.pipeline.columns(msgs, times)
        if result is not None:
            track, names, cols, ts = result
            if track in self.pending:
                self._append(track)  # rows queued before these go first
            columns = {TS: ts}
            for name, col in zip(names, cols):
                columns[name] = pa.array(col) if isinstance(col, list) else col
            try:
                self.exp.tracks(track).append_batch(columns)
            except MlDashRosError:
                pass  # all or none: one by one below counts only the bad rows
            else:
                counts.entries += len(msgs)
                counts.tracks.add(track)
                return
        for msg, receive_time in zip(msgs, times):
            for track, names, values, ts in batch.pipeline.entries(msg, receive_time):
                self._queue(track, names, values + (ts,), counts)

    def _append(self, track: str) -> None:
        """Hand a track's queued rows to the Track API (as the live node's appends would)."""
        chunk = self.pending.pop(track)
        counts, builder = chunk.counts, self.exp.tracks(track)
        try:
            builder.append_rows(chunk.names + (TS,), chunk.rows)
        except MlDashRosError:  # all or none: retry row by row to count only the bad ones
            for row in chunk.rows:
                fields = dict(zip(chunk.names, row))
                try:
                    builder.append(_ts=row[-1], **fields)
                except MlDashRosError as err:  # as the live node: count, keep going
                    counts.append_errors += 1
                    counts.first_error = counts.first_error or f"{track}: {one_line(err)}"
                    continue
                counts.entries += 1
                counts.tracks.add(track)
            return
        counts.entries += len(chunk.rows)
        counts.tracks.add(track)

    def _drain(self) -> None:
        """Append every queued message and row."""
        for batch in self.batches.values():
            if batch.msgs:
                self._convert_batch(batch)
        for track in list(self.pending):
            self._append(track)

    def _finish(self, seconds: float, status: str, error: Optional[str]) -> ImportReport:
        try:
            if self.previous is not None:
                self.previous.close()
            try:
                self.events.add("end", self.reader.end_time * 1e-9, status)
            finally:    # a store fault refusing the event still closes the episode
                self.exp.close(status=status, error=error)
        finally:
            rows = self._rows()
            doc = self._doc(seconds)
            doc["topics"] = rows
            self.exp.path.mkdir(parents=True, exist_ok=True)
            write_recorder_json(self.exp.path, doc)
        first = Experiment(self.episodes[0], dash_root=self.exp.dash_root)
        return ImportReport(str(self.bag), first.prefix, first.path, doc["storage"],
                            self.messages, sum(t.entries for t in self.topics.values()),
                            seconds, rows, doc["unmapped"], tuple(self.episodes))

    def _doc(self, seconds: float) -> dict:
        """Return this episode's recorder.json without its topic rows."""
        return {"node": NODE_NAME, "source": "bag", "bag": str(self.bag),
                "storage": storage_kind(self.bag), "config": self.config.source,
                "prefix": self.exp.prefix, "episode": len(self.episodes),
                "started": self.started, "stopped": time.time(), "messages": self.messages,
                "seconds": seconds, "time_jumps": list(self.jumps),
                "unmapped": dict(sorted(self.unmapped.items()))}

    def _rows(self) -> dict:
        """Return per-topic rows in the live recorder's recorder.json shape."""
        duration = bag_seconds(self.reader)
        rows = {}
        for topic, counts in self.topics.items():
            pipeline = self.pipelines[topic]
            rows[topic] = TopicStats(
                type=counts.type, qos="", qos_incompatible=0, subscribed=bool(counts.type),
                received=counts.received, entries=counts.entries, paused=0,
                append_errors=counts.append_errors,
                written=sum(self.exp.tracks(t).written_rows for t in counts.tracks),
                buffered=0, rate=counts.received / duration if duration > 0 else 0.0,
                tracks=tuple(sorted(counts.tracks)),
                problems=tuple(pipeline.counts.items()), undecodable=counts.undecodable,
                first_error=pipeline.first_error or counts.first_error or None,
                skipped=counts.skipped or (None if counts.type else "not in the bag"),
            ).as_dict()
        return rows


class _Closed:
    """The episode before a time jump: open a while longer for late messages of its pass."""

    def __init__(self, exp: Experiment, doc: dict, rows: dict) -> None:
        """Keep the experiment, its recorder.json document and its topic rows."""
        self.exp, self.doc, self.rows = exp, doc, rows
        self.late = Counter()

    def take(self, pipeline: TopicPipeline, msg: Any, log_time: float,
             counts: TopicImport) -> None:
        """Append a late message of this episode's pass (counted in the new episode too)."""
        counts.to_previous_episode += 1
        self.late[pipeline.config.topic] += 1
        for track, names, values, ts in pipeline.entries(msg, log_time):
            try:
                self.exp.tracks(track).append(_ts=ts, **dict(zip(names, values)))
            except MlDashRosError as err:
                counts.first_error = counts.first_error or f"{track}: {one_line(err)}"

    def close(self) -> None:
        """Close the episode and write its recorder.json (late messages counted)."""
        self.exp.close()
        for topic, n in self.late.items():
            self.rows[topic]["late_messages"] = n
        write_recorder_json(self.exp.path, {**self.doc, "topics": self.rows})


def _header_stamp(msg: Any) -> Optional[float]:
    """Return a message's non-zero header stamp in seconds, None without one."""
    stamp = getattr(getattr(msg, "header", None), "stamp", None)
    if stamp is None:
        return None
    seconds = stamp.sec + stamp.nanosec * 1e-9
    return seconds or None


def _next_prefix(dash_root: Path, base: str, taken: int) -> str:
    """Return the next free episode prefix of ``base`` after the ``taken`` first ones."""
    return episode_prefix(base, free_episode(
        base, taken + 1,
        lambda prefix: store.is_experiment_dir(Experiment(prefix, dash_root=dash_root).path)))
