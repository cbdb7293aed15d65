"""The README's custom-node example runs against the demo robot and records its tracks."""

import json
import re
import time
from pathlib import Path

import numpy as np

from ml_dash_ros.demo import motion
from ml_dash_ros.tracks import Experiment
from test.ros.support import run_python, spawn, stop

README = Path(__file__).resolve().parents[2] / "README.md"


def _example_code() -> str:
    section = README.read_text().split("## Log from your own node", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_node_example_logs_its_topics(tmp_path):
    script = tmp_path / "my_controller.py"
    script.write_text(_example_code())
    robot = spawn("ml_dash_ros.ros.demo_robot")
    node = run_python([str(script)], log_path=tmp_path / "node.log", cwd=tmp_path)
    try:
        time.sleep(4.0)
    finally:
        node_code = stop(node)
        stop(robot)
    assert node_code == 0, (tmp_path / "node.log").read_text()
    exp = Experiment("alice/franka/controller", dash_root=str(tmp_path / ".dash"))
    robot_rows = exp.tracks("robot").read(format="numpy")
    command = exp.tracks("command").read(format="numpy")
    assert len(robot_rows["_ts"]) > 500
    np.testing.assert_allclose(robot_rows["position"][:, 0],
                               [motion.joints(t).position[0] for t in robot_rows["_ts"]])
    np.testing.assert_allclose(command["target_q"], 0.5 * robot_rows["position"])
    assert json.loads((exp.path / "experiment.json").read_text())["status"] == "completed"
