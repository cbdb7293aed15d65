"""Fixtures for the Track API tests: experiments on tmp_path and real child processes."""

import subprocess
import sys
import textwrap

import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.tracks import read_stats

from test.helpers import child_env


@pytest.fixture
def dash_root(tmp_path):
    """Return a fresh dash_root directory."""
    return tmp_path / "dash"


@pytest.fixture
def exp(dash_root):
    """Return an open Experiment that is closed after the test."""
    experiment = Experiment("alice/franka/test", dash_root=dash_root, flush_interval=60,
                            batch_size=1_000_000, max_buffer_rows=2_000_000).open()
    yield experiment
    experiment.close()


@pytest.fixture
def stats():
    """Return the module read_stats counters, reset."""
    read_stats.reset()
    return read_stats


def run_py(code, *args, timeout=60, check=True):
    """Run Python code in a child process; return the CompletedProcess."""
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, env=child_env())
    if check and proc.returncode != 0:
        raise AssertionError(f"child failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def start_py(code, *args):
    """Start Python code in a child process with pipes; return the Popen."""
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=child_env())
