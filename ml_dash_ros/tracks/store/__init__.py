"""The store: the on-disk contract (``contract``, ``layout``), immutable Parquet segments and
their compaction, the read path and its merge, output formats, writer liveness and claims."""
