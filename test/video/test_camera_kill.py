"""kill -9 while a camera is written: every closed segment decodes whole."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import pytest

REPO = Path(__file__).resolve().parents[2]


def _closed(directory: Path) -> list:
    return sorted(directory.glob("seg-*.mkv")) if directory.is_dir() else []


@pytest.mark.parametrize("codec", ["h264", "ffv1"])
def test_kill_9_leaves_every_closed_segment_decodable(tmp_path, codec):
    proc = subprocess.Popen([sys.executable, str(REPO / "test/video/record_frames.py"),
                             str(tmp_path), codec], cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    directory = tmp_path / "cams/killed/files/video/cam"
    deadline = time.monotonic() + 60
    while len(_closed(directory)) < 3 and time.monotonic() < deadline \
            and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    segments = _closed(directory)
    assert len(segments) >= 3
    counts = []
    for path in segments:
        with av.open(str(path)) as container:
            counts.append(sum(1 for _ in container.decode(video=0)))
    assert counts == [8] * len(segments)
