"""The files of a LeRobot v3 dataset besides the videos: frame rows, episodes, tasks, info, stats.

Layout (LeRobot's ``DEFAULT_*_PATH`` templates, one chunk and one file each)::

    data/chunk-000/file-000.parquet          one row per frame, every episode
    videos/{key}/chunk-000/file-000.mp4      one per camera feature
    meta/episodes/chunk-000/file-000.parquet one row per episode: length, tasks, offsets
    meta/tasks.parquet                       task text (the pandas index) -> task_index
    meta/info.json, meta/stats.json
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ml_dash_ros.tools.lerobot import stats as feature_stats

CODEBASE_VERSION = "v3.0"
CHUNK_FILE = "chunk-{chunk_index:03d}/file-{file_index:03d}"
DATA_PATH = "data/" + CHUNK_FILE + ".parquet"
VIDEO_PATH = "videos/{video_key}/" + CHUNK_FILE + ".mp4"
EPISODES_PATH = "meta/episodes/" + CHUNK_FILE + ".parquet"
TASKS_PATH = "meta/tasks.parquet"
INFO_PATH = "meta/info.json"
STATS_PATH = "meta/stats.json"
CHUNKS_SIZE = 1000              # LeRobot's defaults, written into info.json
DATA_FILE_MB = 100
VIDEO_FILE_MB = 200
DEFAULT_FEATURES = {name: {"dtype": dtype, "shape": [1], "names": None} for name, dtype in (
    ("timestamp", "float32"), ("frame_index", "int64"), ("episode_index", "int64"),
    ("index", "int64"), ("task_index", "int64"))}


def first_file(template: str, **keys: Any) -> str:
    """Return a path template filled for chunk 0, file 0."""
    return template.format(chunk_index=0, file_index=0, **keys)


@dataclass(frozen=True)
class EpisodeEntry:
    """One row of ``meta/episodes``."""

    index: int
    task: str
    length: int
    first_frame: int                # dataset_from_index
    stats: dict                     # feature -> {stat: array}


def frame_table(values: dict[str, np.ndarray], ticks: np.ndarray, fps: int, episode: int,
                first: int, task_index: int) -> pa.Table:
    """Return the data rows of one episode: the vector features, then LeRobot's own columns."""
    n = len(ticks)
    columns = {key: vector_column(matrix) for key, matrix in values.items()}
    columns["timestamp"] = pa.array((np.arange(n) / fps).astype(np.float32), pa.float32())
    columns["frame_index"] = pa.array(np.arange(n), pa.int64())
    columns["episode_index"] = pa.array(np.full(n, episode), pa.int64())
    columns["index"] = pa.array(first + np.arange(n), pa.int64())
    columns["task_index"] = pa.array(np.full(n, task_index), pa.int64())
    return pa.table(columns)


def vector_column(matrix: np.ndarray) -> pa.Array:
    """Return rows x values as float32: a plain column for one value, else fixed-size lists."""
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.shape[1] == 1:
        return pa.array(matrix[:, 0], pa.float32())
    flat = pa.array(matrix.reshape(-1), pa.float32())
    return pa.FixedSizeListArray.from_arrays(flat, matrix.shape[1])


def default_stats(ticks: np.ndarray, fps: int, episode: int, first: int,
                  task_index: int) -> dict[str, dict]:
    """Return the statistics of LeRobot's own columns for one episode."""
    n = len(ticks)
    columns = {"timestamp": np.arange(n) / fps, "frame_index": np.arange(n),
               "episode_index": np.full(n, episode), "index": first + np.arange(n),
               "task_index": np.full(n, task_index)}
    return {key: feature_stats.vector_stats(value) for key, value in columns.items()}


def write_episodes(root: Path, entries: list[EpisodeEntry], videos: dict[str, int],
                   fps: int) -> Path:
    """Write ``meta/episodes``; ``videos`` maps each video key to its file (all in file 0)."""
    rows: dict[str, list] = {}
    for entry in entries:
        row = {"episode_index": entry.index, "tasks": [entry.task], "length": entry.length,
               "data/chunk_index": 0, "data/file_index": 0,
               "dataset_from_index": entry.first_frame,
               "dataset_to_index": entry.first_frame + entry.length}
        for key in videos:
            row[f"videos/{key}/chunk_index"] = 0
            row[f"videos/{key}/file_index"] = 0
            row[f"videos/{key}/from_timestamp"] = entry.first_frame / fps
            row[f"videos/{key}/to_timestamp"] = (entry.first_frame + entry.length) / fps
        row["meta/episodes/chunk_index"] = 0
        row["meta/episodes/file_index"] = 0
        for feature, values in entry.stats.items():
            for stat, value in values.items():
                row[f"stats/{feature}/{stat}"] = np.asarray(value).tolist()
        for key, value in row.items():
            rows.setdefault(key, []).append(value)
    path = root / first_file(EPISODES_PATH)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(rows), path)
    return path


def write_tasks(root: Path, tasks: list[str]) -> Path:
    """Write ``meta/tasks.parquet`` as pandas would: the text is the index named ``task``."""
    table = pa.table({"task_index": pa.array(range(len(tasks)), pa.int64()),
                      "task": pa.array(tasks, pa.string())})
    pandas_meta = {
        "index_columns": ["task"], "column_indexes": [],
        "columns": [{"name": "task_index", "field_name": "task_index", "pandas_type": "int64",
                     "numpy_type": "int64", "metadata": None},
                    {"name": "task", "field_name": "task", "pandas_type": "unicode",
                     "numpy_type": "object", "metadata": None}],
        "creator": {"library": "pyarrow", "version": pa.__version__},
        "pandas_version": "2.2.0"}
    table = table.replace_schema_metadata({b"pandas": json.dumps(pandas_meta).encode()})
    path = root / TASKS_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return path


def write_info(root: Path, *, fps: int, features: dict, episodes: int, frames: int, tasks: int,
               robot_type: str | None, videos: bool) -> Path:
    """Write ``meta/info.json``."""
    info = {"codebase_version": CODEBASE_VERSION, "robot_type": robot_type,
            "total_episodes": episodes, "total_frames": frames, "total_tasks": tasks,
            "chunks_size": CHUNKS_SIZE, "data_files_size_in_mb": DATA_FILE_MB,
            "video_files_size_in_mb": VIDEO_FILE_MB, "fps": fps,
            "splits": {"train": f"0:{episodes}"}, "data_path": DATA_PATH,
            "video_path": VIDEO_PATH if videos else None,
            "features": {**features, **DEFAULT_FEATURES}}
    return _write_json(root / INFO_PATH, info)


def write_stats(root: Path, stats: dict[str, dict]) -> Path:
    """Write ``meta/stats.json``."""
    return _write_json(root / STATS_PATH, feature_stats.as_lists(stats))


def _write_json(path: Path, data: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=4) + "\n", encoding="utf-8")
    return path
