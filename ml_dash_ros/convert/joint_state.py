"""sensor_msgs/msg/JointState: arrays plus one named column per joint.

``position``, ``velocity``, ``effort`` are kept as arrays (``q`` for a training loader), and
also as ``position.<joint_name>`` ... columns (for plotting and SQL). Named columns exist only
for arrays as long as ``name``; empty arrays stay empty lists.
"""

from __future__ import annotations

from typing import Any

from ml_dash_ros.convert.base import Entry, header_entry, numbers

ARRAYS = ("position", "velocity", "effort")
# Field names per shape (joint names, and which arrays are as long as them): a robot sends
# the same shape message after message, so an entry is one dict from one zip.
_KEYS: dict[tuple, tuple] = {}
_KEYS_LIMIT = 256


def convert(msg: Any) -> list[Entry]:
    """Return one entry with name, position, velocity, effort and named columns."""
    names = list(msg.name)
    position, velocity, effort = (numbers(msg.position), numbers(msg.velocity),
                                  numbers(msg.effort))
    n = len(names)
    shape = (tuple(names), n > 0 and len(position) == n, n > 0 and len(velocity) == n,
             n > 0 and len(effort) == n)
    keys = _KEYS.get(shape) or _keys(shape)
    values = [names, position]
    if shape[1]:
        values += position
    values.append(velocity)
    if shape[2]:
        values += velocity
    values.append(effort)
    if shape[3]:
        values += effort
    return [header_entry(msg, dict(zip(keys, values)))]


def _keys(shape: tuple) -> tuple:
    names, named = shape[0], shape[1:]
    keys = ["name"]
    for array, full in zip(ARRAYS, named):
        keys.append(array)
        if full:
            keys += [f"{array}.{joint}" for joint in names]
    if len(_KEYS) >= _KEYS_LIMIT:         # names that keep changing: stay bounded
        _KEYS.clear()
    _KEYS[shape] = tuple(keys)
    return _KEYS[shape]


def columns(msgs: list) -> tuple[tuple, list, Any] | None:
    """Return ``(keys, columns, stamps)`` of many messages at once, or None.

    The columns hold what ``convert`` gives message by message (same keys, same values), as
    numpy arrays (a 2-D array for each full array, one 1-D array per named column) and one
    list of joint names per message; ``stamps`` are the header stamps in seconds. Only for
    the common shape: every message with the same joint names and all three arrays as long as
    them. None otherwise; the caller then converts message by message.
    """
    import numpy as np

    name_lists = [list(msg.name) for msg in msgs]
    names = name_lists[0]
    n = len(names)
    if not n or any(other != names for other in name_lists):
        return None
    blocks = []
    for array in ARRAYS:
        rows = [getattr(msg, array) for msg in msgs]
        if any(len(row) != n for row in rows):
            return None
        blocks.append(np.array(rows, dtype=np.float64))
    shape = (tuple(names), True, True, True)
    keys = _KEYS.get(shape) or _keys(shape)
    cols: list = [name_lists]
    for block in blocks:
        cols.append(block)
        cols.extend(block[:, j] for j in range(n))
    secs = np.array([msg.header.stamp.sec for msg in msgs], dtype=np.float64)
    nanos = np.array([msg.header.stamp.nanosec for msg in msgs], dtype=np.float64)
    return keys, cols, secs + nanos * 1e-9
