"""The recorder, as its own process, records the demo robot: every converter end to end."""

import json
import signal
import time

import numpy as np
import pytest

from ml_dash_ros.demo import motion
from ml_dash_ros.tracks import Experiment
from test.ros.support import spawn, start_recorder, stop, wait_for_log, write_config

DEMO_TOPICS = """\
  - {topic: /joint_states, track: robot, fields: {position: q, velocity: qd, effort: tau}}
  - {topic: /imu/data, track: imu}
  - {topic: /camera/color/camera_info, track: cam/color/info, on_change: true}
  - {topic: /tf, track: "tf/{child_frame_id}"}
  - {topic: /tf_static, track: "tf_static/{child_frame_id}"}
"""
RECORD_SECONDS = 3.0


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    """Record the demo robot for a few seconds; stop with SIGINT; return the experiment."""
    tmp = tmp_path_factory.mktemp("demo_recording")
    config = write_config(tmp / "demo.yaml", DEMO_TOPICS, dash_root=tmp / "dash")
    robot = spawn("ml_dash_ros.ros.demo_robot", log_path=tmp / "robot.log")
    recorder = start_recorder(config, tmp / "recorder.log")
    try:
        log = tmp / "recorder.log"
        assert wait_for_log(log, "/tf_static ["), log.read_text()
        time.sleep(RECORD_SECONDS)
        assert stop(recorder, signal.SIGINT) == 0, (tmp / "recorder.log").read_text()
    finally:
        stop(robot)
    return Experiment("test/run-001", dash_root=str(tmp / "dash"))


def _stats(experiment):
    return json.loads((experiment.path / "recorder.json").read_text())["topics"]


def test_joint_states_are_recorded_with_the_model_values(recording):
    robot = recording.tracks("robot").read(format="numpy")
    assert len(robot["_ts"]) > 500 * RECORD_SECONDS * 0.8
    expected = np.array([motion.joints(t).position for t in robot["_ts"]])
    np.testing.assert_allclose(robot["q"], expected, atol=1e-12)
    np.testing.assert_allclose(robot["tau"][:, 6],
                               [motion.joints(t).effort[6] for t in robot["_ts"]], atol=1e-12)


def test_joint_states_have_named_columns_per_joint(recording):
    robot = recording.tracks("robot").read(format="numpy")
    np.testing.assert_allclose(robot["q.joint3"], robot["q"][:, 2])
    np.testing.assert_allclose(robot["qd.joint7"], robot["qd"][:, 6])


def test_every_row_keeps_its_receive_time(recording):
    robot = recording.tracks("robot").read(format="numpy")
    latency = robot["_recv_ts"] - robot["_ts"]
    assert 0.0 <= np.median(latency) < 0.5


def test_imu_is_recorded_with_the_model_values(recording):
    imu = recording.tracks("imu").read(format="numpy")
    assert len(imu["_ts"]) > 200 * RECORD_SECONDS * 0.8
    expected = np.array([motion.imu(t).orientation for t in imu["_ts"]])
    np.testing.assert_allclose(imu["orientation"], expected, atol=1e-12)
    assert imu["orientation_covariance"][0].tolist() == motion.IMU_COVARIANCE


def test_camera_info_on_change_keeps_only_the_first_of_identical_messages(recording):
    info = recording.tracks("cam/color/info").read()["entries"]
    assert len(info) == 1
    assert info[0]["k"] == motion.CAMERA_K
    assert (info[0]["width"], info[0]["height"]) == (motion.CAMERA_WIDTH, motion.CAMERA_HEIGHT)


def test_tf_gives_one_track_per_child_frame_with_the_model_values(recording):
    topics = {row["topic"] for row in recording.tracks.list()}
    assert {f"tf/link{i}" for i in range(1, 8)} <= topics
    link4 = recording.tracks("tf/link4").read(format="numpy")
    assert len(link4["_ts"]) > 100 * RECORD_SECONDS * 0.8
    expected = np.array([motion.link_transform(t, 4)[1] for t in link4["_ts"]])
    np.testing.assert_allclose(link4["rotation"], expected, atol=1e-12)
    assert set(link4["parent"]) == {"link3"}


def test_tf_static_camera_mount_is_recorded(recording):
    (mount,) = recording.tracks("tf_static/camera_link").read()["entries"]
    assert mount["parent"] == motion.CAMERA_PARENT
    assert mount["translation"] == motion.CAMERA_MOUNT[0]


def test_sigint_leaves_every_received_message_on_disk(recording):
    stats = _stats(recording)
    robot = recording.tracks("robot").read(format="numpy")
    assert stats["/joint_states"]["received"] == len(robot["_ts"])
    assert stats["/joint_states"]["written"] == len(robot["_ts"])
    assert stats["/joint_states"]["dropped"] == 0


def test_recording_is_marked_completed(recording):
    meta = json.loads((recording.path / "experiment.json").read_text())
    assert meta["status"] == "completed"
