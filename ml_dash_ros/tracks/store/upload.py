"""Copy what waits in a staging directory to its bucket: verified, then removed locally.

The staging directory is the manifest: every file in it (hidden names aside: locks, the
space reserve, sealing temporaries) waits to upload. A segment is immutable, so once its
object is written whole (S3 PUTs are atomic) and its size checked, the local copy goes,
even while the recording runs. Side files (experiment.json, params.json, recorder.json,
files/) are uploaded on every pass and removed only when the recording is finished. A pass
that fails keeps everything not yet verified; the next one (a retry, the next start of a
writer on this root, or ``ml-dash-ros sync``) goes on from there.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pyarrow.fs as pafs

from ml_dash_ros.errors import RemoteError
from ml_dash_ros.tracks.store import liveness
from ml_dash_ros.tracks.store.contract import FILES_DIR, KINDS, SIDE_FILES, STATUS_FILE
from ml_dash_ros.tracks.store.remote import describe
from ml_dash_ros.tracks.store.s3_storage import UPLOADED_SUFFIX, S3Storage, uploaded_marker

CHUNK = 8 << 20
SEGMENT_PREFIX = "seg-"


@dataclass(frozen=True)
class Waiting:
    """Files of a staging directory that wait to upload, and their bytes."""

    files: int
    bytes: int


@dataclass(frozen=True)
class SyncResult:
    """One pass over a recording: files uploaded and their bytes, files still waiting."""

    prefix_dir: Path
    uploaded: int
    bytes: int
    waiting: int
    finished: bool


def waiting(directory: Path) -> Waiting:
    """Count the files below ``directory`` that wait to upload."""
    files = sizes = 0
    for path in _staged_files(Path(directory)):
        try:
            sizes += path.stat().st_size
        except FileNotFoundError:
            continue
        files += 1
    return Waiting(files, sizes)


def recordings(directory: Path) -> list[Path]:
    """Return the recording directories below a staging directory, sorted: those holding a
    side file (what is left after the rest went: recorder.json) or a tracks folder."""
    found = set()
    for dirpath, dirnames, filenames in os.walk(directory):
        if set(SIDE_FILES).intersection(filenames) or set(KINDS).intersection(dirnames) \
                or FILES_DIR in dirnames:
            found.add(Path(dirpath))
            dirnames.clear()
    return sorted(found)


def upload_file(backend: S3Storage, path: Path) -> int:
    """Copy one local file to its object and check the object's size; return the bytes.

    The object appears only when the whole file is written (a killed upload leaves none).
    """
    key = backend.key(path)
    size = 0
    try:
        with open(path, "rb") as source, backend.fs.open_output_stream(key) as out:
            while True:
                chunk = source.read(CHUNK)
                if not chunk:
                    break
                out.write(chunk)
                size += len(chunk)
        stored = backend.fs.get_file_info(key)
    except FileNotFoundError:
        raise
    except OSError as err:
        raise RemoteError(f"{backend.root.uri}: cannot upload {path}: {describe(err)}") from err
    if stored.type != pafs.FileType.File or stored.size != size:
        raise RemoteError(f"{backend.root.uri}: {key} holds {stored.size} bytes after "
                          f"uploading {size} from {path}")
    return size


def sync_recording(backend: S3Storage, prefix_dir: Path) -> SyncResult:
    """Upload what waits in one recording; remove local copies once verified."""
    prefix_dir = Path(prefix_dir)
    finished = is_finished(prefix_dir)
    files = sorted(_staged_files(prefix_dir), key=lambda p: (not _is_segment(p), str(p)))
    uploaded = sent = 0
    for path in files:
        try:
            sent += upload_file(backend, path)
        except FileNotFoundError:
            continue            # a merge removed it meanwhile: its rows are in the merged file
        uploaded += 1
        if _is_segment(path) and not finished:  # the writer still needs its number
            uploaded_marker(path).touch()
        if _is_segment(path) or finished:
            path.unlink(missing_ok=True)
    if finished:
        _prune_empty(prefix_dir, stop=backend.staging)
    return SyncResult(prefix_dir, uploaded, sent, waiting(prefix_dir).files, finished)


def sync(backend: S3Storage, prefix: str | None = None) -> list[SyncResult]:
    """Upload what waits in every staged recording of a root (or below ``prefix``)."""
    top = backend.staging / prefix if prefix else backend.staging
    return [sync_recording(backend, d) for d in recordings(top)]


def is_finished(prefix_dir: Path) -> bool:
    """Return True unless a live writer still holds the recording.

    Without experiment.json here the recording was finished (its status went up last) and
    what is left is written after the close (recorder.json).
    """
    try:
        doc = json.loads((Path(prefix_dir) / STATUS_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return True
    except (OSError, ValueError):
        doc = None
    return liveness.writer_state(prefix_dir, doc) not in (liveness.RUNNING, liveness.UNCHECKED)


def _is_segment(path: Path) -> bool:
    return path.name.startswith(SEGMENT_PREFIX) and path.name.endswith(".parquet")


def _staged_files(directory: Path) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        out.extend(Path(dirpath) / n for n in filenames if not n.startswith("."))
    return out


def _prune_empty(directory: Path, stop: Path) -> None:
    """Remove ``directory``'s empty sub-directories, then it and its empty parents."""
    for dirpath, _, _ in sorted(os.walk(directory), key=lambda w: -len(w[0])):
        _rmdir_if_empty(Path(dirpath))
    parent = directory.parent
    while parent != stop and stop in parent.parents:
        _rmdir_if_empty(parent)
        parent = parent.parent


def _rmdir_if_empty(directory: Path) -> None:
    try:
        names = os.listdir(directory)
        if any(not _is_leftover(name) for name in names):
            return
        for name in names:              # what a finished writer leaves: locks, markers
            os.unlink(directory / name)
        os.rmdir(directory)
    except OSError:
        pass


def _is_leftover(name: str) -> bool:
    return name.startswith(".") and name.endswith((".lock", UPLOADED_SUFFIX))
