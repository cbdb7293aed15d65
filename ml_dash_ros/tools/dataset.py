"""A dataset over episodes: the recordings under a prefix pattern, their metadata, and their
tracks read or aligned across all of them as one table (an ``episode`` column says which).

``Dataset("alice/franka/pick-*", where={"success": True})`` selects by ``fnmatch`` pattern on
the prefix, by the episode's params (``exp.params``; the recorder stores the episode's task,
operator, success and the mapping's ``params:`` there), by status and by start time.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence, Union

import numpy as np
import pyarrow as pa

from ml_dash_ros.errors import ColumnNotFoundError, CorruptFileError, NotFoundError
from ml_dash_ros.tools import catalog
from ml_dash_ros.tools.inventory import find_experiments
from ml_dash_ros.tools.side_files import read_json, read_status
from ml_dash_ros.tracks import Experiment
from ml_dash_ros.tracks.api.align import align
from ml_dash_ros.tracks.store.contract import PARAMS_FILE
from ml_dash_ros.tracks.store.remote import is_remote
from ml_dash_ros.tracks.store.roots import readable_root, resolve_dash_root
from ml_dash_ros.video.aligned import IMAGE, with_frames

EPISODE = "episode"              # the column naming each row's episode (its prefix)
EPISODE_INDEX = "episode_index"  # its position in the dataset, 0, 1, ...


@dataclass(frozen=True)
class Episode:
    """One recording of a dataset: where it is, how it went, what it holds."""

    prefix: str
    path: Path
    status: Optional[str]
    started_at: Optional[str]
    params: dict = field(default_factory=dict)
    tracks: dict = field(default_factory=dict)      # track -> rows

    def experiment(self, dash_root: Path) -> Experiment:
        """Return the episode's Experiment (read-only use)."""
        return Experiment(self.prefix, dash_root=dash_root)


class Dataset:
    """The episodes under ``pattern`` that pass the filters, in prefix order."""

    def __init__(self, pattern: str, *, dash_root: Union[str, os.PathLike, None] = None,
                 where: Optional[dict] = None, status: Optional[str] = None,
                 since: Optional[str] = None, until: Optional[str] = None) -> None:
        """Select episodes; ``where`` maps param names to required values."""
        self.dash_root = readable_root(dash_root)
        self.source = _portable(dash_root)  # what another process makes readable again
        self.pattern = pattern
        found = [p for p in find_experiments(self.dash_root) if fnmatch.fnmatchcase(p, pattern)]
        episodes = [_episode(self.dash_root, prefix) for prefix in found]
        self.episodes = [e for e in episodes if _keep(e, where or {}, status, since, until)]
        if not self.episodes:
            why = f"{len(found)} match the pattern" if found else "none match the pattern"
            raise NotFoundError(f"no episode under {str(self.dash_root)!r} matches "
                                f"{pattern!r} and the filters ({why})")

    def __getstate__(self) -> dict:
        """Pickle with the dash_root as given (a Ray task, a process pool)."""
        return {**self.__dict__, "dash_root": None}

    def __setstate__(self, state: dict) -> None:
        """Unpickle, making the dash_root readable here (an s3:// view of this process)."""
        self.__dict__.update(state, dash_root=readable_root(state["source"]))

    def __len__(self) -> int:
        """Return the number of episodes."""
        return len(self.episodes)

    def __repr__(self) -> str:
        """Show the pattern and the count."""
        return f"Dataset({self.pattern!r}, episodes={len(self.episodes)})"

    def read(self, track: str, columns: Optional[Sequence[str]] = None) -> pa.Table:
        """Return one track of every episode as one table: ``episode``, ``episode_index``,
        then the track's columns (types unified across episodes)."""
        tables = [self.read_episode(index, track, columns) for index in range(len(self))]
        return pa.concat_tables(tables, promote_options="permissive")

    def read_episode(self, index: int, track: str,
                     columns: Optional[Sequence[str]] = None) -> pa.Table:
        """Return one track of the episode at ``index``, tagged like ``read``."""
        episode = self.episodes[index]
        if track not in episode.tracks:
            raise NotFoundError(f"episode {episode.prefix!r} has no track {track!r} "
                                f"(tracks: {', '.join(sorted(episode.tracks)) or 'none'})")
        builder = episode.experiment(self.dash_root).tracks(track)
        table = builder.read(columns=columns, format="arrow")
        return _tagged(table, episode.prefix, index)

    def align(self, tracks: Sequence[str], hz: Optional[float] = None, method: str = "asof",
              tolerance: Optional[float] = None, **kwargs: Any) -> pa.Table:
        """Align every episode (``exp.tracks.align``) and stack them, tagged by episode.

        The ticks are ``hz`` a second, or each episode's stamps of the track ``ticks=``.
        """
        tables = [self.align_episode(index, tracks, hz, method, tolerance, **kwargs)
                  for index in range(len(self))]
        return pa.concat_tables(tables, promote_options="permissive")

    def align_episode(self, index: int, tracks: Sequence[str], hz: Optional[float] = None,
                      method: str = "asof", tolerance: Optional[float] = None,
                      **kwargs: Any) -> pa.Table:
        """Align the episode at ``index``, tagged like ``align``."""
        episode = self.episodes[index]
        table = align(episode.experiment(self.dash_root), tracks, hz, method=method,
                      tolerance=tolerance, **kwargs)
        return _tagged(table.replace_schema_metadata(None), episode.prefix, index)

    def with_frames(self, table: pa.Table, track: str) -> pa.Table:
        """Return a table of this dataset's ``align`` with ``{track}/image``, each row's
        frame from its episode (``video.aligned.with_frames``)."""
        if EPISODE_INDEX not in table.column_names:
            raise ColumnNotFoundError(f"with_frames: the table has no column {EPISODE_INDEX!r}"
                                      " (a table of Dataset.align has it)")
        order = table.column(EPISODE_INDEX).to_numpy()
        starts = [0, *(np.flatnonzero(order[1:] != order[:-1]) + 1), len(order)]
        parts = [with_frames(table.slice(lo, hi - lo),
                             self.episodes[int(order[lo])].experiment(self.dash_root), track)
                 for lo, hi in zip(starts, starts[1:]) if hi > lo]
        kinds = {str(part.schema.field(f"{track}/{IMAGE}").type) for part in parts} - {"null"}
        if len(kinds) > 1:
            raise ValueError(f"with_frames: the frames of {track!r} differ in shape or type "
                             f"between episodes ({', '.join(sorted(kinds))})")
        if not parts:
            return with_frames(table, self.episodes[0].experiment(self.dash_root), track)
        return pa.concat_tables(parts, promote_options="permissive")   # all-null parts


def _portable(dash_root: Union[str, os.PathLike, None]) -> str:
    """Return the dash_root as any process on this machine or a cluster reaches it."""
    resolved = resolve_dash_root(dash_root)
    if is_remote(resolved):
        return str(resolved)
    return str(Path(resolved).expanduser().absolute())


def _tagged(table: pa.Table, prefix: str, index: int) -> pa.Table:
    n = table.num_rows
    table = table.add_column(0, EPISODE_INDEX, pa.array([index] * n, pa.int64()))
    return table.add_column(0, EPISODE, pa.array([prefix] * n, pa.string()))


def _episode(root: Path, prefix: str) -> Episode:
    exp = Experiment(prefix, dash_root=root)
    status, _problems = read_status(exp.path)
    try:
        params = read_json(exp.path / PARAMS_FILE)
    except CorruptFileError:    # listed without params: a filter on params leaves it out
        params = {}
    tracks = {}
    for name in catalog.track_names(exp):
        try:
            tracks[name] = catalog.track_range(exp, name)["count"]
        except Exception:  # noqa: BLE001 - a damaged track is listed without a count
            tracks[name] = None
    return Episode(prefix=prefix, path=exp.path, status=status.get("status"),
                   started_at=status.get("started_at"),
                   params=params if isinstance(params, dict) else {}, tracks=tracks)


def _keep(episode: Episode, where: dict, status: Optional[str], since: Optional[str],
          until: Optional[str]) -> bool:
    if status is not None and episode.status != status:
        return False
    for key, wanted in where.items():
        if key not in episode.params or not _same(episode.params[key], wanted):
            return False
    started = episode.started_at or ""
    if since is not None and started < since:
        return False
    return until is None or (bool(started) and started <= until)


def _same(value: Any, wanted: Any) -> bool:
    """Compare a stored param with a filter value (``"true"`` from a command line is True)."""
    if isinstance(wanted, str) and not isinstance(value, str):
        return str(value).lower() == wanted.lower()
    return value == wanted
