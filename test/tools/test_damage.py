"""Damaged recordings: ls, info and export go on around a corrupt file and say what was wrong."""

import json
import signal
import subprocess
import sys

import pytest

from ml_dash_ros.tools.inventory import experiment_info, list_experiments
from ml_dash_ros.tools import catalog as store

from test.helpers import WAITING_WRITER, truncate
from test.tools.conftest import PREFIX, child_env, record, run_cli

OTHER = "bob/ur5/run-002"


def imu_segment(dash_root, prefix=PREFIX):
    exp = store.open_experiment(prefix, dash_root=dash_root)
    (segment,) = store.live_files(store.require_track(exp, "imu"))
    return segment


@pytest.fixture
def broken_root(dash_root):
    """Return a root with PREFIX (imu segment truncated) and OTHER (whole)."""
    record(dash_root, OTHER)
    truncate(imu_segment(dash_root))
    return dash_root


def test_ls_with_one_broken_experiment_lists_the_others(broken_root):
    proc = run_cli("ls", broken_root)
    assert proc.returncode == 0, proc.stderr
    assert OTHER in proc.stdout


def test_ls_names_the_broken_file(broken_root):
    proc = run_cli("ls", broken_root)
    assert imu_segment(broken_root).name in proc.stdout


def test_ls_json_carries_the_track_error(broken_root):
    proc = run_cli("ls", broken_root, "--json")
    (mine,) = [e for e in json.loads(proc.stdout) if e["prefix"] == PREFIX]
    imu = {t["track"]: t for t in mine["tracks"]}["imu"]
    assert imu_segment(broken_root).name in imu["error"]


def test_a_zero_byte_segment_marks_only_its_track(dash_root):
    imu_segment(dash_root).write_bytes(b"")
    (summary,) = list_experiments(dash_root)
    rows = {t.track: t.rows for t in summary.tracks}
    assert rows == {"imu": None, "robot": 250, "tf/tool0": 30}


def test_info_shows_the_other_tracks_and_the_broken_file(broken_root):
    proc = run_cli("info", PREFIX, "--dash-root", broken_root)
    assert proc.returncode == 0, proc.stderr
    assert "tf/tool0" in proc.stdout
    assert imu_segment(broken_root).name in proc.stdout


def test_export_writes_the_other_tracks(broken_root, tmp_path):
    run_cli("export", PREFIX, "--dash-root", broken_root, "--out", tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").rglob("*.parquet")) == [
        "robot.parquet", "tool0.parquet"]


def test_export_says_what_was_skipped_and_exits_one(broken_root, tmp_path):
    proc = run_cli("export", PREFIX, "--dash-root", broken_root, "--out", tmp_path / "out")
    assert proc.returncode == 1
    assert "'imu'" in proc.stderr
    assert imu_segment(broken_root).name in proc.stderr


STATUS_GARBAGE = {
    "binary": b"\x89PNG\r\n\x1a\n\x00\xff\xfe",
    "not json": b"{status: running",
    "a list": b"[1, 2, 3]",
    "status a number": b'{"status": 5}',
    "fields of odd types": b'{"status": ["running"], "started_at": {}, "pid": "x", "host": 3}',
    "deep nesting": b"[" * 100_000 + b"]" * 100_000,
}


@pytest.mark.parametrize("garbage", STATUS_GARBAGE)
def test_ls_lists_an_experiment_with_a_garbled_status(dash_root, garbage):
    record(dash_root, OTHER)
    (dash_root / PREFIX / "experiment.json").write_bytes(STATUS_GARBAGE[garbage])
    proc = run_cli("ls", dash_root)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert "experiment.json" in proc.stdout


@pytest.mark.parametrize("garbage", STATUS_GARBAGE)
def test_info_reports_a_garbled_status(dash_root, garbage):
    (dash_root / PREFIX / "experiment.json").write_bytes(STATUS_GARBAGE[garbage])
    proc = run_cli("info", PREFIX, "--dash-root", dash_root)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert "experiment.json" in proc.stdout


RECORDER_GARBAGE = {
    "binary": b"\xff\xfe\x00garbage",
    "a list": b"[]",
    "topics a list": b'{"topics": ["/joint_states"]}',
    "a topic row a number": b'{"topics": {"/joint_states": 5}}',
    "tracks a number": b'{"topics": {"/joint_states": {"tracks": 5, "received": []}}}',
    "odd header fields": b'{"node": "[/]", "config": {"a": [1]}, "topics": {}}',
}


@pytest.mark.parametrize("garbage", RECORDER_GARBAGE)
def test_info_reports_a_garbled_recorder_file(dash_root, garbage):
    (dash_root / PREFIX / "recorder.json").write_bytes(RECORDER_GARBAGE[garbage])
    proc = run_cli("info", PREFIX, "--dash-root", dash_root)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert "tf/tool0" in proc.stdout


def test_a_garbled_recorder_file_is_named_as_a_problem(dash_root):
    (dash_root / PREFIX / "recorder.json").write_bytes(b'{"topics": {"/joint_states": 5}}')
    (problem,) = experiment_info(PREFIX, dash_root=dash_root).problems
    assert "recorder.json" in problem
    assert "'/joint_states'" in problem


def test_ls_shows_a_killed_recording_as_interrupted(tmp_path):
    root = tmp_path / "dash"
    proc = subprocess.Popen([sys.executable, "-c", WAITING_WRITER, str(root), "crashed/run"],
                            stdout=subprocess.PIPE, text=True, env=child_env())
    try:
        assert proc.stdout.readline().strip() == "ready"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    (row,) = json.loads(run_cli("ls", root, "--json").stdout)
    assert (row["status"]["status"], row["state"]) == ("running", "interrupted")


def test_ls_table_shows_interrupted(tmp_path):
    root = tmp_path / "dash"
    record(root, "crashed/run")
    status = root / "crashed" / "run" / "experiment.json"
    doc = json.loads(status.read_text())
    status.write_text(json.dumps(dict(doc, status="running", pid=2 ** 22 + 7)))
    assert "interrupted" in run_cli("ls", root).stdout
