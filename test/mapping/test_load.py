"""Mapping YAML: good files load with defaults; bad files are refused with a clear message."""

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ml_dash_ros.errors import ConfigError
from ml_dash_ros.mapping import QosConfig, load_config, parse_config

REPO = Path(__file__).resolve().parents[2]
CONFIG_DIR = REPO / "config"
HEAD = "experiment: {prefix: a/b, dash_root: /tmp/dash}\n"
T = HEAD + "topics:\n"

# (id, file text, regex the error must match: key path and what was expected)
BAD = [
    ("empty", "", r"the file is empty"),
    ("not_mapping", "- 1\n- 2\n", r"top level: expected a mapping"),
    ("yaml_syntax", "topics: [\n  {topic: /a\n", r"line \d+, column \d+: invalid YAML"),
    ("unknown_section", HEAD + "topcs: []\n", r"topcs: unknown key; expected one of"),
    ("no_topics", HEAD, r"topics: missing required key"),
    ("topics_not_list", T.replace("topics:\n", "topics: /a\n"),
     r"topics: expected a list of topic mappings, got '/a'"),
    ("topics_empty", HEAD + "topics: []\n", r"topics: expected at least one topic"),
    ("no_experiment", "topics:\n  - {topic: /a}\n", r"experiment: missing required section"),
    ("no_prefix", "experiment: {dash_root: x}\ntopics:\n  - {topic: /a}\n",
     r"experiment.prefix: missing required key"),
    ("prefix_placeholder", "experiment: {prefix: 'a/{robot}'}\ntopics:\n  - {topic: /a}\n",
     r"experiment.prefix: expected a prefix whose only placeholders are \{date\} and \{time\}"),
    ("experiment_unknown_key", "experiment: {prefix: a, root: x}\ntopics:\n  - {topic: /a}\n",
     r"experiment.root: unknown key"),
    ("topic_missing", T + "  - {track: a}\n", r"topics\[0\].topic: missing required key"),
    ("topic_relative", T + "  - {topic: joint_states}\n",
     r"topics\[0\].topic: expected an absolute ROS topic name"),
    ("topic_bad_chars", T + "  - {topic: /joint-states}\n",
     r"topics\[0\].topic: expected an absolute ROS topic name.*'/joint-states'"),
    ("topic_not_string", T + "  - {topic: 5}\n", r"topics\[0\].topic: expected a ROS topic name"),
    ("topic_duplicate", T + "  - {topic: /a}\n  - {topic: /b}\n  - {topic: /a}\n",
     r"topics\[2\].topic: expected a topic not already mapped in topics\[0\]"),
    ("topic_unknown_key", T + "  - {topic: /a, qso: reliable}\n",
     r"topics\[0\].qso: unknown key; expected one of topic, track"),
    ("qos_preset", T + "  - {topic: /a}\n  - {topic: /b, qos: fast}\n",
     r"topics\[1\].qos: expected one of sensor_data, reliable, transient_local, "
     r"system_default or a mapping, got 'fast'"),
    ("qos_reliability", T + "  - {topic: /a, qos: {reliability: sometimes}}\n",
     r"topics\[0\].qos.reliability: expected one of reliable, best_effort, got 'sometimes'"),
    ("qos_depth", T + "  - {topic: /a, qos: {depth: 0}}\n",
     r"topics\[0\].qos.depth: expected a positive integer, got 0"),
    ("qos_unknown_key", T + "  - {topic: /a, qos: {lifespan: 3}}\n",
     r"topics\[0\].qos.lifespan: unknown key"),
    ("stamp_policy", T + "  - {topic: /a, stamp: now}\n",
     r"topics\[0\].stamp: expected one of auto, header, receive, header_or_receive, got 'now'"),
    ("template_unknown", T + "  - {topic: /tf, track: 'tf/{child}'}\n",
     r"topics\[0\].track: expected placeholders among \{frame_id\}, \{child_frame_id\}"),
    ("template_braces", T + "  - {topic: /tf, track: 'tf/{child_frame_id'}\n",
     r"topics\[0\].track: expected a valid template"),
    ("track_empty", T + "  - {topic: /a, track: ''}\n",
     r"topics\[0\].track: expected a non-empty track name"),
    ("type_form", T + "  - {topic: /a, type: sensor_msgs/JointState}\n",
     r"topics\[0\].type: expected a message type such as sensor_msgs/msg/JointState"),
    ("on_change_type", T + "  - {topic: /a, on_change: 'yes'}\n",
     r"topics\[0\].on_change: expected true or false, got 'yes'"),
    ("fields_type", T + "  - {topic: /a, fields: 3}\n",
     r"topics\[0\].fields: expected a mapping of field: new_name, or a list of fields"),
    ("fields_rename_type", T + "  - {topic: /a, fields: {position: 1}}\n",
     r"topics\[0\].fields.position: expected a new column name, got 1"),
    ("buffer_negative", HEAD + "buffer: {flush_interval: -1}\ntopics:\n  - {topic: /a}\n",
     r"buffer.flush_interval: expected a positive number, got -1"),
    ("buffer_batch_float", HEAD + "buffer: {batch_size: 2.5}\ntopics:\n  - {topic: /a}\n",
     r"buffer.batch_size: expected a positive integer, got 2.5"),
    ("buffer_bool", HEAD + "buffer: {batch_size: true}\ntopics:\n  - {topic: /a}\n",
     r"buffer.batch_size: expected a positive integer, got True"),
    ("recorder_unknown", HEAD + "recorder: {period: 1}\ntopics:\n  - {topic: /a}\n",
     r"recorder.period: unknown key"),
    ("recorder_zero", HEAD + "recorder: {status_period: 0}\ntopics:\n  - {topic: /a}\n",
     r"recorder.status_period: expected a positive number, got 0"),
    ("buffer_nan", HEAD + "buffer: {flush_interval: .nan}\ntopics:\n  - {topic: /a}\n",
     r"buffer.flush_interval: expected a positive number, got nan"),
    ("buffer_inf", HEAD + "buffer: {flush_interval: .inf}\ntopics:\n  - {topic: /a}\n",
     r"buffer.flush_interval: expected a positive number, got inf"),
    ("buffer_not_mapping", HEAD + "buffer: 5\ntopics:\n  - {topic: /a}\n",
     r"buffer: expected a mapping, got 5"),
    ("duplicate_yaml_key", T + "  - {topic: /a, track: x, track: y}\n",
     r"line 3, column 27: invalid YAML: duplicate key 'track'"),
    ("tab_indent", T + "\t- {topic: /a}\n", r"line 3, column 1: invalid YAML"),
    ("topic_item_not_mapping", T + "  - /a\n", r"topics\[0\]: expected a mapping, got '/a'"),
    ("topic_trailing_slash", T + "  - {topic: /a/}\n",
     r"topics\[0\].topic: expected an absolute ROS topic name.*'/a/'"),
    ("topic_digit_token", T + "  - {topic: /cam/0/info}\n",
     r"topics\[0\].topic: expected an absolute ROS topic name"),
    ("prefix_format_spec", "experiment: {prefix: 'a/{date:%Y}'}\ntopics:\n  - {topic: /a}\n",
     r"experiment.prefix: expected a prefix whose only placeholders"),
    ("prefix_not_string", "experiment: {prefix: 5}\ntopics:\n  - {topic: /a}\n",
     r"experiment.prefix: expected a string, got 5"),
    ("dash_root_empty", "experiment: {prefix: a, dash_root: ''}\ntopics:\n  - {topic: /a}\n",
     r"experiment.dash_root: expected a non-empty directory path"),
    ("qos_not_string", T + "  - {topic: /a, qos: 5}\n",
     r"topics\[0\].qos: expected one of sensor_data, .* or a mapping, got 5"),
    ("qos_bad_preset_in_mapping", T + "  - {topic: /a, qos: {preset: fast, depth: 5}}\n",
     r"topics\[0\].qos.preset: expected one of sensor_data, reliable"),
    ("qos_history", T + "  - {topic: /a, qos: {history: all}}\n",
     r"topics\[0\].qos.history: expected one of keep_last, keep_all, got 'all'"),
    ("qos_depth_float", T + "  - {topic: /a, qos: {depth: 2.5}}\n",
     r"topics\[0\].qos.depth: expected a positive integer, got 2.5"),
    ("template_format_spec", T + "  - {topic: /tf, track: 'tf/{child_frame_id!r}'}\n",
     r"topics\[0\].track: expected placeholders among"),
    ("template_positional", T + "  - {topic: /tf, track: 'tf/{}'}\n",
     r"topics\[0\].track: expected placeholders among"),
    ("track_not_string", T + "  - {topic: /a, track: [x]}\n",
     r"topics\[0\].track: expected a track name, got \['x'\]"),
    ("type_not_string", T + "  - {topic: /a, type: 3}\n",
     r"topics\[0\].type: expected a message type such as sensor_msgs/msg/JointState, got 3"),
    ("fields_empty", T + "  - {topic: /a, fields: []}\n",
     r"topics\[0\].fields: expected at least one field"),
    ("fields_duplicate_target", T + "  - {topic: /a, fields: {position: q, velocity: q}}\n",
     r"topics\[0\].fields.velocity: expected a new name not already given to 'position'"),
    ("fields_reserved", T + "  - {topic: /a, fields: {position: _ts}}\n",
     r"topics\[0\].fields.position: expected a column name .*reserved: _ts, _recv_ts"),
    ("fields_list_item", T + "  - {topic: /a, fields: [position, 3]}\n",
     r"topics\[0\].fields\[1\]: expected a field name, got 3"),
    ("fields_list_duplicate", T + "  - {topic: /a, fields: [q, q]}\n",
     r"topics\[0\].fields: expected each field listed once"),
    ("stamp_not_string", T + "  - {topic: /a, stamp: 1}\n",
     r"topics\[0\].stamp: expected one of auto, header, receive, header_or_receive, got 1"),
    ("comments_only", "# nothing here\n", r"the file is empty"),
]


@pytest.mark.parametrize("text, pattern", [case[1:] for case in BAD], ids=[c[0] for c in BAD])
def test_bad_file_is_refused_naming_file_key_and_expectation(tmp_path, text, pattern):
    path = tmp_path / "robot.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=pattern) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}: ")


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"nope.yaml: cannot read the mapping file"):
        load_config(tmp_path / "nope.yaml")


@pytest.mark.parametrize("name", ["demo.yaml", "example_robot.yaml"])
def test_shipped_configs_load(name):
    config = load_config(CONFIG_DIR / name)
    assert [t.topic for t in config.topics][:2] == ["/joint_states", "/imu/data"]


def test_defaults(tmp_path):
    path = tmp_path / "min.yaml"
    path.write_text(T + "  - {topic: /joint_states}\n  - {topic: /tf_static}\n")
    config = load_config(path)
    joints, static = config.topics
    assert (joints.track, joints.stamp, joints.qos, joints.on_change) == (
        "joint_states", "auto", None, False)
    assert static.qos.preset == "transient_local"
    assert (config.recorder.status_period, config.buffer.batch_size) == (1.0, None)


def test_prefix_date_placeholder_and_home_expand(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("experiment: {prefix: 'run-{date}', dash_root: ~/d}\n"
                    "topics:\n  - {topic: /a}\n")
    config = load_config(path)
    assert config.experiment.prefix.startswith("run-20")
    assert config.experiment.dash_root == str(Path.home() / "d")


def test_parse_config_names_its_source():
    with pytest.raises(ConfigError, match=r"^<dict>: topics: missing required key"):
        parse_config({"experiment": {"prefix": "a"}})


def test_parse_config_accepts_a_dict():
    config = parse_config({"experiment": {"prefix": "a"}, "topics": [{"topic": "/tf"}]})
    assert (config.source, config.topics[0].track) == ("<dict>", "tf")


def test_explicit_qos_mapping_is_kept():
    config = parse_config({"experiment": {"prefix": "a"}, "topics": [
        {"topic": "/a", "qos": {"preset": "sensor_data", "depth": 5}}]})
    assert config.topics[0].qos == QosConfig(preset="sensor_data", depth=5)


def test_tf_static_explicit_qos_overrides_the_default():
    config = parse_config({"experiment": {"prefix": "a"}, "topics": [
        {"topic": "/tf_static", "qos": "reliable"}]})
    assert config.topics[0].qos.preset == "reliable"


def test_field_list_becomes_a_tuple_and_mapping_a_dict():
    config = parse_config({"experiment": {"prefix": "a"}, "topics": [
        {"topic": "/a", "fields": ["x", "y"]}, {"topic": "/b", "fields": {"x": "z"}}]})
    assert [t.fields for t in config.topics] == [("x", "y"), {"x": "z"}]


def test_prefix_time_placeholder_expands_at_load():
    config = parse_config({"experiment": {"prefix": "r/{date}-{time}"}, "topics": [
        {"topic": "/a"}]})
    assert re.fullmatch(r"r/\d{8}-\d{6}", config.experiment.prefix)


def test_config_is_frozen():
    config = parse_config({"experiment": {"prefix": "a"}, "topics": [{"topic": "/a"}]})
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.topics[0].track = "b"


# ---- hostile files: bounded work, one short line naming the file and the key

def laughs(levels):
    """Return a config whose fields list holds 9**levels strings through nested aliases."""
    anchors = ["&a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels):
        anchors.append(f"&a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return T + "  - topic: /a\n    fields:\n      - [" + ", ".join(anchors) + "]\n"


def refused(tmp_path, content):
    path = tmp_path / "hostile.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert len(message) < len(str(path)) + 400
    assert "\n" not in message
    return message


@pytest.mark.parametrize("levels", [6, 9])
def test_billion_laughs_is_refused(tmp_path, levels):
    assert "aliases expand to more than" in refused(tmp_path, laughs(levels))


def test_aliases_within_the_limit_load(tmp_path):
    path = tmp_path / "anchors.yaml"
    path.write_text(T + "  - {topic: /a, qos: &q {preset: reliable, depth: 5}}\n"
                    "  - {topic: /b, qos: *q}\n")
    assert load_config(path).topics[1].qos == QosConfig(preset="reliable", depth=5)


@pytest.mark.parametrize("content", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\x00\x01",
    bytes(range(256)) * 4,
    b"\xff\xfe" + "topics: []".encode("utf-16-le"),
])
def test_binary_garbage_is_refused(tmp_path, content):
    message = refused(tmp_path, content)
    assert "not UTF-8 text" in message or "invalid YAML" in message


def test_control_characters_are_refused(tmp_path):
    assert "invalid YAML" in refused(tmp_path, T + "  - {topic: /a}\n\x00\x07\n")


@pytest.mark.parametrize("content", ["[" * 20000 + "]" * 20000, "{a: " * 20000 + "1" + "}" * 20000,
                                     T + "  - topic: /a\n    fields: " + "[" * 5000 + "]" * 5000])
def test_deep_nesting_is_refused(tmp_path, content):
    assert "nested deeper than" in refused(tmp_path, content)


def test_oversized_file_is_refused(tmp_path):
    assert "larger than" in refused(tmp_path, T + "  - {topic: /a}\n" + "#" * (2 << 20) + "\n")


def test_huge_number_is_refused(tmp_path):
    text = HEAD + "buffer: {batch_size: " + "9" * 5000 + "}\ntopics:\n  - {topic: /a}\n"
    assert "invalid YAML" in refused(tmp_path, text)


def test_long_value_is_cut_in_the_message(tmp_path):
    message = refused(tmp_path, T + "  - {topic: /a, stamp: " + "x" * 100_000 + "}\n")
    assert "topics[0].stamp: expected one of" in message


@pytest.mark.parametrize("track, pattern", [
    ('"a\\ud800"', "not valid Unicode"),
    ("n" * 300, "encodes to 300 bytes"),
    ("'{frame_id}" + "é" * 100 + "'", "encodes to"),
])
def test_unstorable_track_name_is_refused_at_load(tmp_path, track, pattern):
    message = refused(tmp_path, T + f"  - {{topic: /a, track: {track}}}\n")
    assert re.search(r"topics\[0\]\.track: expected a track name that can be stored.*"
                     + pattern, message)


@pytest.mark.parametrize("fields, key", [
    ("{position: 'x.'}", "fields.position"), ("{position: '_recv_ts'}", "fields.position"),
    ('{position: "a\\0b"}', "fields.position"), ("['n" + "n" * 255 + "']", r"fields\[0\]"),
    ("[q, '']", r"fields\[1\]"), ('{position: "\\e[31m"}', "fields.position"),
])
def test_unstorable_field_name_is_refused_at_load(tmp_path, fields, key):
    message = refused(tmp_path, T + f"  - {{topic: /a, fields: {fields}}}\n")
    assert re.search(r"topics\[0\]\." + key + ": expected a column name", message)


def test_time_jump_settings_are_read(tmp_path):
    path = tmp_path / "jump.yaml"
    path.write_text("recorder: {on_time_jump: ignore, time_jump_threshold: 5}\n"
                    + T + "  - {topic: /joint_states}\n")
    recorder = load_config(path).recorder
    assert (recorder.on_time_jump, recorder.time_jump_threshold) == ("ignore", 5.0)


def test_a_bad_time_jump_choice_is_refused(tmp_path):
    path = tmp_path / "jump.yaml"
    path.write_text("recorder: {on_time_jump: merge}\n" + T + "  - {topic: /joint_states}\n")
    with pytest.raises(ConfigError, match="recorder.on_time_jump: expected one of new_episode"):
        load_config(path)


@pytest.mark.parametrize("content", [laughs(9).encode(), bytes(range(256)), b"[" * 20000])
def test_cli_import_reports_a_hostile_config_in_one_line(tmp_path, content):
    path = tmp_path / "hostile.yaml"
    path.write_bytes(content)
    proc = subprocess.run([sys.executable, "-m", "ml_dash_ros", "import", str(tmp_path / "bag"),
                           "--config", str(path)], capture_output=True, text=True, timeout=60,
                          cwd=REPO)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"ml-dash-ros: error: {path}: ")
    assert proc.stderr.count("\n") == 1
