"""Load and validate a mapping YAML: a fault names the file, the key path and the expectation.

Example message: ``robot.yaml: topics[2].qos: expected one of sensor_data, reliable,
transient_local, system_default or a mapping, got 'fast'``.

Choices: ``experiment.prefix`` placeholders ``{date}`` (YYYYMMDD) and ``{time}`` (HHMMSS, local
time) are expanded when the file is loaded, i.e. when the recorder starts, so one run keeps one
prefix; ``dash_root`` expands ``~``; a key given twice in one mapping is refused.

Any file loads in bounded time and memory (``safe_yaml``); values in messages are cut short.
Track names and column names are checked here by the store's own rules, so a file that loads
can be recorded.
"""

from __future__ import annotations

import dataclasses
import os
import re
import string
import time
from typing import Any, Callable


from ml_dash_ros.convert.stamps import DEFAULT_POLICY
from ml_dash_ros.errors import ConfigError, InvalidNameError
from ml_dash_ros.mapping.model import (DEFAULT_EXCLUDE, LATCHED_TOPICS, PREFIX_KEYS,
                                       QOS_CHOICES, QOS_PRESETS, STAMP_POLICIES, TEMPLATE_KEYS,
                                       TIME_JUMP_CHOICES, TOPIC_KEY, VIDEO_CODECS, X264_PRESETS,
                                       BufferConfig, ExperimentConfig, QosConfig, RecordConfig,
                                       RecorderConfig, TopicConfig, TopicPattern, VideoSettings)
from ml_dash_ros.mapping.safe_yaml import cut, read_yaml, shown
from ml_dash_ros.mapping.selection import compile_regex, expand_topic
from ml_dash_ros.mapping.sizes import parse_size
from ml_dash_ros.tracks.store.layout import encode_topic
from ml_dash_ros.tracks.ingest.values import column_name_problem, normalize_fields


_ROS_NAME = re.compile(r"^(/[A-Za-z_][A-Za-z0-9_]*)+$")
_TYPE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*/msg/[A-Za-z][A-Za-z0-9_]*$")
_SECTIONS = ("experiment", "buffer", "recorder", "topics", "params")
_TOPIC_KEYS = ("topic", "track", "type", "qos", "stamp", "fields", "on_change", "video",
               "topic_regex")
_RECORDER_KEYS = ("status_period", "discovery_period", "on_time_jump", "time_jump_threshold",
                  "all_topics", "exclude", "max_episode_duration", "max_episode_size",
                  "max_duration")
_TRACK_KEYS = (*TEMPLATE_KEYS, TOPIC_KEY)       # placeholders a track template may hold
_VIDEO_KEYS = ("codec", "crf", "preset", "segment_seconds", "queue", "rate")


def load_config(path: str | os.PathLike) -> RecordConfig:
    """Read and validate a mapping file."""
    return parse_config(read_yaml(path), source=str(path))


def parse_config(data: Any, source: str = "<dict>") -> RecordConfig:
    """Validate an already-parsed mapping."""
    check = _Checker(source)
    if data is None:
        raise ConfigError(f"{source}: the file is empty; expected a mapping with 'topics'")
    check.mapping(data, "", _SECTIONS)
    recorder = _recorder(check, data.get("recorder"))
    if not recorder.all_topics:
        check.require(data, "", "topics")
    topics = check.typed(data.get("topics", []), "topics", list, "a list of topic mappings")
    if not topics and not recorder.all_topics:
        check.fail("topics", "at least one topic (or recorder.all_topics: true)", topics)
    parsed = [_entry(check, item, f"topics[{i}]") for i, item in enumerate(topics)]
    seen: dict[str, int] = {}
    for i, topic in enumerate(parsed):
        if isinstance(topic, TopicPattern):
            continue
        if topic.topic in seen:
            check.fail(f"topics[{i}].topic", f"a topic not already mapped in "
                       f"topics[{seen[topic.topic]}]", topic.topic)
        seen[topic.topic] = i
    return RecordConfig(source=source, experiment=_experiment(check, data.get("experiment")),
                        topics=tuple(t for t in parsed if isinstance(t, TopicConfig)),
                        patterns=tuple(t for t in parsed if isinstance(t, TopicPattern)),
                        buffer=_buffer(check, data.get("buffer")), recorder=recorder,
                        params=_params(check, data.get("params")))


class _Checker:
    """Small validation helpers that raise ConfigError naming file, key path and expectation."""

    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, text: str) -> ConfigError:
        return ConfigError(cut(f"{self.source}: ", text))

    def fail(self, path: str, expected: str, got: Any) -> None:
        raise self.error(f"{path}: expected {expected}, got {shown(got)}")

    def mapping(self, node: Any, path: str, allowed: tuple[str, ...]) -> dict:
        where = path or "top level"
        if not isinstance(node, dict):
            self.fail(where, "a mapping", node)
        for key in node:
            if key not in allowed:
                raise self.error(f"{_join(path, shown(key).strip(chr(39)))}: unknown key; "
                                 f"expected one of {', '.join(allowed)}")
        return node

    def require(self, node: dict, path: str, key: str) -> None:
        if key not in node:
            raise self.error(f"{_join(path, key)}: missing required key")

    def typed(self, value: Any, path: str, kind: type | tuple, expected: str) -> Any:
        if not isinstance(value, kind) or (kind in (int, float, (int, float))
                                           and isinstance(value, bool)):
            self.fail(path, expected, value)
        return value

    def choice(self, value: Any, path: str, choices: tuple[str, ...]) -> str:
        if value not in choices:
            self.fail(path, "one of " + ", ".join(choices), value)
        return value

    def positive(self, node: dict, path: str, key: str, kind: Callable) -> Any:
        if node.get(key) is None:
            return None
        value = node[key]
        expected = "a positive integer" if kind is int else "a positive number"
        numeric = int if kind is int else (int, float)
        self.typed(value, _join(path, key), numeric, expected)
        if not value > 0 or value == float("inf"):      # also NaN (.nan) and .inf
            self.fail(_join(path, key), expected, value)
        return kind(value)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _experiment(check: _Checker, node: Any) -> ExperimentConfig:
    if node is None:
        raise ConfigError(f"{check.source}: experiment: missing required section "
                          "(experiment: {prefix: ..., dash_root: ...})")
    check.mapping(node, "experiment", ("prefix", "dash_root"))
    check.require(node, "experiment", "prefix")
    prefix = check.typed(node["prefix"], "experiment.prefix", str, "a string")
    if _placeholders(prefix, PREFIX_KEYS) is None:
        check.fail("experiment.prefix", "a prefix whose only placeholders are {date} and "
                   "{time}", prefix)
    prefix = prefix.format(date=time.strftime("%Y%m%d"), time=time.strftime("%H%M%S"))
    if not prefix.strip("/"):
        check.fail("experiment.prefix", "a non-empty prefix", prefix)
    dash_root = node.get("dash_root")  # absent: the node / CLI use $ML_DASH_ROOT or .dash
    if dash_root is None:
        return ExperimentConfig(prefix=prefix)
    dash_root = check.typed(dash_root, "experiment.dash_root", str, "a directory path")
    if not dash_root.strip():
        check.fail("experiment.dash_root", "a non-empty directory path", dash_root)
    return ExperimentConfig(prefix=prefix, dash_root=os.path.expanduser(dash_root))


def _params(check: _Checker, node: Any) -> dict:
    """Return the episodes' params: names to values ``exp.params.set`` stores (flattened)."""
    if node is None:
        return {}
    check.typed(node, "params", dict, "a mapping of names to values")
    try:
        return normalize_fields("params", dict(node))
    except (ConfigError, ValueError, TypeError) as err:
        raise check.error(f"params: {err}".replace("track 'params': ", "")) from err


def _buffer(check: _Checker, node: Any) -> BufferConfig:
    if node is None:
        return BufferConfig()
    check.mapping(node, "buffer", ("flush_interval", "batch_size", "max_buffer_rows",
                                   "when_full"))
    when_full = node.get("when_full")
    if when_full is not None:
        when_full = check.choice(when_full, "buffer.when_full", ("drop", "block"))
    return BufferConfig(flush_interval=check.positive(node, "buffer", "flush_interval", float),
                        batch_size=check.positive(node, "buffer", "batch_size", int),
                        max_buffer_rows=check.positive(node, "buffer", "max_buffer_rows", int),
                        when_full=when_full)


def _recorder(check: _Checker, node: Any) -> RecorderConfig:
    if node is None:
        return RecorderConfig()
    check.mapping(node, "recorder", _RECORDER_KEYS)
    defaults = RecorderConfig()
    status = check.positive(node, "recorder", "status_period", float)
    discovery = check.positive(node, "recorder", "discovery_period", float)
    threshold = check.positive(node, "recorder", "time_jump_threshold", float)
    jump = check.choice(node.get("on_time_jump", defaults.on_time_jump),
                        "recorder.on_time_jump", TIME_JUMP_CHOICES)
    all_topics = check.typed(node.get("all_topics", False), "recorder.all_topics", bool,
                             "true or false")
    exclude = check.typed(node.get("exclude", []), "recorder.exclude", list,
                          "a list of topic regexes")
    for i, text in enumerate(exclude):
        _regex(check, text, f"recorder.exclude[{i}]")
    return RecorderConfig(status_period=status or defaults.status_period,
                          discovery_period=discovery or defaults.discovery_period,
                          on_time_jump=jump,
                          time_jump_threshold=threshold or defaults.time_jump_threshold,
                          all_topics=all_topics,
                          exclude=DEFAULT_EXCLUDE + tuple(exclude),
                          max_episode_duration=check.positive(node, "recorder",
                                                              "max_episode_duration", float),
                          max_episode_size=_size(check, node.get("max_episode_size"),
                                                 "recorder.max_episode_size"),
                          max_duration=check.positive(node, "recorder", "max_duration", float))


def _size(check: _Checker, value: Any, path: str) -> int | None:
    if value is None:
        return None
    try:
        return parse_size(value)
    except ValueError as err:
        raise check.error(f"{path}: expected {err}, got {shown(value)}") from None


def _regex(check: _Checker, text: Any, path: str) -> str:
    check.typed(text, path, str, "a regular expression (Python re) matching topic names")
    try:
        compile_regex(text)
    except ValueError as err:
        raise check.error(f"{path}: expected {err}, got {shown(text)}") from None
    return text


def _entry(check: _Checker, node: Any, path: str) -> TopicConfig | TopicPattern:
    """Return a listed topic (``topic:``) or a pattern (``topic_regex:``)."""
    check.mapping(node, path, _TOPIC_KEYS)
    if "topic_regex" not in node:
        return _topic(check, node, path)
    if "topic" in node:
        raise check.error(f"{path}: expected either topic or topic_regex, not both")
    regex = _regex(check, node["topic_regex"], f"{path}.topic_regex")
    template = _topic(check, {**node, "topic": "/x", "track": node.get("track", "{topic}")},
                      path, pattern=True)
    return TopicPattern(regex, dataclasses.replace(template, topic=""))


def _topic(check: _Checker, node: Any, path: str, pattern: bool = False) -> TopicConfig:
    if "topic" not in node:
        raise check.error(f"{path}.topic: missing required key (or topic_regex: a regex)")
    topic = check.typed(node["topic"], f"{path}.topic", str, "a ROS topic name")
    if not _ROS_NAME.match(topic):
        check.fail(f"{path}.topic", "an absolute ROS topic name such as /joint_states", topic)
    track = node.get("track", topic.lstrip("/"))
    check.typed(track, f"{path}.track", str, "a track name")
    _template(check, track, f"{path}.track")
    _storable_track(check, track, f"{path}.track")
    if not pattern:
        track = expand_topic(track, topic)
    type_name = node.get("type")
    if type_name is not None and not (isinstance(type_name, str) and _TYPE_NAME.match(type_name)):
        check.fail(f"{path}.type", "a message type such as sensor_msgs/msg/JointState",
                   type_name)
    stamp = check.choice(node.get("stamp", DEFAULT_POLICY), f"{path}.stamp", STAMP_POLICIES)
    on_change = check.typed(node.get("on_change", False), f"{path}.on_change", bool,
                            "true or false")
    qos = _qos(check, node.get("qos"), f"{path}.qos")
    if qos is None and topic in LATCHED_TOPICS:
        qos = QosConfig(preset="transient_local")
    return TopicConfig(topic=topic, track=track, type=type_name, qos=qos, stamp=stamp,
                       fields=_fields(check, node.get("fields"), f"{path}.fields"),
                       on_change=on_change,
                       video=_video(check, node.get("video"), f"{path}.video"))


def _video(check: _Checker, node: Any, path: str) -> VideoSettings | bool | None:
    """Return a topic's video settings: None (defaults), False (plain rows) or VideoSettings."""
    if node is None or node is True:
        return None
    if node is False:
        return False
    if not isinstance(node, dict):
        check.fail(path, "true, false or a mapping of " + ", ".join(_VIDEO_KEYS), node)
    check.mapping(node, path, _VIDEO_KEYS)
    defaults = VideoSettings()
    codec = check.choice(node.get("codec", defaults.codec), f"{path}.codec", VIDEO_CODECS)
    preset = check.choice(node.get("preset", defaults.preset), f"{path}.preset", X264_PRESETS)
    crf = node.get("crf", defaults.crf)
    check.typed(crf, f"{path}.crf", int, "an integer from 0 (lossless) to 51")
    if not 0 <= crf <= 51:
        check.fail(f"{path}.crf", "an integer from 0 (lossless) to 51", crf)
    seconds = check.positive(node, path, "segment_seconds", float)
    queue = check.positive(node, path, "queue", int)
    rate = check.positive(node, path, "rate", float)
    return VideoSettings(codec=codec, crf=crf, preset=preset,
                         segment_seconds=seconds or defaults.segment_seconds,
                         queue=queue or defaults.queue, rate=rate or defaults.rate)


def _template(check: _Checker, track: str, path: str) -> None:
    if not track.strip("/"):
        check.fail(path, "a non-empty track name", track)
    try:
        list(string.Formatter().parse(track))
    except ValueError as err:
        check.fail(path, f"a valid template ({err})", track)
    if _placeholders(track, _TRACK_KEYS) is None:
        check.fail(path, "placeholders among {" + "}, {".join(_TRACK_KEYS) + "}", track)


def _storable_track(check: _Checker, track: str, path: str) -> None:
    """Refuse a track name (a template: its fixed parts) the store cannot map to a directory."""
    try:
        encode_topic(track.format(**{key: "x" for key in _TRACK_KEYS}))
    except InvalidNameError as err:
        check.fail(path, f"a track name that can be stored ({err})", track)


def _placeholders(text: str, allowed: tuple[str, ...]) -> list[str] | None:
    """Return the placeholder names of ``text``, or None if one is malformed or not allowed.

    Only plain ``{name}`` is accepted: no format spec, conversion, index or attribute.
    """
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return None
    names = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in allowed or spec or conversion:
            return None
        names.append(name)
    return names


def _qos(check: _Checker, node: Any, path: str) -> QosConfig | None:
    if node is None:
        return None
    if not isinstance(node, dict):
        if node not in QOS_PRESETS:
            check.fail(path, "one of " + ", ".join(QOS_PRESETS) + " or a mapping", node)
        return QosConfig(preset=node)
    check.mapping(node, path, ("preset", *QOS_CHOICES, "depth"))
    values = {key: check.choice(node[key], f"{path}.{key}", choices)
              for key, choices in QOS_CHOICES.items() if key in node}
    preset = node.get("preset")
    if preset is not None:
        check.choice(preset, f"{path}.preset", QOS_PRESETS)
    return QosConfig(preset=preset, depth=check.positive(node, path, "depth", int), **values)


def _fields(check: _Checker, node: Any, path: str) -> dict | tuple | None:
    if node is None:
        return None
    if isinstance(node, list):
        for i, name in enumerate(node):
            _column(check, name, f"{path}[{i}]", "a field name")
        if len(set(node)) != len(node):
            check.fail(path, "each field listed once", node)
        selection: dict | tuple = tuple(node)
    else:
        check.typed(node, path, dict, "a mapping of field: new_name, or a list of fields")
        targets: dict[str, str] = {}
        for name, new in node.items():
            _column(check, name, f"{path}", "field names (keys) that are strings")
            _column(check, new, f"{path}.{name}", "a new column name")
            if new in targets:
                check.fail(f"{path}.{name}", f"a new name not already given to "
                           f"{targets[new]!r}", new)
            targets[new] = name
        selection = dict(node)
    if not selection:
        check.fail(path, "at least one field (leave fields out to keep them all)", node)
    return selection


def _column(check: _Checker, name: Any, path: str, expected: str) -> None:
    check.typed(name, path, str, expected)
    problem = column_name_problem(name)  # the store's own rule (Track API append)
    if problem is not None:
        check.fail(path, f"a column name that can be stored; this one {problem}", name)
