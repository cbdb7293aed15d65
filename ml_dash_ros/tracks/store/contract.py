"""The on-disk contract of a recording: every file and folder name, and the one way small
files are written (atomically: temporary name, fsync, rename, fsync of the directory).

```
{dash_root}/{prefix}/experiment.json         STATUS_FILE: running / completed / failed / ...
{dash_root}/{prefix}/params.json             PARAMS_FILE: exp.params
{dash_root}/{prefix}/recorder.json           RECORDER_FILE: the recorder's / an import's counts
{dash_root}/{prefix}/.writer.lock            WRITER_LOCK: held by the recorder writing it
{dash_root}/{prefix}/.space-reserve          SPACE_RESERVE: freed to close on a full disk
{dash_root}/{prefix}/quarantine/             QUARANTINE_DIR: files ``check --salvage`` set aside
{dash_root}/{prefix}/files/{files prefix}/    FILES_DIR: ``exp.files(prefix)`` (frames, plots)
{dash_root}/{prefix}/tracks/topic={enc}/     TRACKS_DIR (METRICS_DIR for metrics): segments
    seg-000000000042[-c].parquet, .writer.lock   (``layout``: names of segments and topics)
```
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

from ml_dash_ros.errors import FormatVersionError, StoreError

# The format of everything below a prefix (FORMAT.md). Stored in experiment.json ("format")
# and in every segment's Parquet metadata (FORMAT_KEY); a reader refuses a newer one.
FORMAT_VERSION = 1
FORMAT_KEY = b"ml_dash_ros.format"

STATUS_FILE = "experiment.json"
PARAMS_FILE = "params.json"
RECORDER_FILE = "recorder.json"
SIDE_FILES = (STATUS_FILE, PARAMS_FILE, RECORDER_FILE)
TRACKS_DIR = "tracks"
METRICS_DIR = "metrics"
KINDS = (TRACKS_DIR, METRICS_DIR)
QUARANTINE_DIR = "quarantine"
FILES_DIR = "files"
WRITER_LOCK = ".writer.lock"
SPACE_RESERVE = ".space-reserve"
EVENTS_TRACK = "_events"        # per episode: start, pause, resume, ..., end


def episode_prefix(base: str, number: int) -> str:
    """Return the prefix of episode ``number`` (from 1) of the recording ``base``."""
    if number < 1:
        raise ValueError(f"episode numbers start at 1, got {number}")
    return f"{base}-{number:03d}"


def os_fault(err: OSError) -> str:
    """Describe an OSError with its errno: ``No space left on device (errno 28, ENOSPC)``."""
    if err.errno is None:
        return str(err)
    return f"{err.strerror or err} (errno {err.errno}, {errno.errorcode.get(err.errno, '?')})"


def fsync_dir(directory: Path) -> None:
    """Make a rename or unlink in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write a small file atomically: temporary name, fsync, rename, fsync directory."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except OSError as err:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise StoreError(f"cannot write {path}: {os_fault(err)}") from err


def write_json(path: Path, doc: Any, **options: Any) -> None:
    """Write a JSON side file atomically (``indent=2``; ``options`` go to ``json.dumps``)."""
    atomic_write_bytes(Path(path), json.dumps(doc, indent=2, **options).encode("utf-8"))


def check_format(found: Any, where: object) -> None:
    """Refuse data written in a newer format than this version reads (FormatVersionError)."""
    if found is None:
        return      # written before the format was versioned: version 1
    try:
        version = int(found)
    except (TypeError, ValueError):
        raise FormatVersionError(f"{where}: format version {found!r} is not a number") from None
    if version > FORMAT_VERSION:
        raise FormatVersionError(
            f"{where} was written in format {version}; this ml_dash_ros reads format "
            f"{FORMAT_VERSION} and older: upgrade ml_dash_ros to read it")


def with_format(schema: Any) -> Any:
    """Return a pyarrow schema carrying ``FORMAT_KEY`` in its metadata (what segments store)."""
    return schema.with_metadata({**(schema.metadata or {}),
                                 FORMAT_KEY: str(FORMAT_VERSION).encode()})
