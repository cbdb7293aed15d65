"""The LeRobot export's mapping YAML: the rate, the task, and which tracks become which features.

```yaml
fps: 30
task: {param: task, default: "pick the cube"}   # or just: task: task
method: nearest                                  # align of track features: asof, nearest, linear
features:
  observation.state: {track: robot, columns: [q]}            # an array column, or scalars
  action: {track: robot, columns: [cmd.j1, cmd.j2]}
  observation.images.front: {camera: cam/color}
```
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

from ml_dash_ros.errors import ConfigError
from ml_dash_ros.mapping.safe_yaml import read_yaml
from ml_dash_ros.tracks.api.align import METHODS

IMAGES = "observation.images."
# The columns every LeRobot frame carries; a feature may not take their names.
DEFAULT_FEATURES = ("timestamp", "frame_index", "episode_index", "index", "task_index")
TOP_KEYS = ("fps", "task", "method", "tolerance", "robot_type", "features")
TRACK_KEYS = ("track", "columns", "names")
CAMERA_KEYS = ("camera",)
TASK_KEYS = ("param", "default")


@dataclass(frozen=True)
class TrackFeature:
    """A vector feature: columns of one track, aligned at the export's rate."""

    key: str
    track: str
    columns: tuple[str, ...]
    names: tuple[str, ...] | None = None     # one per value; default: from the columns


@dataclass(frozen=True)
class CameraFeature:
    """A video feature: a camera's frames, the nearest to each tick."""

    key: str
    camera: str


@dataclass(frozen=True)
class LeRobotConfig:
    """How episodes become a LeRobot dataset."""

    fps: int
    features: tuple[TrackFeature | CameraFeature, ...]
    task_param: str = "task"
    task_default: str | None = None
    method: str = "nearest"
    tolerance: float | None = None
    robot_type: str | None = None
    source: str = "<dict>"

    @property
    def tracks(self) -> tuple[TrackFeature, ...]:
        """Return the vector features."""
        return tuple(f for f in self.features if isinstance(f, TrackFeature))

    @property
    def cameras(self) -> tuple[CameraFeature, ...]:
        """Return the video features."""
        return tuple(f for f in self.features if isinstance(f, CameraFeature))


def load_lerobot_config(path: str | os.PathLike) -> LeRobotConfig:
    """Read and check a LeRobot mapping YAML file."""
    return parse_lerobot_config(read_yaml(path), str(path))


def parse_lerobot_config(data: Any, source: str = "<dict>") -> LeRobotConfig:
    """Check a parsed mapping; raise ConfigError naming the file, the key and what was expected."""
    node = _mapping(data, source, "top level", TOP_KEYS)
    for key in ("fps", "features"):
        if key not in node:
            raise ConfigError(f"{source}: {key}: missing required key")
    fps = node["fps"]
    if not isinstance(fps, int) or isinstance(fps, bool) or fps <= 0:
        _fail(source, "fps", "a positive integer (frames per second)", fps)
    method = node.get("method", "nearest")
    if method not in METHODS:
        _fail(source, "method", "one of " + ", ".join(METHODS), method)
    tolerance = node.get("tolerance")
    if tolerance is not None and (not isinstance(tolerance, (int, float))
                                  or isinstance(tolerance, bool) or not tolerance >= 0
                                  or not math.isfinite(tolerance)):
        _fail(source, "tolerance", "a number of seconds >= 0", tolerance)
    robot_type = node.get("robot_type")
    if robot_type is not None and not isinstance(robot_type, str):
        _fail(source, "robot_type", "a text", robot_type)
    param, default = _task(source, node.get("task", "task"))
    return LeRobotConfig(fps=fps, features=_features(source, node["features"]),
                         task_param=param, task_default=default, method=method,
                         tolerance=None if tolerance is None else float(tolerance),
                         robot_type=robot_type, source=source)


def _task(source: str, node: Any) -> tuple[str, str | None]:
    if isinstance(node, str) and node:
        return node, None
    task = _mapping(node, source, "task", TASK_KEYS)
    param, default = task.get("param", "task"), task.get("default")
    if not isinstance(param, str) or not param:
        _fail(source, "task.param", "the name of an episode param", param)
    if default is not None and (not isinstance(default, str) or not default):
        _fail(source, "task.default", "a task text", default)
    return param, default


def _features(source: str, node: Any) -> tuple[TrackFeature | CameraFeature, ...]:
    if not isinstance(node, dict) or not node:
        _fail(source, "features", "a mapping of feature names (observation.state, action, "
                                  "observation.images.NAME) to {track, columns} or {camera}",
              node)
    out: list[TrackFeature | CameraFeature] = []
    for key, spec in node.items():
        path = f"features[{key}]"
        if not isinstance(key, str) or not key or key in DEFAULT_FEATURES:
            _fail(source, path, "a feature name other than " + ", ".join(DEFAULT_FEATURES), key)
        if key.startswith(IMAGES):
            spec = _mapping(spec, source, path, CAMERA_KEYS)
            out.append(CameraFeature(key, _text(source, f"{path}.camera", spec.get("camera"))))
            continue
        spec = _mapping(spec, source, path, TRACK_KEYS)
        if "camera" in spec:
            _fail(source, path, f"a name starting with {IMAGES!r} for a camera", key)
        track = _text(source, f"{path}.track", spec.get("track"))
        columns = _texts(source, f"{path}.columns", spec.get("columns"))
        names = spec.get("names")
        out.append(TrackFeature(key, track, columns,
                                None if names is None else _texts(source, f"{path}.names", names)))
    return tuple(out)


def _mapping(node: Any, source: str, path: str, allowed: tuple[str, ...]) -> dict:
    if not isinstance(node, dict):
        _fail(source, path, "a mapping", node)
    for key in node:
        if key not in allowed:
            raise ConfigError(f"{source}: {path}: unknown key {key!r}; expected one of "
                              f"{', '.join(allowed)}")
    return node


def _text(source: str, path: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        _fail(source, path, "a track name", value)
    return value


def _texts(source: str, path: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or \
            not all(isinstance(v, str) and v for v in value):
        _fail(source, path, "a list of column names", value)
    if len(set(value)) != len(value):
        _fail(source, path, "names listed once each", value)
    return tuple(value)


def _fail(source: str, path: str, expected: str, got: Any) -> None:
    shown = repr(got)
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    raise ConfigError(f"{source}: {path}: expected {expected}, got {shown}")
