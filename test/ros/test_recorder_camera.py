"""Image topics from real publishers are recorded as video and read back as the arrays sent."""

import json
import signal
import time
from pathlib import Path

import av
import numpy as np
import pytest

from ml_dash_ros.tracks import Experiment
from ml_dash_ros.video.frames import Frames
from test.ros.support import run_python, start_recorder, stop, wait_for_log, write_config
from test.video.support import compressed_fields, frame_image, smooth

COUNT = 40
PUBLISHER = str(Path(__file__).with_name("image_publisher.py"))
TOPICS = """\
  - {topic: /cam/depth, track: cam/depth}
  - {topic: /cam/color, track: cam/color}
  - {topic: /cam/resized, track: cam/resized}
  - {topic: /cam/png, track: cam/png}
"""


def publish(topic: str, encoding: str, log_path, *args: str):
    return run_python([PUBLISHER, topic, encoding, str(COUNT), *args], log_path=log_path)


def _stamp(i: int) -> float:
    return 1000 + i // 32 + (i % 32) * 0.03125


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    """Record three cameras (16UC1, rgb8, mono8 resized half-way) from real publishers."""
    tmp = tmp_path_factory.mktemp("cams")
    log = tmp / "recorder.log"
    config = write_config(tmp / "map.yaml", TOPICS, dash_root=tmp / "dash")
    recorder = start_recorder(config, log)
    try:
        assert wait_for_log(log, "recording episode 1"), log.read_text()
        pubs = [publish("/cam/depth", "16UC1", tmp / "d.log"),
                publish("/cam/color", "rgb8", tmp / "c.log"),
                publish("/cam/resized", "mono8", tmp / "r.log", "--resize-at", "20"),
                publish("/cam/png", "png", tmp / "p.log")]
        assert [p.wait(timeout=120) for p in pubs] == [0, 0, 0, 0]
    finally:
        assert stop(recorder) == 0, log.read_text()
    return Experiment("test/run-001", dash_root=str(tmp / "dash"))


def test_depth_frames_read_back_exactly_at_their_stamps(recording):
    frames = Frames(recording, "cam/depth")
    got = [(f.ts, f.image.tobytes()) for f in frames.window()]
    assert got == [(_stamp(i), frame_image("16UC1", i).tobytes()) for i in range(COUNT)]


def test_colour_frames_read_back_within_the_codec_error(recording):
    frames = Frames(recording, "cam/color").window()
    errors = [np.abs(f.image.astype(int) - frame_image("rgb8", i)).mean()
              for i, f in enumerate(frames)]
    assert (len(frames), max(errors) < 4.0) == (COUNT, True)


def test_the_frame_nearest_a_stamp_is_the_one_published_with_it(recording):
    frame = Frames(recording, "cam/depth").at(_stamp(17) + 0.01)
    assert frame.image.tobytes() == frame_image("16UC1", 17).tobytes()


def test_a_resolution_change_mid_run_keeps_every_frame(recording):
    frames = Frames(recording, "cam/resized").window()
    assert [f.image.tobytes() for f in frames] == [
        frame_image("mono8", i, *((128, 96) if i >= 20 else (64, 48))).tobytes()
        for i in range(COUNT)]


def test_compressed_images_are_recorded_byte_for_byte(recording):
    frames = Frames(recording, "cam/png").window(raw=True)
    assert [f.image for f in frames] == [compressed_fields(smooth(i), "png")["data"]
                                         for i in range(COUNT)]


def test_camera_rows_hold_no_pixels(recording):
    columns = set(recording.tracks("cam/color").read(format="numpy"))
    assert columns == {"_ts", "header.frame_id", "height", "width", "encoding", "frame_index",
                       "file", "position", "_recv_ts"}


def test_recorder_json_counts_the_video_frames(recording):
    doc = json.loads((recording.path / "recorder.json").read_text())
    row = doc["topics"]["/cam/depth"]
    assert (row["video_frames"], row["video_refused"], row["video_errors"]) == (COUNT, 0, 0)


def _closed(directory: Path) -> list:
    return sorted(directory.glob("seg-*.mkv")) if directory.is_dir() else []


def test_kill_9_of_the_recorder_leaves_every_closed_segment_decodable(tmp_path):
    log = tmp_path / "recorder.log"
    config = write_config(tmp_path / "map.yaml", "  - {topic: /cam/kill, track: cam, "
                          "video: {segment_seconds: 0.25}}\n", dash_root=tmp_path / "dash")
    recorder = start_recorder(config, log)
    publisher = None
    try:
        assert wait_for_log(log, "recording episode 1"), log.read_text()
        publisher = run_python([PUBLISHER, "/cam/kill", "rgb8", "100000", "--rate", "64"])
        directory = tmp_path / "dash/test/run-001/files/video/cam"
        deadline = time.monotonic() + 60
        while len(_closed(directory)) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        stop(recorder, signal.SIGKILL)
    finally:
        if recorder.poll() is None:
            stop(recorder, signal.SIGKILL)
        if publisher is not None:
            stop(publisher, signal.SIGKILL)
    segments = _closed(directory)
    decoded = []
    for path in segments:
        with av.open(str(path)) as container:
            decoded.append(sum(1 for _ in container.decode(video=0)))
    assert (len(segments) >= 3, decoded) == (True, [8] * len(segments))  # 0.25 s at 32 Hz
