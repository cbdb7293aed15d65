"""The Track API imports no ROS, and the top-level package stays light."""

import json

from .conftest import run_py


def test_tracks_import_no_rclpy():
    out = run_py("""
        import json, sys
        import ml_dash_ros
        light = sorted(m for m in ("pyarrow", "numpy") if m in sys.modules)
        from ml_dash_ros import Experiment
        from ml_dash_ros.tracks import TrackBuilder
        print(json.dumps({"light": light, "rclpy": "rclpy" in sys.modules,
                          "same": Experiment.__module__}))
    """)
    result = json.loads(out.stdout)
    assert result == {"light": [], "rclpy": False, "same": "ml_dash_ros.tracks.api.experiment"}
