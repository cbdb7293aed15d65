"""Mapping keys of recording control: topic_regex, all_topics, exclude and the limits."""

import pytest

from ml_dash_ros.errors import ConfigError
from ml_dash_ros.mapping import load_config, parse_config
from ml_dash_ros.mapping.model import DEFAULT_EXCLUDE

HEAD = "experiment: {prefix: a/b, dash_root: /tmp/dash}\n"
TOPICS = "topics:\n  - {topic: /a}\n"

BAD = [
    ("regex_invalid", HEAD + "topics:\n  - {topic_regex: '/arm/(.*'}\n",
     r"topics\[0\].topic_regex: expected a valid Python regular expression \(missing \), "
     r"unterminated subpattern at position 5\), got '/arm/\(\.\*'"),
    ("regex_not_string", HEAD + "topics:\n  - {topic_regex: 5}\n",
     r"topics\[0\].topic_regex: expected a regular expression \(Python re\)"),
    ("regex_and_topic", HEAD + "topics:\n  - {topic: /a, topic_regex: '/a.*'}\n",
     r"topics\[0\]: expected either topic or topic_regex, not both"),
    ("regex_bad_template", HEAD + "topics:\n  - {topic_regex: '/a.*', track: '{name}'}\n",
     r"topics\[0\].track: expected placeholders among \{frame_id\}, \{child_frame_id\}, "
     r"\{topic\}"),
    ("exclude_invalid", HEAD + "recorder: {all_topics: true, exclude: ['/cam/[']}\n",
     r"recorder.exclude\[0\]: expected a valid Python regular expression \(unterminated "
     r"character set"),
    ("exclude_not_list", HEAD + "recorder: {all_topics: true, exclude: /rosout}\n",
     r"recorder.exclude: expected a list of topic regexes, got '/rosout'"),
    ("all_topics_not_bool", HEAD + "recorder: {all_topics: 'yes'}\n" + TOPICS,
     r"recorder.all_topics: expected true or false, got 'yes'"),
    ("no_topics_without_all_topics", HEAD + "recorder: {all_topics: false}\n",
     r"topics: missing required key"),
    ("episode_duration_negative", HEAD + "recorder: {max_episode_duration: -60}\n" + TOPICS,
     r"recorder.max_episode_duration: expected a positive number, got -60"),
    ("episode_duration_zero", HEAD + "recorder: {max_episode_duration: 0}\n" + TOPICS,
     r"recorder.max_episode_duration: expected a positive number, got 0"),
    ("duration_negative", HEAD + "recorder: {max_duration: -1.5}\n" + TOPICS,
     r"recorder.max_duration: expected a positive number, got -1.5"),
    ("duration_text", HEAD + "recorder: {max_duration: 1h}\n" + TOPICS,
     r"recorder.max_duration: expected a positive number, got '1h'"),
    ("size_negative", HEAD + "recorder: {max_episode_size: -5}\n" + TOPICS,
     r"recorder.max_episode_size: expected a positive size \(at least 1 byte\), got -5"),
    ("size_unit", HEAD + "recorder: {max_episode_size: 5 parsecs}\n" + TOPICS,
     r"recorder.max_episode_size: expected a size such as 500MB or 2GiB \(units: B, kB"),
]


@pytest.mark.parametrize("text, pattern", [case[1:] for case in BAD], ids=[c[0] for c in BAD])
def test_bad_recording_control_is_refused_naming_file_and_key(tmp_path, text, pattern):
    path = tmp_path / "robot.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=pattern) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}: ")


def _recorder(**keys):
    return parse_config({"experiment": {"prefix": "a"}, "topics": [{"topic": "/a"}],
                         "recorder": keys}).recorder


def test_limits_default_to_none():
    recorder = _recorder()
    assert (recorder.max_episode_duration, recorder.max_episode_size,
            recorder.max_duration) == (None, None, None)


def test_limits_are_read():
    recorder = _recorder(max_episode_duration=60, max_episode_size="500MB", max_duration=3600)
    assert (recorder.max_episode_duration, recorder.max_episode_size,
            recorder.max_duration) == (60.0, 500_000_000, 3600.0)


def test_all_topics_needs_no_topics_list():
    config = parse_config({"experiment": {"prefix": "a"}, "recorder": {"all_topics": True}})
    assert (config.topics, config.patterns) == ((), ())


def test_exclude_keeps_the_default_excludes_first():
    assert _recorder(exclude=["/cam/.*"]).exclude == (*DEFAULT_EXCLUDE, "/cam/.*")


def test_a_regex_entry_defaults_its_track_to_the_topic_name():
    config = parse_config({"experiment": {"prefix": "a"}, "topics": [{"topic_regex": "/a.*"}]})
    assert (config.topics, config.patterns[0].template.track) == ((), "{topic}")
