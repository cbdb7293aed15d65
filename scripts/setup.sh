#!/usr/bin/env bash
# Set up (or bring up to date) the project's virtual environment: ROS 2 wheels, the
# generated interfaces, the data libraries, the test tools and ml_dash_ros itself.
# Idempotent: each step is skipped while its inputs are unchanged (stamps in $VENV/.stamps).
# ML_DASH_ROS_DISTRO=kilted (default, venv .venv) or jazzy (venv .venv-jazzy) picks the ROS 2
# wheels; VENV overrides the location.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/distro.sh"
python=${PYTHON:-python3.11}
stamps="$venv/.stamps"

step() { echo "[setup] $*"; }
fail() { echo "[setup] FAILED: $1" >&2; echo "[setup] what to do: $2" >&2; exit 1; }
digest() { cat "$@" | sha256sum | cut -c1-16; }
fresh() { [ -f "$stamps/$1" ] && [ "$(cat "$stamps/$1")" = "$2" ]; }
mark() { mkdir -p "$stamps"; echo "$2" >"$stamps/$1"; }

command -v "$python" >/dev/null || python=python3
"$python" -c 'import sys; assert sys.version_info >= (3, 10)' 2>/dev/null \
  || fail "python 3.10+ not found as $python" "install python3.11 (apt-get install python3.11-venv) or set PYTHON"

if [ ! -x "$venv/bin/python" ]; then
  step "creating virtual environment $venv"
  "$python" -m venv "$venv" || fail "creating $venv" "apt-get install python3-venv, or set VENV to a writable path"
fi
# One venv holds one distribution's wheels (a venv from before this stamp is a Kilted one).
built_for=$distro
[ -f "$stamps/requirements" ] && built_for=kilted
[ -f "$stamps/distro" ] && built_for=$(cat "$stamps/distro")
[ "$built_for" = "$distro" ] || fail "$venv holds ROS 2 $built_for, not $distro" \
  "set VENV to another directory for $distro (default .venv-$distro), or remove $venv"
mark distro "$distro"
pip=("$venv/bin/python" -m pip install -q --disable-pip-version-check)
# A venv's python re-executes itself once with the wheels' library path; never inherit another's.
unset _ROS_WHEELS_BOOTSTRAP_COMPLETE

reqs=("$ros_requirements" "$repo/requirements/runtime.txt" "$repo/requirements/dev.txt")
key=$(digest "${reqs[@]}" "$constraints")
if ! fresh requirements "$key"; then
  step "installing pinned packages (ROS 2 $distro wheels, pyarrow, test tools)"
  "${pip[@]}" -c "$constraints" -r "${reqs[0]}" -r "${reqs[1]}" -r "${reqs[2]}" \
    2> >(grep -v "is ignored: it is neither" >&2) \
    || fail "pip install of requirements/*.txt" "check the package index is reachable; see the pip error above"
  mark requirements "$key"
fi

# Lets ament_index_python (launch files, config lookup) find packages installed into the venv.
site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo 'import os, sys; os.environ.setdefault("AMENT_PREFIX_PATH", sys.prefix)' >"$site/ml_dash_ros_ament.pth"

key=$(digest "$stamps/requirements" $(find "$repo/interfaces" -type f | sort))
if ! fresh interfaces "$key"; then
  step "generating interfaces without wheels (tf2_msgs) with rosidl"
  "$repo/scripts/gen_interfaces.sh" "$venv" \
    || fail "generating interfaces/ (tf2_msgs)" "needs cmake, make and gcc: apt-get install cmake build-essential"
  mark interfaces "$key"
fi

key=$(digest "$stamps/interfaces" "$repo/setup.py" "$repo/setup.cfg" "$repo/package.xml" \
  $(ls "$repo"/launch/* "$repo"/config/* 2>/dev/null | sort))
if ! fresh package "$key"; then
  step "installing ml_dash_ros (editable) with its launch and config files"
  "${pip[@]}" --no-deps --no-build-isolation -e "$repo" >/dev/null \
    || fail "pip install -e $repo" "see the pip error above"
  mark package "$key"
fi

# An editable install skips data_files: link them into the venv the way
# `colcon build --symlink-install` does, so launch and config edits are live.
share="$venv/share/ml_dash_ros"
mkdir -p "$share" "$venv/share/ament_index/resource_index/packages"
ln -sfn "$repo/resource/ml_dash_ros" "$venv/share/ament_index/resource_index/packages/ml_dash_ros"
for item in package.xml launch config; do ln -sfn "$repo/$item" "$share/$item"; done
# Console scripts: lib/ml_dash_ros is where `ros2 run` looks (setup.cfg); bin/ is the venv's PATH.
for exe in "$venv"/lib/ml_dash_ros/*; do [ -e "$exe" ] && ln -sfn "$exe" "$venv/bin/$(basename "$exe")"; done
step "ready: $venv"
