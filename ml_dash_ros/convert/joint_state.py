"""sensor_msgs/msg/JointState: arrays plus one named column per joint.

``position``, ``velocity``, ``effort`` are kept as arrays (``q`` for a training loader), and
also as ``position.<joint_name>`` ... columns (for plotting and SQL). Named columns exist only
for arrays as long as ``name``; empty arrays stay empty lists.
"""

from __future__ import annotations

from typing import Any

from ml_dash_ros.convert.base import Entry, header_entry, numbers

ARRAYS = ("position", "velocity", "effort")


def convert(msg: Any) -> list[Entry]:
    """Return one entry with name, position, velocity, effort and named columns."""
    names = list(msg.name)
    fields: dict[str, Any] = {"name": names}
    for array in ARRAYS:
        values = numbers(getattr(msg, array))
        fields[array] = values
        if names and len(values) == len(names):
            for joint, value in zip(names, values):
                fields[f"{array}.{joint}"] = value
    return [header_entry(msg, fields)]
