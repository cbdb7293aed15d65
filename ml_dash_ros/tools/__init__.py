"""Data tools on top of the Track API: inventory, read/export, plot, align, bag import.

Everything the ``ml-dash-ros`` CLI prints comes from here. Names are imported on first use,
so ``import ml_dash_ros.tools`` loads neither rosbags nor matplotlib. Align lives in its
module (``from ml_dash_ros.tools.align import align``; the name would clash with the module).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "BagError", "ExperimentSummary", "Gap", "ImportReport", "RecordingExistsError",
    "TrackSummary", "experiment_info", "export_experiment", "find_experiments",
    "import_bag", "list_experiments", "open_experiment", "plot_track", "read_track",
    "table_to_csv",
]

_LAZY = {
    "BagError": "ml_dash_ros.errors",
    "ImportReport": "ml_dash_ros.tools.bag_import",
    "RecordingExistsError": "ml_dash_ros.errors",
    "import_bag": "ml_dash_ros.tools.bag_import",
    "ExperimentSummary": "ml_dash_ros.tools.inventory",
    "Gap": "ml_dash_ros.tools.inventory",
    "TrackSummary": "ml_dash_ros.tools.inventory",
    "experiment_info": "ml_dash_ros.tools.inventory",
    "find_experiments": "ml_dash_ros.tools.inventory",
    "list_experiments": "ml_dash_ros.tools.inventory",
    "export_experiment": "ml_dash_ros.tools.export",
    "table_to_csv": "ml_dash_ros.tools.export",
    "plot_track": "ml_dash_ros.tools.plot",
    "open_experiment": "ml_dash_ros.tools.catalog",
    "read_track": "ml_dash_ros.tools.catalog",
}


def __getattr__(name: str) -> Any:
    """Import a public name on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ml_dash_ros.tools' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
