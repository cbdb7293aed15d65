"""A track counts the bytes of the segments it wrote (what the recorder's size limit reads)."""


def _segment_bytes(builder) -> int:
    return sum(path.stat().st_size for path in builder.path.glob("*.parquet"))


def test_nothing_written_counts_zero_bytes(exp):
    builder = exp.tracks("robot").append(q=1.0, _ts=0.0)
    assert builder.written_bytes == 0


def test_a_flush_counts_the_bytes_of_its_segment(exp):
    builder = exp.tracks("robot")
    builder.append_batch([{"q": [float(i)] * 7, "_ts": i * 0.01} for i in range(1000)])
    exp.tracks.flush()
    assert builder.written_bytes == _segment_bytes(builder) > 0


def test_each_flush_adds_its_segment(exp):
    builder = exp.tracks("robot")
    builder.append(q=1.0, _ts=0.0)
    exp.tracks.flush()
    first = builder.written_bytes
    builder.append(q=2.0, _ts=1.0)
    exp.tracks.flush()
    assert builder.written_bytes > first
