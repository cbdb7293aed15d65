"""Where align's rows are: a fixed-rate grid, or one track's own stamps, over a time range.

By default the range is the *common* range of the tracks (latest first sample to earliest
last sample), so every tick lies inside every track; ``start`` / ``end`` replace it. Static
tracks (rows only at ``_ts`` 0, "valid at all times") take no part in it.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ml_dash_ros.tracks.api.times import format_stamp
from ml_dash_ros.tracks.store import schema

MAX_TICKS = 100_000_000
SLACK = 1e-9                # rounding slack of a tick count and of a tolerance, in seconds
STATIC_TS = 0.0             # the stamp of a "valid at all times" row (ml_dash_ros.convert.stamps)


def is_static(info: dict) -> bool:
    """Tell whether a track summary is of a static track: rows only at ``_ts`` 0.

    The recorder keeps a zero-stamped transform of a latched topic (``/tf_static``) at
    ``_ts = 0.0``, meaning "valid at all times"; align repeats such a track on every tick.
    """
    return bool(info["count"]) and info["start_ts"] == info["end_ts"] == STATIC_TS


def common_range(ranges: dict, start: Optional[float] = None,
                 end: Optional[float] = None) -> tuple[float, float]:
    """Return (first, last) of ``{track: summary}``: their common range unless given."""
    for track, info in ranges.items():
        if not info["count"]:
            raise ValueError(f"align: track {track!r} has no rows")
    first = max(info["start_ts"] for info in ranges.values()) if start is None else start
    last = min(info["end_ts"] for info in ranges.values()) if end is None else end
    if last < first:
        if start is not None or end is not None:
            raise ValueError(f"align: start {format_stamp(first)} is after end "
                             f"{format_stamp(last)}; the tracks have no time in common there")
        late = max(ranges, key=lambda t: ranges[t]["start_ts"])
        early = min(ranges, key=lambda t: ranges[t]["end_ts"])
        raise ValueError(
            f"align: the tracks have no time in common: {late!r} starts at "
            f"{format_stamp(first)}, {first - last:.3f} s after {early!r} ends at "
            f"{format_stamp(last)}; pass start and end to choose a range")
    return first, last


def tick_times(ranges: dict, hz: float, start: Optional[float] = None,
               end: Optional[float] = None) -> np.ndarray:
    """Return the ticks ``start + k / hz`` over the common range of ``{track: summary}``."""
    first, last = common_range(ranges, start, end)
    count = int(np.floor((last - first) * hz + SLACK)) + 1
    if count > MAX_TICKS:
        raise ValueError(f"align: {count} ticks is too many; lower hz or narrow the range")
    return first + np.arange(count, dtype=np.float64) / hz


def track_ticks(manager: Any, track: str, ranges: dict, start: Optional[float] = None,
                end: Optional[float] = None) -> np.ndarray:
    """Return the ``_ts`` of ``track`` (a TracksManager's) within the range as the ticks.

    The range is the common range of ``ranges`` (the timed tracks aligned) and ``track``,
    unless ``start`` / ``end`` are given.
    """
    info = manager(track).summary()             # an unknown track raises TrackNotFoundError
    if not info["count"]:
        raise ValueError(f"align: the ticks track {track!r} has no rows")
    if is_static(info):
        raise ValueError(f"align: the ticks track {track!r} is static (rows only at _ts 0, "
                         "valid at all times); it has no stamps to tick on")
    first, last = common_range({**ranges, track: info}, start, end)
    stamps = manager(track).read(first, last, columns=[schema.TS], format="arrow")
    if stamps.num_rows == 0:
        raise ValueError(f"align: the ticks track {track!r} has no row between "
                         f"{format_stamp(first)} and {format_stamp(last)}")
    return stamps.column(schema.TS).to_numpy().astype(np.float64)
