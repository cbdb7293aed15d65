"""``check PREFIX [--salvage]``: every unreadable file of a recording; set them aside."""

from __future__ import annotations

import argparse

from ml_dash_ros.cli import output
from ml_dash_ros.tools.check import CheckReport, check_experiment
from ml_dash_ros.tracks.store.remote import is_remote


def add_parser(subparsers, common: argparse.ArgumentParser) -> None:
    """Register the check command."""
    parser = subparsers.add_parser(
        "check", parents=[common], help="find unreadable files of a recording",
        description="Decode every segment of every track and metric and parse the JSON side "
                    "files; print each unreadable file and what is wrong. Exit code 0 when "
                    "all are readable, 1 otherwise. --salvage moves unreadable segments to "
                    "PREFIX/quarantine/ (nothing is deleted), keeping the readable row groups "
                    "of a partly readable one in the track.")
    parser.add_argument("prefix", metavar="PREFIX")
    parser.add_argument("--salvage", action="store_true",
                        help="move unreadable segments to PREFIX/quarantine/")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Check the recording."""
    if args.salvage and is_remote(str(args.dash_root)):
        raise ValueError(f"--salvage moves files on a local dash_root, not {args.dash_root}: "
                         "copy the recording to a local directory first")
    report = check_experiment(args.prefix, dash_root=args.dash_root, salvage=args.salvage)
    if args.json:
        output.print_json(report.as_dict())
    else:
        _print_report(report)
    return 0 if report.ok else 1


def _print_report(report: CheckReport) -> None:
    out = output.console()
    for problem in report.problems:
        out.print(output.text(f"{problem.path}: {problem.fault}"), soft_wrap=True)
        if problem.action:
            out.print("  " + output.text(problem.action), soft_wrap=True)
    verdict = "all readable" if report.ok else f"{len(report.problems)} unreadable"
    hint = "" if report.ok or report.salvaged else "; --salvage sets unreadable segments aside"
    out.print(output.text(f"{report.prefix}: {report.files_checked} files checked, {verdict}"
                          f"{hint}"), soft_wrap=True)
