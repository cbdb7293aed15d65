# Sourced by setup.sh and venv_env.sh: the ROS 2 distribution a venv is built for.
# ML_DASH_ROS_DISTRO selects it (kilted, the default, or jazzy); VENV overrides the location.
# Sets: distro, venv, ros_requirements, constraints.
repo=${repo:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
distro=${ML_DASH_ROS_DISTRO:-kilted}
case "$distro" in
  kilted) ros_requirements="$repo/requirements/ros.txt"
          constraints="$repo/requirements/constraints.txt"
          venv=${VENV:-$repo/.venv} ;;
  jazzy)  ros_requirements="$repo/requirements/ros-jazzy.txt"
          constraints="$repo/requirements/constraints-jazzy.txt"
          venv=${VENV:-$repo/.venv-jazzy} ;;
  *) echo "[setup] FAILED: ML_DASH_ROS_DISTRO=$distro has no wheels on PyPI" >&2
     echo "[setup] what to do: use kilted or jazzy (README: ROS 2 distributions)" >&2
     exit 1 ;;
esac
