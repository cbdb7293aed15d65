"""Pause, resume, flush and new episode through real service calls from another process."""

import time

import numpy as np
import pytest

from test.ros.support import call_trigger, spawn, stop
from test.ros.test_recorder_behaviour import Session

TOPICS = """\
  - {topic: /joint_states, track: robot}
  - {topic: /tf_static, track: "tf_static/{child_frame_id}"}
"""


@pytest.fixture(scope="module")
def episodes(tmp_path_factory):
    """Record: 1 s, pause 1 s, resume 1 s, new episode, 1 s; return session and responses."""
    tmp = tmp_path_factory.mktemp("services")
    robot = spawn("ml_dash_ros.ros.demo_robot", log_path=tmp / "robot.log")
    session = Session(tmp, TOPICS)
    responses = {}
    try:
        session.wait_subscribed("/joint_states")
        session.wait_subscribed("/tf_static")
        time.sleep(1.0)
        responses["pause"] = call_trigger("/recorder/pause")
        time.sleep(1.0)
        responses["resume"] = call_trigger("/recorder/resume")
        time.sleep(1.0)
        responses["flush"] = call_trigger("/recorder/flush")
        responses["new_episode"] = call_trigger("/recorder/new_episode")
        time.sleep(1.0)
    finally:
        session.stop()
        stop(robot)
    return session, responses


def test_services_answer_success(episodes):
    _, responses = episodes
    assert all(response.success for response in responses.values())


def test_pause_leaves_a_gap_and_counts_what_it_skipped(episodes):
    session, _ = episodes
    gap = np.max(np.diff(session.rows("robot")["_ts"]))
    paused = session.stats()["/joint_states"]["paused"]
    assert gap > 0.8
    assert paused == pytest.approx(gap * 500, rel=0.1)  # the demo robot's 500 Hz


def test_new_episode_records_into_a_numbered_prefix(episodes):
    session, responses = episodes
    assert responses["new_episode"].message == "test/run-002"
    first, second = session.rows("robot")["_ts"], session.rows("robot", "test/run-002")["_ts"]
    assert len(second) > 300
    assert first.max() < second.min()


def test_each_episode_stores_its_own_counts(episodes):
    session, _ = episodes
    first, second = session.stats(), session.stats("test/run-002")
    assert first["/joint_states"]["written"] == len(session.rows("robot")["_ts"])
    assert second["/joint_states"]["written"] == len(session.rows("robot", "test/run-002")["_ts"])
    assert second["/joint_states"]["paused"] == 0


@pytest.mark.parametrize("prefix", ["test/run-001", "test/run-002"])
def test_tf_static_is_written_into_every_episode(episodes, prefix):
    session, _ = episodes
    mount = session.experiment(prefix).tracks("tf_static/camera_link").read()["entries"]
    assert [entry["parent"] for entry in mount] == ["link7"]
