"""``ls [--dash-root DIR]``: experiments and their tracks as a table."""

from __future__ import annotations

import argparse

from ml_dash_ros.cli import output
from ml_dash_ros.tools.inventory import list_experiments
from ml_dash_ros.tools.listing import print_experiments
from ml_dash_ros.tracks.store import remote, roots, upload


def add_parser(subparsers, common: argparse.ArgumentParser) -> None:
    """Register the ls command."""
    parser = subparsers.add_parser(
        "ls", parents=[common], help="list experiments and their tracks",
        description="List experiments under the dash_root with rows, time range, mean rate "
                    "and size of every track.")
    parser.add_argument("root", nargs="?", metavar="DASH_ROOT",
                        help="same as --dash-root (kept for older scripts)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """List the experiments."""
    if args.root is not None:
        args.dash_root = args.root
    experiments = list_experiments(args.dash_root)
    if args.json:
        output.print_json([e.as_dict() for e in experiments])
        return 0
    if not experiments:
        output.console().print(f"no experiments under {output.text(args.dash_root)}")
    else:
        print_experiments(experiments)
    _print_waiting(args.dash_root)
    return 0


def _print_waiting(dash_root: str) -> None:
    """For an s3:// root, say what still waits to upload in its staging directory."""
    if not remote.is_remote(str(dash_root)):
        return
    root = remote.parse(str(dash_root))
    staging = roots.staging_root() / root.bucket / root.path
    left = upload.waiting(staging)
    if left.files:
        output.console().print(
            f"{left.files} files ({output.size(left.bytes)}) wait to upload in "
            f"{output.text(str(staging))}: ml-dash-ros sync --to {output.text(root.uri)}")
