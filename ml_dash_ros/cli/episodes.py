"""``episodes PATTERN``: the episodes of a dataset with their metadata, filtered."""

from __future__ import annotations

import argparse
import json

from ml_dash_ros.cli import output
from ml_dash_ros.tools.dataset import Dataset

SHOWN_PARAMS = ("task", "operator", "success")


def add_parser(subparsers, common: argparse.ArgumentParser) -> None:
    """Register the episodes command."""
    parser = subparsers.add_parser(
        "episodes", parents=[common], help="list and filter the episodes of a dataset",
        description="List the recordings whose prefix matches PATTERN (fnmatch: *, ?, [..]) "
                    "with their status, start, task, operator, success and rows per track.")
    parser.add_argument("pattern", metavar="PATTERN", help="e.g. 'alice/franka/pick-*'")
    parser.add_argument("--where", action="append", default=[], metavar="KEY=VALUE",
                        help="keep episodes whose param KEY equals VALUE (repeatable; "
                             "VALUE is JSON when it parses: true, 3, \"x\")")
    parser.add_argument("--status", help="keep episodes with this status (completed, ...)")
    parser.add_argument("--since", metavar="DATE", help="started at or after (ISO, UTC)")
    parser.add_argument("--until", metavar="DATE", help="started at or before (ISO, UTC)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(run=run)


def parse_where(items: list) -> dict:
    """Return {key: value} from KEY=VALUE texts (VALUE as JSON when it parses)."""
    where = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--where {item!r}: expected KEY=VALUE")
        try:
            where[key] = json.loads(value)
        except ValueError:
            where[key] = value
    return where


def run(args: argparse.Namespace) -> int:
    """List the episodes."""
    dataset = Dataset(args.pattern, dash_root=args.dash_root, where=parse_where(args.where),
                      status=args.status, since=args.since, until=args.until)
    if args.json:
        output.print_json([{"prefix": e.prefix, "status": e.status, "started_at": e.started_at,
                            "params": e.params, "tracks": e.tracks} for e in dataset.episodes])
        return 0
    table = output.table("episode", "status", "started", *SHOWN_PARAMS, "tracks (rows)")
    for episode in dataset.episodes:
        tracks = ", ".join(f"{output.text(name)} {rows if rows is not None else '?'}"
                           for name, rows in sorted(episode.tracks.items()))
        table.add_row(output.text(episode.prefix), output.text_or_dash(episode.status),
                      output.text_or_dash(episode.started_at),
                      *(output.text_or_dash(episode.params.get(key)) for key in SHOWN_PARAMS),
                      tracks)
    output.console().print(table)
    output.console().print(f"{len(dataset)} episodes")
    return 0
