"""``import BAG --config MAP.yaml``: a rosbag2 bag through the recorder's mapping."""

from __future__ import annotations

import argparse

from ml_dash_ros.cli import output
from ml_dash_ros.mapping import load_config
from ml_dash_ros.tools.bag_import import ImportReport, import_bag

_COUNTS = ("received", "entries", "written", "dropped", "undecodable")


def add_parser(subparsers, common: argparse.ArgumentParser) -> None:
    """Register the import command."""
    parser = subparsers.add_parser(
        "import", help="import a rosbag2 bag (sqlite3 or MCAP)",
        description="Record a rosbag2 directory or a bare .mcap file into a new experiment "
                    "through the mapping YAML, with the live recorder's converters and stamp "
                    "policies (receive time = the bag's log time).")
    parser.add_argument("bag", metavar="BAG")
    parser.add_argument("--config", required=True, metavar="MAP.yaml", help="mapping YAML")
    parser.add_argument("--prefix", help="experiment prefix (default: the mapping's)")
    parser.add_argument("--dash-root", metavar="DIR",
                        help="directory holding the recordings (default: the mapping's)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Import the bag and print its counts."""
    config = load_config(args.config)
    if args.no_progress:
        report = import_bag(args.bag, config, args.prefix, dash_root=args.dash_root)
    else:
        report = _with_progress(args, config)
    if args.json:
        output.print_json({"bag": report.bag, "prefix": report.prefix, "path": report.path,
                           "storage": report.storage, "messages": report.messages,
                           "entries": report.entries, "seconds": report.seconds,
                           "topics": report.topics, "unmapped": report.unmapped,
                           "episodes": list(report.episodes)})
    else:
        _print_report(report)
    return 0


def _with_progress(args: argparse.Namespace, config) -> ImportReport:
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeRemainingColumn)

    columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn(),
               TextColumn("messages"), TimeRemainingColumn())
    bar = Progress(*columns, console=output.console(stderr=True))
    task = bar.add_task("import", total=None)

    def update(done: int, total: int) -> None:
        if not bar.live.is_started:  # first call: the bag is open and its size known
            bar.start()
        bar.update(task, completed=done, total=total or None)

    try:
        return import_bag(args.bag, config, args.prefix, dash_root=args.dash_root,
                          progress=update)
    finally:
        if bar.live.is_started:
            bar.stop()


def _print_report(report: ImportReport) -> None:
    out = output.console()
    grid = output.table("topic", "type", *(f"{c} >" for c in _COUNTS), "tracks >", "note")
    for topic, row in report.topics.items():
        note = row.get("skipped") or row.get("first_error") or ""
        grid.add_row(topic, row["type"] or "-", *(str(row.get(c, 0)) for c in _COUNTS),
                     str(len(row["tracks"])), note)
    out.print(grid)
    if report.unmapped:
        out.print("not in the mapping (not read): " + ", ".join(
            f"{topic} ({count})" for topic, count in report.unmapped.items()))
    out.print(f"imported {report.messages} messages ({report.entries} entries) in "
              f"{report.seconds:.2f} s ({report.rate:.0f} msg/s) into {report.path}")
    if len(report.episodes) > 1:
        out.print(f"stamps jumped back {len(report.episodes) - 1} time(s) (a simulation reset "
                  f"or a looped bag): the passes are the episodes "
                  f"{', '.join(output.text(p) for p in report.episodes)}; the last one's "
                  "counts are above, each episode's in its recorder.json")
