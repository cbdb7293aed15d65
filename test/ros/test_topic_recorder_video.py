"""TopicRecorder with a camera sink, on real Image messages, without a ROS graph."""

import time

import yaml
from sensor_msgs.msg import Image

from ml_dash_ros.mapping import parse_config
from ml_dash_ros.ros.topic_recorder import TopicRecorder
from ml_dash_ros.video import Cameras


def _image(i: int) -> Image:
    msg = Image(height=2, width=3, encoding="mono8", step=3, data=bytes(range(i, i + 6)))
    msg.header.stamp.sec = 100 + i
    return msg


def _recorder(tmp_path, topic: str = "{topic: /cam, track: cam}"):
    config = parse_config({"experiment": {"prefix": "t"}, "topics": [yaml.safe_load(topic)]})
    rows = []
    recorder = TopicRecorder(config.topics[0], lambda track, fields, ts: rows.append(fields),
                             lambda: 5e9)
    cameras = Cameras(tmp_path / "video")
    recorder.video = cameras.sink(config.topics[0].video)
    return recorder, cameras, rows


def test_an_image_becomes_a_frame_row(tmp_path):
    recorder, cameras, rows = _recorder(tmp_path)
    recorder.on_message(_image(0))
    cameras.close()
    assert (rows[0]["file"], rows[0]["position"], "data" in rows[0]) == (
        "files/video/cam/seg-000001.mkv", 0, False)


def test_video_false_leaves_the_pixels_in_the_row(tmp_path):
    recorder, cameras, rows = _recorder(tmp_path, "{topic: /cam, track: cam, video: false}")
    recorder.on_message(_image(0))
    assert rows[0]["data"] == bytes(range(6))


def test_a_straggler_of_a_closed_episode_is_counted_not_written(tmp_path):
    recorder, cameras, rows = _recorder(tmp_path)
    previous = []

    def new_episode(rec, ts):
        rec.passes.new_pass(time.monotonic())
        rec.append_previous = lambda track, fields, ts: previous.append(fields)
        return True

    recorder.on_time_jump = new_episode
    for i in (10, 0, 10):      # stamps 110, then 100 (a reset), then 110 (late, the old pass)
        recorder.on_message(_image(i))
    cameras.close()
    assert (len(rows), previous, recorder.problems()["video_late"]) == (2, [], 1)
