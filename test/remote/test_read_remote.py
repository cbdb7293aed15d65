"""Reading a recording from an s3:// dash_root: the same rows, merge and pruning as locally."""

import numpy as np
import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.tracks.store.s3_storage import fetch_stats

from test.remote.conftest import upload

HZ = 100


@pytest.fixture
def recorded(tmp_path, bucket):
    """Record 'runs/p' locally (20 minutes at 100 Hz, 7 joints), upload it; return the URI."""
    local = tmp_path / "local"
    with Experiment("p", dash_root=local, flush_interval=60).run as exp:
        n = 20 * 60 * HZ
        ts = np.arange(n) / HZ
        q = np.random.default_rng(0).random((n, 7))
        exp.tracks("robot").append_batch({"_ts": ts, "q": list(q), "i": np.arange(n)})
        exp.tracks("imu").append(a=1.0, _ts=0.5)
    upload(local / "p", bucket, "runs/p")
    return f"s3://{bucket}/runs", local


def test_a_track_reads_back_from_the_bucket(recorded):
    uri, local = recorded
    rows = Experiment("p", dash_root=uri).tracks("robot").read(format="arrow")
    assert rows.equals(Experiment("p", dash_root=local).tracks("robot").read(format="arrow"))


def test_tracks_list_names_the_tracks_in_the_bucket(recorded):
    uri, local = recorded
    assert Experiment("p", dash_root=uri).tracks.list() == \
        Experiment("p", dash_root=local).tracks.list()


def test_a_one_second_window_fetches_a_bounded_number_of_bytes(recorded, bucket):
    uri, _ = recorded
    track = Experiment("p", dash_root=uri).tracks("robot")
    track.read(0.0, 0.0)                     # footers cached, as after any first read
    fetch_stats.reset()
    window = track.read(600.0, 601.0, format="arrow")
    assert not track.path.exists()           # nothing staged: every byte came from the bucket
    assert window.num_rows == HZ + 1
    total = _object_bytes(bucket, "runs/p/tracks")
    print(f"1 s window: {fetch_stats.bytes} of {total} bytes in {fetch_stats.reads} reads")
    assert fetch_stats.bytes < total / 20


def test_a_missing_track_names_the_tracks_in_the_bucket(recorded):
    uri, _ = recorded
    with pytest.raises(KeyError, match=r"no track 'nope' \(tracks: 'imu', 'robot'\)"):
        Experiment("p", dash_root=uri).tracks("nope").read()


def test_rows_at_one_stamp_in_two_uploaded_segments_merge(tmp_path, bucket):
    local = tmp_path / "local"
    exp = Experiment("p", dash_root=local, flush_interval=60).open()
    exp.tracks("r").append(a=1, _ts=1.0).flush()
    exp.tracks("r").append(b=2, _ts=1.0).flush()
    upload(local / "p", bucket, "runs/p")     # two segments, not yet merged
    exp.close()
    rows = Experiment("p", dash_root=f"s3://{bucket}/runs").tracks("r").read()["entries"]
    assert rows == [{"_ts": 1.0, "a": 1, "b": 2}]


def test_align_reads_from_the_bucket(recorded):
    uri, _ = recorded
    table = Experiment("p", dash_root=uri).tracks.align(["robot"], hz=10, start=1.0, end=2.0)
    assert table.column("robot/i").to_pylist() == list(range(100, 201, 10))


def _object_bytes(bucket, key):
    import pyarrow.fs as pafs
    from ml_dash_ros.tracks.store import remote
    infos = remote.filesystem().get_file_info(pafs.FileSelector(f"{bucket}/{key}",
                                                                recursive=True))
    return sum(i.size for i in infos if i.type == pafs.FileType.File)
