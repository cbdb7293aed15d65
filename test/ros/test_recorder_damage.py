"""A recorder continuing a prefix with a corrupt segment closes cleanly and compacts the rest."""

import json
import time

import pytest

from ml_dash_ros.tracks import Experiment

from ml_dash_ros.tracks.store import layout
from test.ros.support import (start_publisher, start_recorder, stop, wait_for_log,
                              write_config)

BASE = "test/run"
PREFIX = "test/run-001"      # the recorder's first episode of BASE


def segments(root, track):
    directory = layout.topic_dir(root / PREFIX / "tracks", track)
    return [s.path for s in layout.live_segments(layout.scan_segments(directory))]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """Record into a prefix whose track 'a' holds a truncated segment; return the root."""
    tmp_path = tmp_path_factory.mktemp("damage")
    root = tmp_path / "dash"
    with Experiment(PREFIX, dash_root=root).run as exp:
        exp.tracks("a").append(position=[0.0, 0.5], _ts=1.0)
    (damaged,) = segments(root, "a")
    damaged.write_bytes(damaged.read_bytes()[:100])
    config = write_config(tmp_path / "map.yaml", "  - {topic: /test/a, track: a}\n"
                          "  - {topic: /test/b, track: b}\n", prefix=BASE, dash_root=root)
    log = tmp_path / "recorder.log"
    recorder = start_recorder(config, log, "continue_recording:=true")
    publishers = [start_publisher("joint_states", "--topic", t) for t in ("/test/a", "/test/b")]
    try:
        assert wait_for_log(log, "recording episode 1"), log.read_text()
        deadline = time.monotonic() + 60
        # several flushes of b (something to compact) and new rows beside the damaged file of a
        while len(segments(root, "b")) < 3 or len(segments(root, "a")) < 2:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        code = stop(recorder)
    finally:
        for publisher in publishers:
            stop(publisher)
    return root, code, log.read_text(), damaged


def test_the_recorder_exits_zero(recorded):
    _, code, log, _ = recorded
    assert code == 0, log


def test_the_status_is_completed(recorded):
    root = recorded[0]
    assert json.loads((root / PREFIX / "experiment.json").read_text())["status"] == "completed"


def test_the_recorder_counts_are_written(recorded):
    root = recorded[0]
    assert "/test/b" in json.loads((root / PREFIX / "recorder.json").read_text())["topics"]


def test_the_other_track_is_compacted(recorded):
    assert len(segments(recorded[0], "b")) == 1


def test_the_log_names_the_damaged_file(recorded):
    _, _, log, damaged = recorded
    assert damaged.name in log
