"""Work over a dataset's episodes on Ray: the dataset as a Ray Data dataset, and align or
export as one Ray task per episode that writes the episode's output (``tools.shards``).

The same code runs on a local Ray and on a cluster (``address="auto"`` or
``"ray://host:10001"``; the workers need ml_dash_ros installed and the dash_root reachable).
Ray is imported only when called: the package works without it.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

import pyarrow as pa

from ml_dash_ros.errors import EpisodeJobError, MissingDependencyError
from ml_dash_ros.tools.dataset import EPISODE, EPISODE_INDEX, Dataset
from ml_dash_ros.tools.export import export_experiment
from ml_dash_ros.tools.shards import (episode_dir, shard_exists, shard_path, staged_dir,
                                      write_shard)
from ml_dash_ros.tracks.store import remote

LOCAL_RAY = "local"      # an address that starts a new local Ray (as None does)
INSTALL_HINT = "pip install 'ray[data]' (pinned in requirements/dev.txt)"
SHOWN_FAULTS = 5


@dataclass(frozen=True)
class EpisodeOutputs:
    """What a job over episodes did: every episode's output, in the dataset's order."""

    paths: tuple            # one shard (align) or directory (export) per episode
    written: tuple          # prefixes done by this call
    skipped: tuple          # prefixes whose output was already there


def import_ray() -> Any:
    """Return the ``ray`` module; MissingDependencyError saying how to install it."""
    try:
        import ray
        import ray.data  # noqa: F401 - Ray Data comes with the ray[data] extra
    except ImportError as err:
        raise MissingDependencyError(f"Ray is not installed ({err}): {INSTALL_HINT}") from err
    return ray


def connect(address: Optional[str] = None) -> Any:
    """Return ``ray``, initialized: the running Ray, else a cluster at ``address``
    (``auto``, ``ray://host:10001``), else a new local Ray."""
    ray = import_ray()
    if ray.is_initialized():
        return ray
    if address and address != LOCAL_RAY:
        ray.init(address=address, logging_level=logging.WARNING)
    else:
        ray.init(include_dashboard=False, logging_level=logging.WARNING)
    return ray


def to_ray_dataset(dataset: Dataset, track: Optional[str] = None, *,
                   columns: Optional[Sequence[str]] = None,
                   address: Optional[str] = None) -> Any:
    """Return a ``ray.data.Dataset``: a row per episode (``episode``, ``episode_index``,
    ``status``, ``started_at``, ``params`` as JSON text, ``tracks`` as rows per track), or,
    with ``track``, that track's rows of every episode (``Dataset.read``), read by Ray."""
    ray = connect(address)
    if track is None:
        return ray.data.from_arrow(episodes_table(dataset))
    indices = [{EPISODE_INDEX: index} for index in range(len(dataset))]
    return ray.data.from_items(indices, override_num_blocks=len(indices)).map_batches(
        _read_batch, batch_size=1, batch_format="pyarrow",
        fn_kwargs={"dataset": dataset, "track": track, "columns": columns})


def episodes_table(dataset: Dataset) -> pa.Table:
    """Return a row per episode of ``dataset`` (the columns of ``to_ray_dataset``)."""
    episodes = dataset.episodes
    rows = pa.map_(pa.string(), pa.int64())
    return pa.table({
        EPISODE: pa.array([e.prefix for e in episodes], pa.string()),
        EPISODE_INDEX: pa.array(range(len(episodes)), pa.int64()),
        "status": pa.array([e.status for e in episodes], pa.string()),
        "started_at": pa.array([e.started_at for e in episodes], pa.string()),
        "params": pa.array([json.dumps(e.params, sort_keys=True, default=str)
                            for e in episodes], pa.string()),
        "tracks": pa.array([sorted(e.tracks.items()) for e in episodes], rows),
    })


def align_on_ray(dataset: Dataset, tracks: Sequence[str], hz: Optional[float] = None, *,
                 out: str | os.PathLike, method: str = "asof",
                 tolerance: Optional[float] = None, address: Optional[str] = None,
                 **kwargs: Any) -> EpisodeOutputs:
    """Align every episode (``Dataset.align_episode``) in its own Ray task, each writing its
    shard under ``out``; episodes whose shard is already there are skipped.

    ``kwargs`` go to ``align`` (``ticks``, ``start``, ``end``, ``columns``). Raises
    EpisodeJobError naming each failed episode once every task is done; the shards written
    stay, so a rerun does only what is left.
    """
    done = [shard_exists(out, e.prefix) for e in dataset.episodes]
    written = _run(connect(address), _align_shard, dataset, done, "align",
                   [list(tracks), hz, method, tolerance, kwargs, os.fspath(out)],
                   lambda prefix: shard_path(out, prefix))
    return _outputs(dataset, done, written, lambda prefix: shard_path(out, prefix))


def export_on_ray(dataset: Dataset, out: str | os.PathLike, *, fmt: str = "parquet",
                  tracks: Optional[Sequence[str]] = None,
                  address: Optional[str] = None) -> EpisodeOutputs:
    """Export every episode (``export_experiment``: a file per track and the side files) in
    its own Ray task to ``out/<prefix, percent-encoded>/``; episodes already there are
    skipped. ``out`` is a local (or shared) directory. Errors as in ``align_on_ray``."""
    if remote.is_remote(out):
        raise ValueError(f"export on Ray: --out {out}: expected a local or shared directory "
                         "(align --ray writes shards to s3://)")
    out = Path(out).expanduser().absolute()
    done = [episode_dir(out, e.prefix).is_dir() for e in dataset.episodes]
    written = _run(connect(address), _export_episode, dataset, done, "export",
                   [str(out), fmt, None if tracks is None else list(tracks)],
                   lambda prefix: str(episode_dir(out, prefix)))
    return _outputs(dataset, done, written, lambda prefix: str(episode_dir(out, prefix)))


def _run(ray: Any, function: Callable, dataset: Dataset, done: list, what: str, args: list,
         path_of: Callable[[str], str]) -> list:
    """Run ``function(dataset, index, *args)`` as a Ray task per episode not ``done``; return
    the prefixes written; EpisodeJobError once all are done if any failed."""
    todo = [index for index, there in enumerate(done) if not there]
    if not todo:
        return []
    task = ray.remote(function).options(num_cpus=1)
    shared = ray.put(dataset)
    refs = [task.remote(shared, index, *args) for index in todo]
    written, faults = [], {}
    for index, ref in zip(todo, refs):
        prefix = dataset.episodes[index].prefix
        try:
            fault = ray.get(ref)
        except Exception as err:  # noqa: BLE001 - a lost worker or task: named below
            fault = f"{type(err).__name__}: {str(err).splitlines()[0]}"
        if fault is None:
            written.append(prefix)
        else:
            faults[prefix] = fault
    if faults:
        raise EpisodeJobError(_describe(what, faults, len(todo)), faults,
                              [path_of(prefix) for prefix in written])
    return written


def _outputs(dataset: Dataset, done: list, written: list,
             path_of: Callable[[str], str]) -> EpisodeOutputs:
    prefixes = [e.prefix for e in dataset.episodes]
    return EpisodeOutputs(paths=tuple(path_of(p) for p in prefixes), written=tuple(written),
                          skipped=tuple(p for p, there in zip(prefixes, done) if there))


def _align_shard(dataset: Dataset, index: int, tracks: list, hz: Optional[float],
                 method: str, tolerance: Optional[float], kwargs: dict,
                 out: str) -> Optional[str]:
    """Align one episode and write its shard (a Ray task); return its fault, else None."""
    try:
        table = dataset.align_episode(index, tracks, hz, method, tolerance, **kwargs)
        write_shard(out, dataset.episodes[index].prefix, table)
    except Exception as err:  # noqa: BLE001 - reported per episode by the caller
        return f"{type(err).__name__}: {err}"
    return None


def _export_episode(dataset: Dataset, index: int, out: str, fmt: str,
                    tracks: Optional[list]) -> Optional[str]:
    """Export one episode into its directory (a Ray task); return its fault, else None."""
    prefix = dataset.episodes[index].prefix
    try:
        with staged_dir(episode_dir(out, prefix)) as staging:
            export_experiment(prefix, staging, dash_root=dataset.dash_root, fmt=fmt,
                              tracks=tracks)
    except Exception as err:  # noqa: BLE001 - reported per episode by the caller
        return f"{type(err).__name__}: {err}"
    return None


def _read_batch(batch: pa.Table, *, dataset: Dataset, track: str,
                columns: Optional[Sequence[str]]) -> pa.Table:
    tables = [dataset.read_episode(index, track, columns)
              for index in batch.column(EPISODE_INDEX).to_pylist()]
    return pa.concat_tables(tables, promote_options="permissive")


def _describe(what: str, faults: dict, tried: int) -> str:
    shown = "; ".join(f"{prefix}: {fault}" for prefix, fault in
                      list(faults.items())[:SHOWN_FAULTS])
    more = f"; and {len(faults) - SHOWN_FAULTS} more" if len(faults) > SHOWN_FAULTS else ""
    return (f"{what} on Ray: {len(faults)} of {tried} episodes failed, nothing of theirs "
            f"written (the others are kept; a rerun does only what is left): {shown}{more}")
