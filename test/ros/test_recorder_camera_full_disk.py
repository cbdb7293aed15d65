"""A disk that fills while a camera and a numeric topic are recorded: the video error names the
segment and ENOSPC, frames lost are counted, what was closed before stays readable."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import av
import pytest
from diagnostic_msgs.msg import DiagnosticArray

from ml_dash_ros.errors import MlDashRosError
from ml_dash_ros.tracks import Experiment
from ml_dash_ros.video.frames import Frames
from test.conftest import fill_disk, mounted_small_disk
from test.ros.support import (Listener, run_python, start_publisher, start_recorder, stop,
                              wait_for_log)
from test.video.support import frame_image

CAMERA, NUMERIC = "/cam/full", "/test/full_js"
PUBLISHER = str(Path(__file__).with_name("image_publisher.py"))
TOPICS = (f"  - {{topic: {NUMERIC}, track: js}}\n"
          f"  - {{topic: {CAMERA}, track: cam, video: {{segment_seconds: 0.25}}}}\n")
FRAMES_PER_SEGMENT = 8       # 0.25 s of stamps 1/32 s apart
DEADLINE = 120.0


def _closed(directory: Path) -> list:
    return sorted(p.name for p in directory.glob("seg-*.mkv")) if directory.is_dir() else []


def _rows(exp: Experiment, track: str) -> dict:
    """Return a track's flushed rows (empty while nothing is readable yet)."""
    try:
        return exp.tracks(track).read(format="numpy")
    except (MlDashRosError, OSError):   # not written yet, or a file compacted away mid-read
        return {}


def _snapshot(exp: Experiment, directory: Path) -> dict | None:
    """Return the closed segments and the numeric rows once three segments and the rows of
    their frames are on disk (None before)."""
    segments, js = _closed(directory), _rows(exp, "js")
    files = list(_rows(exp, "cam").get("file", []))
    indexed = all(files.count(f"files/video/cam/{name}") == FRAMES_PER_SEGMENT
                  for name in segments)
    if len(segments) >= 3 and indexed and len(js.get("_ts", [])):
        return {"segments": segments, "js": js}
    return None


def _video_errors(listener: Listener) -> int:
    for msg in reversed(listener.snapshot("/diagnostics")):
        for status in msg.status:
            if status.name.endswith(CAMERA):
                values = {kv.key: kv.value for kv in status.values}
                return int(values.get("video_errors", 0))
    return 0


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    """Record until three segments and their rows are on disk, fill the disk, then SIGINT."""
    tmp = tmp_path_factory.mktemp("camfull")
    with mounted_small_disk(tmp / "disk") as disk, \
            Listener({"/diagnostics": DiagnosticArray}) as listener:
        log = tmp / "recorder.log"
        config = tmp / "map.yaml"
        config.write_text(f"experiment: {{prefix: test/run, dash_root: '{disk}'}}\n"
                          "buffer: {flush_interval: 0.5, max_buffer_rows: 1000}\n"
                          f"topics:\n{TOPICS}")
        recorder = start_recorder(config, log)
        pubs = []
        try:
            assert wait_for_log(log, "recording episode 1", DEADLINE), log.read_text()
            pubs = [start_publisher("joint_states", "--topic", NUMERIC, "--rate", "100"),
                    run_python([PUBLISHER, CAMERA, "16UC1", "100000", "--rate", "32"],
                               log_path=tmp / "camera.log")]
            exp = Experiment("test/run-001", dash_root=str(disk))
            directory = disk / "test/run-001/files/video/cam"
            deadline = time.monotonic() + DEADLINE
            before = _snapshot(exp, directory)
            while before is None and time.monotonic() < deadline:
                time.sleep(0.1)
                before = _snapshot(exp, directory)
            assert before is not None, log.read_text()
            fill_disk(disk)
            deadline = time.monotonic() + DEADLINE
            while _video_errors(listener) == 0 and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            for pub in pubs:
                stop(pub, timeout=DEADLINE)
            code = stop(recorder, signal.SIGINT, timeout=DEADLINE)
        recorder_json = json.loads((disk / "test/run-001/recorder.json").read_text())
        status = json.loads((disk / "test/run-001/experiment.json").read_text())
        yield {"before": before, "code": code, "log": log.read_text(), "exp": exp,
               "camera": recorder_json["topics"][CAMERA], "status": status["status"],
               "disk": disk, "directory": directory}


def test_the_video_error_names_the_segment_and_enospc(full):
    error = full["camera"]["video_first_error"]
    assert f"{full['directory']}/seg-" in error, error
    assert "ENOSPC" in error, error


def test_frames_lost_to_the_full_disk_are_counted_in_video_errors(full):
    assert full["camera"]["video_errors"] > 0, full["camera"]


def test_every_segment_closed_before_the_disk_filled_decodes_whole(full):
    counts = []
    for name in full["before"]["segments"]:
        with av.open(str(full["directory"] / name)) as container:
            counts.append(sum(1 for _ in container.decode(video=0)))
    assert counts == [FRAMES_PER_SEGMENT] * len(full["before"]["segments"])


def test_the_frames_of_those_segments_read_back_exactly(full):
    count = FRAMES_PER_SEGMENT * len(full["before"]["segments"])
    frames = Frames(full["exp"], "cam").by_index(list(range(count)))
    assert [f.image.tobytes() for f in frames] == [frame_image("16UC1", i).tobytes()
                                                   for i in range(count)]


def test_the_numeric_track_keeps_the_rows_written_before(full):
    before = list(full["before"]["js"]["_ts"])
    after = list(full["exp"].tracks("js").read(format="numpy")["_ts"])
    assert after[:len(before)] == before


def test_the_recorder_exits_on_sigint_with_the_recording_marked_incomplete(full):
    assert (full["code"], full["status"]) == (1, "incomplete"), full["log"][-3000:]
