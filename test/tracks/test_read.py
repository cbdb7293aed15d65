"""Reads: order, inclusive bounds, columns, flush-before-read, pruning, slices, list()."""

import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.errors import NotFoundError


def ts_of(builder, **kw):
    return [e["_ts"] for e in builder.read(**kw)["entries"]]


def test_read_is_sorted_by_ts(exp):
    b = exp.tracks("r")
    for t in [3.0, 1.0, 2.0]:
        b.append(v=t, _ts=t)
    b.flush()
    b.append(v=0.0, _ts=0.0)
    assert ts_of(b) == [0.0, 1.0, 2.0, 3.0]


def test_bounds_are_inclusive(exp):
    b = exp.tracks("r")
    for i in range(10):
        b.append(v=i, _ts=float(i))
    assert ts_of(b, start_timestamp=2.0, end_timestamp=5.0) == [2.0, 3.0, 4.0, 5.0]


@pytest.mark.parametrize("start, end, expected", [
    (None, 1.0, [0.0, 1.0]), (8.0, None, [8.0, 9.0]), (20.0, 30.0, []), (4.5, 4.6, []),
])
def test_open_and_empty_ranges(exp, start, end, expected):
    b = exp.tracks("r")
    for i in range(10):
        b.append(v=i, _ts=float(i))
    assert ts_of(b, start_timestamp=start, end_timestamp=end) == expected


def test_columns_projection_keeps_ts(exp):
    exp.tracks("r").append(q=[1.0], ee_pos=[2.0], g=3.0, _ts=0.0)
    assert exp.tracks("r").read(columns=["q", "ee_pos"])["entries"] == [
        {"_ts": 0.0, "q": [1.0], "ee_pos": [2.0]}]


def test_column_prefix_selects_flattened_children(exp):
    exp.tracks("r").append(camera={"pos": 1.0, "rot": 2.0}, other=3.0, _ts=0.0)
    assert exp.tracks("r").read(columns=["camera"])["entries"] == [
        {"_ts": 0.0, "camera.pos": 1.0, "camera.rot": 2.0}]


def test_unknown_column_raises(exp):
    exp.tracks("r").append(a=1.0, _ts=0.0)
    with pytest.raises(KeyError, match="track 'r' has no column 'nope'"):
        exp.tracks("r").read(columns=["nope"])


def test_read_flushes_buffered_rows_first(exp):
    b = exp.tracks("r").append(a=1.0, _ts=0.0)
    assert b.read()["count"] == 1
    assert b.buffered_rows == 0


def test_read_of_unknown_topic_raises(exp):
    with pytest.raises(KeyError, match="no track 'never'"):
        exp.tracks("never").read()


def test_time_range_read_opens_only_overlapping_segments(exp, stats):
    b = exp.tracks("r")
    for seg in range(10):
        b.append_batch([{"v": float(i), "_ts": seg * 100.0 + i} for i in range(100)])
        b.flush()
    stats.reset()
    assert len(ts_of(b, start_timestamp=501.0, end_timestamp=510.0)) == 10
    assert stats.files_opened == 1


def test_time_range_read_decodes_only_overlapping_row_groups(dash_root, stats):
    with Experiment("p", dash_root=dash_root).run as exp:
        rows = [{"v": float(i), "_ts": i / 1000} for i in range(100_000)]
        exp.tracks("r").append_batch(rows)
    b = exp.tracks("r")
    stats.reset()
    assert len(ts_of(b, start_timestamp=50.0, end_timestamp=50.999)) == 1000
    assert (stats.files_opened, stats.row_groups_read) == (1, 1)


def test_footers_are_cached_between_reads(exp, stats):
    b = exp.tracks("r").append(v=1.0, _ts=0.0)
    b.read()
    stats.reset()
    b.read()
    assert stats.footers_parsed == 0


def test_slice_is_sized_and_iterable(exp):
    b = exp.tracks("pose")
    for i in range(5):
        b.append(x=i, _ts=float(i))
    s = b.slice(1.0, 3.0)
    assert len(s) == 3
    assert [e["x"] for e in s] == [1, 2, 3]


@pytest.mark.parametrize("query, expected", [(5.5, 5.0), (5.0, 5.0), (100.0, 7.0), (0.5, None)])
def test_find_by_time_floor_match(exp, query, expected):
    b = exp.tracks("pose")
    for t in [1.0, 3.0, 5.0, 7.0]:
        b.append(x=t, _ts=t)
    got = b.slice().find_by_time(query)
    assert (got and got["_ts"]) == expected


def test_builder_find_by_time(exp):
    exp.tracks("pose").append(x=1, _ts=1.0)
    assert exp.tracks("pose").find_by_time(2.0)["x"] == 1


def test_find_by_time_ml_dash_spelling_raises_when_none(exp):
    exp.tracks("pose").append(x=1, _ts=1.0)
    s = exp.tracks("pose").slice()
    assert [e["_ts"] for e in s.findByTime([1.0, 9.0])] == [1.0, 1.0]
    with pytest.raises(NotFoundError, match="no entry with _ts <= 0.5"):
        s.findByTime(0.5)


def test_list_gives_counts_and_ranges(exp):
    exp.tracks("robot/pose").append(x=1, _ts=1.0).append(x=2, _ts=2.0)
    exp.tracks("imu").append(a=1, _ts=5.0)
    assert exp.tracks.list() == [
        {"topic": "imu", "count": 1, "start_ts": 5.0, "end_ts": 5.0},
        {"topic": "robot/pose", "count": 2, "start_ts": 1.0, "end_ts": 2.0},
    ]


def test_list_counts_merged_rows_across_overlapping_segments(exp):
    b = exp.tracks("r")
    b.append(a=1, _ts=1.0).append(a=1, _ts=2.0).flush()
    b.append(b=1, _ts=2.0).append(b=1, _ts=3.0).flush()
    assert exp.tracks.list()[0]["count"] == 3
