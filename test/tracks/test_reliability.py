"""Crashes and write failures with real processes, a full disk and read-only directories."""

import os
import signal
import subprocess

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.errors import StoreError
from ml_dash_ros.tracks.store import layout, segment_file, segments, storage

from .conftest import start_py
from .test_flusher import immutable_dirs  # noqa: F401  (fixture)

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root for mount/chattr")

WRITER = """
    import sys
    from ml_dash_ros import Experiment
    exp = Experiment("p", dash_root=sys.argv[1], flush_interval=0.05, batch_size=50).open()
    b = exp.tracks("robot")
    i = 0
    while True:
        for _ in range(100):
            b.append(q=[i * 0.001] * 7, gripper=0.04, _ts=i * 0.001)
            i += 1
        b.flush()
        print(i, flush=True)
"""


def test_sigkill_leaves_readable_files_and_keeps_flushed_rows(dash_root):
    proc = start_py(WRITER, dash_root)
    flushed = 0
    while flushed < 3000:
        line = proc.stdout.readline()
        assert line, proc.stderr.read()
        flushed = int(line)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    topic_dir = dash_root / "p" / "tracks" / "topic=robot"
    for path in topic_dir.glob("seg-*.parquet"):
        pq.read_table(path)  # every visible file is whole
    stamps = [e["_ts"] for e in Experiment("p", dash_root=dash_root).tracks("robot").read()[
        "entries"]]
    assert len(stamps) >= flushed
    assert stamps == [i * 0.001 for i in range(len(stamps))]


def test_restart_after_sigkill_can_write_the_same_topic(dash_root):
    proc = start_py(WRITER, dash_root)
    assert proc.stdout.readline()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with Experiment("p", dash_root=dash_root).run as exp:
        exp.tracks("robot").append(extra=1, _ts=0.0)
    assert exp.tracks("robot").read()["entries"][0]["extra"] == 1


@pytest.fixture
def small_disk(tmp_path):
    """Mount a 1 MiB tmpfs and return a function that grows it; unmount at teardown."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
                   check=True)

    def grow():
        subprocess.run(["mount", "-o", "remount,size=64m", str(mount_point)], check=True)

    grow.path = mount_point
    yield grow
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


@needs_root
def test_full_disk_raises_keeps_rows_and_recovers(small_disk):
    exp = Experiment("p", dash_root=small_disk.path, flush_interval=60).open()
    b = exp.tracks("cam")
    for i in range(300):
        b.append(blob=os.urandom(8192), _ts=float(i))
    with pytest.raises(StoreError, match="No space left"):
        b.flush()
    assert b.buffered_rows == 300
    assert not list(b.path.glob(".seg-*"))  # the partial temporary file is gone
    small_disk()
    b.flush()
    assert b.read()["count"] == 300
    exp.close()


@needs_root
def test_read_only_directory_raises_and_recovers(exp, immutable_dirs):  # noqa: F811
    b = exp.tracks("r").append(v=0, _ts=0.0)
    b.flush()
    immutable_dirs(b.path)
    b.append(v=1, _ts=1.0)
    with pytest.raises(StoreError, match=r"topic=r.*(Operation not permitted|Permission)"):
        b.flush()
    assert b.buffered_rows == 1
    immutable_dirs.thaw()
    b.flush()
    assert [e["v"] for e in b.read()["entries"]] == [0, 1]


@needs_root
def test_close_failure_keeps_experiment_open_until_fixed(dash_root, immutable_dirs):  # noqa: F811
    exp = Experiment("p", dash_root=dash_root, flush_interval=60).open()
    b = exp.tracks("r").append(v=0, _ts=0.0)
    b.flush()
    immutable_dirs(b.path)
    b.append(v=1, _ts=1.0)
    with pytest.raises(StoreError):
        exp.close()
    assert exp.is_open
    assert b.buffered_rows == 1
    immutable_dirs.thaw()
    exp.close()
    assert not exp.is_open
    assert b.read()["count"] == 2


def test_crash_during_compaction_reads_back_identically(dash_root, monkeypatch):
    exp = Experiment("p", dash_root=dash_root).open()
    b = exp.tracks("r")
    for k in range(3):
        b.append(**{f"f{k}": k}, _ts=1.0).append(v=k, _ts=float(k + 2)).flush()
    before = b.read()
    # "crash" before deletes
    monkeypatch.setattr(storage.LocalDisk, "remove", lambda self, paths: None)
    segments.compact(b.path)
    monkeypatch.undo()
    names = sorted(p.name for p in b.path.glob("seg-*"))
    assert "seg-000000000003-c.parquet" in names
    assert len(names) == 4
    assert b.read() == before
    exp.close()  # the writer lock holder cleans leftovers
    assert sorted(p.name for p in b.path.glob("seg-*")) == ["seg-000000000003-c.parquet"]
    assert b.read() == before


def test_stale_temporary_files_are_ignored(exp):
    b = exp.tracks("r").append(v=1, _ts=0.0)
    b.flush()
    (b.path / ".seg-000000000009.parquet.123.tmp").write_bytes(b"PAR1 torn")
    assert b.read()["count"] == 1
    table = ds.dataset(exp.path / "tracks", format="parquet", partitioning="hive").to_table()
    assert table.num_rows == 1


def test_compaction_produces_bounded_row_groups(dash_root):
    with Experiment("p", dash_root=dash_root).run as exp:
        b = exp.tracks("r")
        for k in range(8):  # many small segments: compacted at close
            b.append_batch([{"v": i, "_ts": k * 10_000 + i} for i in range(2_000)])
            b.flush()
    files = list(exp.tracks("r").path.glob("seg-*.parquet"))
    assert len(files) == 1
    md = pq.read_metadata(files[0])
    assert md.num_rows == 16_000
    assert max(md.row_group(i).num_rows for i in range(md.num_row_groups)) == \
        segment_file.ROW_GROUP_ROWS
    assert layout.scan_segments(exp.tracks("r").path)[0].compacted
