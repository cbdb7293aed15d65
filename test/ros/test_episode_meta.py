"""The episode.* parameters' checks (no ROS graph needed)."""

import pytest

from ml_dash_ros.errors import ConfigError
from ml_dash_ros.ros.episode_meta import checked


@pytest.mark.parametrize("key, value, expected", [
    ("task", "pick the cube", "pick the cube"), ("notes", "", ""),
    ("success", True, True), ("success", False, False), ("success", "", None)])
def test_good_values_are_stored_as_given(key, value, expected):
    assert checked(key, value) == expected


@pytest.mark.parametrize("key, value, pattern", [
    ("task", 42, r"episode\.task: expected text, got int 42"),
    ("operator", [1.0], r"episode\.operator: expected text, got list \[1\.0\]"),
    ("success", "yes", r"episode\.success: expected true, false or '' \(unset\), got str 'yes'"),
    ("success", None, r"episode\.success: expected true, false or '' \(unset\), got no value"),
    ("owner", "x", r"episode\.owner: unknown episode parameter; expected one of episode\.task"),
])
def test_bad_values_are_refused_naming_the_parameter(key, value, pattern):
    with pytest.raises(ConfigError, match=pattern):
        checked(key, value)
