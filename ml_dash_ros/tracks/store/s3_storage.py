"""Segment files of an ``s3://`` dash_root: a local staging directory in front of the bucket.

A path below the staging directory names the object at the same place below the remote root.
Writes (``seal``) go to the local disk, as for a local dash_root (an uploader copies them
later); listings are the union of both sides; a read opens the local copy while there is one,
else the object, with ranged GETs (footers and row groups only). ``fetch_stats`` counts the
bytes and requests fetched from the object store.
"""

from __future__ import annotations

import atexit
import functools
import logging
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import pyarrow as pa
import pyarrow.fs as pafs

from ml_dash_ros.errors import RemoteError
from ml_dash_ros.tracks.store.remote import RemoteRoot, describe
from ml_dash_ros.tracks.store.storage import LOCAL_DISK


@dataclass
class FetchStats:
    """Bytes and ranged reads fetched from object stores (tests check pruning with them)."""

    bytes: int = 0
    reads: int = 0

    def reset(self) -> None:
        """Set every counter to zero."""
        self.bytes = self.reads = 0


fetch_stats = FetchStats()
_stats_lock = threading.Lock()
_log = logging.getLogger(__name__)
DOWNLOAD_CHUNK = 8 << 20        # whole files fetched for readers that need a path
UPLOADED_SUFFIX = ".uploaded"   # ``.{segment}.uploaded``: uploaded, local copy removed


def uploaded_marker(path: Path) -> Path:
    """Return the local marker of a segment whose local copy went after its upload."""
    return path.parent / f".{path.name}{UPLOADED_SUFFIX}"


class S3Storage:
    """Files below ``staging`` on local disk first, else below ``root`` in the bucket."""

    def __init__(self, fs: pafs.FileSystem, root: RemoteRoot, staging: Path) -> None:
        """Serve ``staging`` (a local directory) backed by ``root`` on ``fs``."""
        self.fs = fs
        self.root = root
        self.staging = Path(staging).absolute()
        self._infos: dict = {}          # Path -> remote FileInfo seen by the last listing
        self._lock = threading.Lock()

    def key(self, path: Path) -> str:
        """Return the object path of a local path below the staging directory."""
        relative = Path(path).absolute().relative_to(self.staging)
        return self.root.key(relative.as_posix())

    # the write half: local disk -------------------------------------------------------

    def seal(self, final: Path, write: Callable[[Path], None], what: str = "file") -> Path:
        """Seal on the local disk (the uploader copies it to the bucket later)."""
        final.parent.mkdir(parents=True, exist_ok=True)
        return LOCAL_DISK.seal(final, write, what)

    def remove(self, paths: Sequence[Path]) -> None:
        """Remove the local copies and the objects; one already gone is not an error."""
        LOCAL_DISK.remove([p for p in paths if os.path.lexists(p)])
        for path in paths:
            try:
                self._remote(lambda: _delete_quietly(self.fs, self.key(path)), path)
            except RemoteError as err:   # a dead segment left in the bucket is never read
                _log.warning("%s stays in the bucket: %s", self.key(path), err)
            uploaded_marker(Path(path)).unlink(missing_ok=True)
            with self._lock:
                self._infos.pop(Path(path), None)

    def remove_temporaries(self, directory: Path) -> None:
        """Remove what an interrupted local seal left."""
        LOCAL_DISK.remove_temporaries(directory)

    # the read half: local copy, else the object ----------------------------------------

    def list(self, directory: Path) -> list[str]:
        """Return the file names in ``directory`` on either side."""
        local = LOCAL_DISK.list(directory)
        names = {n for n in local if not n.endswith(UPLOADED_SUFFIX)}
        names.update(n[1:-len(UPLOADED_SUFFIX)] for n in local if n.endswith(UPLOADED_SUFFIX))
        for info in self._listing(directory, offline_ok=bool(local)):
            if info.type == pafs.FileType.File:
                names.add(info.base_name)
        return sorted(names)

    def list_dirs(self, directory: Path) -> list[str]:
        """Return the sub-directory names of ``directory`` on either side."""
        names = set(LOCAL_DISK.list_dirs(directory))
        names.update(i.base_name for i in self._listing(directory, offline_ok=bool(names))
                     if i.type == pafs.FileType.Directory)
        return sorted(names)

    def is_dir(self, directory: Path) -> bool:
        """Return True when ``directory`` exists on either side."""
        if LOCAL_DISK.is_dir(directory):
            return True
        info = self._remote(lambda: self.fs.get_file_info(self.key(directory)), directory)
        return info.type == pafs.FileType.Directory

    def version(self, path: Path) -> tuple:
        """Return the local file's version, else the object's (size, mtime)."""
        try:
            return LOCAL_DISK.version(path)
        except FileNotFoundError:     # uploaded (or removed meanwhile): the object's
            pass
        info = self._info(path)
        return (info.size, info.mtime_ns, "s3")

    def size(self, path: Path) -> int:
        """Return the size of the local copy, else of the object."""
        try:
            return LOCAL_DISK.size(path)
        except FileNotFoundError:
            pass
        return self._info(path).size

    def open(self, path: Path, *, mapped: bool = True) -> pa.NativeFile:
        """Open the local copy, else the object for ranged reads (counted in fetch_stats)."""
        try:
            return LOCAL_DISK.open(path, mapped=mapped)
        except FileNotFoundError:
            pass
        info = self._info(path)
        source = self._remote(lambda: self.fs.open_input_file(info.path), path)
        return pa.PythonFile(_Counted(source), mode="r")

    def local_file(self, path: Path) -> Path:
        """Return the local copy, else the object downloaded once into this process's
        cache (a temporary directory removed at exit); counted in fetch_stats."""
        if os.path.isfile(path):
            return Path(path)
        info = self._info(path)
        cached = _download_dir() / info.path
        if cached.is_file() and cached.stat().st_size == info.size:
            return cached
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_name(f".{cached.name}.{os.getpid()}.{threading.get_ident()}")
        self._remote(lambda: _download(self.fs, info.path, partial), path)
        os.replace(partial, cached)        # whole or not at all, as every file here
        return cached

    # helpers ---------------------------------------------------------------------------

    def _listing(self, directory: Path, offline_ok: bool = False) -> list:
        """List the objects below ``directory``; a writer (``offline_ok``: files staged
        here) goes on with the local view when the bucket cannot be reached."""
        selector = pafs.FileSelector(self.key(directory), allow_not_found=True)
        try:
            infos = self._remote(lambda: self.fs.get_file_info(selector), directory)
        except RemoteError as err:
            if not offline_ok:
                raise
            _log.warning("listing %s from the local staging only: %s", directory, err)
            return []
        with self._lock:
            for info in infos:
                if info.type == pafs.FileType.File:
                    self._infos[Path(directory) / info.base_name] = info
        return infos

    def _info(self, path: Path) -> pafs.FileInfo:
        with self._lock:
            info = self._infos.get(Path(path))
        if info is None:
            info = self._remote(lambda: self.fs.get_file_info(self.key(path)), path)
        if info.type != pafs.FileType.File:
            raise FileNotFoundError(2, "No such file or object", str(path))
        return info

    def _remote(self, call: Callable, path: Path):
        try:
            return call()
        except FileNotFoundError:
            raise
        except OSError as err:
            raise RemoteError(f"{self.root.uri}: {self.key(path)}: {describe(err)}") from err


class _Counted:
    """A read-only file object over a NativeFile that counts the bytes it returns."""

    def __init__(self, source: pa.NativeFile) -> None:
        self._source = source
        self.closed = False

    def read(self, nbytes: int = -1) -> bytes:
        data = self._source.read(None if nbytes is None or nbytes < 0 else nbytes)
        with _stats_lock:
            fetch_stats.bytes += len(data)
            fetch_stats.reads += 1
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._source.seek(offset, whence)

    def tell(self) -> int:
        return self._source.tell()

    def size(self) -> int:
        return self._source.size()

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True
        self._source.close()


def _download(fs: pafs.FileSystem, key: str, target: Path) -> None:
    source = _Counted(fs.open_input_stream(key))      # counted in fetch_stats, as range reads
    try:
        with open(target, "wb") as out:
            shutil.copyfileobj(source, out, DOWNLOAD_CHUNK)
    finally:
        source.close()


@functools.cache
def _download_dir() -> Path:
    directory = Path(tempfile.mkdtemp(prefix="ml-dash-s3-files-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return directory


def _delete_quietly(fs: pafs.FileSystem, key: str) -> None:
    try:
        fs.delete_file(key)
    except FileNotFoundError:
        pass


_attached: dict = {}        # uri -> S3Storage
_attach_lock = threading.Lock()


def attach(uri: str, staging_root: Path) -> S3Storage:
    """Check the bucket, then serve ``staging_root/bucket/path`` from it (once per process).

    RemoteError names the URI when the bucket is missing or the credentials are refused.
    """
    from ml_dash_ros.tracks.store import remote, storage
    root = remote.parse(uri)
    with _attach_lock:
        found = _attached.get(root.uri)
        if found is not None:
            return found
        fs = remote.filesystem()
        remote.check_access(fs, root)
        staging = Path(staging_root).expanduser().absolute() / root.bucket / root.path
        backend = S3Storage(fs, root, staging)
        storage.mount(staging, backend)
        _attached[root.uri] = backend
        return backend


def detach_all() -> None:
    """Forget every attached root (tests point the environment at a new server)."""
    from ml_dash_ros.tracks.store import storage
    with _attach_lock:
        for backend in _attached.values():
            storage.unmount(backend.staging)
        _attached.clear()
