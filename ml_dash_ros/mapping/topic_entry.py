"""One entry of a mapping's ``topics:`` list: a listed topic or a ``topic_regex`` pattern,
its track template, QoS, stamp policy, ``fields:`` renames and ``video:`` settings."""

from __future__ import annotations

import dataclasses
import re
import string
from typing import Any

from ml_dash_ros.convert.stamps import DEFAULT_POLICY
from ml_dash_ros.errors import InvalidNameError
from ml_dash_ros.mapping.checker import Checker
from ml_dash_ros.mapping.model import (LATCHED_TOPICS, QOS_CHOICES, QOS_PRESETS, STAMP_POLICIES,
                                       TEMPLATE_KEYS, TOPIC_KEY, VIDEO_CODECS, X264_PRESETS,
                                       QosConfig, TopicConfig, TopicPattern, VideoSettings)
from ml_dash_ros.mapping.selection import expand_topic
from ml_dash_ros.tracks.ingest.values import column_name_problem
from ml_dash_ros.tracks.store.layout import encode_topic

_ROS_NAME = re.compile(r"^(/[A-Za-z_][A-Za-z0-9_]*)+$")
_TYPE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*/msg/[A-Za-z][A-Za-z0-9_]*$")
_TOPIC_KEYS = ("topic", "track", "type", "qos", "stamp", "fields", "on_change", "video",
               "topic_regex")
_TRACK_KEYS = (*TEMPLATE_KEYS, TOPIC_KEY)       # placeholders a track template may hold
_VIDEO_KEYS = ("codec", "crf", "preset", "segment_seconds", "queue", "rate")


def parse_entry(check: Checker, node: Any, path: str) -> TopicConfig | TopicPattern:
    """Return a listed topic (``topic:``) or a pattern (``topic_regex:``)."""
    check.mapping(node, path, _TOPIC_KEYS)
    if "topic_regex" not in node:
        return _topic(check, node, path)
    if "topic" in node:
        raise check.error(f"{path}: expected either topic or topic_regex, not both")
    regex = check.regex(node["topic_regex"], f"{path}.topic_regex")
    template = _topic(check, {**node, "topic": "/x", "track": node.get("track", "{topic}")},
                      path, pattern=True)
    return TopicPattern(regex, dataclasses.replace(template, topic=""))


def _topic(check: Checker, node: Any, path: str, pattern: bool = False) -> TopicConfig:
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


def _video(check: Checker, node: Any, path: str) -> VideoSettings | bool | None:
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


def _template(check: Checker, track: str, path: str) -> None:
    if not track.strip("/"):
        check.fail(path, "a non-empty track name", track)
    try:
        list(string.Formatter().parse(track))
    except ValueError as err:
        check.fail(path, f"a valid template ({err})", track)
    if placeholders(track, _TRACK_KEYS) is None:
        check.fail(path, "placeholders among {" + "}, {".join(_TRACK_KEYS) + "}", track)


def _storable_track(check: Checker, track: str, path: str) -> None:
    """Refuse a track name (a template: its fixed parts) the store cannot map to a directory."""
    try:
        encode_topic(track.format(**{key: "x" for key in _TRACK_KEYS}))
    except InvalidNameError as err:
        check.fail(path, f"a track name that can be stored ({err})", track)


def placeholders(text: str, allowed: tuple[str, ...]) -> list[str] | None:
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


def _qos(check: Checker, node: Any, path: str) -> QosConfig | None:
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


def _fields(check: Checker, node: Any, path: str) -> dict | tuple | None:
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


def _column(check: Checker, name: Any, path: str, expected: str) -> None:
    check.typed(name, path, str, expected)
    problem = column_name_problem(name)  # the store's own rule (Track API append)
    if problem is not None:
        check.fail(path, f"a column name that can be stored; this one {problem}", name)
