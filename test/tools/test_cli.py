"""The ml-dash-ros command line, run as a subprocess on real recordings."""

import json

import numpy as np
import pyarrow.parquet as pq
import pytest
from matplotlib.image import imread

from ml_dash_ros import Experiment
from ml_dash_ros.tools import catalog as store

from test.tools import bags
from test.tools.conftest import PREFIX, run_cli, tree_digest


def ok(*args, **kwargs):
    """Run the CLI and return its stdout, failing on a non-zero exit."""
    proc = run_cli(*args, **kwargs)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_ls_lists_experiments_with_their_tracks(dash_root):
    out = ok("ls", dash_root)
    assert PREFIX in out
    assert "tf/tool0" in out
    assert "250" in out


def test_ls_json_gives_rate_and_size(dash_root):
    (exp,) = json.loads(ok("ls", dash_root, "--json"))
    imu = {t["track"]: t for t in exp["tracks"]}["imu"]
    assert imu["rate"] == pytest.approx(50.0)
    assert imu["size_bytes"] > 0


def test_info_shows_columns_gaps_and_recorder_counts(dash_root):
    out = ok("info", PREFIX, "--dash-root", dash_root)
    assert "list<double>" in out
    assert "10.990" in out
    assert "/joint_states" in out


def test_info_json_carries_the_recorder_counts(dash_root):
    info = json.loads(ok("info", PREFIX, "--dash-root", dash_root, "--json"))
    assert info["recorder"]["topics"]["/joint_states"]["received"] == 260


def test_read_jsonl_prints_the_rows_in_range(dash_root):
    out = ok("read", PREFIX, "imu", "--dash-root", dash_root, "--start", "10.0", "--end",
             "10.04", "--columns", "seq")
    assert [json.loads(line) for line in out.splitlines()] == [
        {"_ts": 10.0, "seq": 0}, {"_ts": 10.02, "seq": 1}, {"_ts": 10.04, "seq": 2}]


def test_read_json_gives_entries_and_count(dash_root):
    doc = json.loads(ok("read", PREFIX, "tf/tool0", "--dash-root", dash_root, "--format",
                        "json"))
    assert doc["count"] == 30
    assert doc["entries"][1]["translation"] == [0.1, 0.0, 0.5]


def test_read_csv_writes_lists_as_json_text(dash_root):
    out = ok("read", PREFIX, "tf/tool0", "--dash-root", dash_root, "--format", "csv",
             "--end", "10.1")
    assert out.splitlines() == ['"_ts","translation"', '10,"[0.0, 0.0, 0.5]"',
                                '10.1,"[0.1, 0.0, 0.5]"']


def test_read_parquet_to_a_file_round_trips(dash_root, tmp_path):
    ok("read", PREFIX, "robot", "--dash-root", dash_root, "--format", "parquet", "--out",
       tmp_path / "robot.parquet")
    assert pq.read_table(tmp_path / "robot.parquet").num_rows == 250


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_writes_one_file_per_track(dash_root, tmp_path, fmt):
    ok("export", PREFIX, "--dash-root", dash_root, "--out", tmp_path / "out", "--format", fmt)
    files = sorted(p.relative_to(tmp_path / "out").as_posix()
                   for p in (tmp_path / "out").rglob(f"*.{fmt}"))
    assert files == [f"imu.{fmt}", f"robot.{fmt}", f"tf/tool0.{fmt}"]


def test_export_refuses_a_directory_inside_the_recording(dash_root):
    proc = run_cli("export", PREFIX, "--dash-root", dash_root, "--out", dash_root / PREFIX / "x")
    assert proc.returncode == 1, proc.stderr
    assert "inside the recording" in proc.stderr


def test_plot_draws_one_line_per_element(dash_root, tmp_path):
    out = tmp_path / "robot.png"
    ok("plot", PREFIX, "robot", "--dash-root", dash_root, "--columns", "q,gripper", "--out", out)
    image = imread(out)[:, :, :3]
    blue = np.all(np.abs(image - np.array([31, 119, 180]) / 255) < 0.05, axis=2).sum()
    green = np.all(np.abs(image - np.array([44, 160, 44]) / 255) < 0.05, axis=2).sum()
    assert image.shape[:2] == (540, 1000)
    assert blue > 1000
    assert green > 300


def test_align_writes_one_row_per_tick(dash_root, tmp_path):
    out = tmp_path / "aligned.parquet"
    ok("align", PREFIX, "--dash-root", dash_root, "--tracks", "robot,imu,tf/tool0", "--hz",
       "10", "--method", "asof", "--tolerance", "0.05", "--out", out)
    table = pq.read_table(out)
    assert table.column("_ts").to_pylist()[:3] == pytest.approx([10.0, 10.1, 10.2])
    assert table.column("imu/seq").to_pylist()[:3] == [0, 5, 10]


def test_align_nulls_the_robot_gap_under_tolerance(dash_root, tmp_path):
    out = tmp_path / "aligned.parquet"
    ok("align", PREFIX, "--dash-root", dash_root, "--tracks", "robot,imu", "--hz", "10",
       "--tolerance", "0.05", "--out", out)
    gripper = pq.read_table(out).column("robot/gripper").to_pylist()
    assert gripper[10:16] == [0.04, None, None, None, None, 0.04]   # 10.99 then 11.5


def test_import_records_a_bag_through_the_mapping(tmp_path):
    bag = bags.write_bag(tmp_path / "bag", "mcap")
    mapping = tmp_path / "map.yaml"
    mapping.write_text(bags.MAPPING.format(dash_root=tmp_path / "dash"))
    proc = run_cli("import", bag, "--config", mapping, "--prefix", "cli/import")
    assert proc.returncode == 0, proc.stderr
    assert "imported 85 messages" in proc.stdout
    assert Experiment("cli/import-001", dash_root=tmp_path / "dash").tracks.list()


def test_import_shows_a_progress_bar_on_stderr(tmp_path):
    bag = bags.write_bag(tmp_path / "bag", "sqlite3")
    mapping = tmp_path / "map.yaml"
    mapping.write_text(bags.MAPPING.format(dash_root=tmp_path / "dash"))
    proc = run_cli("import", bag, "--config", mapping)
    assert proc.returncode == 0, proc.stderr
    assert "importing" in proc.stderr
    assert "85/85" in proc.stderr


def test_the_commands_never_change_the_recording(dash_root, tmp_path):
    before = tree_digest(dash_root)
    ok("ls", dash_root)
    ok("info", PREFIX, "--dash-root", dash_root)
    ok("read", PREFIX, "robot", "--dash-root", dash_root, "--format", "csv")
    ok("export", PREFIX, "--dash-root", dash_root, "--out", tmp_path / "out")
    ok("plot", PREFIX, "imu", "--dash-root", dash_root, "--columns", "acc", "--out",
       tmp_path / "p.png")
    ok("align", PREFIX, "--dash-root", dash_root, "--tracks", "robot,imu", "--hz", "5",
       "--out", tmp_path / "a.parquet")
    assert tree_digest(dash_root) == before


@pytest.mark.parametrize("args, message", [
    (["info", "alice/nope"], "no experiment 'alice/nope'"),
    (["read", PREFIX, "arm"], "no track 'arm'"),
    (["read", PREFIX, "robot", "--columns", "qq"], "no column 'qq'"),
    (["plot", PREFIX, "robot", "--columns", "mode", "--out", "x.png"], "not numeric"),
    (["align", PREFIX, "--tracks", "robot,arm", "--hz", "10", "--out", "a.parquet"],
     "no track 'arm'"),
    (["export", "alice/nope", "--out", "out"], "no experiment 'alice/nope'"),
])
def test_a_fault_is_one_line_and_exit_code_one(dash_root, tmp_path, args, message):
    proc = run_cli(*args, "--dash-root", dash_root, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.startswith("ml-dash-ros: error: ")
    assert message in proc.stderr
    assert proc.stderr.count("\n") == 1
    assert proc.stdout == ""


def test_a_corrupt_segment_is_one_line_naming_the_file(dash_root, exp):
    (segment,) = store.live_files(store.require_track(exp, "imu"))
    segment.write_bytes(b"not parquet at all")
    proc = run_cli("read", PREFIX, "imu", "--dash-root", dash_root)
    assert proc.returncode == 1, proc.stderr
    assert segment.name in proc.stderr
    assert proc.stderr.count("\n") == 1


def test_ls_of_a_missing_root_is_one_line(tmp_path):
    proc = run_cli("ls", tmp_path / "nope")
    assert proc.returncode == 1, proc.stderr
    assert "does not exist" in proc.stderr


@pytest.mark.parametrize("make", ["garbage", "missing"])
def test_an_unreadable_bag_is_one_line(tmp_path, make):
    bag = tmp_path / "bag.mcap"
    if make == "garbage":
        bag.write_bytes(b"\x89MCAP0\r\n" + b"garbage" * 50)
    mapping = tmp_path / "map.yaml"
    mapping.write_text(bags.MAPPING.format(dash_root=tmp_path / "dash"))
    proc = run_cli("import", bag, "--config", mapping, "--no-progress")
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.startswith("ml-dash-ros: error: ")
    assert "bag" in proc.stderr
    assert proc.stderr.count("\n") == 1


def test_a_bad_mapping_is_one_line_naming_the_key(tmp_path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text("experiment: {prefix: x}\ntopics:\n  - {topic: /a, stamp: sometimes}\n")
    proc = run_cli("import", tmp_path / "bag", "--config", mapping)
    assert proc.returncode == 2, proc.stderr
    assert "topics[0].stamp" in proc.stderr


def test_a_usage_error_exits_two():
    proc = run_cli("align", PREFIX)
    assert proc.returncode == 2, proc.stderr
    assert "--tracks" in proc.stderr
