"""Cameras recorded as video beside the tracks: segments written, frames read back."""

from ml_dash_ros.video.camera import Camera, CameraCounts, VideoSettings
from ml_dash_ros.video.cameras import Cameras, CameraSink, is_image

__all__ = ["Camera", "CameraCounts", "CameraSink", "Cameras", "VideoSettings", "is_image"]
