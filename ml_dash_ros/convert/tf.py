"""tf2_msgs/msg/TFMessage: one entry per transform, at the transform's own stamp."""

from __future__ import annotations

from typing import Any

from ml_dash_ros.convert.base import Entry, stamp_seconds, xyz, xyzw


def convert(msg: Any) -> list[Entry]:
    """Return an entry per transform: parent, child, translation xyz, rotation xyzw."""
    entries = []
    for tf in msg.transforms:
        header, transform = tf.header, tf.transform
        entries.append(Entry(
            {"parent": header.frame_id, "child": tf.child_frame_id,
             "translation": xyz(transform.translation), "rotation": xyzw(transform.rotation)},
            stamp_seconds(header.stamp),
            {"frame_id": header.frame_id, "child_frame_id": tf.child_frame_id}))
    return entries
