"""``sync [PREFIX] --to s3://bucket/path``: upload what waits in the staging directory."""

from __future__ import annotations

import argparse
import os

from ml_dash_ros.cli import output
from ml_dash_ros.tracks.store import roots, upload
from ml_dash_ros.tracks.store.remote import parse
from ml_dash_ros.tracks.store.s3_storage import attach


def add_parser(subparsers, common: argparse.ArgumentParser) -> None:
    """Register the sync command."""
    parser = subparsers.add_parser(
        "sync", help="upload recordings staged for an s3:// dash_root",
        description="Upload the sealed segments and side files that wait in the local "
                    "staging directory of an s3:// dash_root (left by a recorder that was "
                    "killed or offline). Each object is verified before its local copy goes; "
                    "an interrupted sync resumes where it stopped.")
    parser.add_argument("prefix", nargs="?", metavar="PREFIX",
                        help="only the recordings below this prefix")
    parser.add_argument("--to", required=True, metavar="s3://BUCKET/PATH",
                        help="the dash_root the recordings were written for")
    parser.add_argument("--staging", metavar="DIR",
                        help=f"staging directory (default: ${roots.STAGING_ENV}, "
                             f"else {roots.DEFAULT_STAGING})")
    parser.add_argument("--json", action="store_true", help="print JSON instead of lines")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Upload what waits; print one line per recording."""
    parse(args.to)                                  # a bad URI is named before any request
    staging = args.staging or os.fspath(roots.staging_root())
    backend = attach(args.to, staging)
    results = upload.sync(backend, args.prefix)
    rows = [{"prefix": r.prefix_dir.relative_to(backend.staging).as_posix(),
             "uploaded": r.uploaded, "bytes": r.bytes, "waiting": r.waiting}
            for r in results]
    if args.json:
        output.print_json(rows)
        return 0
    console = output.console()
    if not rows:
        console.print(f"nothing waits to upload to {output.text(args.to)}")
    for row in rows:
        console.print(f"{output.text(row['prefix'])}: uploaded {row['uploaded']} files "
                      f"({row['bytes']} bytes), {row['waiting']} waiting")
    return 0
