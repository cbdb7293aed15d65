"""The background uploader of an ``s3://`` root: passes of ``upload.sync``, retried with backoff.

One uploader per root and process, started by the first writer that opens a recording on it
(its first pass also uploads what a killed or offline writer left). Writers never wait for
it, except ``finish``: a close gives the last pass ``ML_DASH_UPLOAD_WAIT`` seconds.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from ml_dash_ros.tracks.store.s3_storage import S3Storage
from ml_dash_ros.tracks.store.upload import sync, waiting

_log = logging.getLogger(__name__)


class Uploader:
    """A background thread that syncs a root, retrying with backoff, woken on demand."""

    def __init__(self, backend: S3Storage, *, interval: float = 5.0,
                 first_delay: float = 0.5, max_delay: float = 30.0) -> None:
        """Sync ``backend`` every ``interval`` s; after a failure wait 0.5, 1, 2... s."""
        self.backend = backend
        self.interval, self.first_delay, self.max_delay = interval, first_delay, max_delay
        self.last_error: str | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._idle = threading.Condition()
        self._passes = 0
        self._wanted = 0                  # the pass count a drain waits for
        self._thread: threading.Thread | None = None

    def start(self) -> "Uploader":
        """Start the thread (idempotent). Return self."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="ml-dash-upload",
                                            daemon=True)
            self._thread.start()
        return self

    @property
    def running(self) -> bool:
        """True while the thread runs."""
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def wake(self) -> None:
        """Run a pass now."""
        self._wake.set()

    def drain(self, timeout: float, directory: Path | None = None) -> bool:
        """Wait for a pass that starts after this call; True if ``directory`` (default: the
        whole staging root) has nothing left to upload."""
        with self._idle:
            target = self._passes + 2     # the pass running now may have missed new files
            self._wanted = max(self._wanted, target)
            self.wake()
            self._idle.wait_for(lambda: self._passes >= target or not self.running, timeout)
            done = self._passes >= target
        return done and waiting(directory or self.backend.staging).files == 0

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread; what waits stays for the next start or ``sync``."""
        self._stop.set()
        self._wake.set()
        with self._idle:
            self._idle.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        delay = self.first_delay
        while not self._stop.is_set():
            self._wake.clear()
            try:
                sync(self.backend)
                self.last_error, delay, pause = None, self.first_delay, self.interval
            except Exception as err:  # noqa: BLE001 - the thread outlives any one fault
                self.last_error, pause = str(err), delay
                delay = min(delay * 2, self.max_delay)
                _log.warning("upload to %s failed, retrying in %.1f s: %s",
                             self.backend.root.uri, pause, err)
            with self._idle:
                self._passes += 1
                self._idle.notify_all()
                if self._passes < self._wanted and self.last_error is None:
                    continue              # a drain waits: the next pass now
            self._wake.wait(pause)


UPLOAD_WAIT_ENV = "ML_DASH_UPLOAD_WAIT"
DEFAULT_UPLOAD_WAIT = 10.0    # seconds a close waits for the last upload pass
_uploaders: dict = {}         # S3Storage -> Uploader
_uploaders_lock = threading.Lock()


def uploader_for(path: Path) -> Uploader | None:
    """Return the started uploader of the s3:// root staging ``path`` (None for a local root).

    Its first pass also uploads what a killed or offline writer left in the staging root.
    """
    from ml_dash_ros.tracks.store.storage import storage_of
    backend = storage_of(path)
    if not isinstance(backend, S3Storage):
        return None
    with _uploaders_lock:
        found = _uploaders.get(id(backend))
        if found is None or found.backend is not backend:
            found = _uploaders[id(backend)] = Uploader(backend)
        return found.start()


def finish(uploader: Uploader | None, prefix_dir: Path) -> None:
    """Give a closed recording's upload ``ML_DASH_UPLOAD_WAIT`` s; log what is left."""
    if uploader is None:
        return
    wait = float(os.environ.get(UPLOAD_WAIT_ENV) or DEFAULT_UPLOAD_WAIT)
    if not uploader.drain(wait, prefix_dir):
        left = waiting(prefix_dir)
        _log.warning("%s: %d files (%d bytes) still wait to upload to %s (%s); they go on the "
                     "next start or with `ml-dash-ros sync`", prefix_dir, left.files,
                     left.bytes, uploader.backend.root.uri, uploader.last_error or "timeout")


def stop_all() -> None:
    """Stop every uploader thread of this process (what waits stays staged)."""
    with _uploaders_lock:
        found = list(_uploaders.values())
        _uploaders.clear()
    for uploader in found:
        uploader.stop()


def settle(prefix_dir: Path) -> None:
    """Upload what a closed recording's last writes left (recorder.json), within the wait."""
    finish(uploader_for(prefix_dir), prefix_dir)


@dataclass(frozen=True)
class UploadState:
    """What of a recording still waits to upload to its bucket, and the last failure."""

    to: str
    waiting_files: int
    waiting_bytes: int
    last_error: str | None

    def as_dict(self) -> dict:
        """Return the JSON form (recorder.json, diagnostics)."""
        return asdict(self)


def upload_state(prefix_dir: Path) -> UploadState | None:
    """Return the upload state of a recording on an s3:// root (None on a local one)."""
    from ml_dash_ros.tracks.store.storage import storage_of
    backend = storage_of(prefix_dir)
    if not isinstance(backend, S3Storage):
        return None
    with _uploaders_lock:
        found = _uploaders.get(id(backend))
    left = waiting(prefix_dir)
    return UploadState(backend.root.uri, left.files, left.bytes,
                       found.last_error if found is not None else None)
