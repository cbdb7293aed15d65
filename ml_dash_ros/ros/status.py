"""Recorder status: per-topic counts as diagnostic_msgs, as a log line, and as stored JSON."""

from __future__ import annotations

from typing import Any

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue


def topic_status(topic: str, row: dict[str, Any]) -> DiagnosticStatus:
    """Return one topic's DiagnosticStatus: WARN when messages were dropped or not subscribed."""
    status = DiagnosticStatus(name=f"ml_dash_ros recorder: {topic}", hardware_id="ml_dash_ros")
    if row.get("skipped"):
        status.level, status.message = DiagnosticStatus.WARN, str(row["skipped"])
    elif row.get("dropped"):
        status.level, status.message = DiagnosticStatus.WARN, f"{row['dropped']} dropped"
    elif not row.get("subscribed"):
        status.level, status.message = DiagnosticStatus.WARN, "waiting for publishers"
    else:
        status.level, status.message = DiagnosticStatus.OK, "recording"
    status.values = [KeyValue(key=key, value=str(value)) for key, value in row.items()
                     if key != "skipped"]
    return status


def diagnostics(stamp, rows: dict[str, dict[str, Any]]) -> DiagnosticArray:
    """Return the DiagnosticArray published at every status period."""
    array = DiagnosticArray()
    array.header.stamp = stamp
    array.status = [topic_status(topic, row) for topic, row in rows.items()]
    return array


def log_line(rows: dict[str, dict[str, Any]], buffered: int) -> str:
    """Return a one-line summary: topic received/written/dropped and rate, buffer size."""
    parts = [f"{topic} {row['received']}/{row['written']}/{row['dropped']} "
             f"{row['rate']:.0f}Hz" for topic, row in rows.items() if row.get("subscribed")]
    return "recv/written/dropped: " + ", ".join(parts) + f"; buffered {buffered} rows"
