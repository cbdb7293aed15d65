"""An episode taken out of the recorder's message path and closed: now (a stop, a new
episode), or in the background once late messages of its pass had their grace (a time jump).
Closing flushes, compacts, writes ``recorder.json`` (with the runs before it) and releases the
prefix; on a full disk it frees the space reserve, marks the recording incomplete and counts
what it gave up."""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

from ml_dash_ros.convert.passes import DEFAULT_GRACE
from ml_dash_ros.convert.topic_stats import recorder_json_text, write_recorder_json
from ml_dash_ros.errors import MlDashRosError, StoreError
from ml_dash_ros.tracks import Experiment
from ml_dash_ros.tracks.store import compaction, uploader
from ml_dash_ros.tracks.store.contract import RECORDER_FILE
from ml_dash_ros.tracks.store.prefix_claim import SpaceReserve


class ClosingEpisode:
    """An episode out of the message path: closed now, or after stragglers had their grace."""

    grace = DEFAULT_GRACE

    def __init__(self, experiment: Experiment, lock: Any, header: dict, opened: float,
                 rows: dict, write_stats: Callable[[Experiment, dict, dict], None],
                 reserve: SpaceReserve) -> None:
        """Keep what closing needs: the lock, the stats header and the per-topic rows."""
        self.experiment, self.lock, self.header = experiment, lock, header
        self.opened, self.rows, self._write_stats = opened, rows, write_stats
        self.reserve = reserve

    def append(self, track: str, fields: dict, ts: float) -> None:
        """Append a straggler of this episode's pass."""
        self.experiment.tracks(track).append(_ts=ts, **fields)

    def close(self, status: str, error: str | None) -> None:
        """Flush, close, write recorder.json and release the prefix.

        If the store refuses the last rows (a full disk), the space reserve is released so
        that the status (``incomplete``) and the counts can still be written, the rows that
        could not be written are counted as ``lost_at_close``, and the StoreError is raised.
        """
        experiment, failure, clock = self.experiment, None, time.monotonic()
        try:
            experiment.tracks.flush()
            experiment.close(status=status, error=error)
        except MlDashRosError as err:
            failure = err
            self.reserve.release()
            given_up = experiment.abandon(f"closing failed, buffered rows lost: {err}")
            self.header = {**self.header, "lost_at_close": given_up, "close_error": str(err)}
        finally:
            self.reserve.release()
            self.header = {**self.header, "close": close_report(experiment, clock)}
            for row in self.rows.values():      # stragglers were written after the snapshot
                builders = [experiment.tracks(t) for t in row["tracks"]]
                row["written"] = sum(b.written_rows for b in builders)
                row["buffered"] = sum(b.buffered_rows for b in builders)
            try:
                self._write_stats(experiment, self.header, self.rows)
            finally:
                self.lock.release()
        if failure is not None:
            raise failure

    def close_in_background(self) -> threading.Thread:
        """Close on a thread (compaction must not hold up the executor); return the thread."""
        thread = threading.Thread(target=self.close, args=("completed", None),
                                  name="close-episode", daemon=False)
        thread.start()
        return thread


def close_report(experiment: Experiment, clock: float) -> dict:
    """Log and return how long closing took and what compaction did (recorder.json)."""
    report = {"seconds": round(time.monotonic() - clock, 3),
              **compaction.stats_under(experiment.path).as_dict()}
    print(f"recorder: closed {experiment.path} in {report['seconds']:.2f} s: "
          f"{report['close_merges']} merges of {report['close_inputs']} segments at close, "
          f"{report['background_merges']} of {report['background_inputs']} while recording",
          file=sys.stderr, flush=True)
    return report


def earlier_runs(path: Path) -> list:
    """Return the runs an earlier recorder.json holds (none if absent or unreadable)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(doc, dict):
        return []
    runs = doc.get("runs")
    if isinstance(runs, list):
        return runs
    return [doc] if "topics" in doc else []     # written before runs were kept


def write_stats(experiment: Experiment, header: dict, rows: dict) -> None:
    """Write an episode's ``recorder.json``: this run's counts, after the runs before it.

    On a full disk the counts still reach whoever reads stderr.
    """
    stats = {**header, "stopped": time.time(), "topics": rows}
    upload = uploader.upload_state(experiment.path)
    if upload is not None:                      # an s3:// root: what still waited at close
        stats["upload"] = upload.as_dict()
    stats["runs"] = earlier_runs(Path(experiment.path) / RECORDER_FILE) + [
        {key: value for key, value in stats.items() if key != "runs"}]
    try:
        write_recorder_json(experiment.path, stats)
    except StoreError as err:
        print(f"recorder: {err}; the counts were:\n{recorder_json_text(stats)}",
              file=sys.stderr, flush=True)
    uploader.settle(experiment.path)            # an s3:// root: upload it too
