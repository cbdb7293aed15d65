"""Test-wide settings: a private ROS domain per run, and the `slow` marker."""

import contextlib
import os

import pytest

# Each test run gets its own DDS domain on localhost, so parallel runs never hear each other.
os.environ.setdefault("ROS_DOMAIN_ID", str(1 + os.getpid() % 100))
os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"
os.environ.setdefault("RCUTILS_COLORIZED_OUTPUT", "0")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long soak tests; run by the benchmarks, not CI")
    config.addinivalue_line("markers", "ros: needs rclpy and a DDS graph")
    config.addinivalue_line("markers", "lerobot: loads an export with the lerobot package "
                                       "(skipped where it is not installed)")


@pytest.fixture
def small_disk(tmp_path):
    """Return a directory on a real 4 MiB tmpfs (a disk that can fill up); unmounted after."""
    with mounted_small_disk(tmp_path / "disk") as mount:
        yield mount


@contextlib.contextmanager
def mounted_small_disk(mount, size: str = "4m"):
    """Mount a real tmpfs of ``size`` on the new directory ``mount``; skip where not root."""
    import subprocess
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {result.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def fill_disk(directory) -> str:
    """Fill the filesystem of ``directory`` with one file; return its path (delete to free)."""
    filler = os.path.join(directory, "filler")
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for block in (65536, 512, 1):
            try:
                while True:
                    os.write(fd, b"\0" * block)
            except OSError:
                pass
    finally:
        os.close(fd)
    return filler
