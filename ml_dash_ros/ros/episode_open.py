"""Opening the recorder's next episode, before the current one is let go: a number past any
that holds a recording, its prefix claimed, its experiment open. Anything that fails (a bucket
out of reach, a full disk) raises here and changes nothing, so the recorder records on into
the episode it has."""

from __future__ import annotations

from typing import Any

from ml_dash_ros.convert.episodes import episode_prefix
from ml_dash_ros.tracks import Experiment
from ml_dash_ros.tracks.store.prefix_claim import claim_prefix, holds_recording
from ml_dash_ros.tracks.store.roots import local_root


def next_free_episode(base: str, dash_root: str, current: int, resume: bool) -> int:
    """Return the number after ``current``, past any episode already holding a recording."""
    number = current + 1
    root = local_root(dash_root)          # an s3:// root: its staging, checked
    if number > 1 and not resume:         # never merge into an earlier run's episode
        while holds_recording(root.joinpath(*episode_prefix(base, number).split("/"))):
            number += 1
    return number


def open_episode(base: str, dash_root: str, number: int, buffer: Any, *,
                 resume: bool) -> tuple:
    """Claim and open episode ``number``; return (number, lock, experiment)."""
    prefix = episode_prefix(base, number)
    lock = claim_prefix(local_root(dash_root), prefix, resume=resume)
    try:
        experiment = Experiment(prefix, dash_root=dash_root,
                                flush_interval=buffer.flush_interval,
                                batch_size=buffer.batch_size,
                                max_buffer_rows=buffer.max_buffer_rows,
                                when_full=buffer.when_full or "drop").open()
    except BaseException:
        lock.release()
        raise
    return number, lock, experiment
