"""``--start`` / ``--end`` of read, plot and align: parse them, and say when they miss the data.

``+S`` is S seconds after the recording's start (the earliest first stamp of its tracks,
static ones left out), a plain number an absolute ``_ts``, an ISO datetime an absolute time
(see ``ml_dash_ros.tracks.api.times``).
"""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

from ml_dash_ros.errors import NotFoundError
from ml_dash_ros.tools import catalog as store
from ml_dash_ros.tracks.api import times
from ml_dash_ros.tracks import Experiment

_HELP = ("{} _ts (inclusive): +S seconds after the recording's start, absolute seconds, or an "
         "ISO datetime such as 2026-11-25T10:00:00Z")
_HINT = "write +S for S seconds after the recording's start, e.g. --start +10 --end +12"


def add_range(parser: argparse.ArgumentParser) -> None:
    """Add --start and --end (inclusive) taking the forms ``times.parse_time`` reads."""
    parser.add_argument("--start", metavar="TIME", help=_HELP.format("first"))
    parser.add_argument("--end", metavar="TIME", help=_HELP.format("last"))


def resolve_range(exp: Experiment, start: Optional[str], end: Optional[str],
                  tracks: Optional[Sequence[str]] = None) -> tuple:
    """Return (start, end) as ``_ts`` floats (None stays None); ``+S`` counts from the start."""
    origin = None
    if any(text is not None and text.strip().startswith("+") for text in (start, end)):
        origin = store.recording_range(exp)[0]
    lo = None if start is None else times.parse_time(start, origin)
    hi = None if end is None else times.parse_time(end, origin)
    if lo is not None and hi is not None and hi < lo:
        raise ValueError(f"--end {end} ({times.format_stamp(hi)}) is before --start {start} "
                         f"({times.format_stamp(lo)})")
    return lo, hi


def missed_message(exp: Experiment, track: str, start: Optional[float],
                   end: Optional[float]) -> Optional[str]:
    """Return why [start, end] selects no rows of a track lying elsewhere, or None."""
    info = store.track_range(exp, track)
    first, last = info["start_ts"], info["end_ts"]
    if not info["count"] or first == last == 0.0:  # empty or static: any window is fine
        return None
    if (start is None or start <= last) and (end is None or end >= first):
        return None
    window = f"{_bound(start, 'the start')} .. {_bound(end, 'the end')}"
    return (f"the range {window} selects no rows of track {track!r}, which spans "
            f"{times.format_range(first, last)}; {_HINT}")


def warn_if_missed(exp: Experiment, tracks: Sequence[str], start: Optional[float],
                   end: Optional[float]) -> None:
    """Print a warning on stderr for each track whose rows all lie outside [start, end]."""
    if start is None and end is None:
        return
    for track in tracks:
        message = missed_message(exp, track, start, end)
        if message:
            print(f"ml-dash-ros: warning: {message}", file=sys.stderr)


def require_rows(exp: Experiment, track: str, start: Optional[float],
                 end: Optional[float]) -> None:
    """Raise NotFoundError, with the track's range, when [start, end] misses the track."""
    message = None if start is None and end is None else missed_message(exp, track, start, end)
    if message:
        raise NotFoundError(message)


def _bound(value: Optional[float], open_end: str) -> str:
    return open_end if value is None else times.format_stamp(value)
