"""A simulation reset (stamps jump back) never blends two passes: a new episode starts."""

import json
import signal

import numpy as np
import pytest

from ml_dash_ros.tracks import Experiment
from test.ros.support import (run_python, start_recorder, stop, wait_for_log,
                              write_config)

COUNT = 150          # per pass: stamps 100.00 .. 101.49 (a jump of 1.49 s > 1 s)
RESET = str(__import__("pathlib").Path(__file__).with_name("reset_publisher.py"))


def _record(tmp_path, extra=""):
    config = write_config(tmp_path / "map.yaml", "  - {topic: /sim/joints, track: robot}\n",
                          prefix="sim/run", dash_root=tmp_path / "dash", extra=extra)
    log = tmp_path / "recorder.log"
    recorder = start_recorder(config, log)
    try:
        assert wait_for_log(log, "recording episode 1"), log.read_text()
        publisher = run_python([RESET, "/sim/joints", str(COUNT)], log_path=tmp_path / "pub.log")
        assert publisher.wait(timeout=120) == 0, (tmp_path / "pub.log").read_text()
    finally:
        assert stop(recorder, signal.SIGINT) == 0, log.read_text()
    return log


def _rows(tmp_path, prefix):
    return Experiment(prefix, dash_root=tmp_path / "dash").tracks("robot").read(format="numpy")


def test_a_reset_starts_a_new_episode_and_keeps_each_pass_whole(tmp_path):
    log = _record(tmp_path)
    first, second = _rows(tmp_path, "sim/run-001"), _rows(tmp_path, "sim/run-002")
    assert np.array_equal(first["position.j"], np.arange(COUNT, dtype=float))
    assert np.array_equal(second["position.j"], -np.arange(COUNT, dtype=float) - 1)
    assert "stamps jumped back from 101.49 to 100" in log.read_text()


def test_the_reset_is_reported_in_recorder_json(tmp_path):
    _record(tmp_path)
    stats = json.loads((tmp_path / "dash/sim/run-002/recorder.json").read_text())
    ((jump,),) = [stats["time_jumps"]]
    assert (jump["topic"], jump["from"], jump["to"]) == ("/sim/joints", 101.49, 100.0)


def test_ignore_keeps_one_episode_and_says_so(tmp_path):
    log = _record(tmp_path, extra="recorder: {on_time_jump: ignore}\n")
    assert not (tmp_path / "dash/sim/run-002").exists()
    assert len(_rows(tmp_path, "sim/run-001")["_ts"]) == COUNT
    assert "recording on into the same episode" in log.read_text()


def _events(tmp_path, prefix):
    entries = Experiment(prefix, dash_root=tmp_path / "dash").tracks("_events").read()["entries"]
    return [(entry["event"], entry["detail"]) for entry in entries]


@pytest.mark.parametrize("prefix, expected", [
    ("sim/run-001", [("start", "node"), ("time_jump", {"topic": "/sim/joints", "from": 101.49,
                                                       "to": 100.0}), ("end", "time_jump")]),
    ("sim/run-002", [("start", "time_jump"), ("end", "completed")]),
])
def test_the_reset_ends_one_episode_and_starts_the_next_in_their_events(
        tmp_path, prefix, expected):
    _record(tmp_path)
    events = [(event, json.loads(detail) if event == "time_jump" else detail)
              for event, detail in _events(tmp_path, prefix)]
    assert events == expected
