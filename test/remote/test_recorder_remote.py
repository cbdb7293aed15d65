"""The recorder node on an s3:// dash_root (mapping or parameter): staged, then in the bucket."""

import json
import time

import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.tracks.store import remote, upload

from test.remote.conftest import objects
from test.ros.support import start_publisher, start_recorder, stop, wait_for_log, write_config

TOPIC = "/s3_test_js"


def _wait_for_a_segment(bucket, staging, timeout=90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(staging.rglob("topic=js/seg-*.parquet")) or \
                any("topic=js/seg-" in key for key in objects(bucket)):
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def recorded(tmp_path, bucket, staging, monkeypatch):
    """Record TOPIC into s3://bucket/runs until a segment exists, stop with SIGINT."""
    monkeypatch.setenv("ML_DASH_UPLOAD_WAIT", "60")
    uri = f"s3://{bucket}/runs"
    config = write_config(tmp_path / "map.yaml", f"  - {{topic: {TOPIC}, track: js}}\n",
                          prefix="lab/s3", dash_root=uri)
    log = tmp_path / "recorder.log"
    publisher = start_publisher("joint_states", "--topic", TOPIC)
    recorder = start_recorder(config, log)
    try:
        assert wait_for_log(log, "recording episode 1", timeout=90), log.read_text()
        assert _wait_for_a_segment(bucket, staging), log.read_text()
    finally:
        code = stop(recorder, timeout=120)
        stop(publisher)
    assert code == 0, log.read_text()
    return uri, log


def test_a_recording_to_a_bucket_reads_back_from_the_bucket(recorded):
    uri, _ = recorded
    rows = Experiment("lab/s3-001", dash_root=uri).tracks("js").read(format="arrow")
    assert rows.num_rows > 0


def test_a_recording_to_a_bucket_leaves_nothing_staged(recorded, staging):
    _, log = recorded
    assert upload.waiting(staging).files == 0, log.read_text()


def test_recorder_json_in_the_bucket_says_what_waited_at_close(recorded, bucket):
    uri, _ = recorded
    with remote.filesystem().open_input_stream(f"{bucket}/runs/lab/s3-001/recorder.json") as f:
        doc = json.loads(f.read())
    assert doc["upload"]["to"] == uri


def test_a_missing_bucket_stops_the_recorder_before_it_records(tmp_path, s3_env, staging):
    config = write_config(tmp_path / "map.yaml", f"  - {{topic: {TOPIC}, track: js}}\n",
                          prefix="lab/s3", dash_root="s3://absent/runs")
    log = tmp_path / "recorder.log"
    recorder = start_recorder(config, log)
    code = recorder.wait(timeout=120)
    assert (code != 0, "bucket 'absent' does not exist" in log.read_text()) == (True, True), \
        log.read_text()
    assert not staging.exists()
