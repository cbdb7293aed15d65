"""``export PREFIX --out DIR``: every track as a Parquet or CSV file."""

from __future__ import annotations

import argparse

from ml_dash_ros.cli import output
from ml_dash_ros.errors import PartialExportError
from ml_dash_ros.tools.export import EXPORT_FORMATS, export_experiment


def add_parser(subparsers, common: argparse.ArgumentParser) -> None:
    """Register the export command."""
    parser = subparsers.add_parser(
        "export", parents=[common], help="write every track to files",
        description="Write each track to DIR/<track>.<format> (tf/tool0 -> DIR/tf/tool0.parquet)"
                    " and copy experiment.json, params.json and recorder.json.")
    parser.add_argument("prefix", metavar="PREFIX")
    parser.add_argument("--out", required=True, metavar="DIR", help="target directory")
    parser.add_argument("--format", choices=EXPORT_FORMATS, default="parquet",
                        help="file format (default parquet)")
    parser.add_argument("--tracks", metavar="A,B", help="only these tracks")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Export the tracks."""
    try:
        files = export_experiment(args.prefix, args.out, dash_root=args.dash_root,
                                  fmt=args.format, tracks=output.split_list(args.tracks))
    except PartialExportError as err:
        _print_paths(err.written)
        raise  # one line naming what was skipped, exit code 1
    _print_paths(files)
    return 0


def _print_paths(paths: list) -> None:
    for path in paths:
        print(output.text(path))
