"""README command 1: the demo session records the demo robot and prints what was recorded."""

import subprocess
import sys

TRACKS = ("robot", "imu", "cam/color/info", "tf/link1", "tf_static/camera_link")


def test_demo_session_prints_a_table_of_the_recorded_tracks(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "ml_dash_ros.demo.session", "--seconds", "2",
         "--dash-root", str(tmp_path), "--prefix", "demo/check"],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    cells = {row[2]: row for row in (
        [cell.strip() for cell in line.split("│")] for line in result.stdout.splitlines())
        if len(row) == 9}
    for track in TRACKS:
        assert int(cells[track][3]) > 0, result.stdout
    assert float(cells["robot"][7]) > 450, result.stdout  # Hz: the demo's 500 Hz joint states
    assert str(tmp_path / "demo/check") in result.stdout
