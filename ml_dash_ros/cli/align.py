"""``align PREFIX --tracks a,b (--hz 50 | --ticks TRACK) --out FILE.parquet``: a row per tick;
``align PATTERN ... --out DIR --ray [ADDRESS]``: each episode under PATTERN in a Ray task, one
Parquet shard each."""

from __future__ import annotations

import argparse

import pyarrow.parquet as pq

from ml_dash_ros.cli import output
from ml_dash_ros.cli.episodes import parse_where
from ml_dash_ros.cli.timerange import add_range, resolve_range, warn_if_missed
from ml_dash_ros.tools.align import METHODS, align
from ml_dash_ros.tools.catalog import open_experiment
from ml_dash_ros.tools.dataset import Dataset
from ml_dash_ros.tools.on_ray import LOCAL_RAY, align_on_ray


def add_parser(subparsers, common: argparse.ArgumentParser) -> None:
    """Register the align command."""
    parser = subparsers.add_parser(
        "align", parents=[common], help="resample tracks onto one clock",
        description="Write one row per tick (start + k/hz over the tracks' common range, or "
                    "the stamps of the --ticks track there) with columns {track}/{column}; "
                    "missing or stale values are null.")
    parser.add_argument("prefix", metavar="PREFIX",
                        help="the recording; with --ray a pattern of episodes (fnmatch)")
    parser.add_argument("--tracks", required=True, metavar="A,B", help="tracks to align")
    clock = parser.add_mutually_exclusive_group(required=True)
    clock.add_argument("--hz", type=float, help="tick rate")
    clock.add_argument("--ticks", metavar="TRACK",
                       help="tick on this track's stamps (a camera: one row per frame)")
    parser.add_argument("--method", choices=METHODS, default="asof",
                        help="asof (default), nearest or linear")
    parser.add_argument("--tolerance", type=float, metavar="S",
                        help="null a sample further than S seconds from the tick")
    add_range(parser)
    parser.add_argument("--out", required=True, metavar="FILE",
                        help="Parquet file to write; with --ray a directory of shards")
    parser.add_argument("--ray", nargs="?", const=LOCAL_RAY, metavar="ADDRESS",
                        help="align each episode under PATTERN in a Ray task, one shard each "
                             "in --out (a rerun skips those there); no ADDRESS: a local Ray, "
                             "else 'auto' or ray://host:10001 joins a cluster")
    parser.add_argument("--where", action="append", default=[], metavar="KEY=VALUE",
                        help="--ray: keep episodes whose param KEY equals VALUE (repeatable)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Align and write the table (or, with --ray, the shards)."""
    if args.ray is not None:
        return _run_on_ray(args)
    if args.where:
        raise ValueError("--where goes with --ray (align one recording: PREFIX)")
    exp = open_experiment(args.prefix, dash_root=args.dash_root)
    tracks = output.split_list(args.tracks) or []
    start, end = resolve_range(exp, args.start, args.end)
    table = align(exp, tracks, args.hz, method=args.method, tolerance=args.tolerance,
                  start=start, end=end, ticks=args.ticks)
    warn_if_missed(exp, tracks, start, end)
    pq.write_table(table, args.out, compression="zstd")
    print(f"{table.num_rows} rows x {table.num_columns} columns -> {args.out}")
    return 0


def _run_on_ray(args: argparse.Namespace) -> int:
    if args.start is not None or args.end is not None:
        raise ValueError("--start / --end do not go with --ray (episodes have their own "
                         "ranges; each is aligned over its tracks' common range)")
    dataset = Dataset(args.prefix, dash_root=args.dash_root, where=parse_where(args.where))
    done = align_on_ray(dataset, output.split_list(args.tracks) or [], args.hz,
                        out=args.out, method=args.method, tolerance=args.tolerance,
                        ticks=args.ticks, address=args.ray)
    print(f"{len(dataset)} episodes: {len(done.written)} aligned, {len(done.skipped)} "
          f"already there -> {output.text(args.out)}")
    return 0
