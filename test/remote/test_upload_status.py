"""What waits to upload, as the recorder shows it on /diagnostics and in recorder.json."""

from diagnostic_msgs.msg import DiagnosticStatus

from ml_dash_ros import Experiment
from ml_dash_ros.ros.status import diagnostics
from ml_dash_ros.tracks.store.s3_storage import attach
from ml_dash_ros.tracks.store.uploader import UploadState, upload_state


def _staged(staging, bucket):
    with Experiment("p", dash_root=staging / bucket / "runs").run as exp:
        exp.tracks("r").append(v=1, _ts=1.0)
    return attach(f"s3://{bucket}/runs", staging).staging / "p"


def test_a_staged_recording_counts_its_waiting_files(bucket, staging):
    state = upload_state(_staged(staging, bucket))
    assert (state.to, state.waiting_files) == (f"s3://{bucket}/runs", 2)


def test_a_local_recording_has_no_upload_state(tmp_path):
    assert upload_state(tmp_path / "dash" / "p") is None


def test_diagnostics_warn_while_the_last_pass_failed():
    state = UploadState("s3://b/runs", 3, 300, "cannot reach the server")
    status = diagnostics(None, {}, state).status[-1]
    assert (status.level, status.message) == (
        DiagnosticStatus.WARN,
        "3 files (300 bytes) wait to upload to s3://b/runs; last pass failed: "
        "cannot reach the server")


def test_diagnostics_show_what_waits_as_ok():
    status = diagnostics(None, {}, UploadState("s3://b/runs", 0, 0, None)).status[-1]
    assert (status.level, status.name) == (DiagnosticStatus.OK, "ml_dash_ros recorder: upload")
