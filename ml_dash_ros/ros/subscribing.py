"""Subscribing the recorder to one topic: its message class, its QoS, and a callback that
drains what is already queued."""

from __future__ import annotations

from typing import Any, Callable

from rclpy.node import Node

from ml_dash_ros.convert.types import import_message_class
from ml_dash_ros.errors import MlDashRosError
from ml_dash_ros.ros import qos as qos_rules
from ml_dash_ros.ros.topic_recorder import TopicRecorder


def subscribe(node: Node, recorder: TopicRecorder, type_name: str, skipped: dict) -> None:
    """Subscribe ``recorder`` on ``node``; a type that cannot be imported goes to ``skipped``."""
    topic = recorder.config.topic
    try:
        msg_class = import_message_class(type_name)
    except MlDashRosError as err:
        skipped[topic] = str(err)
        node.get_logger().error(f"{topic}: not recorded: {err}")
        return
    if recorder.config.qos is not None:
        profile, note = qos_rules.configured_profile(recorder.config.qos), ""
    else:
        offered = [info.qos_profile for info in node.get_publishers_info_by_topic(topic)]
        profile, note = qos_rules.adapted_profile(offered, latched=recorder.latched)
    recorder.type_name, recorder.qos = type_name, qos_rules.describe(profile)
    on_message = recorder.on_message
    if topic == DIAGNOSTICS:     # never the recorder's own status (its name as frame_id)
        on_message = _not_from(node.get_fully_qualified_name(), on_message)
    recorder.subscribe(
        lambda events: node.create_subscription(
            msg_class, topic, _draining(recorder, on_message), profile,
            event_callbacks=events),
        incompatible_qos=lambda event: _on_incompatible_qos(node, recorder, event))
    if note:
        node.get_logger().warning(f"{topic}: QoS {note}")
    node.get_logger().info(f"{topic} [{type_name}] -> {recorder.config.track} "
                           f"({recorder.qos})")


def _on_incompatible_qos(node: Node, recorder: TopicRecorder, event) -> None:
    if not recorder.qos_incompatible:
        node.get_logger().warning(
            f"{recorder.config.topic}: a publisher offers incompatible QoS "
            f"({event.last_policy_kind.name}); its messages cannot be received. "
            f"Subscribed with {recorder.qos}: change the topic's qos in the mapping")
    recorder.qos_incompatible = event.total_count


# Messages taken per callback at most, so timers and services still get their turn.
DRAIN_LIMIT = 1000
DIAGNOSTICS = "/diagnostics"


def _not_from(source: str, on_message: Callable[[Any], None]) -> Callable[[Any], None]:
    """Return ``on_message`` for diagnostics arrays not published by node ``source``."""
    def callback(msg) -> None:
        if msg.header.frame_id != source:
            on_message(msg)
    return callback


def _draining(recorder: TopicRecorder, on_message: Callable[[Any], None]):
    """Return a callback that handles its message and then every message already queued.

    rclpy's executor takes one message per wait cycle, which caps a subscription near 5k msg/s
    here; taking the queued ones in the same callback (as rclpy's executor does, under the
    handle's lock) removes that per-message overhead (benchmarks/RESULTS.md).
    """
    def callback(msg) -> None:
        on_message(msg)
        subscription = recorder.subscription
        handle, msg_type = subscription.handle, subscription.msg_type
        for _ in range(DRAIN_LIMIT):
            with handle:
                taken = handle.take_message(msg_type, False)
            if taken is None:
                return
            on_message(taken[0])
    return callback


def single_type(types: list[str] | None) -> str | None:
    """Return the one type a topic has on the graph (None when absent or ambiguous)."""
    return types[0] if types and len(types) == 1 else None
