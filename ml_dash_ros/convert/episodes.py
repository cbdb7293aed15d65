"""What makes a recording's episodes: their names and their events track.

A recording under the base prefix ``PREFIX`` writes its episodes to ``PREFIX-001``,
``PREFIX-002``, ... (the first numbered like the rest), for the live recorder and the bag
import alike. Each episode has a track ``_events``: one row per event (``event``, ``detail``)
at the recording's clock, so a reader sees where it started, paused, resumed, jumped back in
time, took new metadata and ended.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any, Callable

from ml_dash_ros.errors import MlDashRosError
from ml_dash_ros.tracks import Experiment
from ml_dash_ros.tracks.store.contract import EVENTS_TRACK, episode_prefix

__all__ = ["EVENTS_TRACK", "EVENT_KINDS", "EventLog", "episode_prefix", "event_detail",
           "free_episode"]
EVENT_KINDS = ("start", "pause", "resume", "new_episode", "end", "time_jump", "metadata")


def free_episode(base: str, number: int, taken: Callable[[str], bool]) -> int:
    """Return the first episode number from ``number`` whose prefix is not ``taken``."""
    while taken(episode_prefix(base, number)):
        number += 1
    return number


def event_detail(value: Any) -> str:
    """Return an event's detail as text (JSON for anything but a string)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, default=str)


class EventLog:
    """Write one episode's events; their stamps strictly increase, so no two rows merge."""

    def __init__(self, experiment: Experiment) -> None:
        """Write into ``experiment`` (open)."""
        self._builder = experiment.tracks(EVENTS_TRACK)
        self._last = -math.inf

    def add(self, event: str, ts: float, detail: Any = "") -> float:
        """Append ``event`` at ``ts`` (nudged past the previous event); return the stamp."""
        if event not in EVENT_KINDS:
            raise ValueError(f"{EVENTS_TRACK}: unknown event {event!r}; expected one of "
                             f"{', '.join(EVENT_KINDS)}")
        ts = float(ts)
        if not ts > self._last:
            ts = math.nextafter(self._last, math.inf)
        self._last = ts
        self._builder.append(_ts=ts, event=event, detail=event_detail(detail))
        return ts

    def add_or_report(self, event: str, ts: float, detail: Any = "") -> None:
        """Append ``event``; a store that refuses it (a full buffer or disk) is reported on
        stderr, so that the episode still closes."""
        try:
            self.add(event, ts, detail)
        except MlDashRosError as err:
            print(f"recorder: event {event!r} not recorded: {err}", file=sys.stderr, flush=True)
