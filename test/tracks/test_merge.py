"""Same-`_ts` merge: within a flush, across flushes and across process restarts."""

from ml_dash_ros import Experiment

from test.helpers import entries

from .conftest import run_py


def test_same_ts_merges_within_a_flush(exp):
    exp.tracks("camera/rgb").append(frame_id=0, _ts=0.0)
    exp.tracks("camera/rgb").append(path="frame_0.png", _ts=0.0)
    assert entries(exp.tracks("camera/rgb")) == [
        {"_ts": 0.0, "frame_id": 0, "path": "frame_0.png"}]


def test_later_fields_win(exp):
    exp.tracks("r").append(q=[0.1], g=1.0, _ts=1.0).append(q=[0.2], _ts=1.0)
    assert entries(exp.tracks("r")) == [{"_ts": 1.0, "q": [0.2], "g": 1.0}]


def test_same_ts_merges_across_flushes(exp):
    builder = exp.tracks("r")
    builder.append(q=[0.1, 0.2], _ts=1.0).flush()
    builder.append(gripper=0.04, _ts=1.0).flush()
    assert entries(builder) == [{"_ts": 1.0, "q": [0.1, 0.2], "gripper": 0.04}]


def test_later_flush_wins_on_same_field(exp):
    builder = exp.tracks("r")
    builder.append(v=1.0, _ts=1.0).flush()
    builder.append(v=2.0, _ts=1.0).flush()
    assert entries(builder) == [{"_ts": 1.0, "v": 2.0}]


def test_none_does_not_erase_earlier_value(exp):
    builder = exp.tracks("r")
    builder.append(v=1.0, _ts=1.0).flush()
    builder.append(v=None, w=2, _ts=1.0)
    assert entries(builder) == [{"_ts": 1.0, "v": 1.0, "w": 2}]


def test_same_ts_merges_across_process_restart(dash_root):
    code = """
        import sys
        from ml_dash_ros import Experiment
        with Experiment("p/run", dash_root=sys.argv[1]).run as exp:
            exp.tracks("robot").append(**{sys.argv[2]: float(sys.argv[3])}, _ts=1.0)
    """
    run_py(code, dash_root, "q", 0.5)
    run_py(code, dash_root, "tau", 2.5)
    with Experiment("p/run", dash_root=dash_root).run as exp:
        assert entries(exp.tracks("robot")) == [{"_ts": 1.0, "q": 0.5, "tau": 2.5}]


def test_reopened_writer_appends_at_existing_ts(dash_root):
    with Experiment("p", dash_root=dash_root).run as exp:
        exp.tracks("r").append(a=1, _ts=1.0).append(a=1, _ts=2.0)
    with Experiment("p", dash_root=dash_root).run as exp:
        exp.tracks("r").append(b=2, _ts=2.0)
        assert entries(exp.tracks("r")) == [{"_ts": 1.0, "a": 1}, {"_ts": 2.0, "a": 1, "b": 2}]


def test_topics_keep_independent_timestamps(exp):
    exp.tracks("a").append(x=1, _ts=1.0)
    exp.tracks("b").append(y=2, _ts=1.0)
    assert entries(exp.tracks("a")) == [{"_ts": 1.0, "x": 1}]
    assert entries(exp.tracks("b")) == [{"_ts": 1.0, "y": 2}]


def test_batch_with_duplicate_ts_merges(exp):
    exp.tracks("r").append_batch([{"a": 1, "_ts": 1.0}, {"b": 2, "_ts": 1.0},
                                  {"a": 3, "_ts": 0.5}])
    assert entries(exp.tracks("r")) == [{"_ts": 0.5, "a": 3}, {"_ts": 1.0, "a": 1, "b": 2}]


def test_batch_merges_with_single_appends_in_order(exp):
    builder = exp.tracks("r").append(a=1, _ts=1.0)
    builder.append_batch([{"a": 2, "_ts": 1.0}])
    builder.append(a=3, b=0, _ts=1.0)
    assert entries(builder) == [{"_ts": 1.0, "a": 3, "b": 0}]


def test_compaction_keeps_merged_rows(dash_root):
    with Experiment("p", dash_root=dash_root).run as exp:
        b = exp.tracks("r")
        for i in range(5):
            b.append(**{f"f{i}": i}, _ts=1.0).flush()
    files = list((exp.path / "tracks").glob("topic=r/*.parquet"))
    assert [f.name for f in files] == ["seg-000000000005-c.parquet"]
    assert entries(exp.tracks("r")) == [{"_ts": 1.0, **{f"f{i}": i for i in range(5)}}]
