"""QoS for recorder subscriptions: presets, explicit settings, adaptation to publishers.

Like rosbag2 and ``ros2 topic echo``: without an explicit choice, a subscription offers the
strongest QoS every current publisher is compatible with (reliable only if all publishers are
reliable, transient_local only if all are), with a deep queue so bursts are not lost.
"""

from __future__ import annotations

from rclpy.qos import (DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy,
                       qos_profile_sensor_data)

DEFAULT_DEPTH = 10000
_RELIABILITY = {"reliable": ReliabilityPolicy.RELIABLE,
                "best_effort": ReliabilityPolicy.BEST_EFFORT}
_DURABILITY = {"volatile": DurabilityPolicy.VOLATILE,
               "transient_local": DurabilityPolicy.TRANSIENT_LOCAL}
_HISTORY = {"keep_last": HistoryPolicy.KEEP_LAST, "keep_all": HistoryPolicy.KEEP_ALL}


def preset_profile(preset: str, depth: int = DEFAULT_DEPTH) -> QoSProfile:
    """Return the profile of a named preset (validated earlier by the mapping loader)."""
    if preset == "sensor_data":
        profile = QoSProfile(depth=depth, reliability=qos_profile_sensor_data.reliability,
                             durability=qos_profile_sensor_data.durability)
    elif preset == "transient_local":
        profile = QoSProfile(depth=depth, reliability=ReliabilityPolicy.RELIABLE,
                             durability=DurabilityPolicy.TRANSIENT_LOCAL)
    elif preset == "reliable":
        profile = QoSProfile(depth=depth, reliability=ReliabilityPolicy.RELIABLE)
    elif preset == "system_default":
        profile = QoSProfile(depth=depth, reliability=ReliabilityPolicy.SYSTEM_DEFAULT,
                             durability=DurabilityPolicy.SYSTEM_DEFAULT)
    else:
        raise ValueError(f"unknown QoS preset {preset!r}")
    return profile


def configured_profile(qos) -> QoSProfile:
    """Turn a mapping ``QosConfig`` (preset or explicit fields) into a QoSProfile."""
    depth = qos.depth or DEFAULT_DEPTH
    profile = preset_profile(qos.preset, depth) if qos.preset else QoSProfile(depth=depth)
    if qos.reliability:
        profile.reliability = _RELIABILITY[qos.reliability]
    if qos.durability:
        profile.durability = _DURABILITY[qos.durability]
    if qos.history:
        profile.history = _HISTORY[qos.history]
    return profile


def adapted_profile(offered: list[QoSProfile], *, latched: bool = False) -> tuple[QoSProfile, str]:
    """Return the profile matching what publishers offer, and a note when it had to fall back.

    ``latched`` topics (``/tf_static``) ask for transient_local when no publisher is known yet.
    """
    profile = QoSProfile(depth=DEFAULT_DEPTH, reliability=ReliabilityPolicy.RELIABLE,
                         durability=DurabilityPolicy.VOLATILE)
    if not offered:
        if latched:
            profile.durability = DurabilityPolicy.TRANSIENT_LOCAL
        return profile, ""
    notes = []
    if any(p.reliability == ReliabilityPolicy.BEST_EFFORT for p in offered):
        profile.reliability = ReliabilityPolicy.BEST_EFFORT
        notes.append("best_effort (a publisher is best effort; messages may be lost)")
    durable = [p.durability == DurabilityPolicy.TRANSIENT_LOCAL for p in offered]
    if all(durable):
        profile.durability = DurabilityPolicy.TRANSIENT_LOCAL
    elif any(durable) or latched:
        notes.append("volatile (not every publisher is transient_local; late-joining "
                     "misses latched messages of the others)")
    return profile, "; ".join(notes)


def describe(profile: QoSProfile) -> str:
    """Return a short human description such as 'reliable/transient_local depth 1000'."""
    return (f"{profile.reliability.name.lower()}/{profile.durability.name.lower()} "
            f"depth {profile.depth}")
