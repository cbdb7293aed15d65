"""Where recordings live: the one rule that picks the dash_root for the API, node and CLI.

First given wins: an explicit argument (``dash_root=``, ``--dash-root``, the node's
``dash_root`` parameter), then the mapping's ``experiment.dash_root``, then the environment
variable ``ML_DASH_ROOT``, then ``.dash`` (relative to the working directory).
"""

from __future__ import annotations

import os

DASH_ROOT_ENV = "ML_DASH_ROOT"
DEFAULT_DASH_ROOT = ".dash"


def resolve_dash_root(explicit: str | os.PathLike | None = None,
                      configured: str | os.PathLike | None = None) -> str:
    """Return the dash_root to use: explicit, else configured, else $ML_DASH_ROOT, else .dash."""
    for candidate in (explicit, configured, os.environ.get(DASH_ROOT_ENV)):
        if candidate is not None and str(candidate).strip():
            return os.fspath(candidate)
    return DEFAULT_DASH_ROOT
