"""Is the writer of a "running" recording still alive? One answer for ``ls``, ``info`` and tools.

``experiment.json`` says "running" from open to close; a writer killed with SIGKILL never
rewrites it. The writer stores who it is (host, pid, the pid's start time and the boot id,
``writer_identity``); ``writer_state`` compares that with this machine: a prefix writer lock
(``.writer.lock`` in the prefix directory) held by someone means running; a pid that does
not exist, or that now belongs to another process (a different start time or boot), means
interrupted; a writer on another host cannot be checked from here.
"""

from __future__ import annotations

import fcntl
import os
import socket
from ml_dash_ros.tracks.store.contract import WRITER_LOCK
from pathlib import Path
from typing import Any, Optional

RUNNING = "running"
INTERRUPTED = "interrupted"
UNCHECKED = "unchecked"          # "running" on another host: nothing to check it against
UNKNOWN = "unknown"              # no status, or not a string
LOCK_NAME = WRITER_LOCK
_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def _read_boot_id() -> Optional[str]:
    try:
        return _BOOT_ID.read_text(encoding="ascii").strip() or None
    except OSError:
        return None


def process_start(pid: int) -> Optional[int]:
    """Return a process's start time in clock ticks after boot (/proc), or None if unknown."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    fields = raw[raw.rfind(b")") + 2:].split()  # the name in parentheses may hold spaces
    try:
        return int(fields[19])  # field 22 of proc(5); fields[0] is field 3
    except (IndexError, ValueError):
        return None


def writer_identity() -> dict:
    """Return what a writer stores about itself: host, pid, pid_start, boot_id."""
    pid = os.getpid()
    return {"pid": pid, "host": socket.gethostname(), "pid_start": process_start(pid),
            "boot_id": _read_boot_id()}


def lock_held(path: Path) -> Optional[bool]:
    """Tell whether another open file holds a flock on ``path`` (None: no such lock file)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return None
    finally:
        os.close(fd)  # closing drops a lock we took
    return False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


def _same_process(doc: dict, pid: int) -> Optional[bool]:
    """Compare the stored boot id and start time with the live pid (None: nothing to compare)."""
    boot = doc.get("boot_id")
    if isinstance(boot, str) and boot and _read_boot_id() not in (None, boot):
        return False
    start = doc.get("pid_start")
    if not isinstance(start, int) or isinstance(start, bool):
        return None
    now = process_start(pid)
    return None if now is None else now == start


def writer_state(prefix_dir: Path, status_doc: Any) -> str:
    """Return the state of a recording: its stored status, or for "running" one of
    ``running``, ``interrupted`` (the writer is gone) or ``unchecked`` (another host)."""
    status = status_doc.get("status") if isinstance(status_doc, dict) else None
    if not isinstance(status, str) or not status:
        return UNKNOWN
    if status != RUNNING:
        return status
    host = status_doc.get("host")
    if host != socket.gethostname():
        return UNCHECKED
    held = lock_held(Path(prefix_dir) / LOCK_NAME)
    if held:
        return RUNNING
    pid = status_doc.get("pid")
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return INTERRUPTED if held is False else UNCHECKED
    if not _pid_alive(pid):
        return INTERRUPTED
    same = _same_process(status_doc, pid)
    if same is False or (same is None and held is False):
        return INTERRUPTED
    return RUNNING


def describe(status_doc: Any, state: str) -> str:
    """Return the state as shown to a user: ``running on HOST (not checked)`` for UNCHECKED."""
    if state == UNCHECKED:
        host = status_doc.get("host") if isinstance(status_doc, dict) else None
        return f"running on {host} (not checked)" if isinstance(host, str) and host \
            else "running (writer not checked)"
    return state
