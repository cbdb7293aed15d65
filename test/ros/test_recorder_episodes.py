"""Episodes: numbered names, metadata set as node parameters over DDS, and the events track."""

import json
import subprocess
import sys

import pytest
import rclpy
from rcl_interfaces.msg import Parameter, ParameterType, ParameterValue
from rcl_interfaces.srv import SetParameters
from rclpy.executors import SingleThreadedExecutor

from ml_dash_ros.tools.dataset import Dataset
from ml_dash_ros.tracks import Experiment
from test.ros.support import call_trigger, start_recorder, stop, wait_for_log, write_config

TOPICS = "  - {topic: /test/episodes, track: robot}\n"
MAPPING_PARAMS = "params: {robot: demo, setup: {table: 2}}\n"


def set_parameters(values: dict, node: str = "/recorder", timeout: float = 30.0) -> list:
    """Set parameters of ``node`` as ``ros2 param set`` does; return the results."""
    context = rclpy.Context()
    rclpy.init(context=context)
    client_node = rclpy.create_node("test_param_client", context=context)
    try:
        client = client_node.create_client(SetParameters, f"{node}/set_parameters")
        assert client.wait_for_service(timeout_sec=timeout), f"no {node}/set_parameters"
        request = SetParameters.Request(parameters=[
            Parameter(name=name, value=_value(value)) for name, value in values.items()])
        future = client.call_async(request)
        executor = SingleThreadedExecutor(context=context)
        executor.add_node(client_node)
        executor.spin_until_future_complete(future, timeout_sec=timeout)
        assert future.done(), f"{node}/set_parameters did not answer"
        return list(future.result().results)
    finally:
        client_node.destroy_node()
        rclpy.try_shutdown(context=context)


def _value(value) -> ParameterValue:
    if isinstance(value, bool):
        return ParameterValue(type=ParameterType.PARAMETER_BOOL, bool_value=value)
    if isinstance(value, int):
        return ParameterValue(type=ParameterType.PARAMETER_INTEGER, integer_value=value)
    return ParameterValue(type=ParameterType.PARAMETER_STRING, string_value=value)


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    """Record three episodes, setting metadata between them; return root and answers."""
    tmp = tmp_path_factory.mktemp("episodes")
    config = write_config(tmp / "map.yaml", TOPICS, prefix="test/ep", dash_root=tmp / "dash",
                          extra=MAPPING_PARAMS)
    log = tmp / "recorder.log"
    proc = start_recorder(config, log, "episode.task:=pick the cube", "episode.operator:=alice")
    answers = {}
    try:
        assert wait_for_log(log, "recording episode 1", timeout=60), log.read_text()
        answers["first"] = set_parameters({"episode.success": True,
                                           "episode.notes": "first try"})
        answers["bad"] = set_parameters({"episode.task": 42})
        answers["pause"] = call_trigger("/recorder/pause", timeout=60)
        answers["resume"] = call_trigger("/recorder/resume", timeout=60)
        answers["new_episode"] = call_trigger("/recorder/new_episode", timeout=60)
        answers["second"] = set_parameters({"episode.success": False})
        answers["third_episode"] = call_trigger("/recorder/new_episode", timeout=60)
    finally:
        code = stop(proc, timeout=60)
    assert code == 0, log.read_text()
    return tmp / "dash", answers


def _params(root, prefix: str) -> dict:
    return json.loads((root / prefix / "params.json").read_text())


def _events(root, prefix: str) -> list:
    entries = Experiment(prefix, dash_root=root).tracks("_events").read()["entries"]
    return [entry["event"] for entry in entries]


def test_the_first_episode_is_numbered_like_the_rest(recording):
    root, answers = recording
    assert answers["new_episode"].message == "test/ep-002"
    assert sorted(p.name for p in (root / "test").iterdir()) == ["ep-001", "ep-002", "ep-003"]


def test_metadata_set_over_dds_is_accepted(recording):
    _, answers = recording
    assert [result.successful for result in answers["first"]] == [True, True]


def test_metadata_of_a_wrong_type_is_refused_naming_the_parameter(recording):
    _, answers = recording
    (result,) = answers["bad"]
    assert not result.successful
    assert "episode.task: expected text, got int 42" in result.reason


def test_the_first_episode_stores_its_metadata_and_the_mapping_params(recording):
    root, _ = recording
    assert _params(root, "test/ep-001") == {
        "task": "pick the cube", "operator": "alice", "success": True, "notes": "first try",
        "robot": "demo", "setup.table": 2}


def test_a_new_episode_keeps_task_and_operator_and_unsets_success_and_notes(recording):
    root, _ = recording
    assert _params(root, "test/ep-003") == {"task": "pick the cube", "operator": "alice",
                                            "robot": "demo", "setup.table": 2}


def test_metadata_set_in_a_later_episode_goes_to_that_episode(recording):
    root, _ = recording
    assert _params(root, "test/ep-002")["success"] is False


@pytest.mark.parametrize("success, expected", [(True, ["test/ep-001"]),
                                               (False, ["test/ep-002"])])
def test_a_dataset_selects_episodes_by_success(recording, success, expected):
    root, _ = recording
    dataset = Dataset("test/ep-*", dash_root=root, where={"success": success})
    assert [episode.prefix for episode in dataset.episodes] == expected


@pytest.mark.parametrize("prefix, expected", [
    ("test/ep-001", ["start", "metadata", "metadata", "pause", "resume", "new_episode", "end"]),
    ("test/ep-002", ["start", "metadata", "new_episode", "end"]),
    ("test/ep-003", ["start", "end"]),
])
def test_each_episode_records_its_events_in_order(recording, prefix, expected):
    root, _ = recording
    assert _events(root, prefix) == expected


def test_each_metadata_event_details_its_change(recording):
    root, _ = recording
    entries = Experiment("test/ep-001", dash_root=root).tracks("_events").read()["entries"]
    details = [json.loads(entry["detail"]) for entry in entries if entry["event"] == "metadata"]
    assert details == [{"success": True}, {"notes": "first try"}]   # one parameter at a time


def test_info_lists_the_events_track(recording):
    root, _ = recording
    info = subprocess.run([sys.executable, "-m", "ml_dash_ros", "info", "test/ep-001",
                           "--dash-root", str(root)], capture_output=True, text=True,
                          timeout=120)
    assert info.returncode == 0, info.stderr
    assert "_events" in info.stdout
