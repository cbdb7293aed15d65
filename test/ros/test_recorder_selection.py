"""Topics picked by ``topic_regex`` and ``recorder.all_topics`` on the demo robot, over DDS."""

import json
import time

import pytest
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus
from sensor_msgs.msg import JointState

from ml_dash_ros.tracks import Experiment
from test.ros.support import Listener, spawn, start_recorder, stop, wait_for_log, write_config

HEARD = 1000        # joint states heard while recording (2 s at 500 Hz)


def episodes(dash) -> list[Experiment]:
    """Return the recorded episodes in order (found by their recorder.json)."""
    docs = [json.loads(path.read_text()) for path in dash.rglob("recorder.json")]
    return [Experiment(doc["prefix"], dash_root=str(dash))
            for doc in sorted(docs, key=lambda doc: doc["episode"])]


def _record(tmp, topics: str, extra: str, subscribed: tuple[str, ...]):
    """Record the demo robot (and a diagnostics publisher); return episode, tracks and log."""
    config = write_config(tmp / "map.yaml", topics, dash_root=tmp / "dash", extra=extra)
    log = tmp / "recorder.log"
    with Listener({"/joint_states": JointState}) as listener:
        battery = listener.node.create_publisher(DiagnosticArray, "/diagnostics", 10)
        robot = spawn("ml_dash_ros.ros.demo_robot", "--ros-args", "-p", "camera:=false",
                      log_path=tmp / "robot.log")
        recorder = start_recorder(config, log)
        try:
            for topic in subscribed:
                assert wait_for_log(log, f"{topic} [", timeout=60), log.read_text()
            # statuses published before the recorder's reader is matched are not delivered
            deadline = time.monotonic() + 60
            while "/diagnostics" in subscribed and battery.get_subscription_count() == 0:
                assert time.monotonic() < deadline, "the recorder never matched /diagnostics"
                time.sleep(0.1)
            start = listener.count("/joint_states")
            deadline = time.monotonic() + 120
            while listener.count("/joint_states") < start + HEARD:
                assert time.monotonic() < deadline, "the demo robot went quiet"
                status = DiagnosticArray(status=[DiagnosticStatus(name="battery")])
                status.header.stamp = listener.node.get_clock().now().to_msg()
                battery.publish(status)
                listener.wait_for("/joint_states", listener.count("/joint_states") + 50)
            assert stop(recorder) == 0, log.read_text()
        finally:
            stop(recorder)
            stop(robot)
    (episode,) = episodes(tmp / "dash")
    tracks = {row["topic"] for row in episode.tracks.list()} - {"_events"}  # the episode log
    return episode, tracks, log.read_text()


@pytest.fixture(scope="module")
def by_regex(tmp_path_factory):
    topics = """\
  - {topic_regex: "/imu/.*"}
  - {topic_regex: "/camera/.*", track: "cam/{topic}"}
"""
    return _record(tmp_path_factory.mktemp("regex"), topics, "",
                   ("/imu/data", "/camera/color/camera_info"))


@pytest.fixture(scope="module")
def all_topics(tmp_path_factory):
    topics = "  - {topic: /joint_states, track: robot}\n"
    extra = "recorder: {all_topics: true, exclude: ['/imu/.*']}\n"
    return _record(tmp_path_factory.mktemp("all"), topics, extra,
                   ("/joint_states", "/tf", "/tf_static", "/camera/color/camera_info",
                    "/diagnostics"))


def test_regex_entries_record_the_topics_they_match(by_regex):
    _, tracks, _ = by_regex
    assert tracks == {"imu/data", "cam/camera/color/camera_info"}


def test_all_topics_records_every_topic_not_excluded(all_topics):
    _, tracks, _ = all_topics
    assert {track for track in tracks if not track.startswith("tf")} == {
        "robot", "camera/color/camera_info", "diagnostics"}


def test_all_topics_gives_tf_one_track_per_child_frame(all_topics):
    _, tracks, _ = all_topics
    assert {"tf/link1", "tf/link7", "tf_static/camera_link"} <= tracks


@pytest.mark.parametrize("topic", ["/imu/data", "/rosout", "/parameter_events"])
def test_all_topics_never_subscribes_an_excluded_topic(all_topics, topic):
    _, _, log = all_topics
    assert f"{topic} [" not in log


def test_a_listed_topic_keeps_its_own_track(all_topics):
    _, tracks, _ = all_topics
    assert "joint_states" not in tracks


def test_the_recorders_own_status_is_not_recorded(all_topics):
    episode, _, _ = all_topics
    rows = episode.tracks("diagnostics").read()["entries"]
    assert {status["name"] for row in rows for status in row["status"]} == {"battery"}
