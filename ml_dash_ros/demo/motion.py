"""Deterministic motion of the built-in demo robot: every value is a function of the stamp.

Tests and the recorder's end-to-end checks compute the expected value of any message from its
``header.stamp`` with these functions, so they live here, free of rclpy.
"""

from __future__ import annotations

import math
from typing import NamedTuple

JOINT_NAMES = tuple(f"joint{i}" for i in range(1, 8))
LINK_FRAMES = ("base_link",) + tuple(f"link{i}" for i in range(1, 8))
CAMERA_PARENT = "link7"
CAMERA_FRAME = "camera_link"
CAMERA_FRAME_ID = "camera_color_optical_frame"

# Joint i moves as AMPLITUDE[i] * sin(2 pi FREQUENCY[i] t + PHASE[i]).
AMPLITUDE = (0.8, 0.6, 0.5, 0.9, 0.4, 0.7, 1.0)
FREQUENCY = (0.10, 0.15, 0.20, 0.25, 0.30, 0.35, 0.40)
PHASE = tuple(0.3 * i for i in range(7))
STIFFNESS = (40.0, 35.0, 30.0, 25.0, 20.0, 15.0, 10.0)
LINK_LENGTH = 0.1
GRAVITY = 9.81


class JointSample(NamedTuple):
    """Positions, velocities and efforts of the seven joints at one instant."""

    position: list[float]
    velocity: list[float]
    effort: list[float]


class ImuSample(NamedTuple):
    """Orientation (x, y, z, w), angular velocity and linear acceleration at one instant."""

    orientation: list[float]
    angular_velocity: list[float]
    linear_acceleration: list[float]


def joints(t: float) -> JointSample:
    """Return the joint state at time ``t`` seconds."""
    pos, vel, eff = [], [], []
    for a, f, p, k in zip(AMPLITUDE, FREQUENCY, PHASE, STIFFNESS):
        w = 2.0 * math.pi * f
        q = a * math.sin(w * t + p)
        pos.append(q)
        vel.append(a * w * math.cos(w * t + p))
        eff.append(k * q)
    return JointSample(pos, vel, eff)


def base_yaw(t: float) -> float:
    """Return the base's yaw angle in radians at time ``t``: a slow sway."""
    return 0.2 * math.sin(2.0 * math.pi * 0.05 * t)


def imu(t: float) -> ImuSample:
    """Return the IMU reading at time ``t``: a base swaying about z under gravity."""
    yaw = base_yaw(t)
    w = 2.0 * math.pi * 0.05
    yaw_rate = 0.2 * w * math.cos(w * t)
    yaw_acc = -0.2 * w * w * math.sin(w * t)
    return ImuSample(
        [0.0, 0.0, math.sin(yaw / 2.0), math.cos(yaw / 2.0)],
        [0.0, 0.0, yaw_rate],
        [yaw_acc, 0.0, GRAVITY],
    )


def link_transform(t: float, index: int) -> tuple[list[float], list[float]]:
    """Return (translation xyz, rotation xyzw) of link ``index`` (1..7) in its parent's frame."""
    q = joints(t).position[index - 1]
    return [0.0, 0.0, LINK_LENGTH], [0.0, 0.0, math.sin(q / 2.0), math.cos(q / 2.0)]


CAMERA_MOUNT = ([0.05, 0.0, 0.04], [0.0, 0.0, 0.0, 1.0])
CAMERA_WIDTH, CAMERA_HEIGHT = 640, 480
CAMERA_K = [615.0, 0.0, 320.0, 0.0, 615.0, 240.0, 0.0, 0.0, 1.0]
CAMERA_D = [0.1, -0.05, 0.001, 0.0005, 0.0]
CAMERA_R = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]
CAMERA_P = [615.0, 0.0, 320.0, 0.0, 0.0, 615.0, 240.0, 0.0, 0.0, 0.0, 1.0, 0.0]
IMU_COVARIANCE = [0.01, 0.0, 0.0, 0.0, 0.01, 0.0, 0.0, 0.0, 0.01]
