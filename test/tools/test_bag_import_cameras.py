"""A bag with Image and CompressedImage topics imports as video through the same mapping."""

import json

import numpy as np
import pytest

from ml_dash_ros.tools.bag_import import import_bag
from ml_dash_ros.tracks import Experiment
from ml_dash_ros.video.frames import Frames
from test.tools.bags import T, T0, header, write_bag
from test.video.support import compressed_fields, frame_image, smooth

COUNT = 12
MAPPING = """\
experiment: {{prefix: bag/cams, dash_root: {dash_root}}}
topics:
  - {{topic: /cam/depth, track: cam/depth}}
  - {{topic: /cam/color, track: cam/color, video: {{codec: ffv1}}}}
  - {{topic: /cam/jpeg, track: cam/jpeg}}
  - {{topic: /cam/raw, track: cam/raw, video: false}}
"""


def _image(stamp: float, array: np.ndarray, encoding: str):
    return T["sensor_msgs/msg/Image"](header=header(stamp, "camera"), height=array.shape[0],
                                      width=array.shape[1], encoding=encoding, is_bigendian=0,
                                      step=array.strides[0],
                                      data=np.frombuffer(array.tobytes(), dtype=np.uint8))


def _jpeg(stamp: float, i: int) -> tuple:
    data = compressed_fields(smooth(i), "jpeg")["data"]
    msg = T["sensor_msgs/msg/CompressedImage"](header=header(stamp, "camera"), format="jpeg",
                                               data=np.frombuffer(data, dtype=np.uint8))
    return msg, data


def _stamp(i: int) -> float:
    return T0 + i / 32


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """Import a bag of four camera topics; return the experiment and the JPEG bytes sent."""
    tmp = tmp_path_factory.mktemp("bagcams")
    messages, jpegs = [], []
    for i in range(COUNT):
        ns = int(_stamp(i) * 1e9) + 1000
        messages.append(("/cam/depth", "sensor_msgs/msg/Image", ns,
                         _image(_stamp(i), frame_image("32FC1", i), "32FC1")))
        messages.append(("/cam/color", "sensor_msgs/msg/Image", ns,
                         _image(_stamp(i), frame_image("rgb8", i), "rgb8")))
        msg, data = _jpeg(_stamp(i), i)
        jpegs.append(data)
        messages.append(("/cam/jpeg", "sensor_msgs/msg/CompressedImage", ns, msg))
        messages.append(("/cam/raw", "sensor_msgs/msg/Image", ns,
                         _image(_stamp(i), frame_image("mono8", i), "mono8")))
    bag = write_bag(tmp / "bag", messages=messages)
    mapping = tmp / "map.yaml"
    mapping.write_text(MAPPING.format(dash_root=tmp / "dash"))
    report = import_bag(bag, mapping)
    return Experiment("bag/cams-001", dash_root=tmp / "dash"), jpegs, report


def test_depth_frames_from_a_bag_read_back_exactly(imported):
    exp, _, _ = imported
    frames = Frames(exp, "cam/depth").window()
    assert [f.image.tobytes() for f in frames] == [frame_image("32FC1", i).tobytes()
                                                   for i in range(COUNT)]


def test_frames_carry_their_header_stamps(imported):
    exp, _, _ = imported
    assert [f.ts for f in Frames(exp, "cam/depth").window()] == [_stamp(i) for i in range(COUNT)]


def test_the_mapping_codec_applies_to_a_bag_topic(imported):
    exp, _, _ = imported
    frames = Frames(exp, "cam/color").window()
    assert [f.image.tobytes() for f in frames] == [frame_image("rgb8", i).tobytes()
                                                   for i in range(COUNT)]


def test_compressed_images_from_a_bag_are_kept_byte_for_byte(imported):
    exp, jpegs, _ = imported
    assert [f.image for f in Frames(exp, "cam/jpeg").window(raw=True)] == jpegs


def test_video_false_keeps_the_pixels_in_rows(imported):
    exp, _, _ = imported
    rows = exp.tracks("cam/raw").read(format="numpy")
    assert bytes(rows["data"][3]) == frame_image("mono8", 3).tobytes()


def test_recorder_json_counts_a_bag_topics_frames(imported):
    exp, _, _ = imported
    row = json.loads((exp.path / "recorder.json").read_text())["topics"]["/cam/depth"]
    assert (row["video_frames"], row["video_segments"], row["dropped"]) == (COUNT, 1, 0)
