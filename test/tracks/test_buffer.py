"""The array-backed buffer: rows that leave the fast path, batches, and the compaction rule."""

import numpy as np
import pyarrow as pa
import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.errors import FieldTypeError, TimestampError
from ml_dash_ros.tracks.store import layout, segments
from ml_dash_ros.tracks.ingest.array_part import ArrayPart
from ml_dash_ros.tracks.ingest.column_part import ColumnPart

from test.helpers import entries, robot


def test_plain_numeric_rows_read_back_unchanged(exp):
    b = exp.tracks("r")
    for i in range(3):
        b.append(**robot(i), _ts=float(i))
    assert entries(b) == [{"_ts": float(i), **robot(i)} for i in range(3)]


@pytest.mark.parametrize("odd", [
    dict(q=[9.0, 9.0], g=1.0, name="x", ok=False),   # another list length
    dict(q=[9.0, 9.0, 9.0], g=None, name="x", ok=False),  # None
    dict(q=[9.0, 9.0, 9.0], g=1, name="x", ok=False),  # int in a float column
    dict(q=[9.0, 9.0, 9.0], name="x", ok=False),  # a field missing
    dict(name="x", q=[9.0, 9.0, 9.0], g=1.0, ok=False),  # another field order
    dict(q=(9.0, 9.0, 9.0), g=1.0, name="x", ok=False),  # tuple instead of list
])
def test_rows_leaving_the_fast_path_read_back_unchanged(exp, odd):
    b = exp.tracks("r").append(**robot(0), _ts=0.0).append(**odd, _ts=1.0)
    b.append(**robot(2), _ts=2.0)
    expected = {k: (list(v) if isinstance(v, tuple) else v) for k, v in odd.items()
                if v is not None}
    assert entries(b) == [{"_ts": 0.0, **robot(0)}, {"_ts": 1.0, **expected},
                          {"_ts": 2.0, **robot(2)}]


def test_repeated_and_older_ts_merge_after_array_rows(exp):
    b = exp.tracks("r")
    for i in range(3):
        b.append(v=float(i), _ts=float(i))
    b.append(v=10.0, _ts=1.0).append(w=5.0, _ts=0.5).append(v=20.0, _ts=3.0)
    assert entries(b) == [{"_ts": 0.0, "v": 0.0}, {"_ts": 0.5, "w": 5.0},
                          {"_ts": 1.0, "v": 10.0}, {"_ts": 2.0, "v": 2.0},
                          {"_ts": 3.0, "v": 20.0}]


@pytest.mark.parametrize("bad", [[object(), 1.0, 2.0], ["1.0", 1.0, 2.0], [1j, 0.0, 0.0],
                                 [None, 1.0, 2.0]])
def test_bad_list_item_on_the_fast_path_is_refused_or_kept_exactly(exp, bad):
    b = exp.tracks("r").append(q=[0.0, 1.0, 2.0], _ts=0.0)
    try:
        b.append(q=bad, _ts=1.0)
    except TypeError as err:
        assert "field 'q'" in str(err)
        assert b.buffered_rows == 1
        assert entries(b) == [{"_ts": 0.0, "q": [0.0, 1.0, 2.0]}]
    else:  # a value the general path accepts (None in a list, strings) reads back as given
        assert entries(b)[1] == {"_ts": 1.0, "q": bad}


def test_unsupported_scalar_on_the_fast_path_raises_and_inserts_nothing(exp):
    b = exp.tracks("r").append(v=1.0, w=[1.0], _ts=0.0)
    with pytest.raises(FieldTypeError, match="field 'v'"):
        b.append(v=object(), w=[2.0], _ts=1.0)
    assert entries(b) == [{"_ts": 0.0, "v": 1.0, "w": [1.0]}]


def test_nan_ts_after_array_rows_raises(exp):
    b = exp.tracks("r").append(v=1.0, _ts=0.0)
    with pytest.raises(TimestampError, match="finite"):
        b.append(v=2.0, _ts=float("nan"))
    assert b.buffered_rows == 1


def test_ints_and_bools_widen_inside_a_float_list(exp):
    b = exp.tracks("r").append(q=[0.5, 1.5], _ts=0.0).append(q=[1, True], _ts=1.0)
    assert b.read(format="arrow").schema.field("q").type == pa.list_(pa.float64())
    assert [e["q"] for e in entries(b)] == [[0.5, 1.5], [1.0, 1.0]]


def test_int_lists_stay_int(exp):
    b = exp.tracks("r").append(k=[1, 2], _ts=0.0).append(k=[3, 4], _ts=1.0)
    assert b.read(format="arrow").schema.field("k").type == pa.list_(pa.int64())


def test_append_batch_of_plain_rows_reads_back(exp):
    rows = [{"q": [float(i)] * 3, "g": i * 0.5, "n": i, "_ts": i / 1000} for i in range(50)]
    b = exp.tracks("r")
    b.append_batch(rows)
    assert entries(b) == [{"_ts": r["_ts"], "q": r["q"], "g": r["g"], "n": r["n"]}
                          for r in rows]


@pytest.mark.parametrize("odd", [{"q": [1.0, 2.0], "_ts": 0.7}, {"q": None, "_ts": 0.7},
                                 {"q": np.array([1.0, 2.0, 3.0]), "_ts": 0.7},
                                 {"q": [1.0, 2.0, 3.0], "x": 1, "_ts": 0.7}])
def test_append_batch_with_an_odd_row_takes_the_general_path(exp, odd):
    exp.tracks("r").append_batch([{"q": [0.0, 1.0, 2.0], "_ts": 0.5}, odd])
    got = entries(exp.tracks("r"))
    assert got[0] == {"_ts": 0.5, "q": [0.0, 1.0, 2.0]}
    assert got[1] == {k: (v.tolist() if isinstance(v, np.ndarray) else v)
                      for k, v in odd.items() if v is not None}


def test_append_batch_unsorted_and_repeated_ts_merge(exp):
    b = exp.tracks("r")
    b.append_batch([{"v": 1.0, "_ts": 2.0}, {"v": 2.0, "_ts": 1.0}, {"v": 3.0, "_ts": 2.0}])
    assert entries(b) == [{"_ts": 1.0, "v": 2.0}, {"_ts": 2.0, "v": 3.0}]


def test_append_batch_nan_ts_is_refused(exp):
    b = exp.tracks("r").append(v=0.0, _ts=0.0)
    with pytest.raises(TimestampError):
        b.append_batch([{"v": 1.0, "_ts": 1.0}, {"v": 2.0, "_ts": float("nan")}])
    assert entries(b) == [{"_ts": 0.0, "v": 0.0}]


def test_flushed_parts_are_freed_without_the_cyclic_gc(exp):
    import gc

    def parts() -> int:
        return sum(1 for o in gc.get_objects() if type(o) in (ArrayPart, ColumnPart))

    b = exp.tracks("r")
    gc.collect()  # garbage of earlier tests
    gc.disable()
    try:
        before = parts()    # other tests' experiments may still hold theirs
        for k in range(3):
            b.append(v=[1.0, 2.0], _ts=float(k)).flush()
        alive = parts() - before
    finally:
        gc.enable()
    assert alive <= 1  # only the (empty) current part


def _big_segments(b, starts, n):
    for start in starts:
        ts = start + np.arange(n, dtype=np.float64)  # whole seconds: exact overlaps
        b.append_batch({"_ts": ts, "v": ts * 2})
        b.flush()


def test_few_large_disjoint_segments_are_not_rewritten_at_close(dash_root):
    n = segments.COMPACT_MIN_ROWS
    with Experiment("p", dash_root=dash_root).run as exp:
        _big_segments(exp.tracks("r"), [0.0, float(n)], n)
    found = layout.scan_segments(exp.tracks("r").path)
    assert [s.compacted for s in found] == [False, False]
    assert exp.tracks("r").read(format="arrow").num_rows == 2 * n


def test_a_small_first_or_last_segment_does_not_cause_a_rewrite(dash_root):
    n = segments.COMPACT_MIN_ROWS
    with Experiment("p", dash_root=dash_root).run as exp:
        _big_segments(exp.tracks("r"), [-20.0], 10)      # an early flush of a few rows
        _big_segments(exp.tracks("r"), [0.0], n)
        _big_segments(exp.tracks("r"), [float(n)], 10)   # the tail of the recording
    found = layout.scan_segments(exp.tracks("r").path)
    assert [s.compacted for s in found] == [False, False, False]
    assert exp.tracks("r").read(format="arrow").num_rows == n + 20


def test_many_small_segments_are_compacted(dash_root):
    with Experiment("p", dash_root=dash_root).run as exp:
        _big_segments(exp.tracks("r"), [0.0, 100.0, 200.0], 50)
    found = layout.scan_segments(exp.tracks("r").path)
    assert len(found) == 1
    assert found[0].compacted
    assert exp.tracks("r").read(format="arrow").num_rows == 150


def test_overlapping_large_segments_are_compacted(dash_root):
    n = segments.COMPACT_MIN_ROWS
    with Experiment("p", dash_root=dash_root).run as exp:
        _big_segments(exp.tracks("r"), [0.0, 10.0], n)
    found = layout.scan_segments(exp.tracks("r").path)
    assert len(found) == 1
    assert found[0].compacted
    assert exp.tracks("r").read(format="arrow").num_rows == n + 10


def test_joint_names_read_back_after_a_row_with_a_non_str_name(exp):
    b = exp.tracks("r")
    for i in range(3):
        b.append(name=["j0", "j1"], q=[0.1 * i, 0.2], _ts=float(i))
    b.append(name=["j0", 5], q=[0.0, 0.0], _ts=3.0)  # not all str: leaves the array path
    assert [e["name"] for e in entries(b)] == [["j0", "j1"]] * 3 + [["j0", 5]]


# rows given as tuples must give exactly what the same rows as dicts give
TUPLE_CASES = {
    "numbers and names": [dict(_ts=float(i), name=["a", "b"], q=[0.5 * i, 1.0], g=0.1 * i,
                               n=i, label="x", ok=True) for i in range(5)],
    "int inside a float list": [dict(_ts=0.0, q=[0.5, 1.0]), dict(_ts=1.0, q=[1, 2.5])],
    "int in a float column": [dict(_ts=0.0, g=0.5), dict(_ts=1.0, g=2)],
    "bool in a float column": [dict(_ts=0.0, g=0.5), dict(_ts=1.0, g=True)],
    "None": [dict(_ts=0.0, g=0.5), dict(_ts=1.0, g=None)],
    "ragged lists": [dict(_ts=0.0, q=[0.5]), dict(_ts=1.0, q=[1.0, 2.0])],
    "repeated _ts": [dict(_ts=0.0, g=0.5, h=1.0), dict(_ts=0.0, g=0.7, h=2.0)],
    "out of order": [dict(_ts=2.0, g=0.5), dict(_ts=1.0, g=0.7)],
    "int _ts": [dict(_ts=3, g=0.5), dict(_ts=4, g=0.7)],
    "huge int": [dict(_ts=0.0, n=1), dict(_ts=1.0, n=2 ** 70)],
    "nested": [dict(_ts=0.0, q=[[1.0], [2.0]])],
}


@pytest.mark.parametrize("case", sorted(TUPLE_CASES))
def test_append_rows_equals_append_batch_of_the_same_dicts(dash_root, case):
    rows = TUPLE_CASES[case]
    names = tuple(rows[0])
    with Experiment("p", dash_root=dash_root).run as exp:
        exp.tracks("dicts").append_batch(rows)
        exp.tracks("tuples").append_rows(names, [tuple(r.values()) for r in rows])
    dicts = exp.tracks("dicts").read(format="arrow")
    tuples = exp.tracks("tuples").read(format="arrow")
    assert tuples.schema == dicts.schema
    assert tuples.to_pylist() == dicts.to_pylist()


@pytest.mark.parametrize("names, row, error", [
    (("g",), (0.5,), TimestampError),                  # no _ts
    (("_ts", "g"), (float("nan"), 0.5), TimestampError),
    (("_ts", "g"), ("soon", 0.5), TimestampError),
])
def test_append_rows_refuses_what_append_batch_refuses(exp, names, row, error):
    with pytest.raises(error):
        exp.tracks("r").append_rows(names, [row])
    assert exp.tracks("r").buffered_rows == 0
