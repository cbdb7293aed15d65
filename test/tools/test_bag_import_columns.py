"""Bag import converts JointState in columns; the result equals the live recorder's.

Chunks are made small so one bag has chunks the column converter takes and chunks it hands
back to the message-by-message path (an empty velocity array, a zero stamp, other joint
names), in every stamp policy and with and without ``fields:`` renaming.
"""

import json

import numpy as np
import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.convert.pipeline import TopicPipeline
from ml_dash_ros.mapping import parse_config
from ml_dash_ros.ros.topic_recorder import TopicRecorder
from ml_dash_ros.tools import bag_import

from test.tools import bags

CHUNK = 8
MESSAGES = 60


def joint_state(i: int):
    """Full arrays, but: i == 20 an empty velocity, i == 35 a zero stamp, i >= 50 a 4th joint."""
    names = [*bags.JOINTS, "j3"] if i >= 50 else list(bags.JOINTS)
    n = len(names)
    velocity = np.array([]) if i == 20 else np.linspace(0, 1, n) * i
    stamp = 0.0 if i == 35 else bags.T0 + 1 + i * 0.01
    effort = np.full(n, np.nan) if i % 9 == 0 else np.ones(n) * 0.5
    return bags.T["sensor_msgs/msg/JointState"](
        header=bags.header(stamp), name=names, position=np.arange(n) * 0.1 * i,
        velocity=velocity, effort=effort)


def scenario():
    return [("/joint_states", "sensor_msgs/msg/JointState",
             int((bags.T0 + 1 + i * 0.01) * 1e9), joint_state(i)) for i in range(MESSAGES)]


TOPICS = {
    "plain": {"topic": "/joint_states", "track": "robot"},
    "renamed": {"topic": "/joint_states", "track": "robot",
                "fields": {"name": "name", "position": "q", "effort": "tau"}},
    "receive": {"topic": "/joint_states", "track": "robot", "stamp": "receive"},
    "fallback": {"topic": "/joint_states", "track": "robot", "stamp": "header_or_receive"},
}


@pytest.fixture(scope="module")
def bag(tmp_path_factory):
    return bags.write_bag(tmp_path_factory.mktemp("columns") / "bag", "mcap", scenario())


@pytest.fixture
def column_calls(monkeypatch):
    """Make chunks small and count the batches the column converter took."""
    monkeypatch.setattr(bag_import, "CHUNK_ROWS", CHUNK)
    taken = []
    original = TopicPipeline.columns

    def columns(self, msgs, receive_times):
        result = original(self, msgs, receive_times)
        taken.append(result is not None)
        return result
    monkeypatch.setattr(TopicPipeline, "columns", columns)
    return taken


def rows(dash_root, prefix):
    table = Experiment(prefix, dash_root=dash_root).tracks("robot").read(format="arrow")
    return str(table.schema), json.dumps(table.to_pylist())


def live(config, dash_root):
    exp = Experiment("live", dash_root=dash_root).open()
    clock = [0.0]
    recorder = TopicRecorder(config.topics[0],
                             lambda track, fields, ts: exp.tracks(track).append(_ts=ts, **fields),
                             lambda: clock[0])
    for _topic, _type, ns, msg in scenario():
        clock[0] = ns * 1e-9
        recorder.on_message(msg)
    exp.close()
    return recorder


@pytest.mark.parametrize("mapping", sorted(TOPICS))
def test_column_import_equals_the_live_recorder(bag, tmp_path, column_calls, mapping):
    config = parse_config({"experiment": {"prefix": "x", "dash_root": str(tmp_path)},
                           "topics": [TOPICS[mapping]]}, source="test")
    report = bag_import.import_bag(bag, config, "imported", dash_root=tmp_path)
    recorder = live(config, tmp_path)
    assert rows(tmp_path, "imported-001") == rows(tmp_path, "live")
    assert any(column_calls)
    assert not all(column_calls)  # both paths ran
    row = report.topics["/joint_states"]
    assert row["entries"] == recorder.counts.entries
    assert row.get("no_stamp", 0) == recorder.pipeline.counts["no_stamp"]
    assert row.get("stamp_fallback", 0) == recorder.pipeline.counts["stamp_fallback"]


def test_a_track_another_topic_can_write_is_not_converted_in_columns(
        bag, tmp_path, column_calls):
    config = parse_config({"experiment": {"prefix": "x", "dash_root": str(tmp_path)},
                           "topics": [{"topic": "/joint_states", "track": "robot/arm"},
                                      {"topic": "/other", "track": "robot/{frame_id}"}]},
                          source="test")
    report = bag_import.import_bag(bag, config, "imported", dash_root=tmp_path)
    assert column_calls == []
    assert report.topics["/joint_states"]["entries"] == MESSAGES - 1  # the zero stamp
