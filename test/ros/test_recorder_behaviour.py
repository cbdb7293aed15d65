"""Recorder behaviour with real processes over DDS: stamps, QoS, discovery, services, signals."""

import json
import signal
import time

import numpy as np
import pytest
from diagnostic_msgs.msg import DiagnosticArray
from sensor_msgs.msg import JointState

from ml_dash_ros.tracks import Experiment
from ml_dash_ros.tracks.store.contract import episode_prefix
from test.ros.support import (Listener, call_trigger, start_publisher, start_recorder,
                              stop, wait_for_log, write_config)

TOPIC = "/test/topic"


class Session:
    """A recorder process on a config in ``tmp``, plus helpers to read what it wrote."""

    def __init__(self, tmp, topics: str, *params: str, prefix: str = "test/run") -> None:
        self.tmp, self.prefix = tmp, prefix
        self.log = tmp / "recorder.log"
        config = write_config(tmp / "map.yaml", topics, prefix=prefix, dash_root=tmp / "dash")
        self.proc = start_recorder(config, self.log, *params)
        assert wait_for_log(self.log, "recording episode 1"), self.log.read_text()

    def wait_subscribed(self, topic: str = TOPIC) -> None:
        assert wait_for_log(self.log, f"{topic} ["), self.log.read_text()

    def stop(self, sig=signal.SIGINT) -> None:
        assert stop(self.proc, sig) == 0, self.log.read_text()

    def experiment(self, prefix: str | None = None) -> Experiment:
        return Experiment(prefix or episode_prefix(self.prefix, 1),
                          dash_root=str(self.tmp / "dash"))

    def stats(self, prefix: str | None = None) -> dict:
        path = self.experiment(prefix).path / "recorder.json"
        return json.loads(path.read_text())["topics"]

    def rows(self, track: str, prefix: str | None = None) -> dict:
        return self.experiment(prefix).tracks(track).read(format="numpy")


def _stamp(msg) -> float:
    return msg.header.stamp.sec + msg.header.stamp.nanosec * 1e-9


def wait_for_stamp(session, stamp: float, track: str = "js", timeout: float = 60.0) -> bool:
    """Flush the recorder until ``track`` on disk reaches ``stamp``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        call_trigger("/recorder/flush")
        exp = session.experiment()
        if track in [t["topic"] for t in exp.tracks.list()] and \
                exp.tracks(track).read(format="numpy")["_ts"].max() >= stamp:
            return True
        time.sleep(0.2)
    return False


def _record(tmp_path, topics, publisher_args, seconds=2.0):
    session = Session(tmp_path, topics)
    publisher = start_publisher(*publisher_args)
    try:
        session.wait_subscribed()
        time.sleep(seconds)
    finally:
        stop(publisher)
    time.sleep(0.3)
    session.stop()
    return session


def test_receive_policy_stamps_entries_with_the_node_clock(tmp_path):
    session = _record(tmp_path, f"  - {{topic: {TOPIC}, track: js, stamp: receive}}\n",
                      ["joint_states", "--topic", TOPIC])
    rows = session.rows("js")
    assert len(rows["_ts"]) > 100
    np.testing.assert_array_equal(rows["_ts"], rows["_recv_ts"])


def test_header_policy_counts_messages_without_a_header_and_keeps_running(tmp_path):
    session = _record(tmp_path, f"  - {{topic: {TOPIC}, track: text, stamp: header}}\n",
                      ["string", "--topic", TOPIC])
    stats = session.stats()[TOPIC]
    assert stats["received"] > 100
    assert stats["no_stamp"] == stats["received"] == stats["dropped"]


def test_default_policy_records_messages_without_a_header_at_their_receive_time(tmp_path):
    session = _record(tmp_path, f"  - {{topic: {TOPIC}, track: text}}\n",
                      ["string", "--topic", TOPIC])
    stats, rows = session.stats()[TOPIC], session.rows("text")
    assert stats["stamped_on_receive"] == stats["received"] == len(rows["_ts"])
    assert np.array_equal(rows["_ts"], rows["_recv_ts"])


def test_default_policy_drops_zero_stamps_and_names_the_fix(tmp_path):
    session = _record(tmp_path, f"  - {{topic: {TOPIC}, track: js}}\n",
                      ["zero_stamp", "--topic", TOPIC])
    stats = session.stats()[TOPIC]
    assert stats["no_stamp"] == stats["received"] == stats["dropped"]
    assert "stamp: header_or_receive" in stats["first_error"]


def test_header_or_receive_policy_falls_back_on_zero_stamps(tmp_path):
    session = _record(tmp_path, f"  - {{topic: {TOPIC}, track: js, stamp: header_or_receive}}\n",
                      ["zero_stamp", "--topic", TOPIC])
    stats = session.stats()[TOPIC]
    assert stats["stamp_fallback"] == stats["received"] == len(session.rows("js")["_ts"])


def test_best_effort_publisher_is_recorded_with_adapted_qos(tmp_path):
    session = _record(tmp_path, f"  - {{topic: {TOPIC}, track: js}}\n",
                      ["joint_states", "--topic", TOPIC, "--qos", "best_effort"])
    stats = session.stats()[TOPIC]
    assert stats["qos"].startswith("best_effort")
    assert stats["received"] > 100


def test_qos_mismatch_is_reported(tmp_path):
    session = _record(tmp_path, f"  - {{topic: {TOPIC}, track: js, qos: reliable}}\n",
                      ["joint_states", "--topic", TOPIC, "--qos", "best_effort"])
    assert "incompatible QoS" in session.log.read_text()
    assert session.stats()[TOPIC]["qos_incompatible"] > 0


def test_topic_that_appears_after_start_is_recorded(tmp_path):
    session = Session(tmp_path, f"  - {{topic: {TOPIC}, track: js}}\n")
    time.sleep(1.5)
    publisher = start_publisher("joint_states", "--topic", TOPIC)
    try:
        session.wait_subscribed()
        time.sleep(1.5)
    finally:
        stop(publisher)
    session.stop()
    assert len(session.rows("js")["_ts"]) > 50


def test_unknown_type_is_reported_and_other_topics_still_record(tmp_path):
    topics = (f"  - {{topic: {TOPIC}, track: js}}\n"
              "  - {topic: /mystery, type: mystery_msgs/msg/Thing}\n")
    session = _record(tmp_path, topics, ["joint_states", "--topic", TOPIC])
    stats = session.stats()
    assert "mystery_msgs/msg/Thing" in stats["/mystery"]["skipped"]
    assert stats[TOPIC]["received"] > 100
    assert session.log.read_text().count("mystery_msgs/msg/Thing") == 1


def test_publisher_that_vanishes_and_returns_loses_nothing(tmp_path):
    session = Session(tmp_path, f"  - {{topic: {TOPIC}, track: js}}\n")
    with Listener({TOPIC: JointState}) as listener:
        first = start_publisher("joint_states", "--topic", TOPIC)
        session.wait_subscribed()
        assert listener.wait_for(TOPIC, 50, timeout=60)
        assert wait_for_stamp(session, _stamp(listener.snapshot(TOPIC)[-1]))
        stop(first, signal.SIGKILL)
        heard = listener.count(TOPIC)
        time.sleep(1.0)        # the gap: no publisher at all for a second
        second = start_publisher("joint_states", "--topic", TOPIC)
        assert listener.wait_for(TOPIC, heard + 50, timeout=60)
        # the recorder has the second publisher's messages while it still publishes: a
        # publisher that exits may leave its very last messages undelivered to some readers
        assert wait_for_stamp(session, _stamp(listener.snapshot(TOPIC)[-1]))
        stop(second)
    session.stop()
    rows = session.rows("js")
    assert session.stats()[TOPIC]["received"] == len(rows["_ts"])
    assert np.max(np.diff(rows["_ts"])) > 0.8  # the gap while no publisher existed


@pytest.mark.parametrize("signals", [(signal.SIGTERM,), (signal.SIGTERM, signal.SIGTERM),
                                     (signal.SIGINT, signal.SIGINT)])
def test_signals_flush_everything_and_exit_zero(tmp_path, signals):
    session = Session(tmp_path, f"  - {{topic: {TOPIC}, track: js}}\n")
    publisher = start_publisher("joint_states", "--topic", TOPIC, "--rate", "500")
    try:
        session.wait_subscribed()
        time.sleep(1.5)
        for sig in signals:
            session.proc.send_signal(sig)
            time.sleep(0.05)
        session.stop(signals[-1])
    finally:
        stop(publisher)
    stats = session.stats()[TOPIC]
    assert stats["received"] > 300
    assert stats["received"] == stats["written"] == len(session.rows("js")["_ts"])


def test_bad_config_is_refused_before_recording(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text(f"experiment: {{prefix: x, dash_root: '{tmp_path / 'dash'}'}}\n"
                      "topics:\n  - {topic: /a, qos: fast}\n")
    proc = start_recorder(str(config), tmp_path / "recorder.log")
    assert proc.wait(timeout=30) == 2
    log = (tmp_path / "recorder.log").read_text()
    assert "bad.yaml" in log
    assert "topics[0].qos" in log
    assert "fast" in log
    assert not (tmp_path / "dash").exists()


def test_status_is_published_on_diagnostics(tmp_path):
    with Listener({"/diagnostics": DiagnosticArray}) as listener:
        session = Session(tmp_path, f"  - {{topic: {TOPIC}, track: js}}\n")
        publisher = start_publisher("joint_states", "--topic", TOPIC)
        try:
            session.wait_subscribed()
            deadline = time.monotonic() + 60    # a status once messages arrive, 1 Hz
            while not _received(_topic_statuses(listener)) and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            stop(publisher)
            session.stop()
        statuses = _topic_statuses(listener)
    assert _received(statuses) > 0
    values = {kv.key: kv.value for kv in statuses[-1].values}
    assert {"written", "dropped", "rate", "buffered"} <= set(values)


def _topic_statuses(listener) -> list:
    return [status for array in listener.snapshot("/diagnostics")
            for status in array.status if TOPIC in status.name]


def _received(statuses) -> int:
    counts = [int(kv.value) for status in statuses for kv in status.values
              if kv.key == "received"]
    return max(counts, default=0)
