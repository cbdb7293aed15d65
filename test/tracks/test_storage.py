"""The store reaches segment files only through its storage (seal, list, read, remove), so
a second backend can be mounted under a directory without touching the API or ingest."""

import ast
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.errors import StoreError
from ml_dash_ros.tracks.store import storage
from ml_dash_ros.tracks.store.storage import LocalDisk

STORE = Path(__file__).resolve().parents[2] / "ml_dash_ros" / "tracks" / "store"
# Modules that handle segment files: none of them may touch the file system itself.
SEGMENT_MODULES = ("segments.py", "segment_file.py", "reader.py", "footers.py",
                   "row_merge.py", "compaction.py")
OS_CALLS = ("listdir", "scandir", "stat", "unlink", "remove", "rename", "replace", "open",
            "fsync")
FILE_CALLS = {("os", n) for n in OS_CALLS} | {("pa", "memory_map"), ("pa", "OSFile")}


class LoggingDisk(LocalDisk):
    """The local disk, noting every call the store makes."""

    def __init__(self) -> None:
        self.calls: list = []
        self.sealed: set = set()

    def seal(self, final, write, what="file"):
        self.calls.append("seal")
        path = super().seal(final, write, what)
        self.sealed.add(path.name)
        return path

    def list(self, directory):
        self.calls.append("list")
        return super().list(directory)

    def open(self, path, *, mapped=True):
        self.calls.append("open")
        return super().open(path, mapped=mapped)

    def remove(self, paths):
        self.calls.append("remove")
        return super().remove(paths)


@pytest.fixture
def mounted(dash_root):
    disk = LoggingDisk()
    storage.mount(dash_root, disk)
    yield disk
    storage.unmount(dash_root)


def test_a_recording_is_written_read_and_merged_through_the_storage(dash_root, mounted):
    exp = Experiment("p", dash_root=dash_root, batch_size=100, flush_interval=60).open()
    track = exp.tracks("r")
    for i in range(1_000):
        track.append(v=i, _ts=float(i))
    track.flush()
    exp.close()  # merges the ten segments into one
    assert {"seal", "list", "remove"} <= set(mounted.calls)
    on_disk = {p.name for p in track.path.glob("seg-*")}
    assert on_disk and on_disk <= mounted.sealed
    mounted.calls.clear()
    assert track.read(format="arrow").column("v").to_pylist() == list(range(1_000))
    assert "open" in mounted.calls


def test_a_failing_seal_names_the_segment_and_keeps_the_rows(dash_root, mounted, monkeypatch):
    exp = Experiment("p", dash_root=dash_root, flush_interval=60).open()
    track = exp.tracks("r").append(v=1, _ts=1.0)

    def broken(tmp):
        raise OSError(28, "No space left on device")

    def failing_seal(self, final, write, what="file"):
        return LocalDisk.seal(self, final, broken, what)

    monkeypatch.setattr(LoggingDisk, "seal", failing_seal)
    with pytest.raises(StoreError, match=r"cannot write segment .*seg-.*ENOSPC.*rows stay"):
        track.flush()
    assert not [p for p in track.path.iterdir() if p.name.endswith(".tmp")]
    monkeypatch.undo()
    exp.close()
    assert track.read(format="arrow").column("v").to_pylist() == [1]


def test_an_unmounted_directory_is_the_local_disk(tmp_path, mounted):
    assert storage.storage_of(tmp_path / "elsewhere") is storage.LOCAL_DISK


def test_deeper_mounts_win(tmp_path):
    outer, inner = LocalDisk(), LocalDisk()
    storage.mount(tmp_path, outer)
    storage.mount(tmp_path / "a", inner)
    try:
        assert storage.storage_of(tmp_path / "a" / "b") is inner
        assert storage.storage_of(tmp_path / "c") is outer
    finally:
        storage.unmount(tmp_path)
        storage.unmount(tmp_path / "a")


@pytest.mark.parametrize("module", SEGMENT_MODULES)
def test_segment_modules_touch_files_only_through_the_storage(module):
    tree = ast.parse((STORE / module).read_text())
    direct = sorted({f"{node.func.value.id}.{node.func.attr}" for node in ast.walk(tree)
                     if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                     and isinstance(node.func.value, ast.Name)
                     and (node.func.value.id, node.func.attr) in FILE_CALLS})
    builtin_open = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name) and node.func.id == "open"]
    assert (direct, builtin_open) == ([], [])


def test_the_file_check_sees_a_direct_call(tmp_path):
    tree = ast.parse("import os\nos.unlink('x')\n")
    calls = {(n.func.value.id, n.func.attr) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    assert calls & FILE_CALLS == {("os", "unlink")}


def test_arrow_reads_through_the_storage_match_the_file(tmp_path):
    path = tmp_path / "seg-000000000001.parquet"
    table = pa.table({"_ts": [1.0, 2.0]})
    storage.LOCAL_DISK.seal(path, lambda tmp: pq.write_table(table, tmp))
    with storage.LOCAL_DISK.open(path) as source:
        assert pq.read_table(source).equals(table)
    assert storage.LOCAL_DISK.list(tmp_path) == [path.name]
    storage.LOCAL_DISK.remove([path])
    assert storage.LOCAL_DISK.list(tmp_path) == []
