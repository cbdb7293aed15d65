"""``export PREFIX --out DIR``: every track as a Parquet or CSV file; ``export PATTERN --out DIR
--ray [ADDRESS]``: each episode under PATTERN so, in a Ray task, into DIR/<prefix>/;
``export PATTERN --format lerobot --lerobot-config FILE --out DIR``: a LeRobot v3 dataset."""

from __future__ import annotations

import argparse

from ml_dash_ros.cli import output
from ml_dash_ros.cli.episodes import parse_where
from ml_dash_ros.errors import PartialExportError
from ml_dash_ros.tools.dataset import Dataset
from ml_dash_ros.tools.export import EXPORT_FORMATS, export_experiment
from ml_dash_ros.tools.lerobot import export_lerobot
from ml_dash_ros.tools.on_ray import LOCAL_RAY, export_on_ray

LEROBOT = "lerobot"


def add_parser(subparsers, common: argparse.ArgumentParser) -> None:
    """Register the export command."""
    parser = subparsers.add_parser(
        "export", parents=[common], help="write every track to files",
        description="Write each track to DIR/<track>.<format> (tf/tool0 -> DIR/tf/tool0.parquet)"
                    " and copy experiment.json, params.json and recorder.json.")
    parser.add_argument("prefix", metavar="PREFIX",
                        help="the recording; with --format lerobot or --ray a pattern of "
                             "episodes (fnmatch: 'alice/franka/pick-*')")
    parser.add_argument("--out", required=True, metavar="DIR", help="target directory")
    parser.add_argument("--format", choices=(*EXPORT_FORMATS, LEROBOT), default="parquet",
                        help="file format (default parquet); lerobot: a LeRobot v3 dataset")
    parser.add_argument("--tracks", metavar="A,B", help="only these tracks")
    parser.add_argument("--lerobot-config", metavar="FILE.yaml",
                        help="--format lerobot: fps, task and the tracks of each feature")
    parser.add_argument("--where", action="append", default=[], metavar="KEY=VALUE",
                        help="--format lerobot or --ray: keep episodes whose param KEY "
                             "equals VALUE (repeatable; VALUE is JSON when it parses)")
    parser.add_argument("--ray", nargs="?", const=LOCAL_RAY, metavar="ADDRESS",
                        help="export each episode under PATTERN in a Ray task into "
                             "DIR/<prefix, percent-encoded>/ (a rerun skips those there); no "
                             "ADDRESS: a local Ray, else 'auto' or ray://host:10001")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Export the tracks (or, with --format lerobot, the episodes)."""
    if args.format == LEROBOT:
        return _run_lerobot(args)
    if args.ray is not None:
        return _run_on_ray(args)
    if args.lerobot_config or args.where:
        raise ValueError("--lerobot-config goes with --format lerobot, --where with --format "
                         "lerobot or --ray")
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


def _run_on_ray(args: argparse.Namespace) -> int:
    if args.lerobot_config:
        raise ValueError("--lerobot-config goes with --format lerobot")
    dataset = Dataset(args.prefix, dash_root=args.dash_root, where=parse_where(args.where))
    done = export_on_ray(dataset, args.out, fmt=args.format,
                         tracks=output.split_list(args.tracks),
                         address=args.ray)
    print(f"{len(dataset)} episodes: {len(done.written)} exported, {len(done.skipped)} "
          f"already there -> {output.text(args.out)}")
    return 0


def _run_lerobot(args: argparse.Namespace) -> int:
    if args.ray is not None:
        raise ValueError("--format lerobot does not run on Ray (one dataset of all episodes); "
                         "drop --ray")
    if not args.lerobot_config:
        raise ValueError("--format lerobot needs --lerobot-config FILE.yaml (fps, task, "
                         "features)")
    if args.tracks:
        raise ValueError("--tracks does not go with --format lerobot; the features of "
                         "--lerobot-config choose the tracks")
    done = export_lerobot(args.prefix, args.out, config=args.lerobot_config,
                          dash_root=args.dash_root, where=parse_where(args.where))
    print(f"{output.text(done.path)}: {done.episodes} episodes, {done.frames} frames, "
          f"{len(done.tasks)} tasks, {len(done.videos)} videos")
    return 0
