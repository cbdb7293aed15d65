"""A local view of an ``s3://`` dash_root for the tools that walk a directory tree.

``ls``, ``info``, ``read``, the dataset and the other readers find recordings by walking
folders and reading the small side files. A view is a temporary directory holding the
bucket's folders and side files (``*.json``, copied once per process); the segment files in
it are served from the bucket by an ``S3Storage`` mounted there (ranged GETs, footers first),
so nothing but the side files is downloaded whole.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from pathlib import Path

import pyarrow.fs as pafs

from ml_dash_ros.errors import RemoteError
from ml_dash_ros.tracks.store import remote, storage
from ml_dash_ros.tracks.store.s3_storage import S3Storage

SIDE_SUFFIX = ".json"
_views: dict = {}           # uri -> Path
_lock = threading.Lock()


def view(uri: str) -> Path:
    """Return the local view of ``uri`` (made once per process); RemoteError if unreachable."""
    root = remote.parse(uri)
    with _lock:
        found = _views.get(root.uri)
        if found is not None:
            return found
        fs = remote.filesystem()
        remote.check_access(fs, root)
        directory = Path(tempfile.mkdtemp(prefix="ml-dash-view-")) / root.bucket / root.path
        directory.mkdir(parents=True, exist_ok=True)
        atexit.register(shutil.rmtree, directory.parents[len(Path(root.key()).parts) - 1],
                        ignore_errors=True)
        _mirror(fs, root, directory)
        storage.mount(directory, S3Storage(fs, root, directory))
        _views[root.uri] = directory
        return directory


def forget_views() -> None:
    """Drop every view of this process (tests point the environment at a new server)."""
    with _lock:
        for directory in _views.values():
            storage.unmount(directory)
        _views.clear()


def _mirror(fs: pafs.FileSystem, root: remote.RemoteRoot, directory: Path) -> None:
    """Make the bucket's folders below ``root`` and copy its side files into ``directory``."""
    top = root.key()
    try:
        infos = fs.get_file_info(pafs.FileSelector(top, recursive=True, allow_not_found=True))
        for info in infos:
            relative = info.path[len(top):].lstrip("/")
            if not relative or any(part.startswith(".") for part in relative.split("/")):
                continue
            local = directory / relative
            if info.type == pafs.FileType.Directory:
                local.mkdir(parents=True, exist_ok=True)
            elif info.type == pafs.FileType.File:
                local.parent.mkdir(parents=True, exist_ok=True)   # S3 has no empty folders
                if info.base_name.endswith(SIDE_SUFFIX):
                    with fs.open_input_stream(info.path) as source:
                        local.write_bytes(source.read())
    except OSError as err:
        raise RemoteError(f"{root.uri}: cannot list: {remote.describe(err)}") from err
