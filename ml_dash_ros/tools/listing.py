"""The experiments table (``ml-dash-ros ls``, the demo session), its cameras and damage lines."""

from __future__ import annotations

from rich.console import Console

from ml_dash_ros.tools.cells import console, rate, seconds, size, stamp, table, text


def print_experiments(experiments: list, out: Console | None = None) -> None:
    """Print experiments and their tracks: rows, time range, duration, mean rate, size."""
    grid = table("experiment", "status", "track", "rows >", "start >", "end >",
                 "duration s >", "rate Hz >", "size >")
    for exp in experiments:
        prefix, status = text(exp.prefix), text(exp.state_text)
        if not exp.tracks:
            grid.add_row(prefix, status, "-", "0", "-", "-", "-", "-", "-")
        for i, t in enumerate(exp.tracks):
            grid.add_row(prefix if i == 0 else "", status if i == 0 else "",
                         text(t.track), _rows(t), stamp(t.start_ts), stamp(t.end_ts),
                         seconds(t.duration), rate(t.rate), size(t.size_bytes),
                         end_section=i == len(exp.tracks) - 1)
    out = out or console()
    out.print(grid)
    if any(exp.cameras for exp in experiments):
        out.print(_cameras(experiments))
    print_damage(out, experiments)


def _cameras(experiments: list):
    """Return the table of every camera: frames, segments and video bytes."""
    grid = table("experiment", "camera", "frames >", "segments >", "video size >",
                 title="cameras (video under files/video)")
    for exp in experiments:
        for i, cam in enumerate(exp.cameras):
            grid.add_row(text(exp.prefix) if i == 0 else "", text(cam.track),
                         "unreadable" if cam.frames is None else str(cam.frames),
                         str(cam.segments), size(cam.video_bytes),
                         end_section=i == len(exp.cameras) - 1)
    return grid


def print_damage(out: Console, summaries: list) -> None:
    """Print one line per unreadable track or side file of inventory summaries (if any)."""
    lines = [f"{summary.prefix}: {line}" for summary in summaries for line in summary.damaged]
    if lines:
        out.print(f"damaged ({len(lines)}; 'ml-dash-ros check PREFIX' tells more):")
    for line in lines:
        out.print("  " + text(line), soft_wrap=True)


def _rows(track) -> str:
    return "unreadable" if track.error else str(track.rows)
