"""README command 1: the demo session records the demo robot and prints what was recorded."""

import subprocess
import sys

import pytest

TRACKS = ("robot", "imu", "cam/color/info", "cam/color", "cam/depth", "tf/link1",
          "tf_static/camera_link")


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """Run the demo session for 2 s; return (its stdout, the dash_root)."""
    tmp_path = tmp_path_factory.mktemp("session")
    result = subprocess.run(
        [sys.executable, "-m", "ml_dash_ros.demo.session", "--seconds", "2",
         "--dash-root", str(tmp_path), "--prefix", "demo/check"],
        capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout, tmp_path


def _rows(stdout: str, cells: int) -> list:
    rows = ([cell.strip() for cell in line.split("│")] for line in stdout.splitlines())
    return [row for row in rows if len(row) == cells]


def test_demo_session_prints_a_table_of_the_recorded_tracks(session):
    stdout, tmp_path = session
    cells = {row[2]: row for row in _rows(stdout, 9)}
    for track in TRACKS:
        assert int(cells[track][3]) > 0, stdout
    assert float(cells["robot"][7]) > 450, stdout  # Hz: the demo's 500 Hz joint states
    assert str(tmp_path / "demo/check") in stdout


@pytest.mark.parametrize("camera", ["cam/color", "cam/depth"])
def test_demo_session_prints_the_frames_of_each_camera(session, camera):
    stdout, _ = session
    frames = {row[1]: int(row[2]) for row in _rows(stdout, 5)}
    assert frames[camera] > 30, stdout        # 2 s at 30 Hz


def test_every_track_of_the_demo_ends_with_the_robot(session):
    """The robot stops first and the recorder takes what is still on its way: no topic ends
    early because its messages were in flight when the recording stopped."""
    from ml_dash_ros.tools.inventory import find_experiments
    from ml_dash_ros.tracks import Experiment
    _, tmp_path = session
    (prefix,) = find_experiments(tmp_path)
    exp = Experiment(prefix, dash_root=str(tmp_path))
    ends = {track: exp.tracks(track).summary()["end_ts"]
            for track in ("robot", "imu", "tf/link1", "cam/color", "cam/depth")}
    last = max(ends.values())
    late = {track: round(last - end, 3) for track, end in ends.items() if last - end > 0.1}
    assert late == {}, f"tracks ending before the last stamp {last}: {late}"
