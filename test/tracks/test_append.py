"""Appending entries: `_ts` rules, field validation, chaining, batches, threads."""

import math
import threading

import numpy as np
import pytest

from ml_dash_ros.errors import ExperimentClosedError, FieldTypeError, TimestampError

from test.helpers import entries


def test_append_returns_builder_for_chaining(exp):
    builder = exp.tracks("robot")
    assert builder.append(q=[0.1], _ts=0.0).append(q=[0.2], _ts=0.1) is builder


def test_tracks_returns_cached_builder(exp):
    assert exp.tracks("robot/pose") is exp.tracks("robot/pose")


@pytest.mark.parametrize("bad, match", [
    ("1.0", "must be a number"), (True, "must be a number"), (None, "must be a number"),
    (math.nan, "finite"), (math.inf, "finite"), (-math.inf, "finite"), ([1.0], "number"),
    (np.bool_(True), "number"), (np.float64("nan"), "finite"),
])
def test_bad_ts_raises_value_error_naming_topic(exp, bad, match):
    with pytest.raises(ValueError, match=f"'imu'.*{match}"):
        exp.tracks("imu").append(accel=[0, 0, 9.8], _ts=bad)


def test_missing_ts_raises_timestamp_error(exp):
    with pytest.raises(TimestampError, match="'imu'.*_ts is required"):
        exp.tracks("imu").append(accel=[0, 0, 9.8])


def test_rejected_append_keeps_buffered_rows(exp):
    builder = exp.tracks("imu").append(a=1.0, _ts=0.0)
    with pytest.raises(TimestampError):
        builder.append(a=2.0, _ts=float("nan"))
    assert builder.buffered_rows == 1
    assert entries(builder) == [{"_ts": 0.0, "a": 1.0}]


@pytest.mark.parametrize("ts", [np.float32(1.5), np.int64(3), 7, np.float64(2.25)])
def test_numeric_ts_is_cast_to_float(exp, ts):
    exp.tracks("t").append(v=1, _ts=ts)
    got = entries(exp.tracks("t"))[0]["_ts"]
    assert type(got) is float
    assert got == float(ts)


@pytest.mark.parametrize("value", [object(), {1, 2}, 1 + 2j, [object()], np.array([1j])])
def test_unsupported_value_raises_type_error_naming_field(exp, value):
    with pytest.raises(TypeError, match="'cam'.*field 'bad'"):
        exp.tracks("cam").append(ok=1.0, bad=value, _ts=0.0)


def test_rejected_field_inserts_nothing(exp):
    builder = exp.tracks("cam")
    with pytest.raises(FieldTypeError):
        builder.append(ok=1.0, nested={"x": object()}, _ts=0.0)
    assert builder.buffered_rows == 0
    assert entries(builder) == []


def test_nested_bad_value_names_dotted_field(exp):
    with pytest.raises(FieldTypeError, match="field 'cam.pose'"):
        exp.tracks("t").append(cam={"pose": object()}, _ts=0.0)


def test_dotted_and_underscore_field_names(exp):
    exp.tracks("js").append(**{"q.joint1": 0.5, "_recv_ts": 10.0}, _ts=1.0)
    assert entries(exp.tracks("js")) == [{"_ts": 1.0, "q.joint1": 0.5, "_recv_ts": 10.0}]


def test_list_mutated_after_append_is_not_changed(exp):
    q = [0.0, 0.0]
    builder = exp.tracks("r")
    for i in range(3):
        q[0] = float(i)
        builder.append(q=q, _ts=float(i))
    assert [e["q"][0] for e in entries(builder)] == [0.0, 1.0, 2.0]


def test_append_batch_returns_count(exp):
    result = exp.tracks("loss").append_batch(
        [{"value": 0.5, "_ts": 1.0}, {"value": 0.45, "_ts": 2.0}])
    assert result["count"] == 2


def test_append_batch_rows_read_back(exp):
    rows = [{"q": [float(i)] * 3, "g": i * 0.5, "_ts": i / 1000} for i in range(100)]
    exp.tracks("r").append_batch(rows)
    got = entries(exp.tracks("r"))
    assert got == [{"_ts": r["_ts"], "q": r["q"], "g": r["g"]} for r in rows]


def test_append_batch_with_numpy_values(exp):
    exp.tracks("r").append_batch([{"q": np.arange(3.0), "n": np.int32(4), "_ts": 0.0}])
    assert entries(exp.tracks("r")) == [{"_ts": 0.0, "q": [0.0, 1.0, 2.0], "n": 4}]


@pytest.mark.parametrize("bad_row, error", [
    ({"v": 1.0}, TimestampError), ({"v": 1.0, "_ts": "x"}, TimestampError),
    ({"v": object(), "_ts": 3.0}, FieldTypeError), ("not a dict", FieldTypeError),
])
def test_rejected_batch_changes_nothing(exp, bad_row, error):
    builder = exp.tracks("r").append(v=0.0, _ts=0.0)
    with pytest.raises(error):
        builder.append_batch([{"v": 1.0, "_ts": 1.0}, bad_row])
    assert builder.buffered_rows == 1
    assert entries(builder) == [{"_ts": 0.0, "v": 0.0}]


def test_appends_from_threads_are_all_kept(exp):
    builder = exp.tracks("multi")

    def work(k):
        for i in range(2000):
            builder.append(k=k, i=i, _ts=k * 10_000 + i)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    data = builder.read()
    assert data["count"] == 8000
    assert sorted((e["k"], e["i"]) for e in data["entries"]) == [
        (k, i) for k in range(4) for i in range(2000)]


def test_counters_track_buffered_and_written(exp):
    builder = exp.tracks("c").append(a=1, _ts=0.0).append(a=2, _ts=1.0)
    assert (builder.buffered_rows, builder.written_rows) == (2, 0)
    assert exp.tracks.buffered_rows == 2
    builder.flush()
    assert (builder.buffered_rows, builder.written_rows) == (0, 2)


def test_append_after_close_raises(exp):
    builder = exp.tracks("c").append(a=1, _ts=0.0)
    exp.close()
    with pytest.raises(ExperimentClosedError, match="closed"):
        builder.append(a=2, _ts=1.0)


def test_read_after_close_works(exp):
    builder = exp.tracks("c").append(a=1, _ts=0.0)
    exp.close()
    assert entries(builder) == [{"_ts": 0.0, "a": 1}]


def test_append_batch_accepts_numpy_columns(exp):
    n = 5
    exp.tracks("r").append_batch({"_ts": np.arange(n) / 1000, "q": np.ones((n, 7)),
                                  "g": np.full(n, 0.04), "name": ["a"] * n})
    arrays = exp.tracks("r").read(format="numpy")
    assert arrays["q"].shape == (5, 7)
    assert arrays["name"].tolist() == ["a"] * 5


def test_append_batch_accepts_an_arrow_table(exp):
    import pyarrow as pa
    exp.tracks("r").append_batch(pa.table({"_ts": [1.0, 0.5], "v": [1, 2]}))
    assert exp.tracks("r").read()["entries"] == [{"_ts": 0.5, "v": 2}, {"_ts": 1.0, "v": 1}]


@pytest.mark.parametrize("columns, error, match", [
    ({"v": [1.0]}, TimestampError, "_ts"), ({"_ts": [np.nan], "v": [1]}, TimestampError, "finite"),
    ({"_ts": ["a"], "v": [1]}, TimestampError, "numbers"),
    ({"_ts": [0.0, 1.0], "v": [1]}, FieldTypeError, "'v' has 1 values"),
    ({"_ts": [0.0], "v": [object()]}, FieldTypeError, "field 'v'"),
])
def test_rejected_column_batch_changes_nothing(exp, columns, error, match):
    builder = exp.tracks("r")
    with pytest.raises(error, match=match):
        builder.append_batch(columns)
    assert builder.buffered_rows == 0


class _Interrupting:
    """A list item whose conversion raises KeyboardInterrupt: Ctrl-C in the middle of an append."""

    def __float__(self):
        raise KeyboardInterrupt


def test_an_append_interrupted_half_way_leaves_the_buffered_rows_whole(exp):
    # Ctrl-C lands between any two bytecodes; an append cut after its first column must not
    # leave that column longer than the others (the next flush then failed and every
    # buffered row was lost).
    track = exp.tracks("robot")
    for i in range(3):
        track.append(a=[float(i)] * 2, b=[float(i)] * 2, _ts=float(i))
    with pytest.raises(KeyboardInterrupt):
        track.append(a=[3.0, 3.0], b=[3.0, _Interrupting()], _ts=3.0)
    track.append(a=[4.0] * 2, b=[4.0] * 2, _ts=4.0)
    track.flush()
    rows = track.read(format="arrow").to_pydict()
    assert rows["_ts"] == [0.0, 1.0, 2.0, 4.0]
    assert rows["b"] == [[t] * 2 for t in rows["_ts"]] == rows["a"]
