"""The demo robot, as its own process, is heard on every topic at its rate with model values."""

import math

import pytest
from sensor_msgs.msg import CameraInfo, Imu, JointState
from tf2_msgs.msg import TFMessage

from ml_dash_ros.demo import motion
from test.ros.support import Listener, spawn, stamp_seconds, stop

RATES = {"/joint_states": 500.0, "/imu/data": 200.0, "/camera/color/camera_info": 30.0,
         "/tf": 100.0}
TYPES = {"/joint_states": JointState, "/imu/data": Imu, "/camera/color/camera_info": CameraInfo,
         "/tf": TFMessage, "/tf_static": TFMessage}
WINDOW = 3.0


@pytest.fixture(scope="module")
def heard(tmp_path_factory):
    """Run the demo robot for a few seconds and return what a second process heard."""
    log = tmp_path_factory.mktemp("demo") / "demo_robot.log"
    with Listener(TYPES, latched=("/tf_static",)) as listener:
        robot = spawn("ml_dash_ros.ros.demo_robot", log_path=log)
        try:
            assert listener.wait_for("/joint_states", timeout=30), log.read_text()
            start = {topic: listener.count(topic) for topic in TYPES}
            listener.wait_for("/never", timeout=WINDOW)
            messages = {topic: listener.snapshot(topic)[start[topic]:] for topic in RATES}
            messages["/tf_static"] = listener.snapshot("/tf_static")
        finally:
            assert stop(robot) == 0, log.read_text()
    return messages


@pytest.mark.parametrize("topic", sorted(RATES))
def test_topic_is_heard_at_its_configured_rate(heard, topic):
    stamps = [stamp_seconds(_header(msg).stamp) for msg in heard[topic]]
    assert len(stamps) > 10
    rate = (len(stamps) - 1) / (stamps[-1] - stamps[0])
    assert rate == pytest.approx(RATES[topic], rel=0.10)


@pytest.mark.parametrize("topic", sorted(RATES))
def test_no_message_is_lost_between_stamps(heard, topic):
    stamps = [stamp_seconds(_header(msg).stamp) for msg in heard[topic]]
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    assert max(gaps) < 5.0 / RATES[topic]


def test_joint_states_follow_the_motion_model(heard):
    for msg in heard["/joint_states"]:
        expected = motion.joints(stamp_seconds(msg.header.stamp))
        assert list(msg.name) == list(motion.JOINT_NAMES)
        assert list(msg.position) == pytest.approx(expected.position, abs=1e-12)
        assert list(msg.velocity) == pytest.approx(expected.velocity, abs=1e-12)
        assert list(msg.effort) == pytest.approx(expected.effort, abs=1e-12)


def test_imu_follows_the_motion_model(heard):
    for msg in heard["/imu/data"]:
        expected = motion.imu(stamp_seconds(msg.header.stamp))
        o = msg.orientation
        assert [o.x, o.y, o.z, o.w] == pytest.approx(expected.orientation, abs=1e-12)
        a = msg.linear_acceleration
        assert [a.x, a.y, a.z] == pytest.approx(expected.linear_acceleration, abs=1e-12)
        assert list(msg.orientation_covariance) == motion.IMU_COVARIANCE


def test_camera_info_carries_the_intrinsics(heard):
    msg = heard["/camera/color/camera_info"][-1]
    assert (msg.width, msg.height) == (motion.CAMERA_WIDTH, motion.CAMERA_HEIGHT)
    assert list(msg.k) == motion.CAMERA_K
    assert msg.header.frame_id == motion.CAMERA_FRAME_ID


def test_tf_has_one_transform_per_link_following_the_model(heard):
    for msg in heard["/tf"]:
        assert [tf.child_frame_id for tf in msg.transforms] == list(motion.LINK_FRAMES[1:])
        for index, tf in enumerate(msg.transforms, start=1):
            _, rotation = motion.link_transform(stamp_seconds(tf.header.stamp), index)
            r = tf.transform.rotation
            assert [r.x, r.y, r.z, r.w] == pytest.approx(rotation, abs=1e-12)


def test_tf_static_camera_mount_is_latched(heard):
    assert len(heard["/tf_static"]) == 1
    (mount,) = heard["/tf_static"][0].transforms
    assert (mount.header.frame_id, mount.child_frame_id) == (motion.CAMERA_PARENT,
                                                             motion.CAMERA_FRAME)


def test_motion_model_velocity_is_the_derivative_of_position():
    t, h = 1.234, 1e-6
    numeric = [(b - a) / (2 * h) for a, b in zip(motion.joints(t - h).position,
                                                 motion.joints(t + h).position)]
    assert numeric == pytest.approx(motion.joints(t).velocity, rel=1e-6)
    assert not math.isclose(motion.joints(0.0).position[0], motion.joints(1.0).position[0])


def _header(msg):
    return msg.transforms[0].header if isinstance(msg, TFMessage) else msg.header
