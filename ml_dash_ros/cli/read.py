"""``read PREFIX TRACK``: a track's rows as json, jsonl, csv or parquet, to stdout or a file."""

from __future__ import annotations

import argparse
import sys

from ml_dash_ros.cli import output
from ml_dash_ros.cli.timerange import add_range, resolve_range, warn_if_missed
from ml_dash_ros.tools.export import READ_FORMATS, render_track
from ml_dash_ros.tools.catalog import open_experiment


def add_parser(subparsers, common: argparse.ArgumentParser) -> None:
    """Register the read command."""
    parser = subparsers.add_parser(
        "read", parents=[common], help="print or save one track",
        description="Write a track's rows with START <= _ts <= END, sorted by _ts. A range "
                    "that misses the track's rows is reported on stderr with its range.")
    parser.add_argument("prefix", metavar="PREFIX")
    parser.add_argument("track", metavar="TRACK")
    add_range(parser)
    parser.add_argument("--columns", metavar="A,B", help="only these columns (and _ts)")
    parser.add_argument("--format", choices=READ_FORMATS, default="jsonl",
                        help="output format (default jsonl)")
    parser.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print or save the track."""
    if args.format == "parquet" and not args.out and sys.stdout.isatty():
        raise ValueError("refusing to write Parquet to a terminal; use --out FILE or a pipe")
    exp = open_experiment(args.prefix, dash_root=args.dash_root)
    start, end = resolve_range(exp, args.start, args.end)
    data = render_track(exp, args.track, args.format, start, end,
                        columns=output.split_list(args.columns))
    warn_if_missed(exp, [args.track], start, end)
    output.write_bytes(data, args.out)
    return 0
