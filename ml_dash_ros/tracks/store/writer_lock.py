"""The per-topic (and per-prefix) writer lock: one writer at a time, dropped if it dies."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Optional

from ml_dash_ros.errors import StoreError, TopicBusyError
from ml_dash_ros.tracks.store.contract import WRITER_LOCK, os_fault


class WriterLock:
    """An exclusive flock on ``topic=…/.writer.lock``; the kernel drops it if we die."""

    def __init__(self, directory: Path, topic: str, prefix: str,
                 busy: type = TopicBusyError) -> None:
        """Take the lock or raise ``busy`` naming the topic, prefix and lock file."""
        self.path = directory / WRITER_LOCK
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self._fd: Optional[int] = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise StoreError(f"cannot create {self.path}: {os_fault(err)}") from err
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            self._fd = None
            what = f"track {topic!r} of prefix {prefix!r}" if topic else f"prefix {prefix!r}"
            raise busy(
                f"{what} is being written by another writer (lock held on {self.path}); use "
                f"another {'topic or ' if topic else ''}prefix, or stop that writer") from None

    def release(self) -> None:
        """Release the lock (idempotent)."""
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None
