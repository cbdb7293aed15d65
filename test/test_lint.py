"""Code style like ament_flake8: the package, its tests, launch files and benchmarks."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_flake8_finds_no_problems():
    paths = [p for p in ("ml_dash_ros", "test", "launch", "benchmarks", "setup.py")
             if (REPO / p).exists()]
    result = subprocess.run([sys.executable, "-m", "flake8", *paths], cwd=REPO,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
