"""What an import tells: per-topic counts, the recorder.json rows, and the report returned.

Bookkeeping: the counts go to ``recorder.json`` in the live node's shape (``topics`` ->
received / entries / written / dropped / tracks / the pipeline's counters: the same
``convert.topic_stats.TopicStats`` record and writer as the node), plus the import's
own keys: ``source: "bag"``, ``bag``, ``storage``, ``messages``, ``seconds``, ``unmapped``
(topic -> messages of bag topics the mapping does not list, not read) and per topic
``undecodable`` (messages whose type has no usable definition, or that fail to deserialize;
they are skipped and also counted in ``dropped``) with ``skipped`` giving the reason.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ml_dash_ros.convert.pipeline import TopicPipeline
from ml_dash_ros.convert.topic_stats import TopicStats, write_recorder_json
from ml_dash_ros.errors import MlDashRosError
from ml_dash_ros.tools.bag_reader import one_line
from ml_dash_ros.tracks import Experiment


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


def topic_rows(topics: dict, pipelines: dict, exp: Experiment, duration: float) -> dict:
    """Return per-topic rows in the live recorder's recorder.json shape."""
    rows = {}
    for topic, counts in topics.items():
        pipeline = pipelines[topic]
        rows[topic] = TopicStats(
            type=counts.type, qos="", qos_incompatible=0, subscribed=bool(counts.type),
            received=counts.received, entries=counts.entries, paused=0,
            append_errors=counts.append_errors,
            written=sum(exp.tracks(t).written_rows for t in counts.tracks),
            buffered=0, rate=counts.received / duration if duration > 0 else 0.0,
            tracks=tuple(sorted(counts.tracks)),
            problems=tuple(pipeline.counts.items()), undecodable=counts.undecodable,
            first_error=pipeline.first_error or counts.first_error or None,
            skipped=counts.skipped or (None if counts.type else "not in the bag"),
        ).as_dict()
    return rows


class ClosedEpisode:
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
