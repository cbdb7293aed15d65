"""The cameras of one recording: one ``Camera`` per camera track, created on its first frame,
and the sink the topic pipeline hands image fields to."""

from __future__ import annotations

from pathlib import Path

from ml_dash_ros.errors import MlDashRosError
from ml_dash_ros.tracks.api.files import check_name
from ml_dash_ros.video.camera import Camera, CameraCounts, VideoSettings


class Cameras:
    """The cameras of one recording: one ``Camera`` per track, created on first frame."""

    def __init__(self, files_directory: Path, files_relative: str = "files/video", *,
                 block: bool = False) -> None:
        """Write cameras under ``files_directory`` (``files_relative`` inside the experiment)."""
        self.directory, self.relative, self._block = files_directory, files_relative, block
        self._cameras: dict[str, Camera] = {}

    def camera(self, track: str, settings: VideoSettings) -> Camera:
        """Return the camera of a track."""
        camera = self._cameras.get(track)
        if camera is None:
            camera = self._cameras[track] = Camera(
                self.directory.joinpath(*check_name(track, "camera track")),
                f"{self.relative}/{track}",
                settings, block=self._block)
        return camera

    def sink(self, settings: VideoSettings | bool | None) -> CameraSink | None:
        """Return what turns a topic's images into frame rows (None: ``video: false``)."""
        if settings is False:
            return None
        return CameraSink(self, settings if isinstance(settings, VideoSettings)
                          else VideoSettings())

    def counts(self, track: str) -> CameraCounts | None:
        """Return a camera's counts (None if it has had no frame)."""
        camera = self._cameras.get(track)
        return None if camera is None else camera.counts

    def close(self) -> None:
        """Close every camera (each flushes its queue and its open segment)."""
        errors = []
        for camera in self._cameras.values():
            try:
                camera.close()
            except MlDashRosError as err:
                errors.append(err)
        if errors:
            raise errors[0]


class CameraSink:
    """One topic's images into its cameras: ``sink(track, fields, ts)`` gives the row or None."""

    def __init__(self, cameras: Cameras, settings: VideoSettings) -> None:
        """Write into ``cameras`` with ``settings``."""
        self._cameras, self._settings = cameras, settings
        self._tracks: set[str] = set()
        self.late = 0
        self.unnamed = 0
        self.first_error = ""

    def __call__(self, track: str, fields: dict, ts: float, *, late: bool = False) -> dict | None:
        """Queue one image; return its row, or None (refused, invalid, or ``late``: counted).

        ``late`` is a straggler of an episode already closed: its camera files are final.
        """
        if late:
            self.late += 1
            return None
        try:
            camera = self._cameras.camera(track, self._settings)
        except MlDashRosError as err:  # a track name that cannot be a directory
            self.unnamed += 1
            self.first_error = self.first_error or str(err)
            return None
        self._tracks.add(track)
        return camera.submit(fields, ts)

    def counts(self) -> dict:
        """Return the counts of this topic's cameras, summed (``video_*`` keys)."""
        total = CameraCounts(invalid=self.unnamed, first_error=self.first_error)
        for track in sorted(self._tracks):
            counts = self._cameras.counts(track)
            for name in ("frames", "refused", "invalid", "errors", "segments", "bytes"):
                setattr(total, name, getattr(total, name) + getattr(counts, name))
            total.first_error = total.first_error or counts.first_error
        return {**total.as_dict(), "video_late": self.late}


def is_image(fields: dict) -> bool:
    """Tell whether converted fields are those of an Image or a CompressedImage."""
    return "data" in fields and ("encoding" in fields and "step" in fields
                                 or "format" in fields)
