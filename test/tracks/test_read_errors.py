"""Reads that name a track or column the experiment does not hold raise, naming what exists."""

import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.errors import ColumnNotFoundError, NotFoundError, TrackNotFoundError


@pytest.fixture
def robot(exp):
    """Return an experiment with a flushed track 'robot' (columns q, gripper) and 'imu'."""
    exp.tracks("robot").append(q=[0.1, 0.2], gripper=0.04, _ts=1.0).flush()
    exp.tracks("imu").append(acc=9.81, _ts=1.0).flush()
    return exp


def test_read_of_an_unknown_track_raises_naming_it(robot):
    with pytest.raises(TrackNotFoundError, match=r"no track 'nope' \(tracks: 'imu', 'robot'\)"):
        robot.tracks("nope").read()


def test_unknown_track_error_is_a_key_error(robot):
    with pytest.raises(KeyError):
        robot.tracks("nope").read(format="arrow")


def test_unknown_track_error_is_a_not_found_error(robot):
    with pytest.raises(NotFoundError):
        robot.tracks("nope").read(format="numpy")


def test_read_of_an_unknown_track_in_a_finished_recording_raises(robot, dash_root):
    robot.close()
    reopened = Experiment("alice/franka/test", dash_root=dash_root)
    with pytest.raises(TrackNotFoundError, match="no track 'imu2'"):
        reopened.tracks("imu2").read()


def test_unknown_column_raises_listing_the_columns(robot):
    with pytest.raises(ColumnNotFoundError,
                       match=r"track 'robot' has no column 'nope' \(columns: q, gripper\)"):
        robot.tracks("robot").read(columns=["q", "nope"])


def test_dotted_group_of_columns_still_reads(exp):
    exp.tracks("r").append(camera={"pos": 1.0}, _ts=0.0)
    assert exp.tracks("r").read(columns=["camera"])["entries"] == [
        {"_ts": 0.0, "camera.pos": 1.0}]


def test_existing_track_outside_the_window_reads_empty(robot):
    assert robot.tracks("robot").read(5.0, 6.0) == {"entries": [], "count": 0}


def test_existing_column_outside_the_window_reads_empty(robot):
    assert robot.tracks("robot").read(5.0, 6.0, columns=["q"], format="numpy")["_ts"].size == 0


def test_metric_logs_its_first_point(exp):
    exp.metrics("loss").log(value=1.0)
    assert exp.metrics("loss").read()["data"] == [{"index": 0, "data": {"value": 1.0}}]
