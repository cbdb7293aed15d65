"""Import a rosbag2 recording (sqlite3 or MCAP directory, or a bare ``.mcap`` / ``.db3``).

Messages go through what the live recorder uses: the mapping YAML, ``TopicPipeline``
(converters, stamp policy, field renaming, ``_recv_ts``, track templates, on_change) and the
Track API, with the bag's log time as receive time, so a bag and a live run of the same
messages give the same tracks. ``/tf_static`` is a topic like any other here: when the
mapping lists it, its transforms are written into the recording.

Speed: rows reach the store in chunks and JointState in numpy columns (``bag_rows``); the
cyclic GC is paused while streaming. See benchmarks/RESULTS.md.

Counts: ``recorder.json`` in the live node's shape, plus the import's own keys
(``bag_report``). Types: the bag's own definitions first (``bag_reader``).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Optional, Union

from ml_dash_ros.convert.episodes import EventLog, episode_prefix, free_episode
from ml_dash_ros.convert.passes import PREVIOUS, RESET, StampPasses
from ml_dash_ros.convert.pipeline import TopicPipeline
from ml_dash_ros.convert.topic_stats import write_recorder_json
from ml_dash_ros.errors import BagError, RecordingExistsError
from ml_dash_ros.mapping import RecordConfig, load_config
from ml_dash_ros.tracks import Experiment
from ml_dash_ros.tools.bag_reader import (bag_seconds, bag_typestore, message_count,
                                          one_line, open_bag, read_messages, storage_kind)
from ml_dash_ros.tools.bag_report import ClosedEpisode, ImportReport, TopicImport, topic_rows
from ml_dash_ros.tools.bag_rows import CHUNK_ROWS, RowQueue
from ml_dash_ros.tracks.store.formats import gc_paused
from ml_dash_ros.tracks.store.prefix_claim import holds_recording
from ml_dash_ros.tracks.store.roots import local_root, resolve_dash_root
from ml_dash_ros.tracks.store import uploader
from ml_dash_ros.tracks.store.segments import COMPACT_MIN_ROWS
from ml_dash_ros.video import Cameras
from ml_dash_ros.video.rows import video_entries

__all__ = ["BagError", "ImportReport", "RecordingExistsError", "TopicImport", "bag_typestore",
           "import_bag"]

NODE_NAME = "ml-dash-ros import"
PROGRESS_EVERY = 1000
# Segments are cut by size, not time, and written by the background flusher while the bag
# is decoded. Each holds at least the rows above which the store leaves segments as they are
# (no rewrite at close: compaction was a third of the store's share), and about a sixteenth
# of the bag, so a long bag still gives few files; at most MAX_BATCH_ROWS bounds memory.
MAX_BATCH_ROWS = 262_144
BUFFER_ROWS = 500_000        # at least this many rows buffered in all (memory stays bounded)
FLUSH_SECONDS = 600.0        # a time-based flush only for very slow imports
Progress = Callable[[int, int], None]


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
    dash_root = local_root(resolve_dash_root(dash_root, config.experiment.dash_root))
    target = _experiment(prefix, dash_root, config, messages=0)
    if holds_recording(target.path):   # here or, for an s3:// root, in the bucket
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
        self.previous: Optional[ClosedEpisode] = None     # the episode before the last jump
        self.episodes: list = [exp.prefix]
        self._begin_episode(exp)

    def _begin_episode(self, exp: Experiment) -> None:
        """Start writing into ``exp``: fresh counters, pipelines, queues and cameras."""
        self.exp = exp
        self.topics = {name: TopicImport(type=old.type, skipped=old.skipped)
                       for name, old in self.topics.items()}
        self.pipelines = {t.topic: TopicPipeline(t) for t in self.config.topics}
        self.rows = RowQueue(exp, self.pipelines, self.topics)
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
                self.rows.drain()  # keep what was read before the failure
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
        queue = self.rows.queue
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
                    if self.exp is not episode:     # a new episode: new routes, counters, rows
                        episode, routes, queue = self.exp, self._routes(wanted), self.rows.queue
                        counts, entries, msgtype, skipped, batch = routes[conn.id]
                        counts.received += 1
                elif verdict == PREVIOUS and self.previous is not None:
                    self.previous.take(self.pipelines[conn.topic], msg, stamp * 1e-9, counts)
                    continue
            if batch is not None:
                batch.msgs.append(msg)
                batch.times.append(stamp * 1e-9)
                if len(batch.msgs) >= CHUNK_ROWS:
                    self.rows.convert(batch)
                continue
            for track, names, values, ts in entries(msg, stamp * 1e-9):
                queue(track, names, values + (ts,), counts)
        self.messages = done
        self.rows.drain()
        if progress is not None:
            progress(done, total)

    def _routes(self, wanted: list) -> dict:
        """Return connection id -> (counts, entries, type, skipped, batch) of this episode."""
        return {c.id: (self.topics[c.topic], self._entries_for(c), c.msgtype, c.id in self.skip,
                       self.rows.batch_for(c, c.id in self.skip)) for c in wanted}

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
        self.rows.drain()
        self._close_cameras()
        self.exp.tracks.flush()
        if self.previous is not None:
            self.previous.close()
        self.previous = ClosedEpisode(self.exp, self._doc(0.0), self._rows())
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
            uploader.settle(self.exp.path)              # an s3:// root: upload it too
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
        return topic_rows(self.topics, self.pipelines, self.exp, bag_seconds(self.reader))


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
        lambda prefix: holds_recording(Experiment(prefix, dash_root=dash_root).path)))
