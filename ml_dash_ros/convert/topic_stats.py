"""One topic's counts in a recording, the same for the live node and the bag import.

A ``TopicStats`` record is the per-topic row of ``recorder.json`` (and of the node's
``/diagnostics`` and log line), turned into a dict only at that edge (``as_dict``). The rule
for ``dropped`` lives here, once: entries or messages that reached the recorder and were not
recorded (the store refused them, the buffer was full, the bag could not decode them, the
pipeline found no stamp, an error or a missing template key, or a camera frame did not reach
its video). ``write_recorder_json`` writes
the file, atomically, for both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from ml_dash_ros.tracks.store.contract import RECORDER_FILE, write_json

# Pipeline counters (``TopicPipeline.counts``) whose entries are not written, and the camera
# counters of frames the video does not hold (``video.CameraSink.counts``).
DROPPING_PROBLEMS = ("no_stamp", "errors", "missing_key", "video_refused", "video_invalid",
                     "video_errors", "video_late")


def pipeline_dropped(problems: Mapping[str, Any]) -> int:
    """Return the entries a pipeline did not write, from its counters."""
    return sum(count for kind, count in problems.items() if kind in DROPPING_PROBLEMS)


@dataclass(frozen=True)
class TopicStats:
    """What happened to one topic's messages; None marks a count its source does not keep.

    The live node keeps ``to_previous_episode``, ``buffer_full``, ``lost`` and the stamp gaps;
    a bag import keeps ``undecodable``. ``problems`` are the pipeline's counters, in order.
    """

    type: str
    qos: str
    qos_incompatible: int
    subscribed: bool
    received: int
    entries: int
    paused: int
    append_errors: int
    written: int
    buffered: int
    rate: float
    tracks: tuple[str, ...]
    problems: tuple[tuple[str, Any], ...] = ()
    to_previous_episode: int | None = None
    buffer_full: int | None = None
    lost: int | str | None = None          # "not supported" where the middleware cannot tell
    stamp_gaps: int | None = None
    stamp_gap_missing: int | None = None
    undecodable: int | None = None
    first_error: str | None = None
    skipped: str | None = None
    store_error: str | None = None

    @property
    def dropped(self) -> int:
        """Return the messages or entries that reached the recorder and were not recorded."""
        return (self.append_errors + (self.buffer_full or 0) + (self.undecodable or 0)
                + pipeline_dropped(dict(self.problems)))

    def as_dict(self) -> dict[str, Any]:
        """Return the ``recorder.json`` row: counts this source keeps, then the problems."""
        row = {"type": self.type, "qos": self.qos, "qos_incompatible": self.qos_incompatible,
               "subscribed": self.subscribed, "received": self.received,
               "entries": self.entries, "paused": self.paused,
               "append_errors": self.append_errors}
        _put(row, "to_previous_episode", self.to_previous_episode)
        _put(row, "buffer_full", self.buffer_full)
        _put(row, "lost", self.lost)
        _put(row, "stamp_gaps", self.stamp_gaps)
        _put(row, "stamp_gap_missing", self.stamp_gap_missing)
        row.update(written=self.written, buffered=self.buffered, dropped=self.dropped,
                   rate=self.rate, tracks=list(self.tracks))
        row.update(self.problems)
        _put(row, "undecodable", self.undecodable)
        _put(row, "first_error", self.first_error)
        _put(row, "skipped", self.skipped)
        _put(row, "store_error", self.store_error)
        return row


def _put(row: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        row[key] = value


def recorder_json_text(doc: Mapping[str, Any]) -> str:
    """Return the text ``write_recorder_json`` writes for ``doc`` (keys sorted)."""
    return json.dumps(doc, indent=2, sort_keys=True, default=str)


def write_recorder_json(directory: Path | str, doc: Mapping[str, Any]) -> Path:
    """Write ``doc`` as ``recorder.json`` in a recording's directory, atomically; return it.

    Raises StoreError (naming the file and the errno) when it cannot be written.
    """
    path = Path(directory) / RECORDER_FILE
    write_json(path, doc, sort_keys=True, default=str)
    return path
