"""Bags shaped like real robots' recordings: zero-stamped static TF, Twist without a header,
two JointState publishers on one topic. Written with rosbags, imported, then read and aligned.
"""

import numpy as np
import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.mapping import load_config
from ml_dash_ros.tools.bag_import import import_bag

from test.tools import bags

T = bags.T
ARM = [f"panda_joint{i}" for i in range(1, 8)]
FINGERS = ["panda_finger_joint1", "panda_finger_joint2"]
MAPPING = """\
experiment: {{prefix: real/robot, dash_root: {dash_root}}}
topics:
  - {{topic: /joint_states, track: robot, fields: {{name: name, position: q}}}}
  - {{topic: /tf, track: "tf/{{child_frame_id}}"}}
  - {{topic: /tf_static, track: "tf_static/{{child_frame_id}}"}}
  - {{topic: /cmd_vel, track: cmd_vel}}
"""
SECONDS = 2.0


def joints(stamp, names, value):
    """Return a JointState of the given joints, every position equal to value."""
    return T["sensor_msgs/msg/JointState"](
        header=bags.header(stamp), name=list(names), position=np.full(len(names), float(value)),
        velocity=np.array([], dtype=np.float64), effort=np.array([], dtype=np.float64))


def twist(x):
    """Return a geometry_msgs/Twist (no header)."""
    vec = T["geometry_msgs/msg/Vector3"]
    return T["geometry_msgs/msg/Twist"](linear=vec(x=x, y=0.0, z=0.0),
                                        angular=vec(x=0.0, y=0.0, z=0.1))


def robot_messages():
    """Return the messages of a 2 s run: arm 100 Hz, gripper 50 Hz (offset), TF, cmd_vel."""
    out = [("/tf_static", "tf2_msgs/msg/TFMessage", int(bags.T0 * 1e9), bags.tf_message(
        bags.transform(0.0, "panda_link8", "panda_hand", 0.1),
        bags.transform(0.0, "base_link", "camera_link", 0.2)))]
    for k in range(int(SECONDS * 100)):
        t = bags.T0 + 0.5 + k * 0.01
        ns = int(round(t * 1e9))
        out.append(("/joint_states", "sensor_msgs/msg/JointState", ns, joints(t, ARM, k)))
        if k % 2 == 1:
            out.append(("/joint_states", "sensor_msgs/msg/JointState", ns + 3_000_000,
                        joints(t + 0.003, FINGERS, -k)))
        if k % 10 == 0:
            out.append(("/tf", "tf2_msgs/msg/TFMessage", ns + 1000, bags.tf_message(
                bags.transform(t, "odom", "base_link", 0.01 * k))))
            out.append(("/cmd_vel", "geometry_msgs/msg/Twist", ns + 2000, twist(0.001 * k)))
    out.sort(key=lambda item: item[2])
    return out


@pytest.fixture(scope="module")
def exp(tmp_path_factory):
    """Import the robot bag; return its Experiment."""
    root = tmp_path_factory.mktemp("real")
    mapping = root / "map.yaml"
    mapping.write_text(MAPPING.format(dash_root=root / "dash"))
    bag = bags.write_bag(root / "bag", "mcap", messages=robot_messages())
    import_bag(bag, load_config(mapping))
    return Experiment("real/robot-001", dash_root=root / "dash")


def test_zero_stamped_static_transforms_are_kept_at_zero(exp):
    rows = exp.tracks("tf_static/camera_link").read()["entries"]
    assert [(r["_ts"], r["parent"], r["translation"][0]) for r in rows] == [
        (0.0, "base_link", 0.2)]


def test_a_static_track_aligns_as_a_constant_over_the_whole_range(exp):
    table = exp.tracks.align(["tf/base_link", "tf_static/camera_link"], hz=10, tolerance=0.05)
    assert table.num_rows == 20
    assert table.column("tf_static/camera_link/translation").to_pylist() == [[0.2, 0.0, 0.5]] * 20
    assert table.column("tf_static/camera_link/_ts").to_pylist() == [0.0] * 20


@pytest.mark.parametrize("method", ["asof", "nearest", "linear"])
def test_every_align_method_keeps_a_static_track(exp, method):
    table = exp.tracks.align(["tf/base_link", "tf_static/panda_hand"], hz=10, method=method)
    assert table.column("tf_static/panda_hand/parent").to_pylist() == ["panda_link8"] * 20


def test_a_twist_without_header_is_recorded_at_its_receive_time(exp):
    rows = exp.tracks("cmd_vel").read()["entries"]
    assert len(rows) == 20
    assert all(r["_ts"] == r["_recv_ts"] for r in rows)
    assert rows[3]["linear.x"] == pytest.approx(0.03)


def test_two_joint_state_publishers_align_into_full_per_joint_columns(exp):
    table = exp.tracks.align(["robot"], hz=50, tolerance=0.03)
    names = [f"robot/q.{j}" for j in ARM + FINGERS]
    matrix = np.stack([table.column(n).to_numpy(zero_copy_only=False) for n in names], axis=1)
    assert matrix.shape == (table.num_rows, 9)
    assert not np.isnan(matrix[1:]).any()       # the first tick is before the first finger


def test_per_joint_columns_come_from_their_own_publisher(exp):
    table = exp.tracks.align(["robot"], hz=50, tolerance=0.03)
    ticks = table.column("_ts").to_numpy() - (bags.T0 + 0.5)
    arm = table.column("robot/q.panda_joint1").to_numpy()
    finger = table.column("robot/q.panda_finger_joint1").to_numpy()
    assert np.array_equal(arm, np.round(ticks * 100))
    assert np.array_equal(finger[1:], -(np.round(ticks * 100)[1:] - 1))
