"""TopicPipeline: stamp policies, field selection, templates, on_change, counted faults."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from geometry_msgs.msg import PoseStamped
from std_msgs.msg import String

from ml_dash_ros import to_entries, to_fields
from ml_dash_ros.convert.pipeline import TopicPipeline
from ml_dash_ros.errors import ConversionError
from ml_dash_ros.mapping.model import TopicConfig
from test.convert import messages

RECEIVED = 100.25
REPO = Path(__file__).resolve().parents[2]


def _pipeline(**kwargs) -> TopicPipeline:
    kwargs.setdefault("topic", "/t")
    kwargs.setdefault("track", "t")
    return TopicPipeline(TopicConfig(**kwargs))


def test_header_policy_uses_the_header_stamp_and_keeps_the_receive_time():
    ((track, fields, ts),) = _pipeline().process(messages.joint_state(), RECEIVED)
    assert (track, ts, fields["_recv_ts"]) == ("t", 10.5, RECEIVED)


@pytest.mark.parametrize("msg", [messages.joint_state(sec=0, nanosec=0), String(data="x")],
                         ids=["zero_stamp", "no_header"])
def test_header_policy_counts_and_skips_unusable_stamps(msg):
    pipeline = _pipeline(stamp="header")
    assert pipeline.process(msg, RECEIVED) == []
    assert pipeline.counts["no_stamp"] == 1


def test_default_policy_stamps_a_message_without_header_on_receive():
    pipeline = _pipeline(topic="/cmd_vel")
    ((_, fields, ts),) = pipeline.process(String(data="x"), RECEIVED)
    assert ts == fields["_recv_ts"] == RECEIVED
    assert pipeline.counts["stamped_on_receive"] == 1


def test_default_policy_skips_a_zero_stamp_and_names_the_fix():
    pipeline = _pipeline()
    assert pipeline.process(messages.joint_state(sec=0, nanosec=0), RECEIVED) == []
    assert pipeline.counts["no_stamp"] == 1
    assert "stamp: header_or_receive" in pipeline.reasons["no_stamp"]


@pytest.mark.parametrize("stamp", ["auto", "header"])
def test_zero_stamped_static_transforms_are_kept_at_zero(stamp):
    pipeline = _pipeline(topic="/tf_static", track="tf_static/{child_frame_id}", stamp=stamp)
    rows = pipeline.process(messages.tf_message(sec=0), RECEIVED)
    assert [(track, ts) for track, _, ts in rows] == [
        ("tf_static/tool0", 0.0), ("tf_static/base_link", 0.0)]
    assert pipeline.counts["static_stamp"] == 2


def test_zero_stamps_on_a_transient_local_topic_are_static():
    from ml_dash_ros.mapping.model import QosConfig
    pipeline = _pipeline(topic="/map_frames", qos=QosConfig(preset="transient_local"))
    ((_, _, ts),) = pipeline.process(messages.joint_state(sec=0, nanosec=0), RECEIVED)
    assert ts == 0.0


def test_zero_stamped_transforms_on_tf_are_not_static():
    pipeline = _pipeline(topic="/tf", track="tf/{child_frame_id}")
    assert pipeline.process(messages.tf_message(sec=0), RECEIVED) == []
    assert pipeline.counts["no_stamp"] == 2


def test_receive_policy_uses_the_receive_time():
    ((_, _, ts),) = _pipeline(stamp="receive").process(messages.joint_state(), RECEIVED)
    assert ts == RECEIVED


def test_header_or_receive_falls_back_only_for_zero_stamps():
    pipeline = _pipeline(stamp="header_or_receive")
    ((_, _, zero),) = pipeline.process(messages.joint_state(sec=0, nanosec=0), RECEIVED)
    ((_, _, stamped),) = pipeline.process(messages.joint_state(), RECEIVED)
    assert (zero, stamped, pipeline.counts["stamp_fallback"]) == (RECEIVED, 10.5, 1)


def test_field_mapping_selects_and_renames_including_named_columns():
    pipeline = _pipeline(fields={"position": "q", "effort": "tau"})
    ((_, fields, _),) = pipeline.process(messages.joint_state(), RECEIVED)
    assert set(fields) == {"q", "q.shoulder", "q.elbow", "tau", "tau.shoulder", "tau.elbow",
                           "_recv_ts"}
    assert fields["q.elbow"] == -0.25


def test_field_list_selects_without_renaming():
    ((_, fields, _),) = _pipeline(fields=("name",)).process(messages.joint_state(), RECEIVED)
    assert fields == {"name": ["shoulder", "elbow"], "_recv_ts": RECEIVED}


def test_template_gives_a_track_per_frame_without_slashes():
    pipeline = _pipeline(track="tf/{child_frame_id}")
    rows = pipeline.process(messages.tf_message(), RECEIVED)
    assert [(track, ts) for track, _, ts in rows] == [("tf/tool0", 20.0), ("tf/base_link", 19.0)]


def test_template_key_the_message_lacks_is_counted():
    pipeline = _pipeline(track="joints/{child_frame_id}")
    assert pipeline.process(messages.joint_state(), RECEIVED) == []
    assert pipeline.counts["missing_key"] == 1


def test_on_change_keeps_only_changed_entries():
    pipeline = _pipeline(on_change=True)
    kept = [pipeline.process(messages.camera_info(), RECEIVED + i) for i in range(3)]
    changed = messages.camera_info()
    changed.width = 1280
    kept.append(pipeline.process(changed, RECEIVED + 3))
    assert [len(rows) for rows in kept] == [1, 0, 0, 1]
    assert pipeline.counts["unchanged"] == 2


def test_a_message_that_cannot_be_converted_is_counted_not_raised():
    pipeline = _pipeline(type="sensor_msgs/msg/JointState")
    assert pipeline.process(String(data="not a joint state"), RECEIVED) == []
    assert pipeline.counts["errors"] == 1
    assert "AttributeError" in pipeline.first_error


def test_to_fields_gives_fields_and_ts():
    fields, ts = to_fields(messages.joint_state())
    assert ts == 10.5
    assert fields["position"] == [0.5, -0.25]


def test_to_fields_refuses_messages_with_several_entries():
    with pytest.raises(ConversionError, match="gives 2 entries, not one.*use to_entries"):
        to_fields(messages.tf_message())
    assert [ts for _, ts in to_entries(messages.tf_message())] == [20.0, 19.0]


def test_to_fields_without_stamp_says_which_policy_to_use():
    with pytest.raises(ConversionError, match="has no header: stamp='auto' needs receive_time="):
        to_fields(String(data="x"))
    assert to_fields(String(data="x"), receive_time=3.0) == ({"data": "x"}, 3.0)
    assert to_fields(String(data="x"), stamp="receive", receive_time=3.0) == ({"data": "x"}, 3.0)


@pytest.mark.parametrize("name", ["joint_state", "imu", "camera_info", "tf_message"])
def test_rclpy_and_rosbags_messages_give_the_same_rows(name):
    msg = getattr(messages, name)()
    config = {"track": "x/{frame_id}", "fields": {"position": "q"}} if name == "joint_state" \
        else {"track": "x/{frame_id}"}
    rows = _pipeline(**config).process(msg, RECEIVED)
    assert repr(rows) == repr(_pipeline(**config).process(messages.as_rosbags(msg), RECEIVED))


def test_header_or_receive_falls_back_for_a_message_without_header():
    pipeline = _pipeline(stamp="header_or_receive")
    ((_, fields, ts),) = pipeline.process(String(data="x"), RECEIVED)
    assert (fields, ts) == ({"data": "x", "_recv_ts": RECEIVED}, RECEIVED)


def test_receive_policy_records_a_message_without_header():
    ((_, _, ts),) = _pipeline(stamp="receive").process(String(data="x"), RECEIVED)
    assert ts == RECEIVED


def test_field_selection_by_dotted_prefix_renames_the_prefix():
    msg = PoseStamped()
    msg.header.stamp.sec = 1
    msg.pose.position.x = 2.5
    ((_, fields, _),) = _pipeline(fields={"pose.position": "p"}).process(msg, RECEIVED)
    assert fields == {"p.x": 2.5, "p.y": 0.0, "p.z": 0.0, "_recv_ts": RECEIVED}


def test_field_listed_exactly_wins_over_its_prefix():
    msg = PoseStamped()
    msg.header.stamp.sec = 1
    pipeline = _pipeline(fields={"pose.position": "p", "pose.position.x": "x"})
    ((_, fields, _),) = pipeline.process(msg, RECEIVED)
    assert set(fields) == {"x", "p.y", "p.z", "_recv_ts"}


def test_template_strips_the_leading_slash_of_frame_ids():
    msg = messages.tf_message()
    rows = _pipeline(track="tf/{frame_id}/{child_frame_id}").process(msg, RECEIVED)
    assert [track for track, _, _ in rows] == ["tf/base_link/tool0", "tf/world/base_link"]


def test_template_with_an_empty_frame_id_is_counted():
    msg = messages.joint_state()
    msg.header.frame_id = "/"
    pipeline = _pipeline(track="joints/{frame_id}")
    assert pipeline.process(msg, RECEIVED) == []
    assert pipeline.counts["missing_key"] == 1


def test_malformed_template_is_counted_as_an_error_not_raised():
    pipeline = _pipeline(track="tf/{child_frame_id")
    assert pipeline.process(messages.tf_message(), RECEIVED) == []
    assert pipeline.counts["errors"] == 1


def test_on_change_treats_nan_as_unchanged():
    pipeline = _pipeline(on_change=True)
    kept = [pipeline.process(messages.joint_state(), RECEIVED + i) for i in range(2)]
    assert [len(rows) for rows in kept] == [1, 0]


def test_on_change_is_tracked_per_track():
    pipeline = _pipeline(track="tf/{child_frame_id}", on_change=True)
    first = pipeline.process(messages.tf_message(), RECEIVED)
    again = pipeline.process(messages.tf_message(), RECEIVED + 1)
    assert (len(first), again, pipeline.counts["unchanged"]) == (2, [], 2)


def test_on_change_compares_the_selected_fields_only():
    pipeline = _pipeline(on_change=True, fields=("name",))
    first = pipeline.process(messages.joint_state(), RECEIVED)
    moved = pipeline.process(messages.joint_state(sec=11), RECEIVED + 1)
    assert (len(first), moved) == (1, [])


def test_rows_do_not_share_dicts_with_the_on_change_memory():
    pipeline = _pipeline(on_change=True)
    ((_, fields, _),) = pipeline.process(messages.camera_info(), RECEIVED)
    fields["width"] = 1
    assert pipeline.process(messages.camera_info(), RECEIVED + 1) == []


def test_each_kind_of_fault_keeps_its_first_reason():
    pipeline = _pipeline(track="{child_frame_id}")
    pipeline.process(messages.joint_state(sec=0, nanosec=0), RECEIVED)
    pipeline.process(messages.joint_state(), RECEIVED)
    assert set(pipeline.reasons) == {"no_stamp", "missing_key"}
    assert pipeline.first_error.startswith("no_stamp: ")
    assert "{child_frame_id}" in pipeline.reasons["missing_key"]


@pytest.mark.parametrize("kwargs, pattern", [
    ({"stamp": "hdr"}, r"stamp='hdr': expected one of auto, header, receive, header_or_rec"),
    ({"stamp": "receive"}, r"stamp='receive' needs receive_time="),
    ({"stamp": "header_or_receive"}, r"zero header stamp: stamp='header_or_receive' needs"),
    ({}, r"header.stamp is zero: .*'stamp: header_or_receive'"),
    ({"static": True}, None),
])
def test_to_fields_stamp_errors(kwargs, pattern):
    if pattern is None:
        assert to_fields(messages.joint_state(sec=0, nanosec=0), **kwargs)[1] == 0.0
        return
    with pytest.raises(ConversionError, match=pattern):
        to_fields(messages.joint_state(sec=0, nanosec=0), **kwargs)


def test_to_fields_header_or_receive_falls_back():
    msg = messages.joint_state(sec=0, nanosec=0)
    assert to_fields(msg, stamp="header_or_receive", receive_time=2.0)[1] == 2.0


def test_to_fields_works_on_rosbags_messages():
    fields, ts = to_fields(messages.as_rosbags(messages.imu()))
    assert ts == 3.25
    assert fields["frame_id"] == "imu_link"


def test_convert_and_mapping_work_without_rclpy(tmp_path):
    """Block rclpy and every ROS message package; convert rosbags messages, load a config."""
    code = textwrap.dedent("""
        import sys
        for name in ("rclpy", "sensor_msgs", "std_msgs", "geometry_msgs", "tf2_msgs",
                     "builtin_interfaces"):
            sys.modules[name] = None
        from rosbags.typesys import Stores, get_typestore
        from ml_dash_ros import to_fields
        from ml_dash_ros.convert.pipeline import TopicPipeline
        from ml_dash_ros.mapping import load_config
        ts = get_typestore(Stores.ROS2_KILTED)
        cls = ts.types["sensor_msgs/msg/JointState"]
        header = ts.types["std_msgs/msg/Header"](
            stamp=ts.types["builtin_interfaces/msg/Time"](sec=2, nanosec=0), frame_id="b")
        import numpy as np
        msg = cls(header=header, name=["j"], position=np.array([1.0]),
                  velocity=np.array([]), effort=np.array([]))
        config = load_config(sys.argv[1])
        rows = TopicPipeline(config.topics[0]).process(msg, 5.0)
        print(rows, to_fields(msg)[1])
    """)
    path = tmp_path / "c.yaml"
    path.write_text("experiment: {prefix: a}\ntopics:\n"
                    "  - {topic: /joint_states, track: robot, fields: {position: q}}\n")
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                          text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ("[('robot', {'q': [1.0], 'q.j': 1.0, '_recv_ts': 5.0}, 2.0)]"
                                   " 2.0")


def test_columns_hand_a_malformed_batch_back_to_message_by_message():
    from types import SimpleNamespace

    from ml_dash_ros.mapping import parse_config
    config = parse_config({"experiment": {"prefix": "x"},
                           "topics": [{"topic": "/joint_states", "track": "robot",
                                       "type": "sensor_msgs/msg/JointState"}]}, source="t")
    pipeline = TopicPipeline(config.topics[0])
    broken = SimpleNamespace(name=["a"], position=[1.0], velocity=[1.0], effort=None,
                             header=None)
    assert pipeline.columns([broken], [1.0]) is None
    assert pipeline.entries(broken, 1.0) == []
    assert pipeline.counts["errors"] == 1
