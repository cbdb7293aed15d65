"""On-disk layout: reversible topic names, safe prefixes, a plain Parquet dataset."""

import json

import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.errors import InvalidNameError
from ml_dash_ros.tracks.store import layout

from .conftest import run_py

ODD_TOPICS = ["robot/pose", "robot_pose", "..", "../../etc", "a b", "caméra/ø", "日本/語",
              "100%", "%2F", ".hidden", "-x-", "a.b", "tf/base_link"]


@pytest.mark.parametrize("topic", ODD_TOPICS)
def test_topic_encoding_round_trips(topic):
    encoded = layout.encode_topic(topic)
    assert layout.decode_topic(encoded) == topic
    assert set(encoded) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                               "0123456789_-%")


def test_encodings_never_collide():
    encoded = [layout.encode_topic(t) for t in ODD_TOPICS]
    assert len(set(encoded)) == len(ODD_TOPICS)


@pytest.mark.parametrize("topic", ODD_TOPICS)
def test_topic_dirs_stay_under_the_prefix(exp, topic):
    exp.tracks(topic).append(v=1, _ts=0.0).flush()
    assert exp.tracks(topic).path.parent == exp.path / "tracks"
    assert exp.tracks(topic).read()["count"] == 1


def test_odd_topics_list_back_unchanged(exp):
    for topic in ODD_TOPICS:
        exp.tracks(topic).append(v=1, _ts=0.0)
    assert sorted(t["topic"] for t in exp.tracks.list()) == sorted(ODD_TOPICS)


@pytest.mark.parametrize("topic, match", [("", "empty"), ("x" * 201, "shorter topic"),
                                          ("\ud800", "Unicode"), (5, "str")])
def test_bad_topics_are_refused(exp, topic, match):
    with pytest.raises(InvalidNameError, match=match):
        exp.tracks(topic)


@pytest.mark.parametrize("prefix", ["/abs/path", "a/../b", "a//b", ".", "a/./b", "", "a/",
                                    "a\\b", "..", None])
def test_bad_prefixes_are_refused(dash_root, prefix, monkeypatch):
    monkeypatch.delenv("DASH_PREFIX", raising=False)
    with pytest.raises(InvalidNameError, match="prefix"):
        Experiment(prefix, dash_root=dash_root)


def test_prefix_maps_to_nested_directories(dash_root):
    exp = Experiment("alice/franka/pick-place", dash_root=dash_root)
    assert exp.path == dash_root.absolute() / "alice" / "franka" / "pick-place"


def test_segment_files_follow_the_documented_names(exp):
    exp.tracks("robot/pose").append(v=1, _ts=0.0).flush()
    names = sorted(p.name for p in (exp.path / "tracks" / "topic=robot%2Fpose").iterdir())
    assert names == [".writer.lock", "seg-000000000001.parquet"]


def test_status_file_records_completion(dash_root):
    with Experiment("p", dash_root=dash_root).run as exp:
        assert exp.status()["status"] == "running"
    doc = json.loads((exp.path / "experiment.json").read_text())
    assert doc["status"] == "completed"
    assert doc["error"] is None
    assert doc["ended_at"]


def test_status_file_records_failure_text(dash_root):
    with pytest.raises(RuntimeError):
        with Experiment("p", dash_root=dash_root).run as exp:
            raise RuntimeError("gripper jammed")
    assert exp.status()["status"] == "failed"
    assert exp.status()["error"] == "RuntimeError: gripper jammed"


DATASET_READER = """
    import json, sys
    import duckdb
    import pyarrow.dataset as ds
    root = sys.argv[1]
    t = ds.dataset(root, format="parquet", partitioning="hive").to_table()
    arrow_rows = sorted((r["topic"], r["_ts"], r["v"]) for r in t.select(["topic", "_ts", "v"])
                        .to_pylist())
    con = duckdb.connect()
    duck_rows = sorted(con.execute(
        f"SELECT topic, _ts, v FROM read_parquet('{root}/**/*.parquet', hive_partitioning=true,"
        " union_by_name=true)").fetchall())
    assert "ml_dash_ros" not in sys.modules
    print(json.dumps({"arrow": arrow_rows, "duck": [list(r) for r in duck_rows]}))
"""


def test_dataset_reads_with_pyarrow_and_duckdb_without_this_package(dash_root):
    with Experiment("p", dash_root=dash_root).run as exp:
        for topic in ["robot/pose", "robot_pose", "imu"]:
            b = exp.tracks(topic)
            b.append(v=1.0, _ts=0.0).flush()
            b.append(v=2.0, w="x", _ts=1.0).flush()
        exp.tracks("imu").append(v=3.0, _ts=2.0)
    out = json.loads(run_py(DATASET_READER, exp.path / "tracks").stdout)
    # Both readers percent-decode hive values, so the topic comes back exactly.
    expected = sorted([(t, ts, v) for t in ["robot/pose", "robot_pose", "imu"]
                       for ts, v in [(0.0, 1.0), (1.0, 2.0)]] + [("imu", 2.0, 3.0)])
    assert [tuple(r) for r in out["arrow"]] == expected
    assert [tuple(r) for r in out["duck"]] == expected
