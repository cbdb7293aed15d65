"""The recorder node on an s3:// dash_root (mapping or parameter): staged, then in the bucket."""

import time

from ml_dash_ros import Experiment
from ml_dash_ros.tracks.store import upload

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


def test_a_recording_to_a_bucket_is_in_the_bucket_after_sigint(tmp_path, bucket, staging,
                                                               monkeypatch):
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
    assert upload.waiting(staging).files == 0, log.read_text()
    rows = Experiment("lab/s3-001", dash_root=uri).tracks("js").read(format="arrow")
    assert rows.num_rows > 0


def test_a_missing_bucket_stops_the_recorder_before_it_records(tmp_path, s3_env, staging):
    config = write_config(tmp_path / "map.yaml", f"  - {{topic: {TOPIC}, track: js}}\n",
                          prefix="lab/s3", dash_root="s3://absent/runs")
    log = tmp_path / "recorder.log"
    recorder = start_recorder(config, log)
    code = recorder.wait(timeout=120)
    assert (code != 0, "bucket 'absent' does not exist" in log.read_text()) == (True, True), \
        log.read_text()
    assert not staging.exists()
