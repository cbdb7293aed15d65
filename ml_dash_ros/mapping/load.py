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

import os
import time
from typing import Any

from ml_dash_ros.errors import ConfigError
from ml_dash_ros.mapping.checker import Checker
from ml_dash_ros.mapping.model import (DEFAULT_EXCLUDE, PREFIX_KEYS, TIME_JUMP_CHOICES,
                                       BufferConfig, ExperimentConfig, RecordConfig,
                                       RecorderConfig, TopicConfig, TopicPattern)
from ml_dash_ros.mapping.safe_yaml import read_yaml
from ml_dash_ros.mapping.topic_entry import parse_entry, placeholders
from ml_dash_ros.tracks.ingest.values import normalize_fields

_SECTIONS = ("experiment", "buffer", "recorder", "topics", "params")
_RECORDER_KEYS = ("status_period", "discovery_period", "on_time_jump", "time_jump_threshold",
                  "all_topics", "exclude", "max_episode_duration", "max_episode_size",
                  "max_duration")


def load_config(path: str | os.PathLike) -> RecordConfig:
    """Read and validate a mapping file."""
    return parse_config(read_yaml(path), source=str(path))


def parse_config(data: Any, source: str = "<dict>") -> RecordConfig:
    """Validate an already-parsed mapping."""
    check = Checker(source)
    if data is None:
        raise ConfigError(f"{source}: the file is empty; expected a mapping with 'topics'")
    check.mapping(data, "", _SECTIONS)
    recorder = _recorder(check, data.get("recorder"))
    if not recorder.all_topics:
        check.require(data, "", "topics")
    topics = check.typed(data.get("topics", []), "topics", list, "a list of topic mappings")
    if not topics and not recorder.all_topics:
        check.fail("topics", "at least one topic (or recorder.all_topics: true)", topics)
    parsed = [parse_entry(check, item, f"topics[{i}]") for i, item in enumerate(topics)]
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


def _experiment(check: Checker, node: Any) -> ExperimentConfig:
    if node is None:
        raise ConfigError(f"{check.source}: experiment: missing required section "
                          "(experiment: {prefix: ..., dash_root: ...})")
    check.mapping(node, "experiment", ("prefix", "dash_root"))
    check.require(node, "experiment", "prefix")
    prefix = check.typed(node["prefix"], "experiment.prefix", str, "a string")
    if placeholders(prefix, PREFIX_KEYS) is None:
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


def _params(check: Checker, node: Any) -> dict:
    """Return the episodes' params: names to values ``exp.params.set`` stores (flattened)."""
    if node is None:
        return {}
    check.typed(node, "params", dict, "a mapping of names to values")
    try:
        return normalize_fields("params", dict(node))
    except (ConfigError, ValueError, TypeError) as err:
        raise check.error(f"params: {err}".replace("track 'params': ", "")) from err


def _buffer(check: Checker, node: Any) -> BufferConfig:
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


def _recorder(check: Checker, node: Any) -> RecorderConfig:
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
        check.regex(text, f"recorder.exclude[{i}]")
    return RecorderConfig(status_period=status or defaults.status_period,
                          discovery_period=discovery or defaults.discovery_period,
                          on_time_jump=jump,
                          time_jump_threshold=threshold or defaults.time_jump_threshold,
                          all_topics=all_topics,
                          exclude=DEFAULT_EXCLUDE + tuple(exclude),
                          max_episode_duration=check.positive(node, "recorder",
                                                              "max_episode_duration", float),
                          max_episode_size=check.size(node.get("max_episode_size"),
                                                      "recorder.max_episode_size"),
                          max_duration=check.positive(node, "recorder", "max_duration", float))
