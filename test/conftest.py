"""Test-wide settings: a private ROS domain per run, and the `slow` marker."""

import os

# Each test run gets its own DDS domain on localhost, so parallel runs never hear each other.
os.environ.setdefault("ROS_DOMAIN_ID", str(1 + os.getpid() % 100))
os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"
os.environ.setdefault("RCUTILS_COLORIZED_OUTPUT", "0")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long soak tests; run by the benchmarks, not CI")
    config.addinivalue_line("markers", "ros: needs rclpy and a DDS graph")
