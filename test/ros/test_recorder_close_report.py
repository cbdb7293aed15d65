"""The recorder reports how long closing took and what compaction did, and its exit time."""

import json
import re
import signal

import pytest

from test.ros.support import spawn, start_recorder, stop, wait_for_log, write_config

TOPICS = """\
  - {topic: /tf, track: "tf/{child_frame_id}"}
"""


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """Record the demo robot's /tf until a few flushes have happened; stop with SIGINT."""
    tmp = tmp_path_factory.mktemp("close_report")
    config = write_config(tmp / "demo.yaml", TOPICS, dash_root=tmp / "dash")
    robot = spawn("ml_dash_ros.ros.demo_robot", log_path=tmp / "robot.log")
    log = tmp / "recorder.log"
    recorder = start_recorder(config, log)
    try:
        assert wait_for_log(log, "/tf ["), log.read_text()
        assert stop(recorder, signal.SIGINT) == 0, log.read_text()
    finally:
        stop(robot)
    doc = json.loads((tmp / "dash" / "test" / "run-001" / "recorder.json").read_text())
    return doc, log.read_text()


def test_recorder_json_holds_the_close_time(recorded):
    doc, _ = recorded
    assert doc["close"]["seconds"] >= 0.0


def test_recorder_json_counts_the_merges_at_close(recorded):
    doc, _ = recorded
    assert {"close_merges", "close_inputs", "background_merges"} <= set(doc["close"])


def test_the_log_says_how_long_closing_took(recorded):
    _, log = recorded
    assert re.search(r"recorder: closed .* in \d+\.\d\d s: \d+ merges", log), log


def test_the_log_says_how_long_the_exit_took_after_the_signal(recorded):
    _, log = recorded
    assert re.search(r"exiting \d+\.\d\d s after the stop signal", log), log
