"""End to end under load: the recorder writes every stamp the demo robot's grid holds."""

import json
import signal
import subprocess
import sys

import numpy as np
import pytest
from sensor_msgs.msg import JointState

from ml_dash_ros.tracks import Experiment
from test.ros.support import Listener, spawn, start_recorder, stop, wait_for_log, write_config

TOPICS = """\
  - {topic: /joint_states, track: robot}
  - {topic: /imu/data, track: imu}
  - {topic: /tf, track: "tf/{child_frame_id}"}
"""
PERIODS = {"robot": 0.002, "imu": 0.005, "tf/link7": 0.01}
HEARD = 2000            # joint states heard by a listener while recording (4 s at 500 Hz)
HOGS = 2


@pytest.fixture(scope="module")
def busy_recording(tmp_path_factory):
    """Record the demo robot while CPU hogs keep both cores busy; return (experiment, log)."""
    tmp = tmp_path_factory.mktemp("complete")
    config = write_config(tmp / "demo.yaml", TOPICS, dash_root=tmp / "dash")
    log = tmp / "recorder.log"
    hogs = [subprocess.Popen([sys.executable, "-c", "while 1: pass"]) for _ in range(HOGS)]
    try:
        with Listener({"/joint_states": JointState}) as listener:
            robot = spawn("ml_dash_ros.ros.demo_robot", log_path=tmp / "robot.log")
            recorder = start_recorder(config, log)
            try:
                assert wait_for_log(log, "/tf [", timeout=60), log.read_text()
                start = listener.count("/joint_states")
                assert listener.wait_for("/joint_states", start + HEARD, timeout=120)
                assert stop(recorder, signal.SIGINT) == 0, log.read_text()
            finally:
                stop(recorder)
                stop(robot)
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    return Experiment("test/run-001", dash_root=str(tmp / "dash")), log.read_text()


@pytest.mark.parametrize("track", sorted(PERIODS))
def test_no_row_is_missing_between_the_first_and_last_stamp(busy_recording, track):
    stamps = busy_recording[0].tracks(track).read(format="numpy")["_ts"]
    steps = np.diff(stamps)
    off = steps[np.abs(steps - PERIODS[track]) > 1e-6]
    assert len(stamps) > 100
    assert off.tolist() == [], f"{len(off)} of {len(steps)} steps are not {PERIODS[track]} s"


def test_recorder_json_reports_no_stamp_gap(busy_recording):
    experiment, log = busy_recording
    topics = json.loads((experiment.path / "recorder.json").read_text())["topics"]
    assert {topic: row["stamp_gaps"] for topic, row in topics.items()} == {
        "/joint_states": 0, "/imu/data": 0, "/tf": 0}, log
