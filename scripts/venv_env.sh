# Sourced by demo.sh and test.sh: set up if needed, then enter the repository with the venv.
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$repo/scripts/setup.sh"
source "$repo/scripts/distro.sh"
cd "$repo"
# A venv's python re-executes itself with the ROS wheels' library path; never inherit another's.
unset _ROS_WHEELS_BOOTSTRAP_COMPLETE
