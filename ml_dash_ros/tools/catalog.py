"""Read-only access to recordings for the data tools: find, check, read, never write.

Everything here reads through the Track API (``Experiment`` / ``TrackBuilder``) and its store
modules, so the tools see exactly what ``exp.tracks(name).read(...)`` sees. A prefix, track or
column that does not exist raises ``NotFoundError``; an unreadable segment raises
``StoreError`` naming the file.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator, Optional, Sequence, Union

import pyarrow as pa

from ml_dash_ros.errors import NotFoundError, StoreError, TrackNotFoundError
from ml_dash_ros.tracks import Experiment
from ml_dash_ros.tracks.store import layout, reader, schema
from ml_dash_ros.tracks.store.roots import readable_root
from ml_dash_ros.tracks.store.storage import storage_of
from ml_dash_ros.tracks.store.contract import STATUS_FILE, TRACKS_DIR


def is_experiment_dir(path: Path) -> bool:
    """Tell whether a directory holds a recording (``experiment.json`` or ``tracks/``)."""
    return (path / STATUS_FILE).is_file() or (path / TRACKS_DIR).is_dir()


def open_experiment(prefix: str, *,
                    dash_root: Union[str, os.PathLike, None] = None) -> Experiment:
    """Return the (unopened, read-only use) Experiment of an existing prefix.

    ``dash_root`` None: ``$ML_DASH_ROOT``, else ``.dash``.
    """
    root = readable_root(dash_root)
    if not root.is_dir():
        raise NotFoundError(f"dash_root {str(root)!r} does not exist")
    exp = Experiment(prefix, dash_root=root)
    if not is_experiment_dir(exp.path):
        raise NotFoundError(f"no experiment {prefix!r} under {str(root)!r}")
    return exp


def track_names(exp: Experiment) -> list:
    """Return the names of the tracks stored in an experiment, sorted."""
    return list(layout.list_topics(exp.tracks.directory))


def require_track(exp: Experiment, track: str) -> Path:
    """Return the directory of an existing track, or raise NotFoundError listing the tracks."""
    directory = layout.list_topics(exp.tracks.directory).get(track)
    if directory is None:
        known = ", ".join(track_names(exp)) or "none"
        raise TrackNotFoundError(f"experiment {exp.prefix!r} has no track {track!r} "
                                 f"(tracks: {known})")
    return directory


def live_files(directory: Path) -> list:
    """Return the paths of a track's live segment files, oldest first."""
    return [s.path for s in layout.live_segments(layout.scan_segments(directory))]


@contextlib.contextmanager
def guarded(directory: Path, what: str) -> Iterator[None]:
    """Turn a Parquet or OS failure inside the block into StoreError naming ``directory``.

    A segment that cannot be decoded already raises CorruptFileError naming the file (the
    store reads every file inside ``reader.reading``); this catches what is left, such as a
    file removed while it was listed.
    """
    try:
        yield
    except (pa.ArrowException, OSError) as err:
        if isinstance(err, StoreError):
            raise
        detail = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise StoreError(f"{what}: cannot read {directory}: {detail}") from err


def track_schema(exp: Experiment, track: str) -> dict:
    """Return column -> Arrow type (``"json"`` for JSON-text columns) of a stored track."""
    directory = require_track(exp, track)
    with guarded(directory, f"track {track!r}"):
        infos = reader.live_infos(directory)
    _, kinds = schema.unified_schema([i.schema for i in infos])
    out = {}
    for name, kind in kinds.items():
        out[name] = "json" if kind is schema.JSON else kind
    return out


def resolve_columns(exp: Experiment, track: str,
                    columns: Optional[Sequence[str]]) -> Optional[list]:
    """Return stored column names for a request (exact or dotted group), or raise NotFoundError."""
    if columns is None:
        return None
    return reader.resolve_columns(track_schema(exp, track), columns,
                                  f"track {track!r} of {exp.prefix!r}")


def read_track(exp: Experiment, track: str, start: Optional[float] = None,
               end: Optional[float] = None, *,
               columns: Optional[Sequence[str]] = None) -> pa.Table:
    """Return a track's rows in [start, end] as a pyarrow.Table sorted by ``_ts``."""
    directory = require_track(exp, track)
    names = resolve_columns(exp, track, columns)
    with guarded(directory, f"track {track!r}"):
        return exp.tracks(track).read(start, end, columns=names, format="arrow")


def track_range(exp: Experiment, track: str) -> dict:
    """Return {"count", "start_ts", "end_ts"} of a track from its Parquet footers."""
    directory = require_track(exp, track)
    with guarded(directory, f"track {track!r}"):
        return reader.summary(directory)


def recording_range(exp: Experiment, tracks: Optional[Sequence[str]] = None) -> tuple:
    """Return (earliest start, latest end) of the tracks, (None, None) without rows.

    Static tracks (every row at ``_ts`` 0, "valid at all times") do not count.
    """
    ranges = [track_range(exp, t) for t in (track_names(exp) if tracks is None else tracks)]
    timed = [r for r in ranges if r["count"] and not r["start_ts"] == r["end_ts"] == 0.0]
    if not timed:
        return None, None
    return min(r["start_ts"] for r in timed), max(r["end_ts"] for r in timed)


def size_on_disk(directory: Path) -> int:
    """Return the bytes of a track's live segment files."""
    total = 0
    for path in live_files(directory):
        with contextlib.suppress(FileNotFoundError):
            total += storage_of(directory).size(path)
    return total
