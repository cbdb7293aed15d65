"""Flexible schema and the one type-conflict rule (see ml_dash_ros.tracks.store.schema)."""

import numpy as np
import pyarrow as pa
import pytest

from ml_dash_ros.tracks.store import schema

from test.helpers import entries


def test_fields_come_and_go(exp):
    b = exp.tracks("r").append(a=1.0, _ts=0.0).append(b="x", _ts=1.0).append(a=2.0, _ts=2.0)
    assert entries(b) == [{"_ts": 0.0, "a": 1.0}, {"_ts": 1.0, "b": "x"}, {"_ts": 2.0, "a": 2.0}]


def test_nested_dicts_flatten_to_dotted_columns(exp):
    exp.tracks("cam").append(camera={"pos": [1.0, 2.0], "meta": {"id": 3}}, _ts=0.0)
    assert entries(exp.tracks("cam")) == [
        {"_ts": 0.0, "camera.pos": [1.0, 2.0], "camera.meta.id": 3}]


def test_numpy_arrays_and_scalars(exp):
    exp.tracks("n").append(k=np.eye(2), v=np.arange(3, dtype=np.int16), s=np.float32(0.5),
                           flag=np.bool_(True), _ts=0.0)
    assert entries(exp.tracks("n")) == [
        {"_ts": 0.0, "k": [[1.0, 0.0], [0.0, 1.0]], "v": [0, 1, 2], "s": 0.5, "flag": True}]


def test_numpy_2d_reads_back_stacked(exp):
    for i in range(3):
        exp.tracks("n").append(q=np.full(4, float(i)), _ts=float(i))
    got = exp.tracks("n").read(format="numpy")["q"]
    assert got.shape == (3, 4)
    assert got[2, 0] == 2.0


def test_lists_of_varying_length(exp):
    b = exp.tracks("l").append(v=[1.0], _ts=0.0).append(v=[], _ts=1.0)
    b.append(v=[1.0, 2.0, 3.0], _ts=2.0)
    assert [e["v"] for e in entries(b)] == [[1.0], [], [1.0, 2.0, 3.0]]


@pytest.mark.parametrize("values, expected_type", [
    ([1, 2.5], pa.float64()), ([True, 3], pa.int64()), ([False, 0.5], pa.float64()),
    ([[1], [2.5]], pa.list_(pa.float64())), ([[], [1]], pa.list_(pa.int64())),
])
def test_numbers_widen(exp, values, expected_type):
    b = exp.tracks("w")
    for i, v in enumerate(values):
        b.append(v=v, _ts=float(i))
    assert b.read(format="arrow").schema.field("v").type == expected_type
    assert [e["v"] for e in entries(b)] == values  # equal as numbers: no value lost


@pytest.mark.parametrize("values", [
    [1, "a"], [[1.0], 2.0], ["s", b"\x00\xff"], [2 ** 70, 1], [[{"a": 1}], [{"b": "x"}]],
])
def test_conflicts_become_json_without_loss(exp, values):
    b = exp.tracks("c")
    for i, v in enumerate(values):
        b.append(v=v, _ts=float(i))
    field = b.read(format="arrow").schema.field("v")
    assert schema.is_json_field(field)
    assert [e["v"] for e in entries(b)] == values


def test_conflict_across_segments_is_reconciled_at_read(exp):
    b = exp.tracks("c")
    b.append(v=1, _ts=0.0).flush()
    b.append(v="one", _ts=1.0).flush()
    assert [e["v"] for e in entries(b)] == [1, "one"]


def test_int_and_float_segments_widen_at_read(exp):
    b = exp.tracks("c")
    b.append(v=1, _ts=0.0).flush()
    b.append(v=1.5, _ts=1.0).flush()
    assert b.read(format="arrow").column("v").to_pylist() == [1.0, 1.5]


def test_bytes_round_trip(exp):
    exp.tracks("b").append(blob=b"\x00\x01", _ts=0.0)
    assert entries(exp.tracks("b")) == [{"_ts": 0.0, "blob": b"\x00\x01"}]


@pytest.mark.parametrize("a, b, expected", [
    (pa.int64(), pa.float64(), pa.float64()), (pa.bool_(), pa.int64(), pa.int64()),
    (pa.null(), pa.string(), pa.string()), (pa.string(), pa.int64(), schema.JSON),
    (pa.list_(pa.int64()), pa.list_(pa.float64()), pa.list_(pa.float64())),
    (pa.list_(pa.int64()), pa.int64(), schema.JSON),
])
def test_unify_types_rule(a, b, expected):
    assert schema.unify_types(a, b) == expected
    assert schema.unify_types(b, a) == expected
