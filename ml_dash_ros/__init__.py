"""ml_dash_ros: record ROS 2 topics as timestamped Parquet tracks (the ml-dash Tracks API)."""

__version__ = "0.1.0"
__all__ = ["Experiment", "to_entries", "to_fields", "__version__"]

_LAZY = {"Experiment": "ml_dash_ros.tracks.api.experiment", "to_fields": "ml_dash_ros.convert",
         "to_entries": "ml_dash_ros.convert"}


def __getattr__(name: str):
    """Import on first use so ``import ml_dash_ros`` stays light (no pyarrow, no rclpy)."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ml_dash_ros' has no attribute {name!r}")
