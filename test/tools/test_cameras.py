"""Cameras in ``info`` and ``ls``: frames, fps, resolution, codec, video bytes, segments."""

import json

import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.video import VideoSettings
from test.tools.conftest import run_cli
from test.video.support import image, image_fields, record, smooth

PREFIX = "cams/run"
FRAMES = 75                     # 2.5 s at 30 Hz: two segments of 2 s


@pytest.fixture(scope="module")
def cams_root(tmp_path_factory):
    """Write a recording with an rgb8 camera, a 16UC1 camera and a plain track."""
    root = tmp_path_factory.mktemp("cams") / "dash"
    with Experiment(PREFIX, dash_root=root).run as exp:
        stamps = [100.0 + i / 30 for i in range(FRAMES)]
        record(exp, "cam/color", [(image_fields(smooth(i), "rgb8"), ts)
                                  for i, ts in enumerate(stamps)], VideoSettings(queue=FRAMES))
        record(exp, "cam/depth", [(image_fields(image("16UC1", i, 32, 24), "16UC1"), ts)
                                  for i, ts in enumerate(stamps[:10])],
               VideoSettings(segment_seconds=0.1))
        exp.tracks("robot").append_batch([{"_ts": ts, "q": 0.5} for ts in stamps])
    return root


def _json(*args) -> object:
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _info_cameras(root) -> dict:
    doc = _json("info", PREFIX, "--dash-root", root, "--json")
    return {cam["track"]: cam for cam in doc["cameras"]}


def _segments(root, track: str) -> list:
    return sorted(root.joinpath(PREFIX, "files", "video", *track.split("/")).glob("seg-*"))


def test_info_lists_only_the_video_tracks_as_cameras(cams_root):
    assert sorted(_info_cameras(cams_root)) == ["cam/color", "cam/depth"]


def test_info_counts_the_frames_of_a_camera(cams_root):
    assert _info_cameras(cams_root)["cam/color"]["frames"] == FRAMES


def test_info_gives_the_frame_rate_from_the_stamps(cams_root):
    assert _info_cameras(cams_root)["cam/color"]["fps"] == pytest.approx(30.0)


@pytest.mark.parametrize("track, resolution, encoding, codec", [
    ("cam/color", "64x48", "rgb8", "h264"), ("cam/depth", "32x24", "16UC1", "ffv1")])
def test_info_gives_resolution_encoding_and_codec(cams_root, track, resolution, encoding,
                                                  codec):
    cam = _info_cameras(cams_root)[track]
    assert (cam["resolutions"], cam["encodings"], cam["codecs"]) == (
        [resolution], [encoding], [codec])


@pytest.mark.parametrize("track", ["cam/color", "cam/depth"])
def test_info_counts_the_segments_and_their_bytes(cams_root, track):
    cam = _info_cameras(cams_root)[track]
    files = _segments(cams_root, track)
    assert (cam["segments"], cam["video_bytes"]) == (
        len(files), sum(p.stat().st_size for p in files))


def test_info_prints_a_cameras_table(cams_root):
    proc = run_cli("info", PREFIX, "--dash-root", cams_root)
    rows = [line.split("│") for line in proc.stdout.split("\ncameras", 1)[1].splitlines()]
    color = [cell.strip() for cell in next(r for r in rows if r[0].strip() == "cam/color")]
    assert color[:6] == ["cam/color", str(FRAMES), "30.0", "64x48", "rgb8", "h264"]


def test_ls_counts_the_frames_of_each_camera(cams_root):
    (exp,) = _json("ls", "--dash-root", cams_root, "--json")
    assert {c["track"]: c["frames"] for c in exp["cameras"]} == {"cam/color": FRAMES,
                                                                 "cam/depth": 10}


def test_ls_prints_the_frames_in_a_cameras_table(cams_root):
    proc = run_cli("ls", "--dash-root", cams_root)
    rows = [[cell.strip() for cell in line.split("│")]
            for line in proc.stdout.split("cameras", 1)[1].splitlines()]
    assert ["", "cam/depth", "10", str(len(_segments(cams_root, "cam/depth")))] in \
        [row[:4] for row in rows]


def test_a_garbled_segment_is_named_and_the_other_cameras_still_show(tmp_path):
    root = tmp_path / "dash"
    with Experiment(PREFIX, dash_root=root).run as exp:
        for track in ("cam/a", "cam/b"):
            record(exp, track, [(image_fields(smooth(i), "rgb8"), 1.0 + i / 30)
                                for i in range(3)])
    (first,) = _segments(root, "cam/a")
    first.write_bytes(b"not a video")
    cams = _info_cameras(root)
    assert str(first) in cams["cam/a"]["error"]
    assert cams["cam/b"]["codecs"] == ["h264"]
