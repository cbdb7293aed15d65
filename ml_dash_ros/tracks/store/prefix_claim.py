"""Claim a prefix for one recorder: one recording is one recording.

A recorder takes an exclusive lock on ``{prefix}/.writer.lock`` for as long as it writes (the
kernel drops it if the process dies, and ``ls`` reads a held lock as "running"), and refuses a
prefix that already holds a recording unless asked to continue it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ml_dash_ros.errors import PrefixBusyError, RecordingExistsError
from ml_dash_ros.tracks.store import layout
from ml_dash_ros.tracks.store.contract import SPACE_RESERVE, STATUS_FILE, TRACKS_DIR
from ml_dash_ros.tracks.store.storage import storage_of
from ml_dash_ros.tracks.store.writer_lock import WriterLock


def holds_recording(path: Path) -> bool:
    """Tell whether a prefix directory holds a recording (a status file or any track).

    Asks the storage, so a recording already uploaded to an object store counts too.
    """
    storage, tracks = storage_of(path), path / TRACKS_DIR
    return STATUS_FILE in storage.list(path) or bool(storage.list(tracks)) \
        or bool(storage.list_dirs(tracks))


def claim_prefix(dash_root: Path, prefix: str, *, resume: bool = False) -> WriterLock:
    """Lock ``prefix`` for this process; return the lock (``release()`` it when done).

    Raises PrefixBusyError when another writer holds it, and RecordingExistsError when it
    already holds a recording and ``resume`` is false; nothing is written in either case
    beyond the lock file.
    """
    path = layout.prefix_dir(dash_root, prefix)
    lock = WriterLock(path, "", prefix, busy=PrefixBusyError)
    if holds_recording(path) and not resume:
        lock.release()
        raise RecordingExistsError(
            f"{path} already holds a recording ({_describe(path)}); choose another prefix, "
            "or continue it with -p continue_recording:=true (rows at the same _ts merge)")
    return lock


def _describe(path: Path) -> str:
    try:
        doc = json.loads((path / STATUS_FILE).read_text(encoding="utf-8"))
        return f"status {doc['status']}, started {doc['started_at']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "tracks on disk"


RESERVE_NAME = SPACE_RESERVE
RESERVE_BYTES = 1 << 20


class SpaceReserve:
    """A file of ``RESERVE_BYTES`` kept in the prefix while recording, freed at close.

    On a full disk, freeing it leaves room to mark the recording incomplete and write its
    counts. Best effort: a disk already too full for it simply has no reserve.
    """

    def __init__(self, directory: Path) -> None:
        """Write the reserve file (silently nothing if it does not fit)."""
        self.path: Path | None = directory / RESERVE_NAME
        try:
            with open(self.path, "wb") as fh:
                fh.write(b"\0" * RESERVE_BYTES)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError:
            self.release()

    def release(self) -> None:
        """Delete the reserve (idempotent)."""
        if self.path is not None:
            try:
                self.path.unlink()
            except OSError:
                pass
            self.path = None
