"""Liveness of a "running" recording: real writers, killed with SIGKILL, reused pids, locks."""

import fcntl
import json
import os
import signal
import socket
import subprocess
import sys

import pytest

from ml_dash_ros.tracks.store import liveness
from ml_dash_ros.tracks.store.liveness import INTERRUPTED, RUNNING, UNCHECKED, writer_state

from test.helpers import WAITING_WRITER

from .conftest import start_py


@pytest.fixture
def writer(dash_root):
    """Start a process that records into prefix 'p' and waits; kill it afterwards."""
    proc = start_py(WAITING_WRITER, dash_root, "p")
    assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
    yield proc
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait()


def status_of(dash_root):
    return json.loads((dash_root / "p" / "experiment.json").read_text())


def test_a_live_writer_is_running(dash_root, writer):
    assert writer_state(dash_root / "p", status_of(dash_root)) == RUNNING


def test_a_writer_killed_with_sigkill_is_interrupted(dash_root, writer):
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    doc = status_of(dash_root)
    assert doc["status"] == "running"  # nothing repaired the file
    assert writer_state(dash_root / "p", doc) == INTERRUPTED


def test_the_writer_stores_its_pid_start_time(dash_root, writer):
    assert status_of(dash_root)["pid_start"] == liveness.process_start(writer.pid)


def test_a_reused_pid_is_interrupted(dash_root, writer):
    doc = dict(status_of(dash_root), pid_start=status_of(dash_root)["pid_start"] - 1)
    assert writer_state(dash_root / "p", doc) == INTERRUPTED


def test_another_boot_is_interrupted(dash_root, writer):
    doc = dict(status_of(dash_root), boot_id="0000-not-this-boot")
    assert writer_state(dash_root / "p", doc) == INTERRUPTED


def test_a_writer_on_another_host_is_not_checked(dash_root, writer):
    doc = dict(status_of(dash_root), host=socket.gethostname() + "-elsewhere")
    assert writer_state(dash_root / "p", doc) == UNCHECKED


def test_another_host_is_described_as_not_checked():
    doc = {"status": "running", "host": "robot-7"}
    assert liveness.describe(doc, UNCHECKED) == "running on robot-7 (not checked)"


def test_a_held_prefix_lock_is_running_whatever_the_pid(tmp_path):
    lock = tmp_path / liveness.LOCK_NAME
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR | "
         "os.O_CREAT); fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); "
         "sys.stdin.read()", str(lock)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        doc = {"status": "running", "host": socket.gethostname(), "pid": 2 ** 22 + 1}
        assert writer_state(tmp_path, doc) == RUNNING
    finally:
        holder.kill()
        holder.wait()


def test_checking_the_lock_leaves_it_free(tmp_path):
    lock = tmp_path / liveness.LOCK_NAME
    lock.touch()
    liveness.lock_held(lock)
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises if the check kept it
    finally:
        os.close(fd)


@pytest.mark.parametrize("status", ["completed", "failed"])
def test_a_finished_status_is_kept(tmp_path, status):
    assert writer_state(tmp_path, {"status": status, "pid": 1}) == status


@pytest.mark.parametrize("doc", [{}, {"status": 5}, [], "running", None])
def test_a_missing_or_odd_status_is_unknown(tmp_path, doc):
    assert writer_state(tmp_path, doc) == liveness.UNKNOWN
