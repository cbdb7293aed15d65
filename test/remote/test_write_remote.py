"""The Track API on an s3:// dash_root: written locally first, uploaded in the background."""

import numpy as np
import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.tracks.store import upload, uploader
from ml_dash_ros.tracks.store.s3_storage import detach_all

from test.remote.conftest import new_bucket, objects


def _read_back(uri, prefix="p", track="r"):
    uploader.stop_all()
    detach_all()                                # a fresh process's view: the bucket only
    return Experiment(prefix, dash_root=uri).tracks(track).read(format="arrow")


def test_a_closed_run_is_in_the_bucket(bucket, monkeypatch):
    monkeypatch.setenv("ML_DASH_UPLOAD_WAIT", "120")
    uri = f"s3://{bucket}/runs"
    with Experiment("p", dash_root=uri).run as exp:
        exp.tracks("r").append_batch([{"v": i, "_ts": float(i)} for i in range(500)])
    assert _read_back(uri).column("v").to_pylist() == list(range(500))


def test_a_closed_run_leaves_nothing_staged(bucket, staging, monkeypatch):
    monkeypatch.setenv("ML_DASH_UPLOAD_WAIT", "120")
    with Experiment("p", dash_root=f"s3://{bucket}/runs").run as exp:
        exp.tracks("r").append(v=1, _ts=1.0)
    assert upload.waiting(staging).files == 0


def test_a_missing_bucket_is_refused_before_anything_is_written(s3_env, staging):
    with pytest.raises(OSError, match=r"s3://absent/runs .*bucket 'absent' does not exist"):
        Experiment("p", dash_root="s3://absent/runs")
    assert not staging.exists()


def test_what_an_offline_run_left_is_uploaded_at_the_next_start(own_server, monkeypatch):
    monkeypatch.setenv("ML_DASH_UPLOAD_WAIT", "0.5")
    uri = f"s3://{new_bucket()}/runs"
    exp = Experiment("p", dash_root=uri).open()
    own_server.stop()
    exp.tracks("r").append_batch([{"v": i, "_ts": float(i)} for i in range(100)])
    exp.close()                                 # the upload fails: the files stay staged
    uploader.stop_all()
    own_server.start()
    monkeypatch.setenv("ML_DASH_UPLOAD_WAIT", "120")
    Experiment("q", dash_root=uri).open().close()
    assert _read_back(uri).column("v").to_pylist() == list(range(100))


def test_a_server_stopped_mid_recording_gets_every_row_once(own_server, monkeypatch):
    monkeypatch.setenv("ML_DASH_UPLOAD_WAIT", "120")
    uri = f"s3://{new_bucket()}/runs"
    exp = Experiment("p", dash_root=uri, flush_interval=60).open()
    track = exp.tracks("r")
    values = np.arange(3_000)
    for part in np.split(values, 3):
        if part[0] == 1_000:
            own_server.stop()
        if part[0] == 2_000:
            own_server.start()
        track.append_batch({"_ts": part.astype(float), "v": part})
        track.flush()
    exp.close()
    assert _read_back(uri).column("v").to_pylist() == values.tolist()


def test_a_run_in_the_bucket_has_one_object_per_file(bucket, staging, monkeypatch):
    monkeypatch.setenv("ML_DASH_UPLOAD_WAIT", "120")
    with Experiment("p", dash_root=f"s3://{bucket}/runs").run as exp:
        exp.params.set(robot="franka")
        exp.tracks("r").append(v=1, _ts=1.0)
    names = sorted(k.rsplit("/", 1)[-1] for k in objects(bucket))
    assert names == ["experiment.json", "params.json", "seg-000000000001.parquet"]
