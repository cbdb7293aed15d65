"""Argument parsing and error reporting; each command lives in its own module.

A command module has ``add_parser(subparsers, common)`` and ``run(args) -> int``. Errors the
library raises on purpose (and OS / Arrow / value errors) become one line on stderr,
``ml-dash-ros: error: ...``, and exit code 1; usage errors exit 2 (argparse).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Optional, Sequence

from ml_dash_ros import __version__
from ml_dash_ros.cli import (align, check, episodes, export, frames, importbag, info, ls, output,
                             plot, read, sync)
from ml_dash_ros.errors import ConfigError, MlDashRosError
from ml_dash_ros.mapping import load_config
from ml_dash_ros.tracks.store.roots import DASH_ROOT_ENV, DEFAULT_DASH_ROOT, resolve_dash_root

PROG = "ml-dash-ros"
COMMANDS = (ls, info, read, export, plot, importbag, align, check, episodes, frames, sync)


def build_parser() -> argparse.ArgumentParser:
    """Return the parser with one subcommand per command module."""
    parser = argparse.ArgumentParser(
        prog=PROG, description="Inspect, read, export, plot, import and align ml_dash_ros "
                               "recordings.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--dash-root", metavar="DIR",
                        help=f"directory holding the recordings (default: the --config "
                             f"mapping's, else ${DASH_ROOT_ENV}, else {DEFAULT_DASH_ROOT})")
    common.add_argument("--config", metavar="MAPPING.yaml",
                        help="take dash_root from this mapping YAML (the recorder's)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.add_parser(subparsers, common)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(argv)
    try:
        _resolve_dash_root(args)
        return args.run(args) or 0
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    except Exception as err:  # noqa: BLE001 - the CLI's one place that turns errors into text
        if not _expected(err):
            raise
        print(f"{PROG}: error: {one_line(err)}", file=sys.stderr)
        return 2 if isinstance(err, ConfigError) else 1    # a bad mapping: usage, like argparse


def _resolve_dash_root(args: argparse.Namespace) -> None:
    """Set args.dash_root: --dash-root, else the --config mapping's, else the default."""
    if not hasattr(args, "dash_root"):
        return
    config = getattr(args, "config", None)
    configured = load_config(config).experiment.dash_root if config else None
    args.dash_root = resolve_dash_root(args.dash_root, configured)


def _expected(err: Exception) -> bool:
    """Tell whether an error is a user-facing fault rather than a bug."""
    if isinstance(err, (MlDashRosError, OSError, ValueError)):
        return True
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        return False
    return isinstance(err, pa.ArrowException)


def one_line(err: BaseException) -> str:
    """Return an exception's message on one line."""
    if isinstance(err, OSError) and err.strerror and err.filename and \
            not isinstance(err, MlDashRosError):
        return output.text(f"{err.filename}: {err.strerror}")
    text = output.text(" ".join(str(err).split()))  # names in it may hold escape codes
    return text or type(err).__name__


def _quiet_stdout() -> None:
    """Point stdout at devnull so the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
