"""``exp.params``: experiment parameters in ``{prefix}/params.json`` (flattened, dotted keys)."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from typing import Any, Callable

from ml_dash_ros.errors import StoreError
from ml_dash_ros.tracks.store.contract import PARAMS_FILE, atomic_write_bytes
from ml_dash_ros.tracks.ingest.values import normalize_fields

FILE_NAME = PARAMS_FILE


class ParametersBuilder:
    """Set and get parameters; ``set`` merges (upsert) and flattens nested dicts."""

    def __init__(self, directory: Path, open_experiment: Callable[[], None]) -> None:
        """Keep params in ``directory`` (the prefix); ``open_experiment`` runs before a set."""
        self._dir = directory
        self._open_experiment = open_experiment

    @property
    def _path(self) -> Path:
        return self._dir / FILE_NAME

    def _load(self) -> dict:
        try:
            with open(self._path, encoding="utf-8") as fh:
                return json.load(fh)
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as err:
            raise StoreError(f"cannot read {self._path}: {err}") from err

    def set(self, **params: Any) -> "ParametersBuilder":
        """Merge parameters into params.json (nested dicts become dotted keys). Return self."""
        flat = normalize_fields("params", dict(params))
        if not flat:
            return self
        self._open_experiment()
        lock_path = self._dir / ".params.lock"
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise StoreError(f"cannot create {lock_path}: {err.strerror or err}") from err
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # other processes on this prefix merge in turn
            merged = {**self._load(), **flat}
            data = json.dumps(merged, indent=2, sort_keys=True, default=_jsonable)
            atomic_write_bytes(self._path, data.encode("utf-8"))
        finally:
            os.close(fd)
        return self

    log = set

    def get(self, flatten: bool = True) -> dict:
        """Return the parameters, flattened (``{"model.lr": ...}``) or nested."""
        params = self._load()
        return params if flatten else unflatten(params)


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def unflatten(flat: dict) -> dict:
    """Turn dotted keys back into nested dicts."""
    out: dict = {}
    for key, value in flat.items():
        node = out
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            node[last] = value
            continue
        out[key] = value  # a dotted key clashes with a scalar; keep it flat
    return out
