"""The mapping's ``video:`` key: camera topics as video, validated with one-line errors."""

import pytest

from ml_dash_ros.errors import ConfigError
from ml_dash_ros.mapping import VideoSettings, parse_config

HEAD = {"experiment": {"prefix": "a/b"}}


def _topic(video):
    return parse_config({**HEAD, "topics": [{"topic": "/cam", "video": video}]},
                        source="m.yaml").topics[0]


def test_absent_key_means_the_default_video_settings():
    config = parse_config({**HEAD, "topics": [{"topic": "/cam"}]})
    assert config.topics[0].video is None


def test_false_keeps_images_as_plain_rows():
    assert _topic(False).video is False


def test_a_mapping_gives_the_settings():
    assert _topic({"codec": "ffv1", "segment_seconds": 5, "crf": 18}) == \
        _topic({"codec": "ffv1", "segment_seconds": 5.0, "crf": 18})
    assert _topic({"codec": "ffv1", "segment_seconds": 5, "crf": 18}).video == VideoSettings(
        codec="ffv1", crf=18, segment_seconds=5.0)


@pytest.mark.parametrize("video, pattern", [
    ({"codec": "mpeg2"}, r"m.yaml: topics\[0\].video.codec: expected one of h264, ffv1, "
                         r"got 'mpeg2'"),
    ({"crf": 60}, r"topics\[0\].video.crf: expected an integer from 0 \(lossless\) to 51, got 60"),
    ({"crf": "high"}, r"topics\[0\].video.crf: expected an integer"),
    ({"segment_seconds": 0}, r"topics\[0\].video.segment_seconds: expected a positive number"),
    ({"queue": 2.5}, r"topics\[0\].video.queue: expected a positive integer"),
    ({"preset": "quick"}, r"topics\[0\].video.preset: expected one of ultrafast"),
    ({"codecs": "h264"}, r"topics\[0\].video.codecs: unknown key; expected one of codec"),
    ("yes", r"topics\[0\].video: expected true, false or a mapping of codec"),
])
def test_a_bad_video_setting_is_refused_naming_the_key(video, pattern):
    with pytest.raises(ConfigError, match=pattern):
        _topic(video)
