#!/usr/bin/env bash
# Generate ROS interface packages that have no PyPI wheel (tf2_msgs) into the venv, with the
# rosidl generators that are on PyPI. Usage: gen_interfaces.sh VENV
set -euo pipefail
venv=$(cd "$1" && pwd)
repo=$(cd "$(dirname "$0")/.." && pwd)
py="$venv/bin/python"
for pkg in "$repo"/interfaces/*/; do
  name=$(basename "$pkg")
  build=$(mktemp -d)
  trap 'rm -rf "$build"' EXIT
  echo "  generating $name -> $venv"
  export CMAKE_PREFIX_PATH="$venv" AMENT_PREFIX_PATH="$venv"
  if ! cmake -S "$pkg" -B "$build" -DCMAKE_INSTALL_PREFIX="$venv" -DPython3_EXECUTABLE="$py" \
      -DBUILD_TESTING=OFF >"$build/configure.log" 2>&1; then
    tail -n 30 "$build/configure.log" >&2
    echo "cmake configure of $name failed (log above)" >&2; exit 1
  fi
  if ! cmake --build "$build" -j "$(nproc)" >"$build/build.log" 2>&1 \
      || ! cmake --install "$build" >"$build/install.log" 2>&1; then
    tail -n 30 "$build"/*.log >&2
    echo "building $name failed (log above)" >&2; exit 1
  fi
  rm -rf "$build"; trap - EXIT
done
