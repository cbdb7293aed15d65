"""The recorder runs on rclpy releases without a usable EventsExecutor (Humble, early Jazzy)."""

import sys

import pytest
import rclpy
from rclpy.executors import SingleThreadedExecutor

from ml_dash_ros.ros import recorder_main
from ml_dash_ros.tracks import Experiment
from test.ros.support import run_python, stop, wait_for_log, write_config
from test.ros.test_recorder_odometry import COUNT, publish_odometry

# Starts the recorder in a Python whose rclpy has no rclpy.experimental, as on Humble.
WITHOUT_EVENTS_EXECUTOR = ("import sys; sys.modules['rclpy.experimental'] = None; "
                           "from ml_dash_ros.ros.recorder_main import main; sys.exit(main())")


@pytest.fixture
def context():
    context = rclpy.Context()
    rclpy.init(context=context)
    yield context
    rclpy.try_shutdown(context=context)


def _broken_events_executor(*, context=None):
    raise RuntimeError("EventsExecutor is not supported by this rmw")


def test_missing_events_executor_gives_the_single_threaded_one(context, monkeypatch):
    monkeypatch.setitem(sys.modules, "rclpy.experimental", None)
    executor = recorder_main.make_executor(context)
    assert isinstance(executor, SingleThreadedExecutor)


def test_events_executor_that_fails_to_build_gives_the_single_threaded_one(context, monkeypatch):
    import rclpy.experimental
    monkeypatch.setattr(rclpy.experimental, "EventsExecutor", _broken_events_executor)
    executor = recorder_main.make_executor(context)
    assert isinstance(executor, SingleThreadedExecutor)


def test_fallback_is_logged_with_the_reason(context, monkeypatch, capfd):
    import rclpy.experimental
    monkeypatch.setattr(rclpy.experimental, "EventsExecutor", _broken_events_executor)
    recorder_main.make_executor(context)
    assert "not supported by this rmw" in capfd.readouterr().err


def test_recorder_without_events_executor_records_every_message(tmp_path):
    log = tmp_path / "recorder.log"
    config = write_config(tmp_path / "map.yaml", "  - {topic: /fallback/odom, track: odom}\n",
                          dash_root=tmp_path / "dash")
    recorder = run_python(["-c", WITHOUT_EVENTS_EXECUTOR, "--ros-args", "-p",
                           f"config:={config}"], log_path=log)
    try:
        assert wait_for_log(log, "recording episode 1"), log.read_text()
        assert publish_odometry("/fallback/odom") == 0
    finally:
        assert stop(recorder) == 0, log.read_text()
    rows = Experiment("test/run-001", dash_root=str(tmp_path / "dash")).tracks("odom").read()
    assert rows["count"] == COUNT
