"""The public Track API: Experiment, the tracks manager and its TrackBuilder handles, params,
metrics, and stamps for people (``times``)."""
