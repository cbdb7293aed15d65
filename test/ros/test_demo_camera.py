"""End to end over DDS: the demo robot's cameras recorded as video, each frame found by stamp."""

import json
import signal

import numpy as np
import pytest
from sensor_msgs.msg import Image, JointState

from ml_dash_ros.demo import motion, stamp_image
from ml_dash_ros.tools.inventory import find_experiments
from ml_dash_ros.tracks import Experiment
from ml_dash_ros.video.frames import Frames
from test.ros.support import Listener, spawn, start_recorder, stop, wait_for_log, write_config

TOPICS = """\
  - {topic: /joint_states, track: robot}
  - {topic: /camera/color/image_raw, track: cam/color}
  - {topic: /camera/depth/image_raw, track: cam/depth}
"""
PERIOD_NS = round(1e9 / 30)
HEARD = 1500            # joint states heard while recording (3 s at 500 Hz)
LOOKUPS = 100           # joint-state stamps whose colour frame is decoded


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    """Record the demo robot's joint states and cameras for a few seconds; return it."""
    tmp = tmp_path_factory.mktemp("demo_camera")
    config = write_config(tmp / "demo.yaml", TOPICS, dash_root=tmp / "dash")
    log = tmp / "recorder.log"
    with Listener({"/joint_states": JointState}) as listener:
        robot = spawn("ml_dash_ros.ros.demo_robot", log_path=tmp / "robot.log")
        recorder = start_recorder(config, log)
        try:
            assert wait_for_log(log, "/camera/depth/image_raw [", timeout=60), log.read_text()
            assert wait_for_log(log, "/camera/color/image_raw [", timeout=60), log.read_text()
            start = listener.count("/joint_states")
            assert listener.wait_for("/joint_states", start + HEARD, timeout=120)
            assert stop(recorder, signal.SIGINT, timeout=120) == 0, log.read_text()
        finally:
            stop(recorder)
            stop(robot)
    (prefix,) = find_experiments(tmp / "dash")     # test/run, or its first episode's name
    return Experiment(prefix, dash_root=str(tmp / "dash"))


def _ns(ts: float) -> int:
    return round(ts * 1e9)


def _lookups(recording) -> list:
    """Return joint-state stamps inside the colour frames' range, not near a tie of two."""
    cams = recording.tracks("cam/color").read(format="numpy")["_ts"]
    robot = recording.tracks("robot").read(format="numpy")["_ts"]
    inside = robot[(robot >= cams[0]) & (robot <= cams[-1])]
    away = [ts for ts in inside if abs(_ns(ts) % PERIOD_NS - PERIOD_NS / 2) > 10_000]
    return away[::max(len(away) // LOOKUPS, 1)]


def test_the_frame_at_a_joint_state_stamp_shows_the_nearest_camera_stamp(recording):
    frames = Frames(recording, "cam/color")
    lookups = _lookups(recording)
    shown = [stamp_image.read_color(frames.at(ts).image) for ts in lookups]
    nearest = [round(_ns(ts) / PERIOD_NS) * PERIOD_NS for ts in lookups]
    assert len(lookups) >= LOOKUPS / 2
    assert shown == nearest


def test_each_colour_frame_shows_the_stamp_of_its_row(recording):
    frames = Frames(recording, "cam/color").window()
    wrong = [(f.frame_index, stamp_image.read_color(f.image)) for f in frames
             if abs(stamp_image.read_color(f.image) - _ns(f.ts)) > 1000]
    assert wrong == []


def test_depth_frames_decode_exactly_to_their_stamps(recording):
    frames = Frames(recording, "cam/depth").window()
    wrong = [(f.frame_index, stamp_image.read_depth(f.image)) for f in frames
             if abs(stamp_image.read_depth(f.image) - _ns(f.ts)) > 1000]
    assert len(frames) > 30
    assert wrong == []


@pytest.mark.parametrize("track", ["cam/color", "cam/depth"])
def test_frame_indexes_are_contiguous(recording, track):
    index = recording.tracks(track).read(format="numpy")["frame_index"]
    assert index.tolist() == list(range(len(index)))


@pytest.mark.parametrize("track", ["cam/color", "cam/depth"])
def test_no_frame_is_lost_between_the_first_and_last(recording, track):
    stamps = recording.tracks(track).read(format="numpy")["_ts"]
    steps = np.round(np.diff(stamps) * 1e9).astype(np.int64)
    off = steps[np.abs(steps - PERIOD_NS) > 1000]
    assert len(stamps) > 30
    assert off.tolist() == [], f"{len(off)} of {len(steps)} steps are not {PERIOD_NS} ns"


@pytest.mark.parametrize("topic", ["/camera/color/image_raw", "/camera/depth/image_raw"])
def test_recorder_json_counts_every_frame_written(recording, topic):
    row = json.loads((recording.path / "recorder.json").read_text())["topics"][topic]
    rows = len(recording.tracks(row["tracks"][0]).read(format="numpy")["_ts"])
    assert (row["video_frames"], row["video_refused"], row["video_errors"]) == (rows, 0, 0)


def test_colour_frames_carry_the_camera_info_frame_id(recording):
    frame_ids = recording.tracks("cam/color").read(format="numpy")["header.frame_id"]
    assert set(frame_ids) == {motion.CAMERA_FRAME_ID}


def test_camera_false_publishes_no_image(tmp_path):
    topics = {"/joint_states": JointState, "/camera/color/image_raw": Image,
              "/camera/depth/image_raw": Image}
    with Listener(topics) as listener:
        robot = spawn("ml_dash_ros.ros.demo_robot", "--ros-args", "-p", "camera:=false",
                      log_path=tmp_path / "robot.log")
        try:
            assert listener.wait_for("/joint_states", 1000, timeout=120), \
                (tmp_path / "robot.log").read_text()
        finally:
            assert stop(robot) == 0
        counts = [listener.count(topic) for topic in topics]
    assert counts[1:] == [0, 0]
