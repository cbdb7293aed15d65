"""Gaps in a stream's stamps: counted against the running median period, memory bounded."""

import pytest

from ml_dash_ros.convert.stamp_gaps import GapCount, StampGaps, total


def _grid(start: float, count: int, period: float) -> list[float]:
    return [start + i * period for i in range(count)]


def test_an_exact_grid_has_no_gap():
    gaps = StampGaps()
    gaps.add_many(_grid(100.0, 5000, 0.002))
    assert gaps.count() == GapCount()


def test_a_missing_stretch_is_one_gap_with_its_missing_messages():
    stamps = _grid(100.0, 1000, 0.002)
    del stamps[500:510]                       # 10 messages lost at 500 Hz
    gaps = StampGaps()
    gaps.add_many(stamps)
    assert gaps.count() == GapCount(1, 10, pytest.approx(0.022))


def test_jitter_below_the_factor_is_not_a_gap():
    stamps = [t + (0.0015 if i % 7 == 0 else 0.0) for i, t in enumerate(_grid(0.0, 2000, 0.002))]
    gaps = StampGaps()
    gaps.add_many(stamps)
    assert gaps.gaps == 0


def test_a_period_under_the_absolute_minimum_is_not_a_gap():
    stamps = _grid(0.0, 100, 0.0001) + _grid(0.0149, 100, 0.0001)    # a 5 ms hole at 10 kHz
    gaps = StampGaps(min_gap=0.01)
    gaps.add_many(stamps)
    assert gaps.gaps == 0


def test_nothing_is_judged_before_the_warmup():
    gaps = StampGaps(warmup=16)
    gaps.add_many([0.0, 0.001, 0.002, 1.0, 1.001])
    assert gaps.gaps == 0


def test_a_backwards_jump_starts_a_new_baseline():
    gaps = StampGaps()
    gaps.add_many(_grid(100.0, 500, 0.01) + _grid(0.0, 500, 0.01))
    assert gaps.gaps == 0


def test_repeated_stamps_do_not_shrink_the_median():
    stamps = [t for t in _grid(0.0, 1000, 0.01) for _ in range(3)]    # three rows per stamp
    gaps = StampGaps()
    gaps.add_many(stamps)
    assert gaps.gaps == 0


def test_a_lasting_change_of_rate_stops_counting_within_the_window():
    gaps = StampGaps(window=64)
    gaps.add_many(_grid(0.0, 500, 0.002) + _grid(1.01, 64, 0.02))      # 500 Hz, then 50 Hz
    before = gaps.gaps
    gaps.add_many(_grid(2.29, 500, 0.02))
    assert gaps.gaps == before


def test_a_restart_after_a_pause_counts_no_gap():
    gaps = StampGaps()
    gaps.add_many(_grid(0.0, 500, 0.002))
    gaps.restart()
    gaps.add_many(_grid(10.0, 500, 0.002))
    assert gaps.gaps == 0


def test_total_sums_streams_and_keeps_the_longest():
    assert total([GapCount(1, 4, 0.5), GapCount(2, 9, 0.25)]) == GapCount(3, 13, 0.5)


@pytest.mark.parametrize("kwargs", [{"factor": 1.0}, {"min_gap": -1.0}, {"window": 0},
                                    {"warmup": 0}])
def test_a_bad_setting_is_refused_naming_it(kwargs):
    with pytest.raises(ValueError, match="StampGaps: factor must be"):
        StampGaps(**kwargs)
