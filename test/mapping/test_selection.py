"""Topic selection: listed topics, ``topic_regex`` entries and ``all_topics`` with excludes."""

import pytest

from ml_dash_ros.mapping import parse_config
from ml_dash_ros.mapping.selection import TopicSelection

HEAD = {"experiment": {"prefix": "a/b"}}
STRING = ["std_msgs/msg/String"]


def _selection(topics=(), **recorder) -> TopicSelection:
    return TopicSelection(parse_config({**HEAD, "topics": list(topics), "recorder": recorder}))


def _track(selection: TopicSelection, name: str, types=STRING) -> str | None:
    config = selection.select(name, types)
    return None if config is None else config.track


@pytest.mark.parametrize("name, track", [("/arm/joint_states", "arm/joint_states"),
                                         ("/arm/gripper/state", "arm/gripper/state"),
                                         ("/base/odom", None), ("/arm", None)])
def test_a_regex_picks_the_names_it_fully_matches(name, track):
    assert _track(_selection([{"topic_regex": "/arm/.*"}]), name) == track


def test_a_regex_entry_fills_topic_into_its_track_template():
    selection = _selection([{"topic_regex": "/arm/.*", "track": "robot/{topic}"}])
    assert _track(selection, "/arm/q") == "robot/arm/q"


def test_a_regex_entry_passes_its_settings_to_the_topic():
    selection = _selection([{"topic_regex": "/cam/.*", "qos": "sensor_data", "on_change": True}])
    config = selection.select("/cam/info", STRING)
    assert (config.topic, config.qos.preset, config.on_change) == ("/cam/info", "sensor_data",
                                                                   True)


def test_a_regex_entry_with_a_type_picks_only_topics_of_that_type():
    selection = _selection([{"topic_regex": "/.*", "type": "sensor_msgs/msg/Imu"}])
    assert _track(selection, "/imu", ["sensor_msgs/msg/Imu"]) == "imu"
    assert _track(selection, "/chatter", STRING) is None


def test_the_first_matching_regex_entry_wins():
    selection = _selection([{"topic_regex": "/arm/.*", "track": "first/{topic}"},
                            {"topic_regex": "/.*", "track": "second/{topic}"}])
    assert _track(selection, "/arm/q") == "first/arm/q"


def test_a_listed_topic_wins_over_a_regex_and_all_topics():
    selection = _selection([{"topic_regex": "/arm/.*"}, {"topic": "/arm/q", "track": "robot"}],
                           all_topics=True)
    assert _track(selection, "/arm/q") == "robot"


@pytest.mark.parametrize("name", ["/rosout", "/parameter_events", "/arm/_action/status",
                                  "/_hidden"])
def test_all_topics_skips_the_default_excludes(name):
    assert _track(_selection(all_topics=True), name) is None


def test_all_topics_names_a_track_after_the_topic():
    assert _track(_selection(all_topics=True), "/imu/data") == "imu/data"


def test_all_topics_gives_a_tf_topic_one_track_per_child_frame():
    track = _track(_selection(all_topics=True), "/tf", ["tf2_msgs/msg/TFMessage"])
    assert track == "tf/{child_frame_id}"


def test_all_topics_records_tf_static_as_latched():
    config = _selection(all_topics=True).select("/tf_static", ["tf2_msgs/msg/TFMessage"])
    assert config.latched


@pytest.mark.parametrize("name, track", [("/camera/image", None), ("/camera_info", "camera_info"),
                                         ("/rosout", None)])
def test_exclude_adds_to_the_default_excludes(name, track):
    assert _track(_selection(all_topics=True, exclude=["/camera/.*"]), name) == track


def test_exclude_applies_to_regex_entries():
    selection = _selection([{"topic_regex": "/arm/.*"}], exclude=["/arm/debug"])
    assert _track(selection, "/arm/debug") is None


def test_a_listed_topic_is_recorded_even_when_excluded():
    assert _track(_selection([{"topic": "/rosout"}], all_topics=True), "/rosout") == "rosout"


def test_without_regex_or_all_topics_only_listed_topics_are_picked():
    assert _track(_selection([{"topic": "/a"}]), "/b") is None


def test_a_listed_topic_may_use_the_topic_placeholder():
    config = parse_config({**HEAD, "topics": [{"topic": "/arm/q", "track": "rec/{topic}"}]})
    assert config.topics[0].track == "rec/arm/q"
