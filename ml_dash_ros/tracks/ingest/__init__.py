"""Ingest: what an append goes through before the store — value checks, the per-topic merge
buffer (with its generated fill functions) and the background flusher."""
