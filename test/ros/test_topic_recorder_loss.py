"""TopicRecorder's loss counters on real messages, without a ROS graph: stamp gaps, lost."""

from types import SimpleNamespace

import pytest
import yaml
from rclpy.event_handler import UnsupportedEventTypeError
from sensor_msgs.msg import JointState

from ml_dash_ros.mapping import parse_config
from ml_dash_ros.ros.topic_recorder import TopicRecorder

PERIOD = 0.01


HOLE = [k for k in range(300) if not 100 <= k < 107]     # 7 messages missing


def _recorder(topic: str = "{topic: /js, track: js}", now=None, **kwargs) -> TopicRecorder:
    config = parse_config({"experiment": {"prefix": "t", "dash_root": "."},
                           "topics": [yaml.safe_load(topic)]})
    return TopicRecorder(config.topics[0], lambda track, fields, ts: None,
                         now or (lambda: 5e9), **kwargs)


def _feed(recorder: TopicRecorder, indices) -> None:
    for k in indices:
        msg = JointState(name=["a"], position=[float(k)])
        ns = 1_000_000_000_000 + k * round(PERIOD * 1e9)
        msg.header.stamp.sec, msg.header.stamp.nanosec = divmod(ns, 1_000_000_000)
        recorder.on_message(msg)


def test_a_hole_in_the_stamps_is_one_gap_with_its_missing_messages():
    recorder = _recorder()
    _feed(recorder, HOLE)
    loss = recorder.loss()
    assert (loss["stamp_gaps"], loss["stamp_gap_missing"]) == (1, 7)


def test_messages_skipped_while_paused_are_not_a_gap():
    recorder = _recorder()
    _feed(recorder, range(100))
    recorder.paused = True
    _feed(recorder, range(100, 200))
    recorder.paused = False
    _feed(recorder, range(200, 300))
    assert recorder.loss()["stamp_gaps"] == 0


def test_receive_stamped_entries_are_not_judged():
    clock = iter([5e9 + k * PERIOD for k in HOLE])       # the receive times miss a stretch
    recorder = _recorder("{topic: /js, track: js, stamp: receive}", now=lambda: next(clock))
    _feed(recorder, HOLE)
    assert recorder.loss()["stamp_gaps"] == 0


@pytest.mark.parametrize("topic", ["{topic: /js, track: js, on_change: true}",
                                   "{topic: /js, track: js, qos: transient_local}"])
def test_on_change_and_latched_topics_are_not_judged(topic):
    recorder = _recorder(topic, latched="transient_local" in topic)
    _feed(recorder, HOLE)
    assert recorder.loss()["stamp_gaps"] == 0


def test_a_new_episode_starts_the_counts_again():
    recorder = _recorder()
    _feed(recorder, HOLE)
    recorder.on_message_lost(SimpleNamespace(total_count=5))
    recorder.start_episode(lambda track, fields, ts: None)
    recorder.on_message_lost(SimpleNamespace(total_count=8))
    assert recorder.loss() == {"lost": 3, "stamp_gaps": 0, "stamp_gap_missing": 0}


def test_lost_is_not_supported_where_the_middleware_refuses_the_event():
    recorder = _recorder()
    created = []

    def create(events):
        if events.message_lost is not None:
            raise UnsupportedEventTypeError("message lost event is not supported")
        created.append(events)
        return "subscription"

    recorder.subscribe(create, incompatible_qos=print)
    assert (recorder.subscription, recorder.loss()["lost"]) == ("subscription", "not supported")
