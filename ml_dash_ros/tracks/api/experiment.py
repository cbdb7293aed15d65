"""Experiment: one prefix under dash_root; ``.run`` context, open/close, status file, atexit."""

from __future__ import annotations

import atexit
import json
import logging
import os
import threading
import time
import weakref
from pathlib import Path
from typing import Any, Optional, Union

from ml_dash_ros.errors import CorruptFileError, StoreError
from ml_dash_ros.tracks.api.files import FilesBuilder, check_name
from ml_dash_ros.tracks.api.manager import TracksManager
from ml_dash_ros.tracks.api.metrics import MetricsManager
from ml_dash_ros.tracks.api.params import ParametersBuilder
from ml_dash_ros.tracks.ingest.flusher import BufferSettings, Flusher
from ml_dash_ros.tracks.ingest.pool import BufferPool
from ml_dash_ros.tracks.store import layout, liveness, uploader
from ml_dash_ros.tracks.store.contract import (FILES_DIR, FORMAT_VERSION, METRICS_DIR,
                                               STATUS_FILE, TRACKS_DIR, check_format,
                                               write_json)
from ml_dash_ros.tracks.store.roots import local_root, resolve_dash_root

_log = logging.getLogger(__name__)
_open_experiments: "weakref.WeakSet[Experiment]" = weakref.WeakSet()
_NEW, _OPEN, _CLOSED = "new", "open", "closed"


def _now() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1e3):03d}Z"


class RunContext:
    """``exp.run``: a context manager that opens the experiment and closes it on exit."""

    def __init__(self, experiment: "Experiment") -> None:
        """Bind to an experiment."""
        self._exp = experiment

    def start(self) -> "Experiment":
        """Open the experiment and return it."""
        return self._exp.open()

    def complete(self) -> None:
        """Close with status completed."""
        self._exp.close(status="completed")

    def fail(self, error: Optional[str] = None) -> None:
        """Close with status failed."""
        self._exp.close(status="failed", error=error)

    def __enter__(self) -> "Experiment":
        """Open the experiment and return it."""
        return self._exp.open()

    def __exit__(self, exc_type, exc, tb) -> bool:
        """Flush and close; status failed with the exception text if the body raised."""
        if exc_type is None:
            self._exp.close(status="completed")
            return False
        try:
            self._exp.close(status="failed", error=f"{exc_type.__name__}: {exc}")
        except Exception as cleanup:  # the body's exception wins; the cleanup one is a note
            message = f"closing {self._exp.prefix!r} also failed: {cleanup}"
            if hasattr(exc, "add_note"):
                exc.add_note(message)
            _log.error(message)
        return False


class Experiment:
    """A recording under ``{dash_root}/{prefix}``: tracks, metrics and params."""

    def __init__(self, prefix: Optional[str] = None, *,
                 dash_root: Union[str, os.PathLike, None] = None,
                 flush_interval: Optional[float] = None, batch_size: Optional[int] = None,
                 max_buffer_rows: Optional[int] = None,
                 block_timeout: Optional[float] = None, when_full: Optional[str] = None) -> None:
        """Describe an experiment; nothing touches the disk until it is opened."""
        prefix = prefix if prefix is not None else os.environ.get("DASH_PREFIX")
        self.prefix: str = prefix  # type: ignore[assignment]
        self.dash_root = local_root(resolve_dash_root(dash_root))
        self.path: Path = layout.prefix_dir(self.dash_root, prefix)  # validates the prefix
        self._settings = BufferSettings.resolve(flush_interval, batch_size, max_buffer_rows,
                                                block_timeout, when_full)
        self._state = _NEW
        self._state_lock = threading.RLock()
        self._started_at: Optional[str] = None
        self._uploader: Optional[uploader.Uploader] = None
        self._pool = BufferPool(self._settings, prefix, self._ensure_open)
        self._tracks = TracksManager(self.path / TRACKS_DIR, self._pool)
        self._metrics = MetricsManager(self.path / METRICS_DIR, self._pool)
        self._params = ParametersBuilder(self.path, self._ensure_open)
        self._flusher = Flusher(self._settings, self._pool.topics)
        self._pool.set_waker(self._flusher.wake)

    def __repr__(self) -> str:
        """Show prefix, root and state."""
        return f"Experiment(prefix={self.prefix!r}, dash_root={str(self.dash_root)!r}, " \
               f"state={self._state!r})"

    # lifecycle ---------------------------------------------------------------------------

    @property
    def run(self) -> RunContext:
        """Context manager: ``with Experiment(...).run as exp:``."""
        return RunContext(self)

    @property
    def is_open(self) -> bool:
        """True between open() and close()."""
        return self._state == _OPEN

    @property
    def settings(self) -> BufferSettings:
        """The resolved buffering settings."""
        return self._settings

    def open(self) -> "Experiment":
        """Create the prefix directory, mark it running and start the flusher. Return self."""
        with self._state_lock:
            if self._state == _OPEN:
                return self
            try:
                (self.path / TRACKS_DIR).mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise StoreError(f"cannot create {self.path}: {err.strerror or err}") from err
            previous = self.status() if (self.path / STATUS_FILE).is_file() else {}
            if isinstance(previous, dict):      # never append to a newer format's recording
                check_format(previous.get("format"), self.path / STATUS_FILE)
            self._started_at = _now()
            self._write_status("running", None)
            self._state = _OPEN
            self._pool.start()
            self._flusher.start()
            _open_experiments.add(self)
            self._uploader = uploader.uploader_for(self.path)   # s3:// roots only
        return self

    def _ensure_open(self) -> None:
        if self._state == _NEW:
            with self._state_lock:
                if self._state == _NEW:
                    self.open()

    def close(self, status: str = "completed", error: Optional[str] = None) -> None:
        """Flush everything, compact, release locks and record the status (idempotent).

        If flushing fails, StoreError is raised and the experiment stays open with its rows
        buffered; call close() again once the cause is fixed.
        """
        with self._state_lock:
            if self._state != _OPEN:
                return
            self._flush_all()  # raises with everything still open and buffered
            self._pool.stop()
            self._flusher.stop()
            try:
                self._flush_all()
            except StoreError:
                self._pool.start()
                self._flusher.start()
                raise
            for topic in self._pool.topics():
                topic.finish(compact=True)
            self._state = _CLOSED
            _open_experiments.discard(self)
            self._write_status(status, error)
        uploader.finish(self._uploader, self.path)

    def abandon(self, error: str) -> int:
        """Stop without writing what the store refuses (a full disk); return the rows given up.

        For a writer that must exit while ``close()`` keeps failing: stops the flusher,
        releases the topic locks without compacting, and marks the recording ``incomplete``
        with ``error`` (if even that cannot be written, it is logged). Written segments stay.
        """
        with self._state_lock:
            if self._state != _OPEN:
                return 0
            self._pool.stop()
            self._flusher.stop()
            given_up = sum(topic.discard() for topic in self._pool.topics())
            for topic in self._pool.topics():
                topic.finish(compact=False)
            self._state = _CLOSED
            _open_experiments.discard(self)
            try:
                self._write_status("incomplete", error)
            except StoreError as err:
                _log.error("cannot mark %r incomplete: %s", self.prefix, err)
            return given_up

    def _flush_all(self) -> None:
        self._tracks.flush()
        self._metrics.flush()

    def _write_status(self, status: str, error: Optional[str]) -> None:
        doc: dict[str, Any] = {
            "prefix": self.prefix, "format": FORMAT_VERSION, "status": status, "error": error,
            "started_at": self._started_at,
            "ended_at": None if status == "running" else _now(),
            **liveness.writer_identity(),  # host, pid, pid_start, boot_id
        }
        write_json(self.path / STATUS_FILE, doc)

    def status(self) -> dict:
        """Return the content of ``experiment.json`` ({} if never opened).

        Raises CorruptFileError naming the file when it is not UTF-8 JSON.
        """
        path = self.path / STATUS_FILE
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (UnicodeDecodeError, ValueError) as err:
            raise CorruptFileError(path, f"not UTF-8 JSON ({err})") from err

    # data ----------------------------------------------------------------------------------

    @property
    def tracks(self) -> TracksManager:
        """Timestamped tracks: ``exp.tracks("robot").append(q=[...], _ts=1.5)``.

        Reading never opens the experiment; the first append opens it if needed.
        """
        return self._tracks

    @property
    def metrics(self) -> MetricsManager:
        """Step-indexed metrics: ``exp.metrics("train").log(loss=0.5)``."""
        return self._metrics

    def files(self, prefix: str = "") -> FilesBuilder:
        """Files stored in the experiment: ``exp.files("frames").save_image(img, to=name)``."""
        directory = self.path / FILES_DIR
        if prefix:
            directory = directory.joinpath(*check_name(prefix, "files prefix"))
        return FilesBuilder(directory, self._ensure_open)

    @property
    def params(self) -> ParametersBuilder:
        """Parameters: ``exp.params.set(lr=1e-3)``, ``exp.params.get()``."""
        return self._params

    def flush(self) -> "Experiment":
        """Write all buffered tracks and metrics now. Return self."""
        self._flush_all()
        return self


@atexit.register
def _close_at_exit() -> None:
    """Flush and close experiments still open at interpreter exit."""
    for exp in list(_open_experiments):
        try:
            exp.close(status="completed")
        except Exception as err:  # report; nothing else can be done this late
            _log.error("could not close %r at exit: %s", exp.prefix, err)
