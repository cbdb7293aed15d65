"""Align several tracks onto one clock: one row per tick, ready for a training loader.

Semantics (also in the README):

- **Ticks** ``_ts = start + k / hz`` for k = 0, 1, ... while ``_ts <= end``, or with
  ``ticks=TRACK`` that track's own stamps within the range (a camera's frames: one row per
  frame). By default ``start``/``end`` is the *common* range of the tracks (latest first
  sample, earliest last sample), so every tick lies inside every track; pass
  ``start``/``end`` to widen or narrow it (``tracks.api.ticks``).
- **asof**: the last sample at or before the tick. **nearest**: the sample closest to the tick
  (a tie takes the earlier one). **linear**: floating-point columns and fixed-length lists of
  floats are interpolated between the samples just before and just after the tick (a sample
  exactly on the tick is used as is; never extrapolated past the first or last sample);
  integer, bool, text and other columns are taken as-of (integers are usually counts, sizes or
  enums, which interpolation would invent).
- **tolerance** S seconds: a sample further than S from the tick is not used (asof: older than
  S; linear: both neighbours must be within S). Inclusive, with 1 ns slack for rounding.
- Nothing is invented: no sample, a stale sample, or a null stored value gives null.
- Columns: ``_ts`` (the tick), then per track ``{track}/_ts`` (the stamp of the sample used;
  for linear the as-of one, at or before the tick; null when there is none) and
  ``{track}/{column}`` for each of its columns, in the order of ``tracks``. Column names never
  contain ``/`` in practice, so the track is everything before the last ``/``.
- The table's schema metadata ``ml_dash_ros.align`` holds the parameters as JSON.
"""

from __future__ import annotations

import json
from typing import Any, Optional, Sequence

import numpy as np
import pyarrow as pa

from ml_dash_ros.tracks.api.ticks import SLACK as _SLACK
from ml_dash_ros.tracks.api.ticks import is_static, tick_times, track_ticks
from ml_dash_ros.tracks.store import schema

METHODS = ("asof", "nearest", "linear")
SEPARATOR = "/"
METADATA_KEY = b"ml_dash_ros.align"


def align(experiment: Any, tracks: Sequence[str], hz: Optional[float] = None,
          method: str = "asof", tolerance: Optional[float] = None,
          start: Optional[float] = None, end: Optional[float] = None, *,
          columns: Optional[dict] = None, ticks: Optional[str] = None) -> pa.Table:
    """Return one pyarrow.Table with a row per tick and ``{track}/{column}`` columns.

    ``experiment`` is an Experiment; the ticks are ``hz`` a second or the stamps of the
    track ``ticks`` (exactly one of the two); ``columns`` optionally maps a track to the
    columns to take from it (default: all). The same as ``experiment.tracks.align(...)``.
    """
    return align_tracks(experiment.tracks, tracks, hz, method, tolerance, start, end,
                        columns=columns, ticks=ticks)


def align_tracks(manager: Any, tracks: Sequence[str], hz: Optional[float] = None,
                 method: str = "asof", tolerance: Optional[float] = None,
                 start: Optional[float] = None, end: Optional[float] = None, *,
                 columns: Optional[dict] = None, ticks: Optional[str] = None) -> pa.Table:
    """Align tracks of a TracksManager (``exp.tracks``); see ``align``."""
    tracks = _check_args(tracks, hz, method, tolerance, ticks)
    columns = columns or {}
    ranges = {t: manager(t).summary() for t in tracks}
    static = [t for t, info in ranges.items() if is_static(info)]
    timed = {t: info for t, info in ranges.items() if t not in static}
    if ticks is not None:
        times = track_ticks(manager, ticks, timed, start, end)
    elif not timed and (start is None or end is None):
        raise ValueError("align: every track is static (all rows at _ts 0, valid at all "
                         "times); pass start and end to choose the ticks")
    else:
        times = tick_times(timed or ranges, hz, start, end)
    lo = hi = None
    if tolerance is not None and len(times):
        lo = float(times[0]) - tolerance - _SLACK
        hi = float(times[-1]) + tolerance + _SLACK
    names, arrays = [schema.TS], [pa.array(times, pa.float64())]
    for track in tracks:
        if track in static:
            table = manager(track).read(columns=columns.get(track), format="arrow")
            aligned = constant_table(table, len(times))
        else:
            table = manager(track).read(lo, hi, columns=columns.get(track), format="arrow")
            aligned = align_table(table, times, method, tolerance)
        for name, array in aligned:
            names.append(f"{track}{SEPARATOR}{name}")
            arrays.append(array)
    meta = {"hz": hz, "ticks": ticks, "method": method, "tolerance": tolerance,
            "tracks": list(tracks), "prefix": manager.prefix}
    fields = [pa.field(n, a.type) for n, a in zip(names, arrays)]
    return pa.Table.from_arrays(arrays, schema=pa.schema(
        fields, metadata={METADATA_KEY: json.dumps(meta).encode()}))


def _check_args(tracks: Sequence[str], hz: Optional[float], method: str,
                tolerance: Optional[float], ticks: Optional[str]) -> list:
    if isinstance(tracks, str):
        tracks = [tracks]
    tracks = list(tracks)
    if not tracks:
        raise ValueError("align needs at least one track")
    if len(set(tracks)) != len(tracks):
        raise ValueError(f"align: a track is listed twice: {tracks}")
    if (hz is None) == (ticks is None):
        raise ValueError("align: give exactly one of hz (ticks at a fixed rate) and ticks (a "
                         "track whose stamps are the ticks), got "
                         + ("neither" if hz is None else f"hz={hz!r} and ticks={ticks!r}"))
    if ticks is not None and (not isinstance(ticks, str) or not ticks):
        raise ValueError(f"align: ticks must be a track name, got {ticks!r}")
    if hz is not None and (not isinstance(hz, (int, float)) or isinstance(hz, bool)
                           or not hz > 0 or not np.isfinite(hz)):
        raise ValueError(f"align: hz must be a positive number, got {hz!r}")
    if method not in METHODS:
        raise ValueError(f"align: method must be one of {', '.join(METHODS)}, got {method!r}")
    if tolerance is not None and not (tolerance >= 0 and np.isfinite(tolerance)):
        raise ValueError(f"align: tolerance must be a number of seconds >= 0, got {tolerance!r}")
    return tracks


def constant_table(table: pa.Table, count: int) -> list:
    """Return [(name, array)] repeating a static track's last row ``count`` times."""
    last = pa.array(np.full(count, table.num_rows - 1, dtype=np.int64))
    return [(name, table.column(name).combine_chunks().take(last))
            for name in table.column_names]


def align_table(table: pa.Table, ticks: np.ndarray, method: str,
                tolerance: Optional[float]) -> list:
    """Return [(name, array)] of one track's table aligned to ticks (``_ts`` first).

    A column that is null in some rows (a sparse track, several publishers on one topic) is
    aligned on its own samples: each tick takes that column's last value, not the null of a
    row another publisher wrote.
    """
    if table.num_rows == 0:
        return [(name, pa.nulls(len(ticks), table.schema.field(name).type))
                for name in table.column_names]
    stamps = table.column(schema.TS).to_numpy()
    picked, ok = _pick(stamps, ticks, method, tolerance)
    out = [(schema.TS, pa.array(stamps[picked], pa.float64(), mask=~ok))]
    shared = _Samples(stamps, ticks, method, tolerance, picked, ok)
    for name in table.column_names:
        if name == schema.TS:
            continue
        column = table.column(name).combine_chunks()
        if 0 < column.null_count < len(column):
            rows = np.flatnonzero(column.is_valid().to_numpy(zero_copy_only=False))
            own = _Samples(stamps[rows], ticks, method, tolerance)
            out.append((name, own.aligned(column.take(pa.array(rows)))))
        else:
            out.append((name, shared.aligned(column)))
    return out


class _Samples:
    """One set of sample stamps and how each tick uses them (picked row, bracket)."""

    def __init__(self, stamps: np.ndarray, ticks: np.ndarray, method: str,
                 tolerance: Optional[float], picked: Optional[np.ndarray] = None,
                 ok: Optional[np.ndarray] = None) -> None:
        """Locate the samples of every tick (``picked``/``ok`` when already known)."""
        if picked is None:
            picked, ok = _pick(stamps, ticks, method, tolerance)
        self.take = pa.array(picked, pa.int64(), mask=~ok)
        self.bracket = _Bracket(stamps, ticks, tolerance) if method == "linear" else None

    def aligned(self, column: pa.Array) -> pa.Array:
        """Return ``column`` (one value per sample) at the ticks."""
        values = _interpolate(column, self.bracket) if self.bracket is not None else None
        return values if values is not None else column.take(self.take)


def _pick(stamps: np.ndarray, ticks: np.ndarray, method: str,
          tolerance: Optional[float]) -> tuple:
    """Return (sample index per tick, usable mask); linear takes the as-of sample."""
    n = len(stamps)
    before = np.searchsorted(stamps, ticks, side="right") - 1      # last sample <= tick
    if method == "nearest":
        after = np.minimum(before + 1, n - 1)
        d_before = np.where(before >= 0, ticks - stamps[np.maximum(before, 0)], np.inf)
        d_after = np.where(stamps[after] >= ticks, stamps[after] - ticks, np.inf)
        use_after = d_after < d_before
        picked = np.where(use_after, after, np.maximum(before, 0))
        distance = np.minimum(d_before, d_after)
    else:
        picked = np.maximum(before, 0)
        distance = np.where(before >= 0, ticks - stamps[picked], np.inf)
    ok = np.isfinite(distance)
    if tolerance is not None:
        ok &= distance <= tolerance + _SLACK
    return picked, ok


class _Bracket:
    """The samples around each tick, and where interpolation between them is allowed."""

    def __init__(self, stamps: np.ndarray, ticks: np.ndarray, tolerance: Optional[float]):
        """Locate the neighbours of every tick."""
        n = len(stamps)                         # > 0: align_table handles empty tracks
        before = np.searchsorted(stamps, ticks, side="right") - 1
        self.lo = np.clip(before, 0, n - 1)
        self.hi = np.clip(before + 1, 0, n - 1)
        self.exact = (before >= 0) & (stamps[self.lo] == ticks)
        inside = (before >= 0) & (before + 1 < n)
        if tolerance is not None:
            inside &= (ticks - stamps[self.lo] <= tolerance + _SLACK) & \
                      (stamps[self.hi] - ticks <= tolerance + _SLACK)
        self.ok = inside | self.exact
        span = stamps[self.hi] - stamps[self.lo]
        with np.errstate(divide="ignore", invalid="ignore"):
            weight = np.where(span > 0, (ticks - stamps[self.lo]) / span, 0.0)
        self.weight = np.where(self.exact, 0.0, weight)


def _interpolate(column: pa.Array, lin: _Bracket) -> Optional[pa.Array]:
    """Return a float (or float-list) column interpolated at the ticks, None if not numeric."""
    t = column.type
    if pa.types.is_floating(t):
        values = column.to_numpy(zero_copy_only=False).astype(np.float64)
        valid = column.is_valid().to_numpy(zero_copy_only=False)
        ok = lin.ok & valid[lin.lo] & (valid[lin.hi] | lin.exact)
        mixed = _mix(values[lin.lo], values[lin.hi], lin.weight, lin.exact)
        return pa.array(mixed, pa.float64(), mask=~ok)
    if (pa.types.is_list(t) or pa.types.is_fixed_size_list(t)) and \
            pa.types.is_floating(t.value_type):
        matrix, valid = _fixed_matrix(column)
        if matrix is None:
            return None
        ok = lin.ok & valid[lin.lo] & (valid[lin.hi] | lin.exact)
        w = lin.weight[:, None]
        mixed = _mix(matrix[lin.lo], matrix[lin.hi], w, lin.exact[:, None])
        width = matrix.shape[1]
        offsets = pa.array(np.arange(len(mixed) + 1, dtype=np.int32) * width)
        flat = pa.array(mixed.reshape(-1), pa.float64())
        return pa.ListArray.from_arrays(offsets, flat, mask=pa.array(~ok))
    return None


def _mix(a: np.ndarray, b: np.ndarray, weight: np.ndarray, exact: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", over="ignore"):
        mixed = a + weight * (b - a)
    return np.where(exact, a, mixed)


def _fixed_matrix(column: pa.Array) -> tuple:
    """Return (rows x width float matrix, row validity) of equal-length lists, or (None, None)."""
    if len(column) == 0:
        return None, None
    if pa.types.is_fixed_size_list(column.type):
        column = column.cast(pa.list_(column.type.value_type))
    valid = column.is_valid().to_numpy(zero_copy_only=False)
    offsets = column.offsets.to_numpy()
    lengths = np.diff(offsets)[valid]
    if len(lengths) == 0 or (lengths != lengths[0]).any() or lengths[0] == 0:
        return None, None
    width = int(lengths[0])
    flat = column.values
    if flat.null_count:
        return None, None
    flat = flat.to_numpy(zero_copy_only=False).astype(np.float64)
    start = offsets[:-1]
    rows = np.where(valid, start, 0)
    matrix = flat[rows[:, None] + np.arange(width)[None, :]] if len(flat) else \
        np.zeros((len(column), width))
    return matrix, valid
