"""One camera of a LeRobot export: the frame nearest each tick, re-encoded into one MP4.

Every episode's frames go into the same file, one frame per tick at presentation time
``k / fps`` (k counts from the file's first frame), so an episode's frames start at
``from_timestamp = frames before it / fps``, as LeRobot's decoder looks them up. H.264
``yuv420p`` (``yuv444p`` for an odd size), a key frame every ``KEYFRAME_EVERY`` frames.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from ml_dash_ros.errors import LeRobotExportError
from ml_dash_ros.video.frames import Frames

KEYFRAME_EVERY = 2          # LeRobot's own default: cheap random access while training
CRF = 23
BATCH = 32                  # ticks decoded at a time (bounded memory)
STATS_SAMPLES = 100         # frames per episode for the image statistics
STATS_SIZE = 150            # ... each shrunk to about this many pixels a side
BGR = ("bgr8", "bgra8", "8UC3")     # raw encodings decoded in BGR order


class CameraVideo:
    """Write one camera's frames for every episode into ``path`` (an MP4)."""

    def __init__(self, path: Path, fps: int, key: str) -> None:
        """Prepare the file; it is opened at the first frame (its size is then known)."""
        self.path, self.fps, self.key = path, fps, key
        self.frames = 0
        self.shape: tuple[int, int, int] | None = None
        self.pix_fmt = ""
        self._container: Any = None
        self._stream: Any = None

    def add_episode(self, exp: Any, camera: str, ticks: np.ndarray) -> np.ndarray:
        """Encode the frame nearest each tick; return a sample of them (for statistics)."""
        frames = Frames(exp, camera)
        stamps = frames.index["_ts"]
        if not len(stamps):
            raise LeRobotExportError(f"episode {exp.prefix!r}: camera {camera!r} has no frame")
        rows = nearest_rows(stamps, ticks)
        keep = set(np.linspace(0, len(ticks) - 1, min(STATS_SAMPLES, len(ticks))).astype(int))
        sample = []
        for start in range(0, len(rows), BATCH):
            chunk = rows[start:start + BATCH]
            lo = int(np.searchsorted(stamps, stamps[chunk.min()], side="left"))
            window = frames.window(stamps[chunk.min()], stamps[chunk.max()])
            for offset, row in enumerate(chunk):
                image = rgb(window[row - lo].image, window[row - lo].encoding,
                            f"episode {exp.prefix!r}: camera {camera!r}")
                self._add(image, exp.prefix, camera)
                if start + offset in keep:
                    sample.append(_shrunk(image))
        return np.stack(sample)

    def _add(self, image: np.ndarray, prefix: str, camera: str) -> None:
        import av

        if self.shape is None:
            self._open(image.shape)
        elif image.shape != self.shape:
            raise LeRobotExportError(
                f"episode {prefix!r}: camera {camera!r} gives {_size(image.shape)} frames; "
                f"feature {self.key!r} is {_size(self.shape)} (from the first episode); one "
                "feature holds frames of one size")
        frame = av.VideoFrame.from_ndarray(image, format="rgb24")
        frame.pts = self.frames
        self.frames += 1
        self._container.mux(self._stream.encode(frame))

    def _open(self, shape: tuple) -> None:
        import av

        height, width = shape[:2]
        self.shape = (height, width, 3)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._container = av.open(str(self.path), "w", format="mp4")
        stream = self._container.add_stream("libx264", rate=Fraction(self.fps))
        stream.width, stream.height = width, height
        self.pix_fmt = "yuv420p" if width % 2 == 0 and height % 2 == 0 else "yuv444p"
        stream.pix_fmt = self.pix_fmt
        stream.options = {"crf": str(CRF), "preset": "veryfast"}
        stream.codec_context.gop_size = KEYFRAME_EVERY
        stream.codec_context.time_base = Fraction(1, self.fps)
        self._stream = stream

    def close(self) -> None:
        """Flush the encoder and close the file (idempotent)."""
        if self._container is None:
            return
        container, self._container = self._container, None
        try:
            container.mux(self._stream.encode(None))
        finally:
            container.close()

    def info(self) -> dict:
        """Return the feature's ``info`` for ``meta/info.json`` (LeRobot's ``video.*`` keys)."""
        height, width, channels = self.shape or (0, 0, 3)
        return {"video.height": height, "video.width": width, "video.codec": "h264",
                "video.pix_fmt": self.pix_fmt, "video.is_depth_map": False,
                "video.fps": self.fps, "video.channels": channels, "has_audio": False}


def nearest_rows(stamps: np.ndarray, ticks: np.ndarray) -> np.ndarray:
    """Return the row of the stamp nearest each tick (a tie takes the earlier one)."""
    after = np.clip(np.searchsorted(stamps, ticks, side="left"), 0, len(stamps) - 1)
    before = np.clip(after - 1, 0, len(stamps) - 1)
    use_before = np.abs(ticks - stamps[before]) <= np.abs(stamps[after] - ticks)
    return np.where(use_before, before, after)


def rgb(image: Any, encoding: str, where: str) -> np.ndarray:
    """Return a decoded frame as HxWx3 uint8 RGB (grey repeated, alpha dropped)."""
    array = np.asarray(image)
    if array.dtype != np.uint8:
        raise LeRobotExportError(f"{where}: {encoding} frames ({array.dtype}) are not "
                                 "exported; a LeRobot video feature takes 8-bit colour or grey")
    if array.ndim == 2:
        return np.ascontiguousarray(np.repeat(array[:, :, None], 3, axis=2))
    if encoding in BGR and array.shape[2] >= 3:
        array = array[:, :, 2::-1]
    return np.ascontiguousarray(array[:, :, :3])


def _shrunk(image: np.ndarray) -> np.ndarray:
    step = max(1, max(image.shape[:2]) // STATS_SIZE)
    return image[::step, ::step]


def _size(shape: tuple) -> str:
    return f"{shape[1]}x{shape[0]}"
