"""Loss the recorder cannot write: DDS's message_lost count and gaps in header stamps.

Both reach /diagnostics, recorder.json, the exit summary and ``ml-dash-ros info``.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest
import rclpy
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus
from rclpy.qos import QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import JointState

from test.ros.support import Listener, start_recorder, stop, wait_for_log, write_config

GAP_TOPIC = "/test/gaps"
FLOOD_TOPIC = "/test/flood"
PERIOD = 0.01
SENT = 300
HOLE = range(150, 160)          # stamps never published: one gap of 10 messages
BASE = "test/loss"
PREFIX = "test/loss-001"     # the recorder's first episode of BASE


class Publisher:
    """A JointState publisher on a private rclpy context in this process."""

    def __init__(self, topic: str, reliability: ReliabilityPolicy, depth: int) -> None:
        self._context = rclpy.Context()
        rclpy.init(context=self._context)
        self.node = rclpy.create_node("test_loss_publisher", context=self._context)
        self.pub = self.node.create_publisher(
            JointState, topic, QoSProfile(depth=depth, reliability=reliability))

    def wait_matched(self, timeout: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.pub.get_subscription_count() > 0:
                return True
            time.sleep(0.05)
        return False

    def publish(self, stamp: float) -> None:
        msg = JointState(name=["a"], position=[stamp])
        msg.header.stamp.sec, msg.header.stamp.nanosec = int(stamp), round(stamp % 1 * 1e9)
        self.pub.publish(msg)

    def close(self) -> None:
        self.node.destroy_node()
        rclpy.try_shutdown(context=self._context)


def _status(listener: Listener, topic: str) -> DiagnosticStatus | None:
    for array in reversed(listener.snapshot("/diagnostics")):
        for status in array.status:
            if status.name.endswith(f": {topic}"):
                return status
    return None


def _wait_status(listener: Listener, topic: str, check, timeout: float = 60.0):
    """Wait for a /diagnostics status of ``topic`` whose values pass ``check``; return it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = _status(listener, topic)
        if status is not None and check({kv.key: kv.value for kv in status.values}):
            return status
        time.sleep(0.1)
    return _status(listener, topic)


def _start(tmp, topics: str):
    log = tmp / "recorder.log"
    config = write_config(tmp / "map.yaml", topics, prefix=BASE, dash_root=tmp / "dash")
    proc = start_recorder(config, log)
    assert wait_for_log(log, "recording episode 1", timeout=60), log.read_text()
    return proc, log


def _recorder_row(tmp, topic: str) -> dict:
    path = tmp / "dash" / PREFIX / "recorder.json"
    return json.loads(path.read_text())["topics"][topic]


@pytest.fixture(scope="module")
def gap_run(tmp_path_factory):
    """Record one topic whose stamps miss a stretch; return what every output showed."""
    tmp = tmp_path_factory.mktemp("gaps")
    with Listener({"/diagnostics": DiagnosticArray}) as listener:
        proc, log = _start(tmp, f"  - {{topic: {GAP_TOPIC}, track: gaps}}\n")
        publisher = Publisher(GAP_TOPIC, ReliabilityPolicy.RELIABLE, depth=SENT + 100)
        try:
            assert publisher.wait_matched(), log.read_text()
            assert wait_for_log(log, f"{GAP_TOPIC} [", timeout=60), log.read_text()
            for k in range(SENT + len(HOLE)):
                if k not in HOLE:
                    publisher.publish(1000.0 + k * PERIOD)
            status = _wait_status(listener, GAP_TOPIC, lambda v: v.get("received") == str(SENT))
        finally:
            publisher.close()
            code = stop(proc)
    info = subprocess.run([sys.executable, "-m", "ml_dash_ros", "info", PREFIX,
                           "--dash-root", str(tmp / "dash")],
                          capture_output=True, text=True, timeout=120, env=dict(os.environ))
    return {"status": status, "code": code, "log": log.read_text(),
            "row": _recorder_row(tmp, GAP_TOPIC), "info": info}


def test_recorder_json_counts_the_stamp_gap_and_its_missing_messages(gap_run):
    row = gap_run["row"]
    assert (row["stamp_gaps"], row["stamp_gap_missing"]) == (1, len(HOLE)), row


def test_recorder_json_counts_lost_messages_as_a_number_under_fast_dds(gap_run):
    assert gap_run["row"]["lost"] == 0, gap_run["row"]


def test_diagnostics_warn_about_stamp_gaps(gap_run):
    status = gap_run["status"]
    assert (status.level, status.message) == (
        DiagnosticStatus.WARN, f"1 stamp gaps (~{len(HOLE)} messages missing)"), status


def test_diagnostics_carry_lost_and_stamp_gap_values(gap_run):
    values = {kv.key: kv.value for kv in gap_run["status"].values}
    assert (values["lost"], values["stamp_gaps"], values["stamp_gap_missing"]) == (
        "0", "1", str(len(HOLE))), values


def test_exit_summary_has_one_line_per_topic_with_counts_and_tracks(gap_run):
    line = rf"{GAP_TOPIC}\s+{SENT}\s+{SENT}\s+0\s+0\s+1 \({len(HOLE)}\)\s+gaps$"
    assert re.search(line, gap_run["log"], re.MULTILINE), gap_run["log"]


def test_recorder_exits_0_after_recording_a_gap(gap_run):
    assert gap_run["code"] == 0, gap_run["log"]


def test_info_shows_lost_and_stamp_gaps_per_topic(gap_run):
    info = gap_run["info"]
    row = [line for line in info.stdout.splitlines() if GAP_TOPIC in line and "│" in line]
    cells = [cell.strip() for cell in row[-1].split("│")] if row else []
    assert cells[-5:-2] == ["0", "1", str(len(HOLE))], info.stdout + info.stderr


def test_messages_dds_loses_while_the_recorder_is_stalled_are_counted_as_lost(tmp_path):
    with Listener({"/diagnostics": DiagnosticArray}) as listener:
        proc, log = _start(tmp_path, f"  - {{topic: {FLOOD_TOPIC}, track: flood, "
                                     "qos: sensor_data}\n")
        publisher = Publisher(FLOOD_TOPIC, ReliabilityPolicy.BEST_EFFORT, depth=10)
        try:
            assert publisher.wait_matched(), log.read_text()
            assert wait_for_log(log, f"{FLOOD_TOPIC} [", timeout=60), log.read_text()
            publisher.publish(1.0)
            assert _wait_status(listener, FLOOD_TOPIC, lambda v: v.get("received") != "0")
            os.kill(proc.pid, signal.SIGSTOP)       # the recorder takes nothing for a while
            try:
                for k in range(20000):
                    publisher.publish(2.0 + k * 1e-4)
            finally:
                os.kill(proc.pid, signal.SIGCONT)
            for k in range(100):                    # later samples reveal the missing ones
                publisher.publish(5.0 + k * 1e-4)
            status = _wait_status(listener, FLOOD_TOPIC, lambda v: v.get("lost", "0") != "0")
        finally:
            publisher.close()
            assert stop(proc) == 0, log.read_text()
    row = _recorder_row(tmp_path, FLOOD_TOPIC)
    assert row["lost"] > 0, (row, status)
