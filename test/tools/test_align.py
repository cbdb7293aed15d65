"""Align against hand-computed small cases.

Track a: _ts 0, 1, 2, 4 with x = 10 * _ts, v = [_ts, 2 * _ts], label p q r s, n 0 1 2 3.
Track b: _ts 0.5, 2.5, 3 with y = 10 * _ts.
Common range [0.5, 3]; at 2 Hz the ticks are 0.5, 1, 1.5, 2, 2.5, 3.
"""

import json
import math

import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.errors import NotFoundError
from ml_dash_ros.tools.align import align, tick_times

TICKS = [0.5, 1.0, 1.5, 2.0, 2.5, 3.0]


@pytest.fixture
def small(tmp_path):
    """Return an Experiment holding tracks a, b and c (c has a null and a NaN)."""
    with Experiment("t/align", dash_root=tmp_path).run as exp:
        for t, label in zip((0.0, 1.0, 2.0, 4.0), "pqrs"):
            exp.tracks("a").append(_ts=t, x=10 * t, v=[t, 2 * t], label=label, n=int(t))
        for t in (0.5, 2.5, 3.0):
            exp.tracks("b").append(_ts=t, y=10 * t)
        exp.tracks("c").append(_ts=0.0, z=1.0)
        exp.tracks("c").append(_ts=1.0, other=1)
        exp.tracks("c").append(_ts=2.0, z=math.nan)
        exp.tracks("c").append(_ts=3.0, z=3.0)
        exp.tracks("ragged").append(_ts=0.0, w=[1.0])
        exp.tracks("ragged").append(_ts=4.0, w=[2.0, 3.0])
    return Experiment("t/align", dash_root=tmp_path)


def column(table, name):
    return table.column(name).to_pylist()


def test_ticks_span_the_common_range(small):
    table = align(small, ["a", "b"], hz=2)
    assert column(table, "_ts") == TICKS


def test_columns_are_prefixed_by_track(small):
    table = align(small, ["a", "b"], hz=2)
    assert table.column_names == ["_ts", "a/_ts", "a/x", "a/v", "a/label", "a/n", "b/_ts",
                                  "b/y"]


def test_asof_takes_the_last_sample_at_or_before_the_tick(small):
    table = align(small, ["a", "b"], hz=2, method="asof")
    assert column(table, "a/x") == [0.0, 10.0, 10.0, 20.0, 20.0, 20.0]
    assert column(table, "b/y") == [5.0, 5.0, 5.0, 5.0, 25.0, 30.0]


def test_asof_reports_the_stamp_of_the_sample_used(small):
    table = align(small, ["a", "b"], hz=2, method="asof")
    assert column(table, "b/_ts") == [0.5, 0.5, 0.5, 0.5, 2.5, 3.0]


def test_asof_tolerance_nulls_samples_older_than_it(small):
    table = align(small, ["a", "b"], hz=2, method="asof", tolerance=0.5)
    assert column(table, "b/y") == [5.0, 5.0, None, None, 25.0, 30.0]


def test_nearest_takes_the_closest_sample_and_the_earlier_on_a_tie(small):
    table = align(small, ["a", "b"], hz=2, method="nearest")
    assert column(table, "a/x") == [0.0, 10.0, 10.0, 20.0, 20.0, 20.0]
    assert column(table, "b/y") == [5.0, 5.0, 5.0, 25.0, 25.0, 30.0]


def test_nearest_tolerance_nulls_samples_further_than_it(small):
    table = align(small, ["a", "b"], hz=2, method="nearest", tolerance=0.5)
    assert column(table, "b/y") == [5.0, 5.0, None, 25.0, 25.0, 30.0]


def test_linear_interpolates_float_columns(small):
    table = align(small, ["a", "b"], hz=2, method="linear")
    assert column(table, "a/x") == pytest.approx([5.0, 10.0, 15.0, 20.0, 25.0, 30.0])
    assert column(table, "b/y") == pytest.approx([5.0, 10.0, 15.0, 20.0, 25.0, 30.0])


def test_linear_interpolates_fixed_length_float_lists(small):
    table = align(small, ["a", "b"], hz=2, method="linear")
    assert column(table, "a/v")[0] == pytest.approx([0.5, 1.0])
    assert column(table, "a/v")[4] == pytest.approx([2.5, 5.0])


def test_linear_takes_text_and_integers_asof(small):
    table = align(small, ["a", "b"], hz=2, method="linear")
    assert column(table, "a/label") == ["p", "q", "q", "r", "r", "r"]
    assert column(table, "a/n") == [0, 1, 1, 2, 2, 2]


def test_linear_tolerance_needs_both_neighbours_within_it(small):
    table = align(small, ["a", "b"], hz=2, method="linear", tolerance=0.5)
    assert column(table, "b/y") == [5.0, None, None, None, 25.0, 30.0]


def test_linear_never_extrapolates_past_the_last_sample(small):
    table = align(small, ["b"], hz=2, method="linear", start=2.5, end=4.0)
    assert column(table, "b/y") == [25.0, 30.0, None, None]


def test_a_tick_before_the_first_sample_is_null(small):
    table = align(small, ["b"], hz=2, method="asof", start=0.0, end=1.0)
    assert column(table, "b/y") == [None, 5.0, 5.0]


def test_a_row_without_the_column_does_not_hide_its_last_sample(small):
    table = align(small, ["c"], hz=2, method="asof")
    assert column(table, "c/z")[2:4] == [1.0, 1.0]


def test_a_sparse_column_older_than_the_tolerance_is_null(small):
    table = align(small, ["c"], hz=2, method="asof", tolerance=0.5)
    assert column(table, "c/z")[2:4] == [None, None]


def test_the_track_stamp_is_its_last_row_even_when_a_column_is_older(small):
    table = align(small, ["c"], hz=2, method="asof")
    assert column(table, "c/_ts")[2:4] == [1.0, 1.0]


def test_linear_interpolates_a_sparse_column_between_its_own_samples(small):
    table = align(small, ["c"], hz=2, method="linear", start=2.0, end=3.0)
    assert math.isnan(column(table, "c/z")[1])
    assert column(table, "c/other") == [1, 1, 1]


def test_linear_keeps_nan_as_nan_not_null(small):
    table = align(small, ["c"], hz=2, method="linear")
    assert math.isnan(column(table, "c/z")[5])


def test_linear_takes_ragged_lists_asof(small):
    table = align(small, ["ragged"], hz=1, method="linear")
    assert column(table, "ragged/w") == [[1.0], [1.0], [1.0], [1.0], [2.0, 3.0]]


def test_columns_selects_per_track(small):
    table = align(small, ["a", "b"], hz=2, columns={"a": ["x"]})
    assert table.column_names == ["_ts", "a/_ts", "a/x", "b/_ts", "b/y"]


def test_parameters_are_stored_in_the_schema_metadata(small):
    table = align(small, ["a", "b"], hz=2, method="nearest", tolerance=0.25)
    meta = json.loads(table.schema.metadata[b"ml_dash_ros.align"])
    assert (meta["hz"], meta["method"], meta["tolerance"], meta["tracks"]) == (
        2, "nearest", 0.25, ["a", "b"])


def test_tick_times_are_start_plus_k_over_hz():
    ranges = {"a": {"count": 3, "start_ts": 1.0, "end_ts": 2.0}}
    assert tick_times(ranges, 4).tolist() == [1.0, 1.25, 1.5, 1.75, 2.0]


@pytest.mark.parametrize("kwargs, message", [
    ({"hz": 0}, "hz must be a positive number"),
    ({"hz": 2, "method": "cubic"}, "method must be one of"),
    ({"hz": 2, "tolerance": -1.0}, "tolerance must be"),
])
def test_bad_arguments_raise_value_error(small, kwargs, message):
    with pytest.raises(ValueError, match=message):
        align(small, ["a"], **kwargs)


def test_a_missing_track_raises_not_found(small):
    with pytest.raises(NotFoundError, match="no track 'nope'"):
        align(small, ["a", "nope"], hz=2)


def test_a_missing_column_raises_not_found(small):
    with pytest.raises(NotFoundError, match="no column 'q'"):
        align(small, ["a"], hz=2, columns={"a": ["q"]})


def test_tracks_without_common_time_raise_value_error(small):
    with pytest.raises(ValueError, match="no time in common"):
        align(small, ["a", "b"], hz=2, start=3.0, end=1.0)


def test_no_common_time_names_the_tracks_and_readable_stamps(tmp_path):
    with Experiment("p", dash_root=tmp_path).run as exp:
        exp.tracks("early").append(x=1.0, _ts=1764064800.0).append(x=1.0, _ts=1764064801.0)
        exp.tracks("late").append(x=1.0, _ts=1764064801.25).append(x=1.0, _ts=1764064802.0)
    with pytest.raises(ValueError, match=r"'late' starts at 2025-11-25T10:00:01.250Z, 0.250 s "
                                         r"after 'early' ends at 2025-11-25T10:00:01.000Z"):
        align(Experiment("p", dash_root=tmp_path), ["early", "late"], hz=10)


def test_experiment_tracks_align_is_the_python_side_of_align(tmp_path):
    with Experiment("p", dash_root=str(tmp_path)).run as exp:
        exp.tracks("a").append(x=1.0, _ts=0.0).append(x=3.0, _ts=1.0)
        exp.tracks("b").append(y=10, _ts=0.0).append(y=20, _ts=1.0)
        table = exp.tracks.align(["a", "b"], hz=2, method="linear")
    assert table.column("_ts").to_pylist() == [0.0, 0.5, 1.0]
    assert table.column("a/x").to_pylist() == [1.0, 2.0, 3.0]
    assert table.column("b/y").to_pylist() == [10, 10, 20]   # ints are taken as-of
