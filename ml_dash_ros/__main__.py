"""``python -m ml_dash_ros``: the ml-dash-ros command line."""

import sys

from ml_dash_ros.cli import main

if __name__ == "__main__":
    sys.exit(main())
