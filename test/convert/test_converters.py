"""Built-in converters and generic introspection give the same entries for rclpy and rosbags."""

import math

import pytest
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from geometry_msgs.msg import PoseStamped
from std_msgs.msg import String

from ml_dash_ros.convert import convert, import_message_class, message_type_name
from ml_dash_ros.errors import ConversionError
from test.convert import messages

BUILT_IN = {"joint_state": messages.joint_state, "imu": messages.imu,
            "camera_info": messages.camera_info, "tf": messages.tf_message}


def _same(a, b) -> bool:
    """Compare entries with NaN equal to NaN."""
    return repr(a) == repr(b)


@pytest.mark.parametrize("name", sorted(BUILT_IN))
def test_rclpy_and_rosbags_messages_convert_identically(name):
    msg = BUILT_IN[name]()
    assert _same(convert(msg), convert(messages.as_rosbags(msg)))


@pytest.mark.parametrize("name", sorted(BUILT_IN))
def test_converted_values_are_plain_python(name):
    for entry in convert(messages.as_rosbags(BUILT_IN[name]())):
        for value in entry.fields.values():
            items = value if isinstance(value, list) else [value]
            assert all(type(item) in (int, float, str, bool, bytes) for item in items)


def test_message_type_name_of_both_kinds():
    msg = messages.joint_state()
    assert message_type_name(msg) == "sensor_msgs/msg/JointState"
    assert message_type_name(messages.as_rosbags(msg)) == "sensor_msgs/msg/JointState"


def test_joint_state_has_arrays_and_named_columns():
    (entry,) = convert(messages.joint_state())
    assert entry.fields["position"] == [0.5, -0.25]
    assert entry.fields["position.elbow"] == -0.25
    assert entry.stamp == pytest.approx(10.5)
    assert entry.keys == {"frame_id": "base_link"}


def test_joint_state_keeps_nan_efforts():
    (entry,) = convert(messages.as_rosbags(messages.joint_state()))
    assert math.isnan(entry.fields["effort"][1])
    assert math.isnan(entry.fields["effort.elbow"])


def test_joint_state_empty_velocity_gives_no_named_velocity_columns():
    (entry,) = convert(messages.joint_state(velocity=()))
    assert entry.fields["velocity"] == []
    assert not [name for name in entry.fields if name.startswith("velocity.")]


def test_imu_fields():
    (entry,) = convert(messages.imu())
    assert entry.fields["orientation"] == [0.0, 0.0, 0.6, 0.8]
    assert entry.fields["linear_acceleration"] == [0.0, 0.0, 9.81]
    assert entry.fields["orientation_covariance"][4] == 0.01
    assert len(entry.fields["angular_velocity_covariance"]) == 9


def test_camera_info_fields():
    (entry,) = convert(messages.camera_info())
    assert (entry.fields["width"], entry.fields["height"]) == (640, 480)
    assert entry.fields["k"][2] == 320.0
    assert entry.fields["roi.width"] == 100
    assert entry.fields["roi.do_rectify"] is True


def test_tf_gives_one_entry_per_transform_at_its_own_stamp():
    first, second = convert(messages.tf_message())
    assert (first.stamp, second.stamp) == (20.0, 19.0)
    assert first.fields == {"parent": "base_link", "child": "tool0",
                            "translation": [1.5, 0.0, 0.0], "rotation": [0.0, 0.0, 0.0, 1.0]}
    assert second.keys == {"frame_id": "/world", "child_frame_id": "/base_link"}


def test_generic_flattens_nested_messages_and_takes_the_header_stamp():
    msg = PoseStamped()
    msg.header.stamp.sec, msg.header.frame_id = 7, "map"
    msg.pose.position.x = 1.25
    for candidate in (msg, messages.as_rosbags(msg)):
        (entry,) = convert(candidate)
        assert entry.fields["pose.position.x"] == 1.25
        assert entry.fields["header.frame_id"] == "map"
        assert "header.stamp" not in entry.fields
        assert entry.stamp == 7.0


def test_generic_turns_arrays_of_messages_into_lists_of_dicts():
    msg = DiagnosticArray(status=[DiagnosticStatus(level=b"\x01", name="motor",
                                                   values=[KeyValue(key="t", value="40")])])
    rclpy_entry, rosbags_entry = convert(msg)[0], convert(messages.as_rosbags(msg))[0]
    status = rclpy_entry.fields["status"][0]
    assert status["name"] == "motor"
    assert status["values"] == [{"key": "t", "value": "40"}]
    assert _same(rclpy_entry, rosbags_entry)


def test_generic_message_without_header_has_no_stamp():
    (entry,) = convert(String(data="hi"))
    assert entry.fields == {"data": "hi"}
    assert entry.stamp is None


def _filled_messages():
    """Return messages of generic-path types whose rclpy and rosbags forms differ the most."""
    from sensor_msgs.msg import Image
    from std_msgs.msg import ByteMultiArray, Empty, Int8MultiArray, UInt8MultiArray

    image = Image(height=1, width=2, encoding="mono8", step=2, data=[0, 255])
    image.header.stamp.sec = 4
    return {"image": image, "empty": Empty(),
            "int8_array": Int8MultiArray(data=[-5, 7]),
            "uint8_array": UInt8MultiArray(data=[1, 2]),
            "byte_array": ByteMultiArray(data=[b"A", b"B"]),
            "diagnostics": DiagnosticArray(status=[DiagnosticStatus(level=b"\x02", name="m")])}


@pytest.mark.parametrize("name", sorted(_filled_messages()))
def test_generic_gives_the_same_entry_for_rclpy_and_rosbags(name):
    msg = _filled_messages()[name]
    assert _same(convert(msg), convert(messages.as_rosbags(msg)))


@pytest.mark.parametrize("name, field, expected", [
    ("image", "data", b"\x00\xff"),
    ("uint8_array", "data", b"\x01\x02"),
    ("byte_array", "data", b"AB"),
    ("int8_array", "data", [-5, 7]),
])
def test_generic_keeps_uint8_and_byte_arrays_as_bytes_and_other_arrays_as_lists(
        name, field, expected):
    (entry,) = convert(messages.as_rosbags(_filled_messages()[name]))
    assert entry.fields[field] == expected


def test_generic_empty_message_has_no_fields():
    (entry,) = convert(messages.as_rosbags(_filled_messages()["empty"]))
    assert entry.fields == {}


def test_generic_turns_a_scalar_byte_into_an_int():
    (entry,) = convert(_filled_messages()["diagnostics"])
    assert entry.fields["status"][0]["level"] == 2


def test_camera_info_keeps_empty_distortion_as_an_empty_list():
    msg = messages.camera_info()
    msg.d = []
    (entry,) = convert(messages.as_rosbags(msg))
    assert entry.fields["d"] == []


def test_joint_state_without_names_has_no_named_columns():
    msg = messages.joint_state()
    msg.name = []
    (entry,) = convert(msg)
    assert sorted(entry.fields) == ["effort", "name", "position", "velocity"]


def test_joint_state_array_shorter_than_name_gives_no_named_columns():
    (entry,) = convert(messages.joint_state(efforts=(1.0,)))
    assert entry.fields["effort"] == [1.0]
    assert "effort.shoulder" not in entry.fields
    assert "position.shoulder" in entry.fields


def test_explicit_type_name_selects_the_converter():
    (entry,) = convert(messages.joint_state(), "sensor_msgs/msg/Unknown")
    assert "position.elbow" not in entry.fields
    assert entry.fields["position"] == [0.5, -0.25]


def test_message_type_name_of_a_service_request():
    from std_srvs.srv import Trigger

    assert message_type_name(Trigger.Request()) == "std_srvs/srv/Trigger_Request"


def test_message_type_name_refuses_a_non_message():
    with pytest.raises(ConversionError, match="int is not a ROS message class"):
        message_type_name(3)


def test_import_message_class_finds_an_installed_type():
    from sensor_msgs.msg import JointState

    assert import_message_class("sensor_msgs/msg/JointState") is JointState


@pytest.mark.parametrize("type_name, pattern", [
    ("no_such_pkg/msg/Thing", r"cannot import message type no_such_pkg/msg/Thing: .*sourced"),
    ("sensor_msgs/msg/NoSuchType", r"cannot import message type sensor_msgs/msg/NoSuchType"),
    ("sensor_msgs/JointState", r"not of the form pkg/msg/Type"),
])
def test_import_message_class_says_why_not(type_name, pattern):
    with pytest.raises(ConversionError, match=pattern):
        import_message_class(type_name)
