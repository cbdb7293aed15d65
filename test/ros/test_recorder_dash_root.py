"""The recorder node takes ML_DASH_ROOT when neither its parameter nor the mapping sets one."""

from test.ros.support import start_recorder, stop, wait_for_log


def test_mapping_without_dash_root_records_under_the_environment_root(tmp_path, monkeypatch):
    monkeypatch.setenv("ML_DASH_ROOT", str(tmp_path / "env-root"))
    config = tmp_path / "map.yaml"
    config.write_text("experiment: {prefix: lab/env}\n"
                      "topics:\n  - {topic: /env_test_js, track: js}\n")
    log = tmp_path / "recorder.log"
    recorder = start_recorder(str(config), log)
    try:
        assert wait_for_log(log, "recording episode 1", timeout=60), log.read_text()
    finally:
        assert stop(recorder) == 0, log.read_text()
    assert (tmp_path / "env-root" / "lab" / "env-001" / "experiment.json").is_file()
