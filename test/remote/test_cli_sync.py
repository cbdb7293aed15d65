"""``ml-dash-ros sync`` and ``ls`` on what waits to upload."""

import json
import signal
import subprocess
import sys
import textwrap

from ml_dash_ros import Experiment
from ml_dash_ros.tracks.store.s3_storage import detach_all

from test.helpers import child_env
from test.tools.conftest import run_cli

KILLED_WRITER = """
import sys
from ml_dash_ros import Experiment
exp = Experiment("p", dash_root=sys.argv[1], flush_interval=60).open()
exp.tracks("r").append_batch([{"v": i, "_ts": float(i)} for i in range(300)])
exp.tracks("r").flush()
print("flushed", flush=True)
sys.stdin.read()                                    # until killed
"""


def _stage(staging, bucket, prefix="p", rows=100):
    """Leave a closed recording in the staging directory, as an offline writer does."""
    with Experiment(prefix, dash_root=staging / bucket / "runs").run as exp:
        exp.tracks("r").append_batch([{"v": i, "_ts": float(i)} for i in range(rows)])


def _ok(*args):
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_sync_uploads_a_staged_recording(bucket, staging):
    _stage(staging, bucket)
    uri = f"s3://{bucket}/runs"
    assert json.loads(_ok("sync", "--to", uri, "--json"))[0]["waiting"] == 0
    rows = Experiment("p", dash_root=uri).tracks("r").read(format="arrow")
    assert rows.column("v").to_pylist() == list(range(100))


def test_sync_prints_what_it_uploaded(bucket, staging):
    _stage(staging, bucket)
    out = _ok("sync", "--to", f"s3://{bucket}/runs")
    assert out.startswith("p: uploaded 2 files (")


def test_sync_below_a_prefix_leaves_the_others(bucket, staging):
    _stage(staging, bucket, "a/one")
    _stage(staging, bucket, "b/two")
    _ok("sync", "a", "--to", f"s3://{bucket}/runs")
    assert sorted(p.name for p in (staging / bucket / "runs").iterdir()) == ["b"]


def test_ls_says_what_waits_to_upload(bucket, staging):
    _stage(staging, bucket)
    out = _ok("ls", "--dash-root", f"s3://{bucket}/runs")
    assert f"sync --to s3://{bucket}/runs" in out


def test_sync_to_a_missing_bucket_is_refused(s3_env):
    proc = run_cli("sync", "--to", "s3://absent/runs")
    assert proc.returncode == 1
    assert "bucket 'absent' does not exist" in proc.stderr


def test_sync_uploads_what_a_killed_writer_left(bucket, staging):
    uri = f"s3://{bucket}/runs"
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(KILLED_WRITER), uri],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                             env=child_env())
    try:
        assert child.stdout.readline().strip() == "flushed"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    _ok("sync", "--to", uri)
    detach_all()
    rows = Experiment("p", dash_root=uri).tracks("r").read(format="arrow")
    assert rows.column("v").to_pylist() == list(range(300))
