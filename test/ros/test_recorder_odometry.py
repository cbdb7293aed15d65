"""A mobile robot's /odom (nav_msgs/Odometry, from its wheel) is recorded from a real publisher."""

import json
import signal
from pathlib import Path

import pytest

from ml_dash_ros.tracks import Experiment
from test.ros.support import run_python, start_recorder, stop, wait_for_log, write_config

COUNT = 200
PUBLISHER = str(Path(__file__).with_name("odometry_publisher.py"))


def publish_odometry(topic: str, log_path=None) -> int:
    """Run odometry_publisher.py for COUNT messages on ``topic``; return its exit code."""
    proc = run_python([PUBLISHER, topic, str(COUNT)], log_path=log_path)
    try:
        return proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            stop(proc, signal.SIGKILL)


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    """Record COUNT Odometry messages on /odom; return the experiment and the recorder log."""
    tmp = tmp_path_factory.mktemp("odom")
    log = tmp / "recorder.log"
    config = write_config(tmp / "map.yaml", "  - {topic: /odom, track: odom}\n",
                          dash_root=tmp / "dash")
    recorder = start_recorder(config, log)
    try:
        assert wait_for_log(log, "recording episode 1"), log.read_text()
        assert publish_odometry("/odom", tmp / "pub.log") == 0, (tmp / "pub.log").read_text()
    finally:
        assert stop(recorder) == 0, log.read_text()
    return Experiment("test/run-001", dash_root=str(tmp / "dash")), log


def test_odometry_topic_is_subscribed_with_its_type(recording):
    _, log = recording
    assert "/odom [nav_msgs/msg/Odometry]" in log.read_text()


def test_every_odometry_message_is_a_row(recording):
    experiment, _ = recording
    rows = experiment.tracks("odom").read(format="numpy")
    assert rows["pose.pose.position.x"].tolist() == [float(i) for i in range(COUNT)]


def test_odometry_rows_are_stamped_from_the_header(recording):
    experiment, _ = recording
    rows = experiment.tracks("odom").read(format="numpy")
    assert rows["_ts"][-1] == pytest.approx(1000 + (COUNT - 1) / 100)


def test_odometry_frames_and_twist_are_columns(recording):
    experiment, _ = recording
    row = experiment.tracks("odom").read(format="json")["entries"][0]
    assert (row["child_frame_id"], row["twist.twist.linear.x"]) == ("base_link", 1.0)


def test_recorder_counts_match_the_rows(recording):
    experiment, _ = recording
    stats = json.loads((experiment.path / "recorder.json").read_text())["topics"]["/odom"]
    assert stats["received"] == stats["written"] == COUNT
