"""Uploading a staged recording: verified objects, local copies removed, resumable."""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.errors import RemoteError
from ml_dash_ros.tracks.store import remote, upload
from ml_dash_ros.tracks.store.s3_storage import attach, detach_all

from test.helpers import child_env
from test.remote.conftest import new_bucket, objects


def _record(uri, prefix="p", rows=1_000, flushes=4):
    """Record into the staging directory of ``uri`` as a writer that uploads nothing."""
    root = remote.parse(uri)
    local = Path(os.environ["ML_DASH_STAGING"]) / root.bucket / root.path
    exp = Experiment(prefix, dash_root=local, flush_interval=60).open()
    per = rows // flushes
    for f in range(flushes):
        exp.tracks("r").append_batch([{"v": i, "_ts": float(i)}
                                      for i in range(f * per, (f + 1) * per)])
        exp.tracks("r").flush()
    return exp


def test_a_finished_recording_is_uploaded_and_its_staging_emptied(bucket, staging):
    uri = f"s3://{bucket}/runs"
    _record(uri).close()
    backend = attach(uri, staging)
    upload.sync(backend)
    assert upload.waiting(backend.staging).files == 0
    assert not (backend.staging / "p").exists()


def test_the_uploaded_recording_reads_back_whole(bucket, staging):
    uri = f"s3://{bucket}/runs"
    _record(uri).close()
    upload.sync(attach(uri, staging))
    detach_all()
    rows = Experiment("p", dash_root=uri).tracks("r").read(format="arrow")
    assert rows.column("v").to_pylist() == list(range(1_000))


def test_the_objects_are_the_recordings_files(bucket, staging):
    uri = f"s3://{bucket}/runs"
    _record(uri).close()
    backend = attach(uri, staging)
    local = {str(p.relative_to(staging / bucket)): p.stat().st_size
             for p in upload._staged_files(backend.staging)}
    upload.sync(backend)
    assert objects(bucket) == local


def test_a_running_recording_uploads_segments_and_keeps_its_side_files(bucket, staging):
    uri = f"s3://{bucket}/runs"
    exp = _record(uri)
    upload.sync(attach(uri, staging))
    left = sorted(p.name for p in upload._staged_files(exp.path))
    assert left == ["experiment.json"]
    exp.close()


def test_a_running_recording_reads_whole_after_its_segments_left(bucket, staging):
    uri = f"s3://{bucket}/runs"
    exp = _record(uri)
    upload.sync(attach(uri, staging))
    exp.tracks("r").append(v=-1, _ts=5_000.0)
    exp.close()                                 # merges local and uploaded segments
    upload.sync(attach(uri, staging))
    detach_all()
    rows = Experiment("p", dash_root=uri).tracks("r").read(format="arrow")
    assert rows.column("v").to_pylist() == list(range(1_000)) + [-1]


def test_a_stopped_server_fails_the_pass_and_keeps_every_file(own_server, staging):
    uri = f"s3://{new_bucket()}/runs"
    _record(uri).close()
    backend = attach(uri, staging)
    before = upload.waiting(backend.staging)
    own_server.stop()
    with pytest.raises(RemoteError, match=rf"{uri}: cannot upload .*seg-"):
        upload.sync(backend)
    assert upload.waiting(backend.staging) == before


def test_a_restarted_server_gets_every_row_once(own_server, staging):
    uri = f"s3://{new_bucket()}/runs"
    _record(uri).close()
    backend = attach(uri, staging)
    own_server.stop()
    with pytest.raises(RemoteError):
        upload.sync(backend)
    own_server.start()
    upload.sync(backend)
    detach_all()
    rows = Experiment("p", dash_root=uri).tracks("r").read(format="arrow")
    assert rows.column("v").to_pylist() == list(range(1_000))


KILLED_UPLOAD = """
import sys, threading
from ml_dash_ros.tracks.store import remote, upload
from ml_dash_ros.tracks.store.s3_storage import attach
upload.CHUNK = 1 << 20
backend = attach(sys.argv[1], sys.argv[2])
real = backend.fs

class Stalling:
    def __init__(self, out):
        self.out, self.sent = out, 0
    def write(self, data):
        self.out.write(data)
        self.sent += len(data)
        if self.sent >= 12 << 20:                   # past the first multipart part
            print("mid-upload", flush=True)
            threading.Event().wait()
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return self.out.__exit__(*exc)

class Fs:
    def __getattr__(self, name):
        return getattr(real, name)
    def open_output_stream(self, key):
        return Stalling(real.open_output_stream(key))

backend.fs = Fs()
upload.sync(backend)
"""


def test_a_killed_upload_leaves_no_object_and_resumes(bucket, staging):
    uri = f"s3://{bucket}/runs"
    with Experiment("p", dash_root=staging / bucket / "runs", flush_interval=60).run as exp:
        exp.tracks("r").append(blob=os.urandom(24 << 20), _ts=1.0)
    backend = attach(uri, staging)
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(KILLED_UPLOAD), uri,
                              str(staging)], stdout=subprocess.PIPE, text=True,
                             env={**child_env(), **_aws_env()})
    try:
        assert child.stdout.readline().strip() == "mid-upload"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    assert objects(bucket) == {}
    upload.sync(backend)
    rows = Experiment("p", dash_root=uri).tracks("r").read(format="arrow")
    assert len(rows.column("blob")[0].as_py()) == 24 << 20


def test_a_killed_upload_resumed_leaves_each_file_once(bucket, staging):
    uri = f"s3://{bucket}/runs"
    with Experiment("p", dash_root=staging / bucket / "runs", flush_interval=60).run as exp:
        exp.tracks("r").append(blob=os.urandom(24 << 20), _ts=1.0)
    backend = attach(uri, staging)
    local = {str(p.relative_to(staging / bucket)): p.stat().st_size
             for p in upload._staged_files(backend.staging)}
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(KILLED_UPLOAD), uri,
                              str(staging)], stdout=subprocess.PIPE, text=True,
                             env={**child_env(), **_aws_env()})
    try:
        assert child.stdout.readline().strip() == "mid-upload"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    upload.sync(backend)
    assert objects(bucket) == local


def _aws_env():
    names = ("ML_DASH_S3_ENDPOINT", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION",
             "ML_DASH_STAGING")
    return {n: os.environ[n] for n in names}
