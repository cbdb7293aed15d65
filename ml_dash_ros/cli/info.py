"""``info PREFIX``: per track columns, types, rows, range, rate, gaps; cameras; recorder counts."""

from __future__ import annotations

import argparse

from ml_dash_ros.cli import output
from ml_dash_ros.tools.inventory import GAP_FACTOR, ExperimentSummary, experiment_info
from ml_dash_ros.tracks import Experiment
from ml_dash_ros.tracks.store.contract import EVENTS_TRACK
from ml_dash_ros.tracks.store.roots import resolve_dash_root

_COUNTERS = ("received", "entries", "written", "dropped", "lost", "stamp_gaps",
             "stamp_gap_missing")
EVENTS_SHOWN = 50
_QUIET = {"type", "qos", "qos_incompatible", "subscribed", "paused", "buffered", "rate",
          "tracks", "append_errors", *_COUNTERS}


def add_parser(subparsers, common: argparse.ArgumentParser) -> None:
    """Register the info command."""
    parser = subparsers.add_parser(
        "info", parents=[common], help="describe one experiment",
        description="Show every track of an experiment: columns and types, rows, time range, "
                    f"rate, gaps longer than {GAP_FACTOR:g}x the median period, the cameras "
                    "(frames, fps, resolution, codec, video size, segments) and the "
                    "recorder's stored counts: received, written, dropped, lost before "
                    "the recorder, stamp gaps.")
    parser.add_argument("prefix", metavar="PREFIX")
    parser.add_argument("--tracks", metavar="A,B", help="only these tracks")
    parser.add_argument("--gaps", type=int, default=5, metavar="N",
                        help="list at most N gaps per track (default 5)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Describe the experiment."""
    summary = experiment_info(args.prefix, dash_root=args.dash_root,
                              tracks=output.split_list(args.tracks))
    if args.json:
        output.print_json(summary.as_dict())
        return 0
    out = output.console()
    _header(out, summary)
    output.print_damage(out, [summary])
    out.print(_tracks_table(summary))
    out.print(_columns_table(summary))
    if any(t.gaps for t in summary.tracks):
        out.print(_gaps_table(summary, args.gaps))
    if summary.cameras:
        out.print(_cameras_table(summary))
    if summary.recorder.get("topics"):
        out.print(_recorder_table(summary))
    if any(t.track == EVENTS_TRACK and not t.error for t in summary.tracks):
        out.print(_events_table(Experiment(summary.prefix,
                                           dash_root=resolve_dash_root(args.dash_root))))
    return 0


def _header(out, summary: ExperimentSummary) -> None:
    status, text = summary.status, output.text_or_dash
    out.print(f"prefix: {text(summary.prefix)}")
    out.print(f"path: {text(summary.path)}")
    out.print(f"status: {text(summary.state_text)}  started: {text(status.get('started_at'))}"
              f"  ended: {text(status.get('ended_at'))}")
    recorder = summary.recorder
    if recorder:
        source = recorder.get("bag") or recorder.get("node")
        out.print(f"recorded by: {text(source)}  config: {text(recorder.get('config'))}")
    out.print(f"size: {output.size(summary.size_bytes)} in {len(summary.tracks)} tracks")


def _tracks_table(summary: ExperimentSummary):
    grid = output.table("track", "topic", "rows >", "start >", "end >", "duration s >",
                        "rate Hz >", "median dt s >", "gaps >", "longest gap s >", "size >",
                        title="tracks")
    for t in summary.tracks:
        longest = max((g.duration for g in t.gaps), default=None)
        grid.add_row(output.text(t.track), output.text_or_dash(t.topic),
                     "unreadable" if t.error else str(t.rows), output.stamp(t.start_ts),
                     output.stamp(t.end_ts), output.seconds(t.duration), output.rate(t.rate),
                     output.seconds(t.median_period, 6), str(len(t.gaps)),
                     output.seconds(longest), output.size(t.size_bytes))
    return grid


def _columns_table(summary: ExperimentSummary):
    grid = output.table("track", "column", "type", title="columns")
    for t in summary.tracks:
        for i, (name, kind) in enumerate(t.columns):
            grid.add_row(output.text(t.track) if i == 0 else "", output.text(name),
                         output.text(kind),
                         end_section=i == len(t.columns) - 1)
    return grid


def _gaps_table(summary: ExperimentSummary, limit: int):
    grid = output.table("track", "from >", "to >", "length s >",
                        title=f"gaps (> {GAP_FACTOR:g}x median period)")
    for t in summary.tracks:
        shown = t.gaps[:max(limit, 0)]
        for i, gap in enumerate(shown):
            grid.add_row(output.text(t.track) if i == 0 else "", output.stamp(gap.start),
                         output.stamp(gap.end), output.seconds(gap.duration))
        if len(t.gaps) > len(shown):
            grid.add_row("", f"... {len(t.gaps) - len(shown)} more", "", "")
    return grid


def _cameras_table(summary: ExperimentSummary):
    grid = output.table("camera", "frames >", "fps >", "resolution", "encoding", "codec",
                        "video size >", "segments >", "problem", title="cameras")
    for cam in summary.cameras:
        grid.add_row(output.text(cam.track), output.text_or_dash(cam.frames),
                     output.rate(cam.fps), output.text(", ".join(cam.resolutions) or "-"),
                     output.text(", ".join(cam.encodings) or "-"),
                     output.text(", ".join(cam.codecs) or "-"), output.size(cam.video_bytes),
                     str(cam.segments), output.text_or_dash(cam.error))
    return grid


def _events_table(exp: Experiment):
    """List the episode's events (``exp.tracks("_events").read()``), the first EVENTS_SHOWN."""
    entries = exp.tracks(EVENTS_TRACK).read()["entries"]
    grid = output.table("_ts >", "event", "detail", title="events")
    for entry in entries[:EVENTS_SHOWN]:
        grid.add_row(output.stamp(entry["_ts"]), output.text_or_dash(entry.get("event")),
                     output.text_or_dash(entry.get("detail")))
    if len(entries) > EVENTS_SHOWN:
        grid.add_row("", f"... {len(entries) - EVENTS_SHOWN} more", "")
    return grid


def _recorder_table(summary: ExperimentSummary):
    grid = output.table("topic", "type", *(f"{c} >" for c in _COUNTERS), "tracks >",
                        "problems", title="recorder counts (recorder.json)")
    for topic, row in summary.recorder["topics"].items():
        problems = ", ".join(f"{k}={v}" for k, v in row.items()
                             if k not in _QUIET and v not in (0, "", None, False))
        grid.add_row(output.text(topic), output.text_or_dash(row.get("type")),
                     *(output.text_or_dash(row.get(c)) for c in _COUNTERS),
                     str(len(row.get("tracks") or ())), output.text_or_dash(problems))
    return grid
