"""``plot PREFIX TRACK --columns q,qd --out FILE.png``: columns against time."""

from __future__ import annotations

import argparse

from ml_dash_ros.cli import output
from ml_dash_ros.cli.timerange import add_range, require_rows, resolve_range
from ml_dash_ros.tools.plot import plot_track
from ml_dash_ros.tools.catalog import open_experiment


def add_parser(subparsers, common: argparse.ArgumentParser) -> None:
    """Register the plot command."""
    parser = subparsers.add_parser(
        "plot", parents=[common], help="plot columns of a track",
        description="Draw one subplot per column against time; a list column draws one line "
                    "per element. The format follows the file suffix (png, svg, pdf).")
    parser.add_argument("prefix", metavar="PREFIX")
    parser.add_argument("track", metavar="TRACK")
    parser.add_argument("--columns", required=True, metavar="A,B", help="columns to plot")
    add_range(parser)
    parser.add_argument("--out", required=True, metavar="FILE", help="image file to write")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Plot the columns."""
    exp = open_experiment(args.prefix, dash_root=args.dash_root)
    start, end = resolve_range(exp, args.start, args.end)
    require_rows(exp, args.track, start, end)
    path = plot_track(exp, args.track, output.split_list(args.columns), args.out, start, end)
    print(path)
    return 0
