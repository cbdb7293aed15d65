"""The one way the store reaches segment files: seal, list, read ranges, remove.

Everything above this module (segments, compaction, the reader, salvage) names files by
``Path`` and asks a ``SegmentStorage`` to do the I/O, so another backend (an object store)
can be added here without touching the API or ingest layers. ``LocalDisk`` is the only one
today: a sealed file is written under a hidden temporary name, fsynced, renamed into place
and its directory fsynced, so a crash leaves either the whole file or none of it.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Protocol, Sequence

import pyarrow as pa

from ml_dash_ros.errors import StoreError
from ml_dash_ros.tracks.store.contract import fsync_dir, os_fault

UNLINK_THREADS = 8
TEMP_PREFIX = ".seg-"   # sealing temporaries: ``.seg-….parquet.<pid>.tmp``
TEMP_SUFFIX = ".tmp"


class SegmentStorage(Protocol):
    """What the store needs of the place its segment files live."""

    def seal(self, final: Path, write: Callable[[Path], None], what: str = "file") -> Path:
        """Write a file through ``write(temporary)`` and publish it whole as ``final``."""

    def list(self, directory: Path) -> list[str]:
        """Return the names in a topic directory ([] when it does not exist)."""

    def list_dirs(self, directory: Path) -> list[str]:
        """Return the names of the sub-directories of ``directory`` (topic directories)."""

    def is_dir(self, directory: Path) -> bool:
        """Return True when ``directory`` exists."""

    def version(self, path: Path) -> tuple:
        """Return what changes when a file is replaced (for footer caches)."""

    def size(self, path: Path) -> int:
        """Return a file's size in bytes."""

    def open(self, path: Path, *, mapped: bool = True) -> pa.NativeFile:
        """Open a file for reads of byte ranges (footers, row groups).

        ``mapped=False`` for one pass over a whole file (a merge): no mapping kept.
        """

    def local_file(self, path: Path) -> Path:
        """Return a local file holding ``path``'s bytes whole (what a video decoder or an
        image reader opens); FileNotFoundError when there is none."""

    def remove(self, paths: Sequence[Path]) -> None:
        """Remove files; one already gone is not an error."""

    def remove_temporaries(self, directory: Path) -> None:
        """Remove what an interrupted ``seal`` left in ``directory``."""


class LocalDisk:
    """Segment files on a local file system (POSIX rename and fsync)."""

    def seal(self, final: Path, write: Callable[[Path], None], what: str = "file") -> Path:
        """Write through ``write(tmp)``, fsync, rename to ``final``, fsync the directory.

        An OSError becomes StoreError naming ``what`` and ``final``; the temporary is removed. Any
        other exception (a cancelled merge) removes the temporary and passes through.
        """
        directory = final.parent
        tmp = directory / f".{final.name}.{os.getpid()}{TEMP_SUFFIX}"
        try:
            write(tmp)
            _fsync_file(tmp)
            os.rename(tmp, final)
            fsync_dir(directory)
        except OSError as err:
            _unlink_quietly(tmp)
            raise StoreError(f"cannot write {what} {final}: {os_fault(err)}") from err
        except BaseException:
            _unlink_quietly(tmp)
            raise
        return final

    def list(self, directory: Path) -> list[str]:
        """Return the names in ``directory`` ([] when it does not exist)."""
        try:
            return os.listdir(directory)
        except FileNotFoundError:
            return []

    def list_dirs(self, directory: Path) -> list[str]:
        """Return the sub-directory names of ``directory`` ([] when it does not exist)."""
        try:
            return [e.name for e in os.scandir(directory) if e.is_dir()]
        except FileNotFoundError:
            return []

    def is_dir(self, directory: Path) -> bool:
        """Return True when ``directory`` is a directory."""
        return os.path.isdir(directory)

    def version(self, path: Path) -> tuple:
        """Return (size, mtime, inode): a replaced file never keeps all three."""
        st = os.stat(path)
        return (st.st_size, st.st_mtime_ns, st.st_ino)

    def size(self, path: Path) -> int:
        """Return the size of ``path`` in bytes."""
        return os.stat(path).st_size

    def open(self, path: Path, *, mapped: bool = True) -> pa.NativeFile:
        """Memory-map ``path`` (reads of ranges touch only the pages they need), or not."""
        return pa.memory_map(str(path)) if mapped else pa.OSFile(str(path))

    def local_file(self, path: Path) -> Path:
        """Return ``path`` itself; FileNotFoundError when it is not a file."""
        if not os.path.isfile(path):
            raise FileNotFoundError(2, "No such file", str(path))
        return Path(path)

    def remove(self, paths: Sequence[Path]) -> None:
        """Remove files, many at once on a few threads, then make it durable.

        Each unlink of a synced file waits ~2 ms for the file system; the waits overlap.
        """
        if not paths:
            return
        if len(paths) < 4:
            for path in paths:
                _unlink_quietly(path)
        else:
            try:
                with ThreadPoolExecutor(min(UNLINK_THREADS, len(paths)),
                                        thread_name_prefix="ml-dash-unlink") as pool:
                    list(pool.map(_unlink_quietly, paths))
            except RuntimeError:  # interpreter shutdown (a close at exit): no new threads
                for path in paths:
                    _unlink_quietly(path)
        try:
            fsync_dir(Path(paths[0]).parent)
        except OSError:
            pass  # the directory went too: nothing left to make durable

    def remove_temporaries(self, directory: Path) -> None:
        """Remove ``.seg-*.tmp`` files an interrupted seal left behind."""
        for name in self.list(directory):
            if name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX):
                _unlink_quietly(directory / name)


LOCAL_DISK = LocalDisk()
_mounts: dict[Path, SegmentStorage] = {}   # directory -> the storage below it


def mount(directory: Path, storage: SegmentStorage) -> None:
    """Serve the segment files below ``directory`` from ``storage`` (replaces a mount)."""
    _mounts[Path(directory).absolute()] = storage


def unmount(directory: Path) -> None:
    """Serve ``directory`` from the local disk again."""
    _mounts.pop(Path(directory).absolute(), None)


def storage_of(directory: Path) -> SegmentStorage:
    """Return the storage that holds ``directory``: the deepest mount above it, else the disk."""
    if _mounts:
        path = Path(directory).absolute()
        for parent in (path, *path.parents):
            if parent in _mounts:
                return _mounts[parent]
    return LOCAL_DISK


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
