"""A camera on a disk that fills up: segments lost are counted and named, the camera goes on."""

import os
import time

import av
import pytest

from ml_dash_ros.video import Cameras, VideoSettings
from test.conftest import fill_disk
from test.video.support import image, image_fields

PER_SEGMENT = 8                          # 0.25 s segments, stamps 1/32 s apart
IMAGES = [image_fields(image("16UC1", i), "16UC1") for i in range(PER_SEGMENT)]


class _Run:
    """One camera writing 16UC1 frames (lossless FFV1) onto a small disk."""

    def __init__(self, disk) -> None:
        self.cameras = Cameras(disk / "video", block=True)
        self.camera = self.cameras.camera("cam", VideoSettings(segment_seconds=0.25))
        self.directory = disk / "video/cam"
        self.sent = 0

    def submit(self, count: int) -> None:
        for _ in range(count):
            assert self.camera.submit(IMAGES[self.sent % PER_SEGMENT], self.sent / 32)
            self.sent += 1

    def closed(self) -> list:
        return sorted(self.directory.glob("seg-*.mkv"))

    def wait_closed(self, count: int, timeout: float = 60.0) -> list:
        deadline = time.monotonic() + timeout
        while len(self.closed()) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.closed()


@pytest.fixture
def filled(small_disk):
    """Write three segments, fill the disk, then two more segments' worth of frames."""
    run = _Run(small_disk)
    run.submit(3 * PER_SEGMENT + 1)            # the first frame of segment 4 closes segment 3
    assert len(run.wait_closed(3)) == 3
    run.filler = fill_disk(small_disk)
    run.submit(2 * PER_SEGMENT)
    yield run
    run.cameras.close()


def test_every_frame_after_the_last_closed_segment_is_counted_in_errors(filled):
    filled.cameras.close()
    assert filled.camera.counts.errors == filled.sent - 3 * PER_SEGMENT


def test_the_error_names_the_segment_and_enospc(filled):
    filled.cameras.close()
    error = filled.camera.counts.first_error
    assert f"{filled.directory / 'seg-000004.mkv'}: No space left on device" in error, error
    assert "(errno 28, ENOSPC)" in error, error


def test_the_segments_closed_before_decode_whole(filled):
    filled.cameras.close()
    counts = []
    for path in filled.closed():
        with av.open(str(path)) as container:
            counts.append(sum(1 for _ in container.decode(video=0)))
    assert counts == [PER_SEGMENT] * 3


def test_the_camera_writes_segments_again_once_the_disk_has_room(filled):
    deadline = time.monotonic() + 60       # segments 4 and 5 have failed: the disk was full
    while filled.camera.counts.errors < 2 * PER_SEGMENT and time.monotonic() < deadline:
        time.sleep(0.05)
    os.unlink(filled.filler)
    filled.submit(PER_SEGMENT - 1)              # ends segment 6, started while full
    filled.submit(PER_SEGMENT + 1)              # segment 7 whole, the first frame of 8
    filled.cameras.close()
    with av.open(str(filled.directory / "seg-000007.mkv")) as container:
        assert sum(1 for _ in container.decode(video=0)) == PER_SEGMENT
