"""``check``: every unreadable file; ``--salvage`` keeps what reads and sets the rest aside."""

import fcntl
import json
import os

import pyarrow.parquet as pq
import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.errors import PrefixBusyError
from ml_dash_ros.tools.check import check_experiment
from ml_dash_ros.tools import catalog as store
from ml_dash_ros.tracks.store import liveness

from test.helpers import truncate
from test.tools.conftest import PREFIX, run_cli, tree_digest


def segment_of(dash_root, track, prefix=PREFIX):
    exp = store.open_experiment(prefix, dash_root=dash_root)
    (segment,) = store.live_files(store.require_track(exp, track))
    return segment


def garble_row_group(path, group):
    """Overwrite the data pages of one row group's `q` column, keeping the footer intact."""
    column = pq.ParquetFile(path).metadata.row_group(group).column(1)
    start = column.data_page_offset
    data = bytearray(path.read_bytes())
    for i in range(start + 8, start + column.total_compressed_size - 8):
        data[i] = 0x5A
    path.write_bytes(bytes(data))


def record_long(dash_root, prefix="long/run"):
    """Record one track of 10000 rows: three row groups (4096, 4096, 1808) in one file."""
    with Experiment(prefix, dash_root=dash_root).run as exp:
        exp.tracks("robot").append_batch([{"_ts": k * 0.01, "q": [k * 1.0] * 7}
                                          for k in range(10_000)])
    return segment_of(dash_root, "robot", prefix)


def test_a_whole_recording_checks_ok(dash_root):
    report = check_experiment(PREFIX, dash_root=dash_root)
    assert (report.ok, report.files_checked) == (True, 6)  # 3 segments and 3 JSON files


def test_check_names_a_truncated_segment(dash_root):
    segment = segment_of(dash_root, "imu")
    truncate(segment)
    (problem,) = check_experiment(PREFIX, dash_root=dash_root).problems
    assert problem.path == segment
    assert "Parquet" in problem.fault


def test_check_names_a_zero_byte_segment(dash_root):
    segment = segment_of(dash_root, "imu")
    segment.write_bytes(b"")
    (problem,) = check_experiment(PREFIX, dash_root=dash_root).problems
    assert problem.path == segment


def test_check_finds_a_garbled_row_group_behind_a_good_footer(tmp_path):
    segment = record_long(tmp_path)
    garble_row_group(segment, 1)
    (problem,) = check_experiment("long/run", dash_root=tmp_path).problems
    assert "1 of 3 row groups unreadable" in problem.fault


@pytest.mark.parametrize("name, content", [
    ("experiment.json", b"\xff\xfe garbage"),
    ("experiment.json", b'{"status": 5}'),
    ("recorder.json", b"[1, 2]"),
    ("params.json", b"{not json"),
])
def test_check_names_a_garbled_side_file(dash_root, name, content):
    (dash_root / PREFIX / name).write_bytes(content)
    (problem,) = check_experiment(PREFIX, dash_root=dash_root).problems
    assert problem.path == dash_root / PREFIX / name


def test_check_without_salvage_changes_nothing(dash_root):
    truncate(segment_of(dash_root, "imu"))
    before = tree_digest(dash_root)
    check_experiment(PREFIX, dash_root=dash_root)
    assert tree_digest(dash_root) == before


def test_salvage_moves_an_unreadable_segment_to_quarantine(dash_root):
    segment = segment_of(dash_root, "imu")
    truncate(segment)
    damaged = segment.read_bytes()
    check_experiment(PREFIX, dash_root=dash_root, salvage=True)
    (moved,) = (dash_root / PREFIX / "quarantine").rglob("seg-*")
    assert (moved.read_bytes(), segment.exists()) == (damaged, False)


def test_after_salvage_the_recording_checks_ok(dash_root):
    truncate(segment_of(dash_root, "imu"))
    check_experiment(PREFIX, dash_root=dash_root, salvage=True)
    assert check_experiment(PREFIX, dash_root=dash_root).ok


def test_salvage_keeps_the_readable_row_groups(tmp_path):
    segment = record_long(tmp_path)
    garble_row_group(segment, 1)
    check_experiment("long/run", dash_root=tmp_path, salvage=True)
    stamps = Experiment("long/run", dash_root=tmp_path).tracks("robot").read(
        format="numpy")["_ts"]
    expected = [k * 0.01 for k in list(range(4096)) + list(range(8192, 10_000))]
    assert stamps.tolist() == pytest.approx(expected)


def test_salvage_keeps_the_partly_readable_original_in_quarantine(tmp_path):
    segment = record_long(tmp_path)
    garble_row_group(segment, 1)
    damaged = segment.read_bytes()
    check_experiment("long/run", dash_root=tmp_path, salvage=True)
    (moved,) = (tmp_path / "long" / "run" / "quarantine").rglob("seg-*")
    assert moved.read_bytes() == damaged


def test_quarantine_is_not_listed_as_an_experiment(dash_root):
    truncate(segment_of(dash_root, "imu"))
    check_experiment(PREFIX, dash_root=dash_root, salvage=True)
    proc = run_cli("ls", dash_root, "--json")
    assert [e["prefix"] for e in json.loads(proc.stdout)] == [PREFIX]


def test_salvage_leaves_side_files_in_place(dash_root):
    status = dash_root / PREFIX / "experiment.json"
    status.write_bytes(b"\x00garbage")
    (problem,) = check_experiment(PREFIX, dash_root=dash_root, salvage=True).problems
    assert status.read_bytes() == b"\x00garbage"
    assert problem.action == "left in place"


def test_salvage_refuses_a_prefix_being_recorded(dash_root):
    truncate(segment_of(dash_root, "imu"))
    fd = os.open(dash_root / PREFIX / liveness.LOCK_NAME, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(PrefixBusyError, match="being recorded"):
            check_experiment(PREFIX, dash_root=dash_root, salvage=True)
    finally:
        os.close(fd)


def test_check_command_exits_one_and_names_the_file(dash_root):
    segment = segment_of(dash_root, "imu")
    truncate(segment)
    proc = run_cli("check", PREFIX, "--dash-root", dash_root)
    assert proc.returncode == 1, proc.stderr
    assert segment.name in proc.stdout


def test_check_command_exits_zero_on_a_whole_recording(dash_root):
    proc = run_cli("check", PREFIX, "--dash-root", dash_root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
