"""Where recordings live: the one rule that picks the dash_root for the API, node and CLI.

First given wins: an explicit argument (``dash_root=``, ``--dash-root``, the node's
``dash_root`` parameter), then the mapping's ``experiment.dash_root``, then the environment
variable ``ML_DASH_ROOT``, then ``.dash`` (relative to the working directory). An
``s3://bucket/path`` root is written in a local staging directory (``ML_DASH_STAGING``, else
``~/.cache/ml_dash_ros/staging``) and read from there and from the bucket.
"""

from __future__ import annotations

import os
from pathlib import Path

DASH_ROOT_ENV = "ML_DASH_ROOT"
DEFAULT_DASH_ROOT = ".dash"
STAGING_ENV = "ML_DASH_STAGING"
DEFAULT_STAGING = "~/.cache/ml_dash_ros/staging"


def resolve_dash_root(explicit: str | os.PathLike | None = None,
                      configured: str | os.PathLike | None = None) -> str:
    """Return the dash_root to use: explicit, else configured, else $ML_DASH_ROOT, else .dash."""
    for candidate in (explicit, configured, os.environ.get(DASH_ROOT_ENV)):
        if candidate is not None and str(candidate).strip():
            return os.fspath(candidate)
    return DEFAULT_DASH_ROOT


def staging_root() -> Path:
    """Return the local directory where recordings for object stores wait to upload."""
    return Path(os.environ.get(STAGING_ENV) or DEFAULT_STAGING).expanduser().absolute()


def local_root(dash_root: str | os.PathLike) -> Path:
    """Return the local directory of a dash_root; an ``s3://`` root's staging (checked).

    RemoteError names the URI when its bucket is missing or the credentials are refused.
    """
    from ml_dash_ros.tracks.store import remote
    if remote.is_remote(os.fspath(dash_root)):
        from ml_dash_ros.tracks.store.s3_storage import attach
        return attach(os.fspath(dash_root), staging_root()).staging
    return Path(dash_root).expanduser().absolute()


def readable_root(dash_root: str | os.PathLike | None = None) -> Path:
    """Return a directory to walk for reading: the dash_root, or a view of an ``s3://`` one."""
    from ml_dash_ros.tracks.store import remote
    resolved = resolve_dash_root(dash_root)
    if remote.is_remote(resolved):
        from ml_dash_ros.tracks.store.remote_view import view
        return view(resolved)
    return Path(resolved).expanduser()
