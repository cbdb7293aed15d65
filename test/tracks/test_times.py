"""Readable stamps and the --start / --end forms: +S, seconds, ISO datetimes."""

import re

import pytest

from ml_dash_ros.tracks.api.times import format_range, format_stamp, parse_time

T0 = 1795600800.0  # 2026-11-25T10:00:00Z


def test_wall_clock_stamp_prints_as_iso_utc():
    assert format_stamp(T0 + 0.25) == "2026-11-25T10:00:00.250Z"


def test_simulation_stamp_prints_as_seconds():
    assert format_stamp(12.5) == "12.500"


def test_range_prints_both_ends_and_the_length():
    assert format_range(T0, T0 + 90) == \
        "2026-11-25T10:00:00.000Z .. 2026-11-25T10:01:30.000Z (90.000 s)"


def test_plus_seconds_count_from_the_start():
    assert parse_time("+10", T0) == T0 + 10


def test_plus_seconds_accept_fractions():
    assert parse_time("+0.5", 3.0) == 3.5


def test_plain_number_is_an_absolute_stamp():
    assert parse_time("10", T0) == 10.0


def test_iso_datetime_with_z_is_utc():
    assert parse_time("2026-11-25T10:00:00Z", None) == T0


def test_iso_datetime_without_zone_is_utc():
    assert parse_time("2026-11-25T10:00:01.5", None) == T0 + 1.5


def test_iso_datetime_with_offset():
    assert parse_time("2026-11-25T11:00:00+01:00", None) == T0


def test_relative_time_without_a_start_is_refused():
    with pytest.raises(ValueError, match="relative to the recording's start.*no rows"):
        parse_time("+10", None)


@pytest.mark.parametrize("text", ["yesterday", "+ten", "+", "nan", "2026-13-45"])
def test_unreadable_time_is_refused_naming_the_text(text):
    with pytest.raises(ValueError, match=re.escape(f"time '{text}'")):
        parse_time(text, T0)
