"""Fixtures for the data tools: a small real recording, bags, and the CLI as a subprocess."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ml_dash_ros import Experiment

from test import helpers

REPO = helpers.REPO
PREFIX = "alice/franka/demo-001"


def child_env():
    """Return the environment of a child Python of this venv, on a 200-column terminal."""
    return helpers.child_env(COLUMNS="200")


def run_cli(*args, cwd=None, timeout=120):
    """Run ``python -m ml_dash_ros ARGS``; return the CompletedProcess (text)."""
    return subprocess.run([sys.executable, "-m", "ml_dash_ros", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, env=child_env(),
                          cwd=cwd)


def tree_digest(root: Path) -> dict:
    """Return {relative path: sha256} of every file under root."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def record(dash_root: Path, prefix: str = PREFIX) -> Path:
    """Write a small recording: robot 100 Hz with a gap, imu 50 Hz, tf/tool0 10 Hz."""
    with Experiment(prefix, dash_root=dash_root).run as exp:
        exp.params.set(robot="franka")
        stamps = np.r_[np.arange(0, 100), np.arange(150, 300)] * 0.01 + 10.0
        for t in stamps:
            exp.tracks("robot").append(_ts=float(t), q=[np.sin(t), np.cos(t), t - 10.0],
                                       gripper=0.04, mode="run")
        for k in range(150):
            exp.tracks("imu").append(_ts=10.0 + k * 0.02, acc=[0.0, 0.0, 9.81], seq=k)
        for k in range(30):
            exp.tracks("tf/tool0").append(_ts=10.0 + k * 0.1, translation=[0.1 * k, 0.0, 0.5])
    recorder = {"node": "/recorder", "config": "robot.yaml", "prefix": prefix,
                "topics": {"/joint_states": {"type": "sensor_msgs/msg/JointState",
                                             "received": 260, "written": 250, "dropped": 10,
                                             "no_stamp": 10, "tracks": ["robot"]},
                           "/tf": {"type": "tf2_msgs/msg/TFMessage", "received": 30,
                                   "written": 30, "dropped": 0, "tracks": ["tf/tool0"]}}}
    path = dash_root.joinpath(*prefix.split("/"))
    (path / "recorder.json").write_text(json.dumps(recorder))
    return path


@pytest.fixture
def dash_root(tmp_path):
    """Return a dash_root holding one small recording (PREFIX)."""
    root = tmp_path / "dash"
    record(root)
    return root


@pytest.fixture
def exp(dash_root):
    """Return the recording's Experiment (not opened: read-only use)."""
    return Experiment(PREFIX, dash_root=dash_root)
