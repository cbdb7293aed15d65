"""``ls [--dash-root DIR]``: experiments and their tracks as a table."""

from __future__ import annotations

import argparse

from ml_dash_ros.cli import output
from ml_dash_ros.tools.inventory import list_experiments


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
        return 0
    print_experiments(experiments)
    return 0


def print_experiments(experiments: list) -> None:
    """Print experiments and their tracks: rows, time range, duration, mean rate, size."""
    grid = output.table("experiment", "status", "track", "rows >", "start >", "end >",
                        "duration s >", "rate Hz >", "size >")
    for exp in experiments:
        prefix, status = output.text(exp.prefix), output.text(exp.state_text)
        if not exp.tracks:
            grid.add_row(prefix, status, "-", "0", "-", "-", "-", "-", "-")
        for i, t in enumerate(exp.tracks):
            grid.add_row(prefix if i == 0 else "", status if i == 0 else "",
                         output.text(t.track), _rows(t), output.stamp(t.start_ts),
                         output.stamp(t.end_ts), output.seconds(t.duration),
                         output.rate(t.rate), output.size(t.size_bytes),
                         end_section=i == len(exp.tracks) - 1)
    out = output.console()
    out.print(grid)
    output.print_damage(out, experiments)


def _rows(track) -> str:
    return "unreadable" if track.error else str(track.rows)
