"""What is recorded: experiments under a dash_root and per-track summaries (``ls``, ``info``).

A track summary holds rows, time range, mean rate and size on disk (from Parquet footers and
file sizes, cheap), and with ``detail=True`` also columns and types (from the segment schemas,
unified as a read does), the median sample period and the gaps longer than ``GAP_FACTOR``
times it (from the ``_ts`` column), and the ROS topic that fed it (from ``recorder.json``).

Damage stays where it is: a track with an unreadable segment is listed with ``error`` naming
the file, an unreadable or ill-typed side file (``experiment.json``, ``recorder.json``) adds
a line to ``problems``, and every other experiment and track is summarized as usual. A
"running" recording whose writer is gone reads as ``state`` "interrupted"
(``tracks.liveness``).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence, Union

import numpy as np
import pyarrow as pa

from ml_dash_ros.errors import MlDashRosError, NotFoundError
from ml_dash_ros.tracks import Experiment
from ml_dash_ros.tracks.store import layout, liveness, schema
from ml_dash_ros.tools import catalog as store
from ml_dash_ros.tools.cameras import summarize_cameras
from ml_dash_ros.tools.side_files import read_recorder, read_status
from ml_dash_ros.tracks.store.roots import readable_root
from ml_dash_ros.tracks.store.contract import FILES_DIR, KINDS, QUARANTINE_DIR

GAP_FACTOR = 3.0
_SKIP_DIRS = frozenset((*KINDS, QUARANTINE_DIR, FILES_DIR))
_DAMAGE = (MlDashRosError, OSError, pa.ArrowException)  # what marks one track, not the listing


@dataclass(frozen=True)
class Gap:
    """A stretch without samples: from the sample at ``start`` to the next at ``end``."""

    start: float
    end: float

    @property
    def duration(self) -> float:
        """Return the gap's length in seconds."""
        return self.end - self.start


@dataclass(frozen=True)
class TrackSummary:
    """One track: rows, time range, size; with detail also columns, period and gaps."""

    track: str
    rows: Optional[int]                  # None when the track cannot be read (see error)
    start_ts: Optional[float]
    end_ts: Optional[float]
    size_bytes: int
    columns: tuple = ()                  # ((name, type), ...) without ``_ts``
    median_period: Optional[float] = None
    gaps: tuple = ()                     # Gap, ... longer than GAP_FACTOR x median period
    topic: Optional[str] = None          # the ROS topic that fed it, from recorder.json
    error: Optional[str] = None          # why the track cannot be read, naming the file

    @property
    def duration(self) -> Optional[float]:
        """Return end - start in seconds (None when empty)."""
        if self.start_ts is None or self.end_ts is None:
            return None
        return self.end_ts - self.start_ts

    @property
    def rate(self) -> Optional[float]:
        """Return the mean rate in Hz, (rows - 1) / duration (None below two rows)."""
        duration = self.duration
        if self.rows is None or self.rows < 2 or not duration:
            return None
        return (self.rows - 1) / duration

    def as_dict(self) -> dict:
        """Return plain data (JSON-ready), including duration and rate."""
        out = asdict(self)
        out["columns"] = [{"name": n, "type": t} for n, t in self.columns]
        out["gaps"] = [{"start": g.start, "end": g.end, "duration": g.duration}
                       for g in self.gaps]
        out["duration"], out["rate"] = self.duration, self.rate
        return out


@dataclass(frozen=True)
class ExperimentSummary:
    """One experiment: its status file, track summaries and the recorder's stored counts."""

    prefix: str
    path: Path
    status: dict = field(default_factory=dict)     # experiment.json
    tracks: tuple = ()                             # TrackSummary, ...
    recorder: dict = field(default_factory=dict)   # recorder.json ({} when absent)
    state: str = liveness.UNKNOWN                  # status, "interrupted" if the writer is gone
    problems: tuple = ()                           # "file: fault" of unreadable side files
    cameras: tuple = ()                            # CameraSummary, ... (tools.cameras)

    @property
    def state_text(self) -> str:
        """Return the state as shown to a user (``running on HOST (not checked)``)."""
        return liveness.describe(self.status, self.state)

    @property
    def damaged(self) -> tuple:
        """Return the problems and the errors of unreadable tracks, one line each."""
        return self.problems + tuple(f"track {t.track!r}: {t.error}" for t in self.tracks
                                     if t.error)

    @property
    def size_bytes(self) -> int:
        """Return the bytes of all live segments."""
        return sum(t.size_bytes for t in self.tracks)

    def as_dict(self) -> dict:
        """Return plain data (JSON-ready)."""
        return {"prefix": self.prefix, "path": str(self.path), "status": self.status,
                "state": self.state, "size_bytes": self.size_bytes,
                "tracks": [t.as_dict() for t in self.tracks], "recorder": self.recorder,
                "problems": list(self.problems), "cameras": [c.as_dict() for c in self.cameras]}


def find_experiments(dash_root: Union[str, os.PathLike, None] = None) -> list:
    """Return the prefixes of every experiment under dash_root ($ML_DASH_ROOT, .dash), sorted."""
    root = readable_root(dash_root)
    if not root.is_dir():
        raise NotFoundError(f"dash_root {str(root)!r} does not exist")
    found = []
    for here, dirs, _files in os.walk(root):
        path = Path(here)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS)
        if path != root and store.is_experiment_dir(path):
            found.append(path.relative_to(root).as_posix())
    return sorted(found)


def list_experiments(dash_root: Union[str, os.PathLike, None] = None) -> list:
    """Return an ExperimentSummary (tracks without detail) for every experiment.

    An experiment or track that cannot be read is listed with what is wrong, never dropped.
    """
    root = readable_root(dash_root)
    out = []
    for prefix in find_experiments(root):
        try:
            exp = store.open_experiment(prefix, dash_root=root)
            names = store.track_names(exp)
        except _DAMAGE as err:
            out.append(ExperimentSummary(prefix, root / prefix, problems=(str(err),)))
            continue
        status, problems = read_status(exp.path)
        tracks = tuple(_summary_or_damage(exp, t) for t in names)
        out.append(ExperimentSummary(prefix, exp.path, status, tracks, {},
                                     liveness.writer_state(exp.path, status), problems,
                                     summarize_cameras(exp)))
    return out


def experiment_info(prefix: str, *, dash_root: Union[str, os.PathLike, None] = None,
                    tracks: Optional[Sequence[str]] = None) -> ExperimentSummary:
    """Return the detailed summary of one experiment (optionally only some tracks)."""
    exp = store.open_experiment(prefix, dash_root=dash_root)
    status, problems = read_status(exp.path)
    recorder, recorder_problems = read_recorder(exp.path)
    sources = track_sources(recorder)
    names = store.track_names(exp) if tracks is None else list(tracks)
    for name in names:
        store.require_track(exp, name)
    summaries = tuple(_summary_or_damage(exp, t, detail=True, topic=sources.get(t))
                      for t in names)
    cameras = tuple(c for c in summarize_cameras(exp, detail=True) if c.track in names)
    return ExperimentSummary(prefix, exp.path, status, summaries, recorder,
                             liveness.writer_state(exp.path, status),
                             problems + recorder_problems, cameras)


def _summary_or_damage(exp: Experiment, track: str, **kwargs: Any) -> TrackSummary:
    """Return a track's summary, or one carrying the error that made it unreadable."""
    try:
        return summarize_track(exp, track, **kwargs)
    except _DAMAGE as err:
        directory = layout.topic_dir(exp.tracks.directory, track)
        return TrackSummary(track, None, None, None, store.size_on_disk(directory),
                            topic=kwargs.get("topic"), error=str(err))


def summarize_track(exp: Experiment, track: str, *, detail: bool = False,
                    topic: Optional[str] = None) -> TrackSummary:
    """Return a track's summary; ``detail`` adds columns, median period and gaps."""
    directory = store.require_track(exp, track)
    info = store.track_range(exp, track)
    info = {k: (v + 0.0 if isinstance(v, float) else v) for k, v in info.items()}  # no -0.0
    size = store.size_on_disk(directory)
    if not detail:
        return TrackSummary(track, info["count"], info["start_ts"], info["end_ts"], size)
    kinds = store.track_schema(exp, track)
    columns = tuple((name, type_name(kind)) for name, kind in kinds.items())
    stamps = store.read_track(exp, track, columns=[]).column(schema.TS).to_numpy()
    period, gaps = find_gaps(stamps)
    return TrackSummary(track, len(stamps), info["start_ts"], info["end_ts"], size, columns,
                        period, gaps, topic)


def find_gaps(stamps: np.ndarray, factor: float = GAP_FACTOR) -> tuple:
    """Return (median period, gaps longer than factor x median period) of sorted stamps."""
    if len(stamps) < 2:
        return None, ()
    periods = np.diff(stamps)
    median = float(np.median(periods))
    if median <= 0:
        return median, ()
    where = np.flatnonzero(periods > factor * median)
    return median, tuple(Gap(float(stamps[i]), float(stamps[i + 1])) for i in where)


def track_sources(recorder: dict) -> dict:
    """Return track -> ROS topic from a (checked, ``read_recorder``) recorder.json document."""
    out = {}
    for topic, row in (recorder.get("topics") or {}).items():
        for track in row.get("tracks") or ():
            out.setdefault(track, topic)
    return out


def type_name(kind: Any) -> str:
    """Return a short name of a stored column type: double, int64, list<double>, json."""
    if kind == "json" or kind is schema.JSON:
        return "json"
    if isinstance(kind, pa.DataType) and (pa.types.is_list(kind) or
                                          pa.types.is_fixed_size_list(kind)):
        return f"list<{type_name(kind.value_type)}>"
    return str(kind)
