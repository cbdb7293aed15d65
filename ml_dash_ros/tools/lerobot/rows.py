"""One episode's frames: the ticks at the export's rate and each vector feature as float32 rows.

The ticks are those of ``align`` over every track the features use (cameras included), so
every tick lies inside every track. A vector feature is its columns side by side: a scalar
column gives one value, a list column its values (the same count in every row).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from ml_dash_ros.errors import LeRobotExportError
from ml_dash_ros.tools import catalog
from ml_dash_ros.tools.lerobot.config import LeRobotConfig, TrackFeature
from ml_dash_ros.tracks.api.align import align
from ml_dash_ros.video.frames import INDEX_COLUMNS as VIDEO_COLUMNS


@dataclass(frozen=True)
class EpisodeRows:
    """The ticks of one episode and its vector features (rows x values, float32)."""

    prefix: str
    ticks: np.ndarray
    values: dict[str, np.ndarray]
    names: dict[str, tuple[str, ...]]


def feature_columns(exp: Any, feature: TrackFeature) -> list[str]:
    """Return the stored columns of a feature (a dotted group expands), or raise NotFoundError."""
    return catalog.resolve_columns(exp, feature.track, list(feature.columns))


def check_episode(exp: Any, config: LeRobotConfig) -> None:
    """Raise NotFoundError naming the episode when a track, camera or column is missing."""
    for feature in config.tracks:
        feature_columns(exp, feature)
    for camera in config.cameras:
        missing = [c for c in VIDEO_COLUMNS if c not in catalog.track_schema(exp, camera.camera)]
        if missing:
            raise LeRobotExportError(
                f"episode {exp.prefix!r}: track {camera.camera!r} is not a camera recorded as "
                f"video (no column {', '.join(missing)}); feature {camera.key!r} needs one")


def episode_rows(exp: Any, config: LeRobotConfig) -> EpisodeRows:
    """Align one episode at ``config.fps`` and return its ticks and vector features."""
    columns: dict[str, list[str]] = {}
    for feature in config.tracks:
        wanted = columns.setdefault(feature.track, [])
        wanted += [c for c in feature_columns(exp, feature) if c not in wanted]
    for camera in config.cameras:
        columns.setdefault(camera.camera, ["frame_index"])
    try:
        table = align(exp, list(columns), config.fps, method=config.method,
                      tolerance=config.tolerance, columns=columns)
    except ValueError as err:
        raise LeRobotExportError(f"episode {exp.prefix!r}: {err}") from err
    ticks = table.column("_ts").to_numpy()
    if len(ticks) < 1:
        raise LeRobotExportError(f"episode {exp.prefix!r}: no tick at {config.fps} fps")
    values, names = {}, {}
    for feature in config.tracks:
        parts, labels = [], []
        for column in feature_columns(exp, feature):
            matrix = _matrix(table.column(f"{feature.track}/{column}"), exp.prefix,
                             feature, column, ticks)
            parts.append(matrix)
            labels += [column] if matrix.shape[1] == 1 and _scalar(table, feature, column) \
                else [f"{column}[{i}]" for i in range(matrix.shape[1])]
        values[feature.key] = np.concatenate(parts, axis=1).astype(np.float32)
        names[feature.key] = _names(feature, tuple(labels), exp.prefix)
    return EpisodeRows(exp.prefix, ticks, values, names)


def _scalar(table: pa.Table, feature: TrackFeature, column: str) -> bool:
    kind = table.schema.field(f"{feature.track}/{column}").type
    return not (pa.types.is_list(kind) or pa.types.is_fixed_size_list(kind)
                or pa.types.is_large_list(kind))


def _matrix(column: pa.ChunkedArray, prefix: str, feature: TrackFeature, column_name: str,
            ticks: np.ndarray) -> np.ndarray:
    """Return a column as rows x values floats; raise naming what is missing or uneven."""
    where = f"episode {prefix!r}: feature {feature.key!r}: track {feature.track!r} column " \
            f"{column_name!r}"
    array = column.combine_chunks()
    if array.null_count:
        missing = np.flatnonzero(~array.is_valid().to_numpy(zero_copy_only=False))
        raise LeRobotExportError(
            f"{where} has no value at {len(missing)} of {len(array)} ticks (the first at "
            f"_ts {ticks[missing[0]]:.6f}); values are never invented: set a tolerance, "
            "another method, or record the column in every row")
    kind = array.type
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or \
            pa.types.is_fixed_size_list(kind):
        if pa.types.is_fixed_size_list(kind):
            array = array.cast(pa.list_(kind.value_type))
        lengths = np.diff(array.offsets.to_numpy())
        if len(set(lengths.tolist())) > 1:
            raise LeRobotExportError(f"{where} holds lists of {min(lengths)} to {max(lengths)} "
                                     "values; a feature needs the same count in every row")
        flat = _numbers(array.flatten(), where)
        return flat.reshape(len(array), int(lengths[0]) if len(lengths) else 0)
    return _numbers(array, where).reshape(-1, 1)


def _numbers(array: pa.Array, where: str) -> np.ndarray:
    kind = array.type
    if not (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind)):
        raise LeRobotExportError(f"{where} holds {kind} values; a feature takes numbers "
                                 "(float, int, bool) or lists of them")
    if array.null_count:
        raise LeRobotExportError(f"{where} holds lists with missing values")
    return array.to_numpy(zero_copy_only=False).astype(np.float64)


def _names(feature: TrackFeature, labels: tuple[str, ...], prefix: str) -> tuple[str, ...]:
    if feature.names is None:
        return labels
    if len(feature.names) != len(labels):
        raise LeRobotExportError(
            f"episode {prefix!r}: feature {feature.key!r}: names lists {len(feature.names)} "
            f"names for {len(labels)} values ({', '.join(labels)})")
    return feature.names
