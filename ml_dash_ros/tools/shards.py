"""A directory of per-episode outputs: Parquet shards (a local path or ``s3://bucket/path``)
or, locally, a directory per episode.

An output is named from its episode's prefix (``alice/franka/pick-001`` ->
``alice%2Ffranka%2Fpick-001.parquet``, or that name without the suffix for a directory) and is
only ever complete: it is written under a hidden temporary name (``.NAME.*.tmp``, which
``pyarrow.dataset`` and ``*.parquet`` globs skip) and renamed. The shards read back as one table
with DuckDB, Polars or ``pyarrow.dataset``.
"""

from __future__ import annotations

import os
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from ml_dash_ros.errors import StoreError
from ml_dash_ros.tracks.store import remote
from ml_dash_ros.tracks.store.contract import atomic_write_bytes, fsync_dir

SUFFIX = ".parquet"


def shard_name(prefix: str) -> str:
    """Return the file name of an episode's shard (the prefix percent-encoded)."""
    return quote(prefix, safe="") + SUFFIX


def shard_path(out: str | os.PathLike, prefix: str) -> str:
    """Return where the shard of ``prefix`` goes under ``out`` (a path or an s3:// URI)."""
    if remote.is_remote(out):
        return f"{remote.parse(str(out)).uri}/{shard_name(prefix)}"
    return str(Path(out).expanduser().absolute() / shard_name(prefix))


def shard_exists(out: str | os.PathLike, prefix: str) -> bool:
    """Tell whether the complete shard of ``prefix`` is under ``out``."""
    if not remote.is_remote(out):
        return Path(shard_path(out, prefix)).is_file()
    fs, key = _remote_key(str(out), prefix)
    return fs.get_file_info(key).type == pafs.FileType.File


def write_shard(out: str | os.PathLike, prefix: str, table: pa.Table) -> str:
    """Write ``table`` as the shard of ``prefix`` under ``out``; return its path."""
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    data = sink.getvalue().to_pybytes()
    path = shard_path(out, prefix)
    if not remote.is_remote(out):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(Path(path), data)
        return path
    fs, key = _remote_key(str(out), prefix)
    tmp = key.rpartition("/")[0] + f"/.{shard_name(prefix)}.{uuid.uuid4().hex}.tmp"
    try:
        with fs.open_output_stream(tmp) as stream:
            stream.write(data)
        fs.move(tmp, key)
    except OSError as err:
        _delete_quietly(fs, tmp)
        raise StoreError(f"cannot write {path}: {remote.describe(err)}") from err
    return path


def episode_dir(out: str | os.PathLike, prefix: str) -> Path:
    """Return the local directory of ``prefix``'s output under ``out``."""
    return Path(out).expanduser().absolute() / quote(prefix, safe="")


@contextmanager
def staged_dir(final: Path) -> Iterator[Path]:
    """Yield a new hidden directory beside ``final``, renamed to ``final`` when the block
    ends well and removed when it raises."""
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = final.with_name(f".{final.name}.{uuid.uuid4().hex}.tmp")
    staging.mkdir()
    try:
        yield staging
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    fsync_dir(final.parent)


def _remote_key(out: str, prefix: str) -> tuple[pafs.FileSystem, str]:
    return remote.filesystem(), remote.parse(out).key(shard_name(prefix))


def _delete_quietly(fs: pafs.FileSystem, key: str) -> None:
    try:
        fs.delete_file(key)
    except OSError:
        pass
