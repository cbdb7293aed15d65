"""Episodes out as a LeRobot v3 dataset: Parquet frames, MP4 per camera, meta files."""

from ml_dash_ros.tools.lerobot.config import (CameraFeature, LeRobotConfig, TrackFeature,
                                              load_lerobot_config, parse_lerobot_config)
from ml_dash_ros.tools.lerobot.export import LeRobotExport, export_lerobot

__all__ = ["CameraFeature", "LeRobotConfig", "LeRobotExport", "TrackFeature", "export_lerobot",
           "load_lerobot_config", "parse_lerobot_config"]
