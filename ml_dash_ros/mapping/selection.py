"""Which discovered topics a mapping records, and how: listed topics, regexes, all topics.

A topic listed in ``topics`` (``topic:``) is recorded as listed. Any other topic is matched
against the ``topic_regex`` entries in file order (``re.fullmatch``), then taken by
``recorder.all_topics``; those two never pick a topic matching a ``recorder.exclude`` regex.
The track name of a picked topic is its entry's template with ``{topic}`` (the name without
its leading '/') filled in; a TF topic (``tf2_msgs/msg/TFMessage``) on that default track
gets one track per child frame, ``{topic}/{child_frame_id}``, as in a listed ``/tf`` entry.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Sequence

from ml_dash_ros.mapping.model import (LATCHED_TOPICS, TOPIC_KEY, QosConfig, RecordConfig,
                                       TopicConfig)

__all__ = ["TopicSelection", "compile_regex", "expand_topic"]

ALL_TOPICS_TRACK = "{" + TOPIC_KEY + "}"
TF_TYPE = "tf2_msgs/msg/TFMessage"


def compile_regex(text: str) -> re.Pattern:
    """Compile a topic regex; raise ValueError saying what is wrong with it."""
    try:
        return re.compile(text)
    except re.error as err:
        raise ValueError(f"a valid Python regular expression ({err})") from err


def expand_topic(track: str, topic: str) -> str:
    """Fill the ``{topic}`` placeholder of a track template with ``topic`` minus its '/'."""
    return track.replace(ALL_TOPICS_TRACK, topic.lstrip("/"))


class TopicSelection:
    """Decide, for each topic name on the graph, the mapping entry that records it (or none)."""

    def __init__(self, config: RecordConfig) -> None:
        """Compile the patterns and excludes of ``config`` once."""
        self._listed = {topic.topic: topic for topic in config.topics}
        self._patterns = [(compile_regex(p.regex), p) for p in config.patterns]
        self._exclude = [compile_regex(text) for text in config.recorder.exclude]
        self._all_topics = config.recorder.all_topics

    @property
    def open_ended(self) -> bool:
        """Tell whether topics beyond the listed ones may be picked."""
        return bool(self._patterns) or self._all_topics

    def select(self, name: str, types: Sequence[str] = ()) -> TopicConfig | None:
        """Return the entry recording topic ``name`` (announcing ``types``), or None."""
        listed = self._listed.get(name)
        if listed is not None:
            return listed
        if any(regex.fullmatch(name) for regex in self._exclude):
            return None
        for regex, pattern in self._patterns:
            wanted = pattern.template.type
            if regex.fullmatch(name) and (wanted is None or wanted in types):
                return _matched(pattern.template, name, types)
        if self._all_topics:
            return _matched(TopicConfig(topic="", track=ALL_TOPICS_TRACK), name, types)
        return None


def _matched(template: TopicConfig, name: str, types: Sequence[str]) -> TopicConfig:
    """Return the entry's settings for topic ``name`` (latched topics as in a listed entry)."""
    qos = template.qos
    if qos is None and name in LATCHED_TOPICS:
        qos = QosConfig(preset="transient_local")
    track = template.track
    if track == ALL_TOPICS_TRACK and TF_TYPE in types:
        track += "/{child_frame_id}"
    return dataclasses.replace(template, topic=name, qos=qos, track=expand_topic(track, name))
