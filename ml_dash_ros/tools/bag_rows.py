"""Rows of one imported episode on their way to the Track API.

Rows are queued per track as value tuples and handed over ``CHUNK_ROWS`` at a time
(``TrackBuilder.append_rows``, the same result as appending them one by one); a chunk is a run
of same-shaped rows of one topic, so the order of rows is kept. A topic whose type has a
column converter (JointState) and whose track no other topic can write is queued as messages
and converted ``CHUNK_ROWS`` at a time into numpy columns (``TopicPipeline.columns``); a
batch that converter does not take goes message by message. A store fault refuses a chunk
all or none: it is then appended row by row, so only the bad rows are counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import pyarrow as pa

from ml_dash_ros.convert.pipeline import TopicPipeline
from ml_dash_ros.errors import MlDashRosError
from ml_dash_ros.tools.bag_reader import one_line
from ml_dash_ros.tracks import Experiment

CHUNK_ROWS = 2000            # rows (or column-converted messages) handed over at once
TS = "_ts"


@dataclass(slots=True)
class _Chunk:
    """Rows queued for one track: value tuples in the order of ``names``, then `_ts`."""

    names: tuple
    counts: Any          # the topic's TopicImport
    rows: list


@dataclass(slots=True)
class _Batch:
    """Decoded messages of one topic waiting to be converted in columns."""

    pipeline: TopicPipeline
    counts: Any          # the topic's TopicImport
    msgs: list
    times: list


class RowQueue:
    """The queued rows and column batches of one episode (``exp``)."""

    def __init__(self, exp: Experiment, pipelines: dict, topics: dict) -> None:
        """Queue for ``exp``; ``pipelines`` and ``topics`` (counts) are keyed by topic."""
        self.exp, self.pipelines, self.topics = exp, pipelines, topics
        self.pending: dict = {}    # track -> _Chunk
        self.batches: dict = {}    # topic -> _Batch, for topics converted in columns

    def queue(self, track: str, names: tuple, row: tuple, counts: Any) -> None:
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

    def batch_for(self, conn: Any, skipped: bool) -> Optional["_Batch"]:
        """Return the message queue of a topic converted in columns, or None.

        Only for a type with a column converter, a track without a template that no other
        mapped topic can write to (so no other rows need to interleave with its rows).
        """
        pipeline = self.pipelines[conn.topic]
        if skipped or not pipeline.batchable(conn.msgtype):
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

    def convert(self, batch: "_Batch") -> None:
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
                self.queue(track, names, values + (ts,), counts)

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

    def drain(self) -> None:
        """Append every queued message and row."""
        for batch in self.batches.values():
            if batch.msgs:
                self.convert(batch)
        for track in list(self.pending):
            self._append(track)
