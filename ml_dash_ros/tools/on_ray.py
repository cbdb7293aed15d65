"""Work over a dataset's episodes on Ray: the dataset as a Ray Data dataset, and align as one
Ray task per episode that writes the episode's shard (``tools.shards``).

The same code runs on a local Ray and on a cluster (``address="auto"`` or
``"ray://host:10001"``; the workers need ml_dash_ros installed and the dash_root reachable).
Ray is imported only when called: the package works without it.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from typing import Any, Optional, Sequence

import pyarrow as pa

from ml_dash_ros.errors import EpisodeJobError, MissingDependencyError
from ml_dash_ros.tools.dataset import EPISODE, EPISODE_INDEX, Dataset
from ml_dash_ros.tools.shards import shard_exists, shard_path, write_shard

INSTALL_HINT = "pip install 'ray[data]' (pinned in requirements/dev.txt)"
SHOWN_FAULTS = 5


@dataclass(frozen=True)
class AlignedShards:
    """What ``align_on_ray`` did: every episode's shard, in the dataset's order."""

    paths: tuple            # one shard per episode
    written: tuple          # prefixes aligned and written by this call
    skipped: tuple          # prefixes whose shard was already there


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
    if address:
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
                 **kwargs: Any) -> AlignedShards:
    """Align every episode (``Dataset.align_episode``) in its own Ray task, each writing its
    shard under ``out``; episodes whose shard is already there are skipped.

    ``kwargs`` go to ``align`` (``ticks``, ``start``, ``end``, ``columns``). Raises
    EpisodeJobError naming each failed episode once every task is done; the shards written
    stay, so a rerun does only what is left.
    """
    ray = connect(address)
    todo = [i for i, e in enumerate(dataset.episodes) if not shard_exists(out, e.prefix)]
    written: list = []
    if todo:
        task = ray.remote(_align_shard).options(num_cpus=1)
        shared = ray.put(dataset)
        refs = [task.remote(shared, index, list(tracks), hz, method, tolerance, kwargs,
                            os.fspath(out)) for index in todo]
        faults = {}
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
            raise EpisodeJobError(_describe(faults, len(todo)), faults,
                                  [shard_path(out, p) for p in written])
    pending = set(todo)
    skipped = [e.prefix for i, e in enumerate(dataset.episodes) if i not in pending]
    return AlignedShards(paths=tuple(shard_path(out, e.prefix) for e in dataset.episodes),
                         written=tuple(written), skipped=tuple(skipped))


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


def _read_batch(batch: pa.Table, *, dataset: Dataset, track: str,
                columns: Optional[Sequence[str]]) -> pa.Table:
    tables = [dataset.read_episode(index, track, columns)
              for index in batch.column(EPISODE_INDEX).to_pylist()]
    return pa.concat_tables(tables, promote_options="permissive")


def _describe(faults: dict, tried: int) -> str:
    shown = "; ".join(f"{prefix}: {fault}" for prefix, fault in
                      list(faults.items())[:SHOWN_FAULTS])
    more = f"; and {len(faults) - SHOWN_FAULTS} more" if len(faults) > SHOWN_FAULTS else ""
    return (f"align on Ray: {len(faults)} of {tried} episodes failed, their shards not "
            f"written (the others are kept; a rerun does only what is left): {shown}{more}")
