"""One recording is one recording: a finished or live prefix is refused unless continued."""

import json
import signal

from test.ros.support import start_recorder, stop, wait_for_log, write_config

TOPICS = "  - {topic: /test/topic, track: js}\n"


def _config(tmp_path, prefix="test/run"):
    return write_config(tmp_path / "map.yaml", TOPICS, prefix=prefix, dash_root=tmp_path / "dash")


def _start(tmp_path, name, *params):
    log = tmp_path / f"{name}.log"
    proc = start_recorder(_config(tmp_path), log, *params)
    return proc, log


def _run_once(tmp_path, name, *params):
    proc, log = _start(tmp_path, name, *params)
    assert wait_for_log(log, "recording episode 1"), log.read_text()
    assert stop(proc, signal.SIGINT) == 0, log.read_text()
    return log


def _exit_code(proc, log, timeout=60.0):
    try:
        return proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            stop(proc, signal.SIGKILL)


def test_a_second_recorder_on_a_live_prefix_is_refused(tmp_path):
    first, first_log = _start(tmp_path, "first")
    try:
        assert wait_for_log(first_log, "recording episode 1"), first_log.read_text()
        second, second_log = _start(tmp_path, "second")
        assert _exit_code(second, second_log) == 2, second_log.read_text()
        assert "being written by another writer" in second_log.read_text()
        status = json.loads((tmp_path / "dash/test/run-001/experiment.json").read_text())
        assert status["status"] == "running"
    finally:
        assert stop(first, signal.SIGINT) == 0, first_log.read_text()
    status = json.loads((tmp_path / "dash/test/run-001/experiment.json").read_text())
    assert (status["status"], status["pid"]) == ("completed", first.pid)


def test_a_finished_recording_is_refused_and_left_as_it_was(tmp_path):
    _run_once(tmp_path, "first")
    before = (tmp_path / "dash/test/run-001/experiment.json").read_bytes()
    proc, log = _start(tmp_path, "again")
    assert _exit_code(proc, log) == 2, log.read_text()
    assert "already holds a recording" in log.read_text()
    assert "continue_recording:=true" in log.read_text()
    assert (tmp_path / "dash/test/run-001/experiment.json").read_bytes() == before


def test_continuing_a_recording_keeps_the_counts_of_every_run(tmp_path):
    _run_once(tmp_path, "first")
    _run_once(tmp_path, "second", "continue_recording:=true")
    stats = json.loads((tmp_path / "dash/test/run-001/recorder.json").read_text())
    assert len(stats["runs"]) == 2
    assert stats["runs"][0]["started"] < stats["runs"][1]["started"]


def test_a_numeric_prefix_parameter_is_text(tmp_path):
    proc, log = _start(tmp_path, "numeric", "prefix:=20261125")
    assert wait_for_log(log, "recording episode 1"), log.read_text()
    assert stop(proc, signal.SIGINT) == 0, log.read_text()
    assert (tmp_path / "dash/20261125-001/experiment.json").is_file()
