"""Read formats: json, jsonl, parquet, mocap, arrow, numpy."""

import io
import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest


@pytest.fixture
def robot(exp):
    b = exp.tracks("robot")
    for i in range(4):
        b.append(q=[0.1 * i] * 7, gripper=0.04, _ts=i * 0.5)
    b.append(note="hi", _ts=1.5)
    return b


def test_json_shape(robot):
    data = robot.read(format="json")
    assert data["count"] == 4
    assert data["entries"][0] == {"_ts": 0.0, "q": [0.0] * 7, "gripper": 0.04}


def test_jsonl_is_bytes_one_object_per_line(robot):
    lines = robot.read(format="jsonl").decode().splitlines()
    assert [json.loads(x)["_ts"] for x in lines] == [0.0, 0.5, 1.0, 1.5]


def test_parquet_is_bytes_of_a_parquet_file(robot):
    table = pq.read_table(io.BytesIO(robot.read(format="parquet")))
    assert table.column("_ts").to_pylist() == [0.0, 0.5, 1.0, 1.5]


def test_mocap_document(robot):
    doc = robot.read(format="mocap")
    assert doc["version"] == "1.0"
    keys = ("topic", "frameCount", "startTime", "endTime", "duration", "fps")
    assert {k: doc["metadata"][k] for k in keys} == {
        "topic": "robot", "frameCount": 4, "startTime": 0.0, "endTime": 1.5, "duration": 1.5,
        "fps": 2.0}
    assert doc["channels"] == ["gripper", "note", "q"]
    assert doc["frames"][3] == {"time": 1.5, "q": [0.30000000000000004] * 7, "gripper": 0.04,
                                "note": "hi"}


def test_mocap_of_empty_window(robot):
    doc = robot.read(start_timestamp=100.0, format="mocap")
    assert (doc["metadata"]["frameCount"], doc["frames"]) == (0, [])


def test_arrow_is_a_table(robot):
    table = robot.read(format="arrow")
    assert isinstance(table, pa.Table)
    assert table.num_rows == 4


def test_numpy_stacks_fixed_length_lists(robot):
    arrays = robot.read(format="numpy", columns=["q", "gripper"])
    assert arrays["q"].shape == (4, 7)
    assert arrays["q"].dtype == np.float64
    assert arrays["_ts"].tolist() == [0.0, 0.5, 1.0, 1.5]


def test_numpy_missing_numbers_are_nan(exp):
    exp.tracks("r").append(g=1.0, _ts=0.0).append(other=1, _ts=1.0)
    assert np.isnan(exp.tracks("r").read(format="numpy")["g"][1])


def test_unknown_format_raises(robot):
    with pytest.raises(ValueError, match="unknown format 'csv'"):
        robot.read(format="csv")
