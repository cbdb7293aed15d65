#!/usr/bin/env bash
# Set up if needed, then run the whole test suite (slow soak tests excluded; see benchmarks/).
# With no arguments, each ROS 2 distribution in ML_DASH_ROS_DISTROS (default "kilted jazzy") is
# tested in its own venv: the whole suite on Kilted, the ROS tests (test/ros) again on the others.
# Extra arguments go to pytest in one venv (ML_DASH_ROS_DISTRO, default kilted), e.g.
# scripts/test.sh test/tracks -x, or ML_DASH_ROS_DISTRO=jazzy scripts/test.sh test/ros
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -gt 0 ] || [ -n "${ML_DASH_ROS_DISTRO:-}" ]; then
  source "$here/venv_env.sh"
  exec "$venv/bin/python" -m pytest "$@"
fi
for distro in ${ML_DASH_ROS_DISTROS:-kilted jazzy}; do
  if [ "$distro" = kilted ]; then
    ML_DASH_ROS_DISTRO=kilted "$here/test.sh"
  else
    echo "[test] the ROS tests again, on ROS 2 $distro (.venv-$distro)"
    (unset VENV; ML_DASH_ROS_DISTRO=$distro "$here/test.sh" test/ros)
  fi
done
