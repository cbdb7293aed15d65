"""Stamps for people: parse ``--start`` / ``--end`` text and print ``_ts`` values readably.

Parsing (``parse_time``), one rule per form, never guessed from the size of a number:

- ``+S`` (``+10``, ``+2.5``): S seconds after the recording's start;
- a plain number (``1764064800.25``, ``12``): an absolute ``_ts`` in seconds;
- an ISO 8601 datetime (``2026-11-25T10:00:00Z``, ``2026-11-25 10:00:00.5+01:00``): an
  absolute time; without a zone it is UTC.

Printing (``format_stamp``): a stamp at or after ``EPOCH_FROM`` (1973-03-03, far beyond any
simulation clock) is wall-clock time and prints as ISO 8601 UTC with milliseconds
(``2026-11-25T10:00:00.250Z``); a smaller one (simulation or bag time) prints as seconds
(``12.500``).
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone

EPOCH_FROM = 1e8
_RELATIVE = re.compile(r"^\+\s*(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$", re.IGNORECASE)
_FORMS = "'+S' (seconds after the start), seconds, or an ISO datetime like 2026-11-25T10:00:00Z"


def format_stamp(ts: float | None) -> str:
    """Return a stamp as ISO 8601 UTC (wall-clock stamps) or as seconds; '-' for None."""
    if ts is None:
        return "-"
    if not math.isfinite(ts):
        return str(ts)
    if ts < EPOCH_FROM:
        return f"{ts:.3f}"
    moment = datetime.fromtimestamp(round(ts, 3), tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def format_range(start: float | None, end: float | None) -> str:
    """Return 'START .. END (D s)' in readable stamps; 'no rows' when empty."""
    if start is None or end is None:
        return "no rows"
    return f"{format_stamp(start)} .. {format_stamp(end)} ({end - start:.3f} s)"


def parse_time(text: str, start_ts: float | None = None) -> float:
    """Return the ``_ts`` a ``--start`` / ``--end`` text means; ValueError names the text."""
    value = text.strip()
    if value.startswith("+"):
        if not _RELATIVE.match(value):
            raise ValueError(f"time {text!r}: expected {_FORMS}")
        if start_ts is None:
            raise ValueError(f"time {text!r} is relative to the recording's start, but the "
                             "recording has no rows")
        return start_ts + float(value[1:])
    try:
        number = float(value)
    except ValueError:
        return _parse_iso(text, value)
    if not math.isfinite(number):
        raise ValueError(f"time {text!r}: expected a finite number; {_FORMS}")
    return number


def _parse_iso(text: str, value: str) -> float:
    iso = value[:-1] + "+00:00" if value[-1:] in ("Z", "z") else value
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        raise ValueError(f"time {text!r}: expected {_FORMS}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()
