"""Bags for the import tests, written with rosbags' own writers and typestore.

One scenario, ``scenario_messages()``: JointState (NaN efforts, empty velocity arrays, a zero
stamp), Imu (a zero stamp under header_or_receive), CameraInfo (mostly unchanged, on_change),
TF with out-of-order stamps, /tf_static, a custom type with a definition, a custom type without
one (raw bytes) and an unmapped topic.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np
from rosbags.rosbag2 import StoragePlugin, Writer
from rosbags.typesys import Stores, get_types_from_msg, get_typestore

STORE = get_typestore(Stores.ROS2_KILTED)
STORE.register(get_types_from_msg("std_msgs/Header header\nfloat64 value\nstring label",
                                  "custom_msgs/msg/Known"))
T = STORE.types
UNKNOWN = "custom_msgs/msg/Unknown"
UNKNOWN_BYTES = b"\x00\x01\x00\x00not-a-known-message"
T0 = 1_700_000_000  # seconds; log times start here
JOINTS = ["j0", "j1", "j2"]

MAPPING = """\
experiment: {{prefix: bag/import, dash_root: {dash_root}}}
buffer: {{flush_interval: 60, batch_size: 100000}}
topics:
  - {{topic: /joint_states, track: robot, fields: {{name: name, position: q, velocity: qd,
      effort: tau}}}}
  - {{topic: /imu/data, track: imu, stamp: header_or_receive}}
  - {{topic: /camera/color/camera_info, track: cam/color/info, on_change: true}}
  - {{topic: /tf, track: "tf/{{child_frame_id}}"}}
  - {{topic: /tf_static, track: "tf_static/{{child_frame_id}}"}}
  - {{topic: /known, track: known}}
  - {{topic: /custom, track: custom}}
"""


def time_msg(seconds: float):
    """Return a builtin_interfaces/Time."""
    sec = int(np.floor(seconds))
    return T["builtin_interfaces/msg/Time"](sec=sec, nanosec=int(round((seconds - sec) * 1e9)))


def header(seconds: float, frame: str = "base"):
    """Return a std_msgs/Header (seconds == 0 gives a zero stamp)."""
    return T["std_msgs/msg/Header"](stamp=time_msg(seconds), frame_id=frame)


def joint_state(stamp: float, i: int):
    """Return a JointState; every 7th has NaN efforts, every 5th an empty velocity."""
    position = np.array([0.1 * i, 0.2 * i, -0.3 * i])
    velocity = np.array([], dtype=np.float64) if i % 5 == 0 else np.array([1.0, 2.0, 3.0]) * i
    effort = np.array([np.nan, 0.5, np.nan]) if i % 7 == 0 else np.array([0.1, 0.2, 0.3])
    return T["sensor_msgs/msg/JointState"](header=header(stamp), name=list(JOINTS),
                                           position=position, velocity=velocity, effort=effort)


def imu(stamp: float, i: int):
    """Return an Imu."""
    vec = T["geometry_msgs/msg/Vector3"]
    return T["sensor_msgs/msg/Imu"](
        header=header(stamp, "imu_link"),
        orientation=T["geometry_msgs/msg/Quaternion"](x=0.0, y=0.0, z=0.0, w=1.0),
        orientation_covariance=np.zeros(9), angular_velocity=vec(x=0.01 * i, y=0.0, z=0.0),
        angular_velocity_covariance=np.zeros(9),
        linear_acceleration=vec(x=0.0, y=0.0, z=9.81),
        linear_acceleration_covariance=np.eye(3).reshape(-1))


def camera_info(stamp: float, width: int):
    """Return a CameraInfo of a given width."""
    return T["sensor_msgs/msg/CameraInfo"](
        header=header(stamp, "camera"), height=480, width=width, distortion_model="plumb_bob",
        d=np.array([0.1, 0.0, 0.0, 0.0, 0.0]), k=np.arange(9, dtype=np.float64),
        r=np.eye(3).reshape(-1), p=np.arange(12, dtype=np.float64), binning_x=0, binning_y=0,
        roi=T["sensor_msgs/msg/RegionOfInterest"](x_offset=0, y_offset=0, height=0, width=0,
                                                  do_rectify=False))


def transform(stamp: float, parent: str, child: str, x: float):
    """Return a TransformStamped."""
    return T["geometry_msgs/msg/TransformStamped"](
        header=header(stamp, parent), child_frame_id=child,
        transform=T["geometry_msgs/msg/Transform"](
            translation=T["geometry_msgs/msg/Vector3"](x=x, y=0.0, z=0.5),
            rotation=T["geometry_msgs/msg/Quaternion"](x=0.0, y=0.0, z=0.0, w=1.0)))


def tf_message(*transforms):
    """Return a TFMessage."""
    return T["tf2_msgs/msg/TFMessage"](transforms=list(transforms))


def known(stamp: float, i: int):
    """Return a custom message whose definition the bag carries."""
    return T["custom_msgs/msg/Known"](header=header(stamp), value=0.5 * i, label=f"n{i}")


def scenario_messages() -> list:
    """Return [(topic, msgtype, log time ns, message or raw bytes)] in log-time order."""
    out = []
    start = T0 + 0.5
    out.append(("/tf_static", "tf2_msgs/msg/TFMessage", int(T0 * 1e9),
                tf_message(transform(T0 + 0.25, "base", "camera", 0.1),
                           transform(T0 + 0.25, "base", "imu_link", 0.2))))
    tf_stamps = [start + 0.10, start + 0.05, start + 0.30, start + 0.20]   # out of order
    for i in range(40):
        log = start + i * 0.01
        ns = int(round(log * 1e9))
        js_stamp = 0.0 if i == 13 else log - 0.001
        out.append(("/joint_states", "sensor_msgs/msg/JointState", ns, joint_state(js_stamp, i)))
        if i % 2 == 0:
            imu_stamp = 0.0 if i == 6 else log - 0.002
            out.append(("/imu/data", "sensor_msgs/msg/Imu", ns + 1000, imu(imu_stamp, i)))
        if i % 4 == 0:
            out.append(("/camera/color/camera_info", "sensor_msgs/msg/CameraInfo", ns + 2000,
                        camera_info(log, 640 if i < 20 else 1280)))
        if i % 10 == 0:
            k = i // 10
            out.append(("/tf", "tf2_msgs/msg/TFMessage", ns + 3000, tf_message(
                transform(tf_stamps[k], "base", "tool0", 0.1 * k),
                transform(tf_stamps[k] + 0.001, "tool0", "gripper", 0.01 * k))))
        if i % 8 == 0:
            out.append(("/known", "custom_msgs/msg/Known", ns + 4000, known(log, i)))
        if i % 8 == 1:
            out.append(("/custom", UNKNOWN, ns + 5000, UNKNOWN_BYTES))
        if i % 13 == 0:
            out.append(("/chatter", "std_msgs/msg/String", ns + 6000,
                        T["std_msgs/msg/String"](data=f"hello {i}")))
    return out


def write_bag(path: Path, storage: str = "sqlite3", messages: list | None = None) -> Path:
    """Write the scenario (or given messages) as a rosbag2 bag; return its path."""
    plugin = StoragePlugin.SQLITE3 if storage == "sqlite3" else StoragePlugin.MCAP
    messages = scenario_messages() if messages is None else messages
    writer = Writer(path, version=9, storage_plugin=plugin)
    writer.open()
    connections = {}
    for topic, msgtype, ns, msg in messages:
        conn = connections.get(topic)
        if conn is None:
            if msgtype == UNKNOWN:  # no definition: the type cannot be decoded
                conn = writer.add_connection(topic, msgtype, msgdef="",
                                             rihs01="RIHS01_" + "0" * 64)
            else:
                conn = writer.add_connection(topic, msgtype, typestore=STORE)
            connections[topic] = conn
        data = msg if isinstance(msg, bytes) else STORE.serialize_cdr(msg, msgtype)
        writer.write(conn, ns, data)
    writer.close()
    return path


def bare_mcap(bag_dir: Path, target: Path) -> Path:
    """Copy the .mcap file out of an MCAP bag directory (no metadata.yaml beside it)."""
    source = next(bag_dir.glob("*.mcap"))
    shutil.copyfile(source, target)
    return target


def drop_definitions(bag_dir: Path, msgtype: str | None = None) -> None:
    """Delete stored message definitions from a sqlite3 bag (all, or of one type)."""
    db = next(bag_dir.glob("*.db3"))
    with sqlite3.connect(db) as conn:
        if msgtype is None:
            conn.execute("DELETE FROM message_definitions")
        else:
            conn.execute("DELETE FROM message_definitions WHERE topic_type = ?", (msgtype,))
