#!/usr/bin/env bash
# Set up if needed, then run the whole test suite (slow soak tests excluded; see benchmarks/).
# Extra arguments go to pytest, e.g. scripts/test.sh test/tracks -x
set -euo pipefail
source "$(dirname "$0")/venv_env.sh"
exec "$venv/bin/python" -m pytest "$@"
