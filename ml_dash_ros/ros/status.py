"""Recorder status: per-topic counts as diagnostic_msgs, as a log line and as the exit table."""

from __future__ import annotations

from typing import Any

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue

from ml_dash_ros.convert.topic_stats import TopicStats
from ml_dash_ros.ros.topic_recorder import TopicRecorder
from ml_dash_ros.tracks.store.uploader import UploadState


def status_rows(recorders: dict[str, TopicRecorder], experiment: Any, skipped: dict,
                last_received: dict, period: float) -> dict[str, dict[str, Any]]:
    """Return per-topic counts: received, written, dropped, lost, gaps, rate, problems.

    ``last_received`` holds each topic's received count ``period`` seconds ago (the rate).
    """
    rows = {}
    for topic, recorder in recorders.items():
        builders = [experiment.tracks(track) for track in sorted(recorder.tracks)]
        problems = recorder.problems()
        first_error = (problems.pop("first_error", None) or recorder.first_append_error
                       or problems.get("video_first_error"))
        counts, loss = recorder.counts, recorder.loss()
        store_error = next((b.store_error for b in builders if b.store_error), None)
        rows[topic] = TopicStats(
            type=recorder.type_name, qos=recorder.qos,
            qos_incompatible=recorder.qos_incompatible,
            subscribed=recorder.subscription is not None, received=counts.received,
            entries=counts.entries, paused=counts.paused,
            append_errors=counts.append_errors,
            to_previous_episode=counts.to_previous_episode, buffer_full=counts.buffer_full,
            lost=loss["lost"], stamp_gaps=loss["stamp_gaps"],
            stamp_gap_missing=loss["stamp_gap_missing"],
            written=sum(b.written_rows for b in builders),
            buffered=sum(b.buffered_rows for b in builders),
            rate=(counts.received - last_received.get(topic, 0)) / period,
            tracks=tuple(sorted(recorder.tracks)), problems=tuple(problems.items()),
            first_error=first_error or None, skipped=skipped.get(topic),
            store_error=None if store_error is None else str(store_error)).as_dict()
    return rows


def topic_status(topic: str, row: dict[str, Any]) -> DiagnosticStatus:
    """Return one topic's DiagnosticStatus: ERROR when writes fail; WARN on drops, losses,
    stamp gaps, no publisher."""
    status = DiagnosticStatus(name=f"ml_dash_ros recorder: {topic}", hardware_id="ml_dash_ros")
    losses = _losses(row)
    if row.get("store_error"):       # every write fails (a full disk): the data is at risk
        status.level, status.message = DiagnosticStatus.ERROR, \
            f"cannot write: {row['store_error']}"
    elif row.get("skipped"):
        status.level, status.message = DiagnosticStatus.WARN, str(row["skipped"])
    elif losses:
        status.level, status.message = DiagnosticStatus.WARN, "; ".join(losses)
    elif not row.get("subscribed"):
        status.level, status.message = DiagnosticStatus.WARN, "waiting for publishers"
    else:
        status.level, status.message = DiagnosticStatus.OK, "recording"
    status.values = [KeyValue(key=key, value=str(value)) for key, value in row.items()
                     if key != "skipped"]
    return status


def _losses(row: dict[str, Any]) -> list[str]:
    """Return the row's losses as phrases: dropped, lost before the recorder, stamp gaps."""
    out = []
    if row.get("dropped"):
        out.append(f"{row['dropped']} dropped")
    if isinstance(row.get("lost"), int) and row["lost"]:
        out.append(f"{row['lost']} lost before the recorder")
    if row.get("stamp_gaps"):
        out.append(f"{row['stamp_gaps']} stamp gaps (~{row.get('stamp_gap_missing', 0)} "
                   "messages missing)")
    return out


def diagnostics(stamp, rows: dict[str, dict[str, Any]],
                upload: UploadState | None = None) -> DiagnosticArray:
    """Return the DiagnosticArray published at every status period (with the upload's
    status on an s3:// dash_root)."""
    array = DiagnosticArray()
    array.header.stamp = stamp
    array.status = [topic_status(topic, row) for topic, row in rows.items()]
    if upload is not None:
        array.status.append(upload_status(upload))
    return array


def upload_status(upload: UploadState) -> DiagnosticStatus:
    """Return the upload's DiagnosticStatus: WARN while its last pass failed."""
    status = DiagnosticStatus(name="ml_dash_ros recorder: upload", hardware_id="ml_dash_ros")
    waits = f"{upload.waiting_files} files ({upload.waiting_bytes} bytes) wait to upload " \
            f"to {upload.to}"
    status.level = DiagnosticStatus.WARN if upload.last_error else DiagnosticStatus.OK
    status.message = f"{waits}; last pass failed: {upload.last_error}" \
        if upload.last_error else waits
    status.values = [KeyValue(key=k, value=str(v)) for k, v in upload.as_dict().items()]
    return status


def log_line(rows: dict[str, dict[str, Any]], buffered: int) -> str:
    """Return a one-line summary: topic received/written/dropped and rate, buffer size."""
    parts = [f"{topic} {row['received']}/{row['written']}/{row['dropped']} "
             f"{row['rate']:.0f}Hz" for topic, row in rows.items() if row.get("subscribed")]
    return "recv/written/dropped: " + ", ".join(parts) + f"; buffered {buffered} rows"


SUMMARY_COLUMNS = ("topic", "received", "written", "dropped", "lost", "gaps (missing)", "tracks")
_SHOWN_TRACKS = 3


def summary_table(rows: dict[str, dict[str, Any]]) -> str:
    """Return the exit summary: one line per topic, counts and the tracks it went to."""
    lines = [SUMMARY_COLUMNS]
    for topic, row in rows.items():
        tracks = row.get("tracks") or []
        where = ", ".join(tracks[:_SHOWN_TRACKS])
        if len(tracks) > _SHOWN_TRACKS:
            where += f", ... ({len(tracks)} tracks)"
        if row.get("skipped"):
            where = "not recorded (see the log)"
        elif not row.get("subscribed"):
            where = "never subscribed (no publisher seen)"
        lines.append((topic, str(row.get("received", 0)), str(row.get("written", 0)),
                      str(row.get("dropped", 0)), str(row.get("lost", 0)),
                      f"{row.get('stamp_gaps', 0)} ({row.get('stamp_gap_missing', 0)})",
                      where or "-"))
    widths = [max(len(line[i]) for line in lines) for i in range(len(SUMMARY_COLUMNS) - 1)]
    return "\n".join(
        "  ".join([line[0].ljust(widths[0])]
                  + [cell.rjust(width) for cell, width in zip(line[1:-1], widths[1:])]
                  + [line[-1]]).rstrip()
        for line in lines)
