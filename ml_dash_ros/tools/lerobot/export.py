"""Episodes of a dataset out as one LeRobot v3 dataset directory.

Everything is written into a hidden temporary directory beside the target and renamed to it
at the end: a failure (a missing track, features whose shapes disagree between episodes)
leaves no half-written dataset, and the target is never one that already holds files.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from ml_dash_ros.errors import LeRobotExportError
from ml_dash_ros.tools.dataset import Dataset, Episode
from ml_dash_ros.tools.lerobot import meta, stats
from ml_dash_ros.tools.lerobot.config import LeRobotConfig, load_lerobot_config
from ml_dash_ros.tools.lerobot.rows import EpisodeRows, check_episode, episode_rows
from ml_dash_ros.tools.lerobot.video import CameraVideo


@dataclass(frozen=True)
class LeRobotExport:
    """What an export wrote."""

    path: Path
    episodes: int
    frames: int
    tasks: tuple[str, ...]
    videos: tuple[str, ...]         # the video feature keys


def export_lerobot(pattern: str, out: str | os.PathLike, *,
                   config: LeRobotConfig | str | os.PathLike,
                   dash_root: str | os.PathLike | None = None,
                   where: dict | None = None) -> LeRobotExport:
    """Write the episodes under ``pattern`` (filtered by params ``where``) to ``out``."""
    if not isinstance(config, LeRobotConfig):
        config = load_lerobot_config(config)
    target = Path(out).expanduser()
    _check_target(target)
    dataset = Dataset(pattern, dash_root=dash_root, where=where)
    for episode in dataset.episodes:
        check_episode(episode.experiment(dataset.dash_root), config)
    tasks = [_task(episode, config) for episode in dataset.episodes]
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent))
    try:
        frames = _write(work, dataset, config, tasks)
        _check_target(target)
        if target.is_dir():
            target.rmdir()              # empty (checked): replaced by the finished dataset
        os.rename(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return LeRobotExport(target, len(dataset), frames, tuple(dict.fromkeys(tasks)),
                         tuple(c.key for c in config.cameras))


def _write(root: Path, dataset: Dataset, config: LeRobotConfig, tasks: list[str]) -> int:
    """Write every file of the dataset under ``root``; return the number of frames."""
    task_index = {task: i for i, task in enumerate(dict.fromkeys(tasks))}
    videos = {c.key: CameraVideo(root / meta.first_file(meta.VIDEO_PATH, video_key=c.key),
                                 config.fps, c.key) for c in config.cameras}
    data_path = root / meta.first_file(meta.DATA_PATH)
    data_path.parent.mkdir(parents=True)
    writer: Any = None
    entries: list[meta.EpisodeEntry] = []
    first_rows: EpisodeRows | None = None
    frames = 0
    try:
        for index, episode in enumerate(dataset.episodes):
            exp = episode.experiment(dataset.dash_root)
            rows = episode_rows(exp, config)
            first_rows = first_rows or rows
            _same_shapes(first_rows, rows)
            table = meta.frame_table(rows.values, rows.ticks, config.fps, index, frames,
                                     task_index[tasks[index]])
            writer = writer or pq.ParquetWriter(data_path, table.schema)
            writer.write_table(table)
            episode_stats = {key: stats.vector_stats(v) for key, v in rows.values.items()}
            for camera in config.cameras:
                sample = videos[camera.key].add_episode(exp, camera.camera, rows.ticks)
                episode_stats[camera.key] = stats.image_stats(sample)
            episode_stats.update(meta.default_stats(rows.ticks, config.fps, index, frames,
                                                    task_index[tasks[index]]))
            entries.append(meta.EpisodeEntry(index, tasks[index], len(rows.ticks), frames,
                                             episode_stats))
            frames += len(rows.ticks)
    finally:
        if writer is not None:
            writer.close()
        for video in videos.values():
            video.close()
    features = _features(first_rows, videos) if first_rows else {}
    meta.write_episodes(root, entries, {key: 0 for key in videos}, config.fps)
    meta.write_tasks(root, list(task_index))
    meta.write_stats(root, {key: stats.combine([e.stats[key] for e in entries])
                            for key in entries[0].stats})
    meta.write_info(root, fps=config.fps, features=features, episodes=len(entries),
                    frames=frames, tasks=len(task_index), robot_type=config.robot_type,
                    videos=bool(videos))
    return frames


def _features(rows: EpisodeRows, videos: dict[str, CameraVideo]) -> dict:
    out: dict = {key: {"dtype": "float32", "shape": [matrix.shape[1]],
                       "names": list(rows.names[key])} for key, matrix in rows.values.items()}
    for key, video in videos.items():
        out[key] = {"dtype": "video", "shape": list(video.shape or (0, 0, 3)),
                    "names": ["height", "width", "channels"], "info": video.info()}
    return out


def _same_shapes(first: EpisodeRows, rows: EpisodeRows) -> None:
    for key, matrix in rows.values.items():
        width, expected = matrix.shape[1], first.values[key].shape[1]
        if width != expected:
            raise LeRobotExportError(
                f"episode {rows.prefix!r}: feature {key!r} has {width} values per frame "
                f"({', '.join(rows.names[key])}); episode {first.prefix!r} has {expected} "
                f"({', '.join(first.names[key])}); every episode must give the same shape")


def _task(episode: Episode, config: LeRobotConfig) -> str:
    value = episode.params.get(config.task_param)
    if value is not None and str(value):
        return str(value)
    if config.task_default is not None:
        return config.task_default
    raise LeRobotExportError(
        f"episode {episode.prefix!r} has no param {config.task_param!r} (its task); set "
        f"task.default in {config.source} or choose another param with task.param")


def _check_target(target: Path) -> None:
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise LeRobotExportError(f"lerobot export: {target} already exists and is not an "
                                 "empty directory; choose a new one (nothing was written)")
