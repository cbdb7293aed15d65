#!/usr/bin/env bash
# Set up if needed, then record the built-in demo robot for a few seconds and print the table.
# Extra arguments go to the demo, e.g. scripts/demo.sh --seconds 10
set -euo pipefail
source "$(dirname "$0")/venv_env.sh"
exec "$venv/bin/python" -m ml_dash_ros.demo.session "$@"
