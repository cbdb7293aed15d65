"""StampPasses: a jump back in stamps starts a new pass; late stragglers stay in the old one."""

from ml_dash_ros.convert.passes import CURRENT, PREVIOUS, RESET, StampPasses


def _run(passes, stamps, now=0.0):
    return [passes.classify(ts, now) for ts in stamps]


def test_increasing_stamps_are_one_pass():
    assert _run(StampPasses(), [1.0, 2.0, 3.0]) == [CURRENT] * 3


def test_out_of_order_within_the_threshold_is_the_same_pass():
    assert _run(StampPasses(threshold=1.0), [10.0, 10.5, 9.7, 10.6]) == [CURRENT] * 4


def test_a_jump_back_beyond_the_threshold_is_a_reset():
    assert _run(StampPasses(threshold=1.0), [10.0, 20.0, 0.5]) == [CURRENT, CURRENT, RESET]


def test_after_new_pass_the_reset_stamp_is_current():
    passes = StampPasses()
    _run(passes, [10.0, 20.0])
    passes.new_pass(now=0.0)
    assert _run(passes, [0.5, 1.0]) == [CURRENT, CURRENT]


def test_a_straggler_of_the_old_pass_within_the_grace_is_previous():
    passes = StampPasses(grace=2.0)
    _run(passes, [10.0, 20.0])
    passes.new_pass(now=100.0)
    assert passes.classify(20.01, now=101.0) == PREVIOUS
    assert passes.classify(0.5, now=101.0) == CURRENT


def test_after_the_grace_a_late_stamp_is_current_again():
    passes = StampPasses(grace=2.0)
    _run(passes, [10.0, 20.0])
    passes.new_pass(now=100.0)
    assert passes.classify(20.01, now=103.0) == CURRENT


def test_receive_stamps_are_never_stragglers():
    passes = StampPasses()
    _run(passes, [10.0, 20.0])
    passes.new_pass(now=100.0)
    assert passes.classify(20.5, now=100.5, header=False) == CURRENT


def test_static_rows_never_reset():
    assert _run(StampPasses(), [10.0, 0.0, 10.1]) == [CURRENT] * 3


def test_the_new_pass_reaching_the_old_stamps_is_not_a_straggler():
    passes = StampPasses(threshold=1.0, grace=2.0)
    _run(passes, [100.0, 101.5])
    passes.new_pass(now=0.0)
    assert _run(passes, [100.0, 100.3, 100.6, 100.9, 101.2], now=0.5) == [CURRENT] * 5
