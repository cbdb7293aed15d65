"""scripts/setup.sh builds one venv per ROS 2 distribution from pinned wheels."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REQUIREMENTS = REPO / "requirements"


def _pins(name: str) -> dict[str, str]:
    lines = (REQUIREMENTS / name).read_text().splitlines()
    return dict(line.split("==") for line in lines if line and not line.startswith("#"))


def _message_packages(name: str, prefix: str) -> set[str]:
    return {pkg[len(prefix):] for pkg in _pins(name) if pkg.endswith("-msgs")}


def _setup(tmp_path, distro: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("_ROS_WHEELS")}
    env.update(ML_DASH_ROS_DISTRO=distro, VENV=str(tmp_path / "venv"), PYTHON=sys.executable)
    return subprocess.run([str(REPO / "scripts/setup.sh")], env=env, capture_output=True,
                          text=True, timeout=60)


def test_unknown_distribution_is_refused_with_the_ones_that_exist(tmp_path):
    result = _setup(tmp_path, "humble")
    assert (result.returncode, result.stderr.splitlines()) == (1, [
        "[setup] FAILED: ML_DASH_ROS_DISTRO=humble has no wheels on PyPI",
        "[setup] what to do: use kilted or jazzy (README: ROS 2 distributions)"])


def test_a_venv_of_one_distribution_is_not_reused_for_another(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin/python").symlink_to(sys.executable)
    (venv / ".stamps").mkdir()
    (venv / ".stamps/distro").write_text("kilted\n")
    result = _setup(tmp_path, "jazzy")
    assert result.returncode == 1
    assert f"{venv} holds ROS 2 kilted, not jazzy" in result.stderr


def test_both_distributions_install_the_same_message_packages():
    assert _message_packages("ros-jazzy.txt", "ros-jazzy-") == \
        _message_packages("ros.txt", "ros-")


def test_jazzy_lock_pins_each_jazzy_requirement_at_its_version():
    lock = _pins("constraints-jazzy.txt")
    assert {name: lock.get(name) for name in _pins("ros-jazzy.txt")} == _pins("ros-jazzy.txt")


def test_jazzy_lock_holds_no_kilted_build():
    assert _pins("constraints-jazzy.txt")["ros-rclpy"] == "7.1.6"
