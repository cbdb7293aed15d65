"""Whatever append accepts is written and read back; the rest is refused at append."""

import numpy as np
import pyarrow as pa
import pytest

from ml_dash_ros.errors import FieldTypeError, FieldValueError
from ml_dash_ros.tracks.ingest.values import MAX_DEPTH, MAX_NAME_LENGTH

from test.helpers import entries, nested, recursive_list


def test_int_beyond_double_precision_widens_within_one_flush(exp):
    builder = exp.tracks("t").append(x=0.5, _ts=0.0).append(x=2 ** 62 + 1, _ts=1.0)
    assert entries(builder) == [{"_ts": 0.0, "x": 0.5}, {"_ts": 1.0, "x": float(2 ** 62 + 1)}]


def test_int_beyond_double_precision_widens_across_flushes(exp):
    builder = exp.tracks("t").append(x=0.5, _ts=0.0).flush()
    builder.append(x=2 ** 62 + 1, _ts=1.0).flush()
    assert entries(builder) == [{"_ts": 0.0, "x": 0.5}, {"_ts": 1.0, "x": float(2 ** 62 + 1)}]


def test_list_int_beyond_double_precision_widens_across_flushes(exp):
    builder = exp.tracks("t").append(x=[0.5], _ts=0.0).flush()
    builder.append(x=[2 ** 62 + 1], _ts=1.0).flush()
    assert entries(builder)[1]["x"] == [float(2 ** 62 + 1)]


@pytest.mark.parametrize("value", [np.longdouble(1.0), np.array([1.0], dtype=np.longdouble),
                                   np.clongdouble(1.0)])
def test_long_double_refused_at_append(exp, value):
    with pytest.raises(FieldTypeError, match="'t'.*field 'x'"):
        exp.tracks("t").append(x=value, _ts=1.0)


@pytest.mark.parametrize("value", [recursive_list(), nested(2000), nested(MAX_DEPTH + 1),
                                   {"a": recursive_list()}])
def test_too_deep_value_refused_at_append(exp, value):
    with pytest.raises(FieldValueError, match="'t'.*field 'x.*nested"):
        exp.tracks("t").append(x=value, _ts=1.0)


def test_too_deep_dict_refused_at_append(exp):
    value: dict = {}
    inner = value
    for _ in range(2000):
        inner["a"] = {}
        inner = inner["a"]
    with pytest.raises(FieldValueError, match="'t'.*field 'x.a.a"):
        exp.tracks("t").append(x=value, _ts=1.0)


def test_nesting_at_the_limit_reads_back(exp):
    builder = exp.tracks("t").append(x=nested(MAX_DEPTH), _ts=1.0)
    assert entries(builder) == [{"_ts": 1.0, "x": nested(MAX_DEPTH)}]


def test_refused_value_keeps_buffered_rows(exp):
    builder = exp.tracks("t").append(x=0.5, _ts=0.0)
    with pytest.raises(FieldValueError):
        builder.append(x=recursive_list(), _ts=1.0)
    assert entries(builder) == [{"_ts": 0.0, "x": 0.5}]


@pytest.mark.parametrize("value", ["\ud800", ["ok", "\udfff"], [["\ud800"]], np.str_("\ud800"),
                                   [{"k": "\ud800"}]])
def test_lone_surrogate_refused_at_append(exp, value):
    with pytest.raises(FieldValueError, match="'t'.*field 'x'.*Unicode"):
        exp.tracks("t").append(x=value, _ts=1.0)


def test_lone_surrogate_refused_on_fast_path(exp):
    builder = exp.tracks("t").append(s="ok", _ts=0.0)
    with pytest.raises(FieldValueError, match="field 's'"):
        builder.append(s="\ud800", _ts=1.0)
    assert entries(builder) == [{"_ts": 0.0, "s": "ok"}]


def test_text_column_stays_text(exp):
    builder = exp.tracks("t").append(s="ok", _ts=0.0)
    with pytest.raises(FieldValueError):
        builder.append(s="\ud800", _ts=1.0)
    assert builder.read(format="arrow").column("s").to_pylist() == ["ok"]


def test_huge_int_refused_at_append(exp):
    with pytest.raises(FieldValueError, match="'t'.*field 'x'.*bits"):
        exp.tracks("t").append(x=[1, 2 ** 2000], _ts=1.0)


def test_int_beyond_int64_reads_back_exactly(exp):
    builder = exp.tracks("t").append(x=2 ** 100, _ts=1.0)
    assert entries(builder) == [{"_ts": 1.0, "x": 2 ** 100}]


@pytest.mark.parametrize("value, error", [([{1: 2}], FieldTypeError),
                                          ([{"$bytes": "!!"}], FieldValueError)])
def test_unstorable_dict_in_list_refused(exp, value, error):
    with pytest.raises(error, match="'t'.*field 'x'"):
        exp.tracks("t").append(x=value, _ts=1.0)


BAD_NAMES = ["", "x.", ".x", "a..b", "_recv", "_ts_x", "a\0b", "a\x1bb", "\ud800",
             "n" * (MAX_NAME_LENGTH + 1)]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_bad_column_name_refused_at_append(exp, name):
    builder = exp.tracks("t").append(x=0.5, _ts=0.0)
    with pytest.raises(FieldValueError, match="'t'.*column name"):
        builder.append(**{name: 1.0}, _ts=1.0)
    assert entries(builder) == [{"_ts": 0.0, "x": 0.5}]


def test_flattened_name_checked(exp):
    with pytest.raises(FieldValueError, match="column name 'x.'"):
        exp.tracks("t").append(x={"": 1.0}, _ts=1.0)


def test_longest_name_accepted(exp):
    name = "n" * MAX_NAME_LENGTH
    assert entries(exp.tracks("t").append(**{name: 1.0}, _ts=1.0)) == [{"_ts": 1.0, name: 1.0}]


def test_receive_time_column_must_be_a_number(exp):
    with pytest.raises(FieldTypeError, match="'_recv_ts'"):
        exp.tracks("t").append(_recv_ts="now", _ts=1.0)


@pytest.mark.parametrize("name", BAD_NAMES)
def test_bad_column_name_refused_by_append_batch(exp, name):
    builder = exp.tracks("t")
    with pytest.raises(FieldValueError, match="'t'.*column name"):
        builder.append_batch([{"x": 1.0, "_ts": 0.0}, {name: 1.0, "_ts": 1.0}])
    assert builder.buffered_rows == 0


@pytest.mark.parametrize("rows", [
    [{"x": 1.0, "_ts": 0.0}, {"x": 2.0, "_ts": 1.0, "": 1.0}],
    [{"x.": 1.0, "_ts": 0.0}, {"x.": 2.0, "_ts": 1.0}],
    [{"s": "ok", "_ts": 0.0}, {"s": "\ud800", "_ts": 1.0}],
    [{"x": nested(2000), "_ts": 0.0}],
])
def test_append_batch_rows_refused_whole(exp, rows):
    builder = exp.tracks("t")
    with pytest.raises(FieldValueError, match="'t'"):
        builder.append_batch(rows)
    assert builder.buffered_rows == 0


@pytest.mark.parametrize("columns, error", [
    ({"_ts": [0.0], "": np.array([1.0])}, FieldValueError),
    ({"_ts": [0.0], "_x": np.array([1.0])}, FieldValueError),
    ({"_ts": [0.0], "x": np.array([1.0], dtype=np.longdouble)}, FieldTypeError),
    ({"_ts": [0.0], "x": np.array([[1.0]], dtype=np.longdouble)}, FieldTypeError),
    ({"_ts": [0.0], "x": np.array(["\ud800"])}, FieldValueError),
    ({"_ts": [0.0], "x": ["\ud800"]}, FieldValueError),
    ({"_ts": [0.0], 1: np.array([1.0])}, FieldTypeError),
])
def test_append_batch_columns_refused_whole(exp, columns, error):
    builder = exp.tracks("t")
    with pytest.raises(error, match="'t'"):
        builder.append_batch(columns)
    assert builder.buffered_rows == 0


def test_append_batch_arrow_table_with_bad_name_refused(exp):
    with pytest.raises(FieldValueError, match="column name ''"):
        exp.tracks("t").append_batch(pa.table({"_ts": [0.0], "": [1.0]}))


@pytest.mark.parametrize("names, rows", [
    (("x.", "_ts"), [(1.0, 0.0), (2.0, 1.0)]),
    (("s", "_ts"), [("ok", 0.0), ("\ud800", 1.0)]),
    (("q", "_ts"), [(["a", "\ud800"], 0.0)]),
])
def test_append_rows_refused_whole(exp, names, rows):
    builder = exp.tracks("t")
    with pytest.raises(FieldValueError, match="'t'"):
        builder.append_rows(names, rows)
    assert builder.buffered_rows == 0


@pytest.mark.parametrize("rows", [
    [[["a", "b"], ""]],                 # a str where the first row had a list
    [[["s"]], ["ab"]],                  # a str read as a list of characters
    [["", None, b"\x00x"]],             # str and bytes in one list
    [[[1.0]], [b"ab"]],                 # bytes where a list of numbers was
])
@pytest.mark.parametrize("batch", [False, True])
def test_nested_lists_of_text_read_back(exp, rows, batch):
    builder = exp.tracks("t")
    if batch:
        builder.append_batch([{"x": row, "_ts": float(i)} for i, row in enumerate(rows)])
    else:
        for i, row in enumerate(rows):
            builder.append(x=row, _ts=float(i))
    assert [e["x"] for e in entries(builder)] == rows
