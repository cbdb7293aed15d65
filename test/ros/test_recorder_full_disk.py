"""A full disk: the recorder says so (ERROR, path, errno), sheds load counted, never freezes,
and on SIGINT exits non-zero with the recording marked incomplete and its counts readable."""

import json
import signal
import time

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus

from test.conftest import fill_disk
from test.ros.support import Listener, start_publisher, start_recorder, stop, wait_for_log

TOPIC = "/test/topic"


def _errors(listener):
    return [status for msg in listener.snapshot("/diagnostics") for status in msg.status
            if status.level == DiagnosticStatus.ERROR]


def _record_onto_a_full_disk(tmp_path, small_disk):
    config = tmp_path / "map.yaml"
    config.write_text(f"experiment: {{prefix: full/run, dash_root: '{small_disk}'}}\n"
                      "buffer: {flush_interval: 0.5, batch_size: 2000, max_buffer_rows: 1000}\n"
                      f"topics:\n  - {{topic: {TOPIC}, track: js}}\n")
    log = tmp_path / "recorder.log"
    recorder = start_recorder(config, log)
    publisher = start_publisher("joint_states", "--topic", TOPIC, "--rate", "400")
    return recorder, publisher, log


def test_a_full_disk_is_an_error_and_the_recorder_keeps_answering(tmp_path, small_disk):
    with Listener({"/diagnostics": DiagnosticArray}) as listener:
        recorder, publisher, log = _record_onto_a_full_disk(tmp_path, small_disk)
        try:
            assert wait_for_log(log, f"{TOPIC} ["), log.read_text()
            fill_disk(small_disk)
            deadline = time.monotonic() + 60
            while not _errors(listener) and time.monotonic() < deadline:
                time.sleep(0.2)
            errors = _errors(listener)
            assert errors, log.read_text()
            assert "errno 28" in errors[-1].message
            assert str(small_disk) in errors[-1].message
            heard = listener.count("/diagnostics")
            assert listener.wait_for("/diagnostics", heard + 3, timeout=30)   # not frozen
            assert wait_for_log(log, "writing fails"), log.read_text()
        finally:
            stop(publisher)
            code = stop(recorder, signal.SIGINT, timeout=30)
    assert code == 1, log.read_text()
    status = json.loads((small_disk / "full/run-001/experiment.json").read_text())
    assert status["status"] == "incomplete"
    stats = json.loads((small_disk / "full/run-001/recorder.json").read_text())
    row = stats["topics"][TOPIC]
    assert row["buffer_full"] > 0
    assert row["dropped"] >= row["buffer_full"]
