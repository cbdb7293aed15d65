"""The ml-dash Tracks API over a local Parquet store (pure Python, no ROS)."""

from ml_dash_ros.tracks.builder import TrackBuilder, TrackSlice
from ml_dash_ros.tracks.experiment import Experiment, RunContext
from ml_dash_ros.tracks.flusher import BufferSettings
from ml_dash_ros.tracks.manager import TracksManager
from ml_dash_ros.tracks.metrics import MetricBuilder, MetricsManager
from ml_dash_ros.tracks.params import ParametersBuilder
from ml_dash_ros.tracks.reader import read_stats

__all__ = [
    "BufferSettings", "Experiment", "MetricBuilder", "MetricsManager", "ParametersBuilder",
    "RunContext", "TrackBuilder", "TrackSlice", "TracksManager", "read_stats",
]
