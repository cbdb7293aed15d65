"""Sizes in a mapping: bytes or a text with a decimal or binary unit."""

import pytest

from ml_dash_ros.mapping.sizes import parse_size


@pytest.mark.parametrize("value, size", [(1000, 1000), ("1000", 1000), ("500MB", 500_000_000),
                                         ("500 MB", 500_000_000), ("2GiB", 2 << 30),
                                         ("1.5 kB", 1500), ("64kib", 65536), ("3 B", 3)])
def test_a_size_reads_as_bytes(value, size):
    assert parse_size(value) == size


@pytest.mark.parametrize("value, message", [
    ("500 MBytes", r"a size such as 500MB or 2GiB \(units: B, kB"),
    ("MB", r"a size such as 500MB"), ("-5MB", r"a size such as 500MB"),
    (0, r"a positive size"), (-1, r"a positive size"), ("0.1 B", r"a positive size"),
    (True, r"a size: bytes"), (2.5, r"a size: bytes"), ([1], r"a size: bytes")])
def test_a_bad_size_says_what_was_expected(value, message):
    with pytest.raises(ValueError, match=message):
        parse_size(value)
