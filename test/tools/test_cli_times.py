"""--start / --end as +S, seconds or ISO on a wall-clock recording; readable times in output."""

import json
import re

import pytest

from ml_dash_ros import Experiment

from test.tools.conftest import run_cli

T0 = 1795600800.0  # 2026-11-25T10:00:00Z
PREFIX = "lab/epoch"


@pytest.fixture
def epoch_root(tmp_path):
    """Return a dash_root with a recording stamped in epoch seconds: imu at 50 Hz for 20 s."""
    root = tmp_path / "dash"
    with Experiment(PREFIX, dash_root=root).run as exp:
        for k in range(1000):
            if not 500 <= k < 600:  # a 2 s gap from +10 s
                exp.tracks("imu").append(_ts=T0 + k * 0.02, seq=k)
    return root


def read_seqs(root, *window):
    proc = run_cli("read", PREFIX, "imu", "--dash-root", root, "--columns", "seq", *window)
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line)["seq"] for line in proc.stdout.splitlines()]


def test_plus_seconds_read_from_the_recording_start(epoch_root):
    assert read_seqs(epoch_root, "--start", "+1", "--end", "+1.04") == [50, 51, 52]


def test_iso_datetimes_select_the_same_rows(epoch_root):
    assert read_seqs(epoch_root, "--start", "2026-11-25T10:00:01Z",
                     "--end", "2026-11-25T10:00:01.04Z") == [50, 51, 52]


def test_absolute_seconds_still_work(epoch_root):
    assert read_seqs(epoch_root, "--start", str(T0 + 1), "--end", str(T0 + 1.04)) == [50, 51, 52]


def test_range_outside_the_recording_warns_with_its_range(epoch_root):
    proc = run_cli("read", PREFIX, "imu", "--dash-root", epoch_root, "--start", "10",
                   "--end", "12")
    assert "spans 2026-11-25T10:00:00.000Z .. 2026-11-25T10:00:19.980Z" in proc.stderr


def test_range_outside_the_recording_still_exits_zero_with_no_rows(epoch_root):
    proc = run_cli("read", PREFIX, "imu", "--dash-root", epoch_root, "--start", "10",
                   "--end", "12")
    assert (proc.returncode, proc.stdout) == (0, "")


def test_range_inside_the_recording_does_not_warn(epoch_root):
    proc = run_cli("read", PREFIX, "imu", "--dash-root", epoch_root, "--start", "+10.5",
                   "--end", "+11")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def test_plot_outside_the_recording_fails_with_its_range(epoch_root, tmp_path):
    proc = run_cli("plot", PREFIX, "imu", "--dash-root", epoch_root, "--columns", "seq",
                   "--start", "10", "--end", "12", "--out", tmp_path / "p.png")
    assert proc.returncode == 1, proc.stderr
    assert "2026-11-25T10:00:19.980Z" in proc.stderr


def test_unreadable_time_fails_naming_it(epoch_root):
    proc = run_cli("read", PREFIX, "imu", "--dash-root", epoch_root, "--start", "noon")
    assert proc.returncode == 1, proc.stderr
    assert "time 'noon'" in proc.stderr


def test_end_before_start_fails(epoch_root):
    proc = run_cli("read", PREFIX, "imu", "--dash-root", epoch_root, "--start", "+5",
                   "--end", "+1")
    assert proc.returncode == 1, proc.stderr
    assert "is before --start" in proc.stderr


def test_ls_prints_iso_times(epoch_root):
    proc = run_cli("ls", "--dash-root", epoch_root)
    assert "2026-11-25T10:00:19.980Z" in proc.stdout


def test_info_gap_list_prints_iso_times(epoch_root):
    proc = run_cli("info", PREFIX, "--dash-root", epoch_root)
    assert re.search(r"2026-11-25T10:00:09\.980Z\W+2026-11-25T10:00:12\.000Z\W+2\.020",
                     proc.stdout), proc.stdout
