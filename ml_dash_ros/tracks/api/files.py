"""``exp.files(prefix)``: files stored inside an experiment (frames, plots, models), beside its
tracks, under ``{prefix}/files/{files prefix}/{name}``.

Every write is atomic (temporary name, fsync, rename), so a reader never sees half a file. A
name is a relative path inside the experiment: ``..``, an absolute path, a NUL, a backslash
or an empty part is refused with InvalidNameError before anything is written.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import IO, Any, Callable, Iterator, Union

import numpy as np

from ml_dash_ros.errors import FieldTypeError, InvalidNameError, NotFoundError
from ml_dash_ros.tracks.store.contract import atomic_write_bytes
from ml_dash_ros.tracks.store.storage import SegmentStorage, storage_of

IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}
MAX_NAME_BYTES = 1024


def check_name(name: Any, what: str = "file name") -> tuple:
    """Return the parts of a safe relative name, or raise InvalidNameError saying why."""
    if not isinstance(name, str) or not name:
        raise InvalidNameError(f"{what} must be a non-empty string, got {name!r}")
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        raise InvalidNameError(f"{what} {name[:40]!r}... is longer than {MAX_NAME_BYTES} bytes")
    if "\0" in name or "\\" in name:
        raise InvalidNameError(f"{what} {name!r} holds a NUL or a backslash")
    if name.startswith("/"):
        raise InvalidNameError(f"{what} {name!r} is absolute; give a path inside the experiment")
    parts = tuple(name.split("/"))
    if any(part in ("", ".", "..") for part in parts):
        raise InvalidNameError(f"{what} {name!r} has an empty, '.' or '..' part; give a plain "
                               "relative path such as frames/frame_00001.png")
    return parts


class FilesBuilder:
    """The files of one ``exp.files(prefix)``: save, save_image, list, read, read_image, open."""

    def __init__(self, directory: Path, open_experiment: Callable[[], None]) -> None:
        """Keep files under ``directory``; ``open_experiment`` runs before the first write."""
        self._dir = directory
        self._open_experiment = open_experiment

    @property
    def directory(self) -> Path:
        """Where these files live."""
        return self._dir

    def path(self, name: str) -> Path:
        """Return the path of a file (checked to stay inside the experiment)."""
        return self._dir.joinpath(*check_name(name))

    def save(self, data: Union[bytes, bytearray, memoryview, str, os.PathLike], *,
             to: str) -> str:
        """Store bytes, or copy the file at a path, as ``to``; return ``to``."""
        target = self.path(to)
        if isinstance(data, (bytes, bytearray, memoryview)):
            payload = bytes(data)
        elif isinstance(data, (str, os.PathLike)):
            with open(data, "rb") as source:
                payload = source.read()
        else:
            raise FieldTypeError(f"files.save({to!r}): expected bytes or a path, got "
                                 f"{type(data).__name__}")
        self._write(target, payload)
        return to

    def save_image(self, image: Any, *, to: str, quality: int = 95) -> str:
        """Store a uint8 HxW, HxWx3 or HxWx4 array as ``to`` (.png lossless, .jpg/.jpeg)."""
        from PIL import Image  # loaded on use: the Track API does not need it otherwise

        kind = IMAGE_FORMATS.get(Path(to).suffix.lower())
        if kind is None:
            raise InvalidNameError(f"files.save_image({to!r}): the name must end in one of "
                                   f"{', '.join(IMAGE_FORMATS)}")
        array = np.asarray(image)
        shape_ok = array.ndim == 2 or (array.ndim == 3 and array.shape[2] in (3, 4))
        if array.dtype != np.uint8 or not shape_ok:
            raise FieldTypeError(f"files.save_image({to!r}): expected a uint8 HxW, HxWx3 or "
                                 f"HxWx4 array, got {array.dtype} {array.shape}")
        if kind == "JPEG" and array.ndim == 3 and array.shape[2] == 4:
            raise FieldTypeError(f"files.save_image({to!r}): JPEG has no alpha; use .png")
        target = self.path(to)
        out = io.BytesIO()
        options = {"quality": quality} if kind == "JPEG" else {}
        Image.fromarray(np.ascontiguousarray(array)).save(out, format=kind, **options)
        self._write(target, out.getvalue())
        return to

    def list(self) -> list:
        """Return [{"name", "size"}] of every file, sorted by name."""
        store = storage_of(self._dir)      # on an s3:// dash_root, the bucket's files too
        return sorted(({"name": name, "size": store.size(path)}
                       for name, path in _walk(store, self._dir)),
                      key=lambda f: f["name"].split("/"))

    def read(self, name: str) -> bytes:
        """Return a file's bytes."""
        with self.open(name) as fh:
            return fh.read()

    def read_image(self, name: str) -> np.ndarray:
        """Return an image file as a uint8 array (HxW, HxWx3 or HxWx4)."""
        from PIL import Image

        with self.open(name) as fh, Image.open(fh) as image:
            return np.asarray(image.convert(image.mode if image.mode in ("L", "RGB", "RGBA")
                                            else "RGB"))

    def open(self, name: str, mode: str = "rb") -> IO:
        """Open a file for reading (``rb`` or ``r``); NotFoundError if it does not exist."""
        if mode not in ("rb", "r"):
            raise ValueError(f"files.open({name!r}): files are written with save / "
                             f"save_image (atomically); open reads only, got mode {mode!r}")
        path = self.path(name)
        try:                    # on an s3:// dash_root, the object fetched whole once
            return open(storage_of(path.parent).local_file(path), mode)
        except FileNotFoundError:
            known = ", ".join(f["name"] for f in self.list()[:10]) or "none"
            raise NotFoundError(f"no file {name!r} in {self._dir} (files: {known})") from None

    def _write(self, target: Path, payload: bytes) -> None:
        self._open_experiment()
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(target, payload)


def _walk(store: SegmentStorage, directory: Path, relative: str = "") -> Iterator[tuple]:
    """Yield (name, path) of the files below ``directory`` in ``store`` (hidden files aside:
    writes in progress)."""
    dirs = set(store.list_dirs(directory))
    for name in set(store.list(directory)) - dirs:
        if not name.startswith("."):
            yield relative + name, directory / name
    for name in dirs:
        yield from _walk(store, directory / name, f"{relative}{name}/")
