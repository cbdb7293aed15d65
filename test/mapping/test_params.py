"""The mapping's top-level ``params:``: copied into every episode, checked when loaded."""

import pytest

from ml_dash_ros.errors import ConfigError
from ml_dash_ros.mapping import parse_config

BASE = {"experiment": {"prefix": "a/run"}, "topics": [{"topic": "/js", "track": "robot"}]}


def test_params_default_to_none():
    assert parse_config(BASE).params == {}


def test_nested_params_are_flattened_to_dotted_keys():
    config = parse_config({**BASE, "params": {"robot": "franka", "gains": {"kp": 2.5}}})
    assert config.params == {"robot": "franka", "gains.kp": 2.5}


@pytest.mark.parametrize("params, pattern", [
    ([1, 2], r"robot\.yaml: params: expected a mapping of names to values, got \[1, 2\]"),
    ({"gains": {"kp": {1, 2}}}, r"robot\.yaml: params: field 'gains\.kp' has unsupported "
                                r"type set"),
    ({7: "seven"}, r"robot\.yaml: params: column name 7 must be a str"),
])
def test_bad_params_are_refused_naming_file_key_and_fault(params, pattern):
    with pytest.raises(ConfigError, match=pattern):
        parse_config({**BASE, "params": params}, source="robot.yaml")
