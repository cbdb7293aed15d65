"""The ml-dash Tracks API over a local Parquet store (pure Python, no ROS)."""

from ml_dash_ros.tracks.api.builder import TrackBuilder, TrackSlice
from ml_dash_ros.tracks.api.experiment import Experiment, RunContext
from ml_dash_ros.tracks.ingest.flusher import BufferSettings
from ml_dash_ros.tracks.api.manager import TracksManager
from ml_dash_ros.tracks.api.metrics import MetricBuilder, MetricsManager
from ml_dash_ros.tracks.api.params import ParametersBuilder
from ml_dash_ros.tracks.store.reader import read_stats

__all__ = [
    "BufferSettings", "Experiment", "MetricBuilder", "MetricsManager", "ParametersBuilder",
    "RunContext", "TrackBuilder", "TrackSlice", "TracksManager", "read_stats",
]
