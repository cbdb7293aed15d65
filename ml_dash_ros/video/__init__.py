"""Cameras recorded as video beside the tracks: segments written, frames read back."""

from ml_dash_ros.video.camera import (Camera, CameraCounts, Cameras, CameraSink, VideoSettings,
                                      is_image)

__all__ = ["Camera", "CameraCounts", "CameraSink", "Cameras", "VideoSettings", "is_image"]
