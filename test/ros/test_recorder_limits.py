"""``recorder.max_*`` limits on the demo robot over DDS: episodes by duration and size, and
the recorder stopping by itself after ``max_duration``."""

import json

import numpy as np
import pytest
from sensor_msgs.msg import JointState

from test.ros.support import (Listener, spawn, start_recorder, stop, wait_for_log,
                              wait_for_received, write_config)
from test.ros.test_recorder_selection import episodes

TOPICS = """\
  - {topic: /joint_states, track: robot}
  - {topic: /tf_static, track: "tf_static/{child_frame_id}"}
"""
PERIOD = 0.002          # the demo robot's joint states: 500 Hz on an exact grid
EPISODE = 2.0
MAX_DURATION = 8.0


def _robot(tmp):
    return spawn("ml_dash_ros.ros.demo_robot", "--ros-args", "-p", "camera:=false",
                 log_path=tmp / "robot.log")


@pytest.fixture(scope="module")
def by_duration(tmp_path_factory):
    """Record 7 s of joint states in episodes of 2 s; return the episodes."""
    tmp = tmp_path_factory.mktemp("duration")
    config = write_config(tmp / "map.yaml", TOPICS, dash_root=tmp / "dash",
                          extra=f"recorder: {{max_episode_duration: {EPISODE}}}\n")
    log = tmp / "recorder.log"
    with Listener({"/joint_states": JointState}) as listener:
        robot = _robot(tmp)
        recorder = start_recorder(config, log)
        try:
            assert wait_for_log(log, "/joint_states [", timeout=60), log.read_text()
            heard = listener.count("/joint_states")
            assert listener.wait_for("/joint_states", heard + 3500, timeout=180)
            assert stop(recorder) == 0, log.read_text()
        finally:
            stop(recorder)
            stop(robot)
    return episodes(tmp / "dash")


def _stamps(episode) -> np.ndarray:
    return episode.tracks("robot").read(format="numpy")["_ts"]


def test_max_episode_duration_gives_several_episodes(by_duration):
    assert len(by_duration) >= 3


def test_every_stamp_is_in_exactly_one_episode(by_duration):
    stamps = np.sort(np.concatenate([_stamps(episode) for episode in by_duration]))
    steps = np.diff(stamps)
    off = steps[np.abs(steps - PERIOD) > 1e-6]
    assert off.tolist() == [], f"{len(off)} of {len(steps)} steps are not {PERIOD} s"


def test_episodes_follow_each_other_in_time(by_duration):
    spans = [(_stamps(episode).min(), _stamps(episode).max()) for episode in by_duration]
    assert all(end < start for (_, end), (start, _) in zip(spans, spans[1:]))


def test_a_full_episode_lasts_max_episode_duration(by_duration):
    """The recorder clock and the stamps differ by the delivery delay only (generous bound)."""
    middle = by_duration[1]
    assert np.ptp(_stamps(middle)) == pytest.approx(EPISODE, abs=0.75)


def test_tf_static_is_written_into_every_episode(by_duration):
    mounts = [len(episode.tracks("tf_static/camera_link").read()["entries"])
              for episode in by_duration]
    assert mounts == [1] * len(by_duration)


def test_every_episode_is_closed_completed(by_duration):
    status = [json.loads((episode.path / "experiment.json").read_text())["status"]
              for episode in by_duration]
    assert status == ["completed"] * len(by_duration)


def test_max_episode_size_starts_a_new_episode(tmp_path):
    config = write_config(tmp_path / "map.yaml", TOPICS, dash_root=tmp_path / "dash",
                          extra="recorder: {max_episode_size: 20kB}\n")
    log = tmp_path / "recorder.log"
    robot = _robot(tmp_path)
    recorder = start_recorder(config, log)
    try:
        assert wait_for_log(log, "recorder.max_episode_size reached: episode 3 starts",
                            timeout=180), log.read_text()
        assert stop(recorder) == 0, log.read_text()
    finally:
        stop(recorder)
        stop(robot)
    assert len(episodes(tmp_path / "dash")) >= 3


@pytest.fixture(scope="module")
def by_total(tmp_path_factory):
    """Run the recorder with max_duration on a running robot until it exits by itself (long
    enough that a busy machine's topic discovery, seconds at times, leaves rows to check)."""
    tmp = tmp_path_factory.mktemp("total")
    config = write_config(tmp / "map.yaml", TOPICS, dash_root=tmp / "dash",
                          extra=f"recorder: {{max_duration: {MAX_DURATION}}}\n")
    log = tmp / "recorder.log"
    with Listener({"/joint_states": JointState}) as listener:
        robot = _robot(tmp)
        try:
            assert listener.wait_for("/joint_states", 1, timeout=60), "no demo robot"
            recorder = start_recorder(config, log)
            try:
                code = recorder.wait(timeout=180)
            finally:
                stop(recorder)
        finally:
            stop(robot)
    return code, episodes(tmp / "dash"), log.read_text()


def test_max_duration_exits_0_by_itself(by_total):
    code, _, log = by_total
    assert code == 0, log


def test_max_duration_closes_the_recording(by_total):
    _, (episode,), _ = by_total
    doc = json.loads((episode.path / "experiment.json").read_text())
    assert doc["status"] == "completed"


def test_max_duration_stops_recording_at_the_limit(by_total):
    """The last stamp recorded comes max_duration after the start (delivery delay aside)."""
    _, (episode,), _ = by_total
    started = json.loads((episode.path / "recorder.json").read_text())["started"]
    assert _stamps(episode).max() - started == pytest.approx(MAX_DURATION, abs=1.0)


def test_an_episode_that_cannot_start_leaves_the_recording_going_on(tmp_path):
    """The next episode's folder cannot be made (a file is in its place, as a full disk or a
    bucket out of reach would refuse it): the recorder says so and records on into the
    episode it has; every message of the run is in it and it closes completed."""
    dash = tmp_path / "dash"
    config = write_config(tmp_path / "map.yaml", TOPICS, dash_root=dash,
                          extra="recorder: {max_episode_duration: 1.0}\n")
    (dash / "test").mkdir(parents=True)
    (dash / "test" / "run-002").write_text("in the way")
    log = tmp_path / "recorder.log"
    robot = _robot(tmp_path)
    recorder = start_recorder(config, log)
    try:
        assert wait_for_log(log, "cannot start episode 2, recording on into test/run-001",
                            timeout=120), log.read_text()
        # the recorder's own count: on a busy machine it may be matched with the robot
        # seconds after the roll failed
        assert wait_for_received(log, "/joint_states", 1500, timeout=180), log.read_text()
        assert stop(recorder) == 0, log.read_text()
    finally:
        stop(recorder)
        stop(robot)
    text = log.read_text()
    assert "Exception in" not in text and "executor error" not in text, text
    (episode,) = episodes(dash)
    steps = np.diff(_stamps(episode))
    assert np.abs(steps - PERIOD).max() < 1e-6
    assert np.ptp(_stamps(episode)) > 2.0
    assert json.loads((episode.path / "experiment.json").read_text())["status"] == "completed"
