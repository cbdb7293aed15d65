"""The cameras of a recording (``ls``, ``info``): frames, rate, size, resolution and codec.

A camera is a track whose frames are video segments under ``{prefix}/files/video/{track}/``.
Its summary counts the frame rows of the track and the closed segment files (``seg-*``) and
their bytes; with ``detail=True`` also the frame rate (one over the median stamp period), the
resolutions and encodings of its rows and the codecs of its segments (read from the first
segment of each encoding). A camera whose track or segment cannot be read is listed with
``error`` naming what is wrong.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from ml_dash_ros.errors import MlDashRosError
from ml_dash_ros.tools import catalog as store
from ml_dash_ros.tracks.store import layout
from ml_dash_ros.tracks.store.contract import FILES_DIR

VIDEO_DIR = "video"
_SEGMENT = "seg-"
_DAMAGE = (MlDashRosError, OSError, pa.ArrowException)


@dataclass(frozen=True)
class CameraSummary:
    """One camera: frame rows, segment files and bytes; with detail rate, sizes, codecs."""

    track: str
    frames: int | None                  # rows of the camera's track (None: unreadable)
    segments: int                       # closed segment files
    video_bytes: int                    # ... their size
    fps: float | None = None            # 1 / median period of the frame stamps
    resolutions: tuple = ()             # "640x480", ... in order of first appearance
    encodings: tuple = ()               # rgb8, 16UC1, jpeg, ...
    codecs: tuple = ()                  # h264, ffv1, mjpeg, png
    error: str | None = None            # why the camera cannot be read

    def as_dict(self) -> dict:
        """Return plain data (JSON-ready)."""
        out = asdict(self)
        for key in ("resolutions", "encodings", "codecs"):
            out[key] = list(out[key])
        return out


def video_directory(prefix_dir: Path) -> Path:
    """Return the directory that holds an experiment's camera segments."""
    return Path(prefix_dir) / FILES_DIR / VIDEO_DIR


def camera_tracks(prefix_dir: Path) -> list[str]:
    """Return the tracks that have segment files (open or closed), sorted."""
    root = video_directory(prefix_dir)
    found = []
    for here, dirs, files in os.walk(root):
        dirs.sort()
        if any(name.lstrip(".").startswith(_SEGMENT) for name in files):
            found.append(Path(here).relative_to(root).as_posix())
    return sorted(found)


def summarize_cameras(exp: Any, *, detail: bool = False) -> tuple:
    """Return a CameraSummary for every camera of an experiment."""
    return tuple(summarize_camera(exp, track, detail=detail)
                 for track in camera_tracks(exp.path))


def summarize_camera(exp: Any, track: str, *, detail: bool = False) -> CameraSummary:
    """Return one camera's summary; an unreadable track or segment gives ``error``."""
    segments = _segments(video_directory(exp.path).joinpath(*track.split("/")))
    size = sum(path.stat().st_size for path in segments)
    try:
        if not layout.topic_dir(exp.tracks.directory, track).is_dir():
            return CameraSummary(track, 0, len(segments), size)
        frames = store.track_range(exp, track)["count"]
        if not detail:
            return CameraSummary(track, frames, len(segments), size)
        return _detail(exp, track, frames, segments, size)
    except _DAMAGE as err:
        return CameraSummary(track, None, len(segments), size, error=str(err))


def _detail(exp: Any, track: str, frames: int, segments: list, size: int) -> CameraSummary:
    table = store.read_track(exp, track, columns=["width", "height", "encoding", "file"])
    stamps = table.column("_ts").to_numpy()
    periods = np.diff(stamps)
    median = float(np.median(periods)) if len(periods) else 0.0
    shapes = zip(table.column("width").to_pylist(), table.column("height").to_pylist())
    encodings = _unique(table.column("encoding").to_pylist())
    first_files = dict(zip(table.column("encoding").to_pylist()[::-1],
                           table.column("file").to_pylist()[::-1]))
    codecs = _unique(_codec(Path(exp.path).joinpath(*first_files[e].split("/")))
                     for e in encodings)
    return CameraSummary(track, frames, len(segments), size,
                         1.0 / median if median > 0 else None,
                         _unique(f"{w}x{h}" for w, h in shapes), encodings,
                         tuple(c for c in codecs if c))


def _codec(path: Path) -> str | None:
    """Return the codec of a segment's video stream (None when the file is gone)."""
    import av

    if not path.is_file():
        return None
    try:
        with av.open(str(path)) as container:
            return container.streams.video[0].codec_context.name
    except (av.FFmpegError, IndexError) as err:
        raise MlDashRosError(f"{path}: cannot read the video stream ({err})") from err


def _segments(directory: Path) -> list:
    try:
        return sorted(p for p in directory.iterdir() if _is_segment(p.name) and p.is_file())
    except FileNotFoundError:
        return []


def _is_segment(name: str) -> bool:
    return name.startswith(_SEGMENT) and not name.endswith(".part")


def _unique(values) -> tuple:
    return tuple(dict.fromkeys(v for v in values if v is not None))
