"""Inventory: experiments under a dash_root and per-track summaries."""

import numpy as np
import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.errors import NotFoundError
from ml_dash_ros.tools import catalog as store
from ml_dash_ros.tools.inventory import (experiment_info, find_experiments, find_gaps,
                                         list_experiments, summarize_track)

from test.tools.conftest import PREFIX, record


def test_find_experiments_lists_nested_prefixes(dash_root):
    record(dash_root, "bob/ur5/run-002")
    assert find_experiments(dash_root) == [PREFIX, "bob/ur5/run-002"]


def test_find_experiments_refuses_a_missing_root(tmp_path):
    with pytest.raises(NotFoundError, match="does not exist"):
        find_experiments(tmp_path / "nope")


def test_list_experiments_gives_rows_range_and_status(dash_root):
    (summary,) = list_experiments(dash_root)
    robot = {t.track: t for t in summary.tracks}["robot"]
    assert summary.status["status"] == "completed"
    assert robot.rows == 250
    assert (robot.start_ts, robot.end_ts) == pytest.approx((10.0, 12.99))


def test_track_rate_is_rows_minus_one_over_duration(exp):
    imu = summarize_track(exp, "imu")
    assert imu.rate == pytest.approx(149 / 2.98)


def test_track_size_is_the_bytes_of_its_segments(exp):
    directory = store.require_track(exp, "imu")
    expected = sum(p.stat().st_size for p in directory.glob("seg-*.parquet"))
    assert summarize_track(exp, "imu").size_bytes == expected > 0


def test_info_gives_columns_and_types(dash_root):
    info = experiment_info(PREFIX, dash_root=dash_root)
    robot = {t.track: t for t in info.tracks}["robot"]
    assert robot.columns == (("q", "list<double>"), ("gripper", "double"), ("mode", "string"))


def test_info_finds_the_gap_longer_than_three_median_periods(dash_root):
    info = experiment_info(PREFIX, dash_root=dash_root, tracks=["robot"])
    (gap,) = info.tracks[0].gaps
    assert (gap.start, gap.end, info.tracks[0].median_period) == pytest.approx((10.99, 11.5, 0.01))


def test_info_links_tracks_to_the_recorder_topic_counts(dash_root):
    info = experiment_info(PREFIX, dash_root=dash_root)
    robot = {t.track: t for t in info.tracks}["robot"]
    assert robot.topic == "/joint_states"
    assert info.recorder["topics"]["/joint_states"]["dropped"] == 10


def test_find_gaps_ignores_regular_jitter():
    stamps = np.arange(100) * 0.01 + np.tile([0.0, 0.002], 50)
    assert find_gaps(stamps)[1] == ()


def test_info_of_a_missing_prefix_raises_not_found(dash_root):
    with pytest.raises(NotFoundError, match="no experiment 'alice/nope'"):
        experiment_info("alice/nope", dash_root=dash_root)


def test_info_of_a_missing_track_names_the_known_tracks(dash_root):
    with pytest.raises(NotFoundError, match="no track 'arm'.*imu, robot, tf/tool0"):
        experiment_info(PREFIX, dash_root=dash_root, tracks=["arm"])


def test_a_corrupt_segment_marks_its_track_naming_the_file(dash_root, exp):
    (segment,) = store.live_files(store.require_track(exp, "imu"))
    segment.write_bytes(b"garbage, not parquet")
    imu = {t.track: t for t in experiment_info(PREFIX, dash_root=dash_root).tracks}["imu"]
    assert segment.name in imu.error


def test_reading_an_inventory_does_not_open_the_experiment(dash_root):
    status = (dash_root / PREFIX / "experiment.json").read_bytes()
    experiment_info(PREFIX, dash_root=dash_root)
    assert (dash_root / PREFIX / "experiment.json").read_bytes() == status


def test_an_experiment_without_tracks_is_listed_empty(tmp_path):
    root = tmp_path / "dash"
    Experiment("empty/run", dash_root=root).open().close()
    (summary,) = list_experiments(root)
    assert (summary.prefix, summary.tracks) == ("empty/run", ())
