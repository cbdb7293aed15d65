"""Feature statistics as LeRobot keeps them: per episode, then combined for ``meta/stats.json``.

Each feature has ``min``, ``max``, ``mean``, ``std``, ``count`` and the quantiles ``q01``,
``q10``, ``q50``, ``q90``, ``q99`` per value. Video features are per colour channel, scaled to
[0, 1], shaped (3, 1, 1), from a sample of the episode's frames. Episodes combine as LeRobot's
``aggregate_stats`` does: counts add, means and variances are weighted by count, quantiles are
the count-weighted mean of the episodes' quantiles.
"""

from __future__ import annotations

import numpy as np

QUANTILES = (0.01, 0.10, 0.50, 0.90, 0.99)
QUANTILE_KEYS = tuple(f"q{int(q * 100):02d}" for q in QUANTILES)


def vector_stats(values: np.ndarray) -> dict[str, np.ndarray]:
    """Return the statistics of rows x values (or one value per row) over the rows."""
    data = np.asarray(values, dtype=np.float64)
    data = data.reshape(len(data), -1)
    out = {"min": data.min(axis=0), "max": data.max(axis=0), "mean": data.mean(axis=0),
           "std": data.std(axis=0), "count": np.array([len(data)])}
    for key, q in zip(QUANTILE_KEYS, np.quantile(data, QUANTILES, axis=0)):
        out[key] = q
    return out


def image_stats(frames: np.ndarray) -> dict[str, np.ndarray]:
    """Return per-channel statistics in [0, 1], shaped (3, 1, 1), of N x H x W x 3 frames."""
    pixels = frames.reshape(-1, frames.shape[-1]).astype(np.float64) / 255.0
    stats = vector_stats(pixels)
    out = {key: value.reshape(-1, 1, 1) for key, value in stats.items() if key != "count"}
    out["count"] = np.array([len(frames)])
    return out


def combine(episodes: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Return the statistics of a feature over several episodes."""
    counts = np.array([float(e["count"][0]) for e in episodes])
    weights = counts / counts.sum()

    def weighted(key: str) -> np.ndarray:
        return sum(w * e[key] for w, e in zip(weights, episodes))

    mean = weighted("mean")
    variance = sum(w * (e["std"] ** 2 + (e["mean"] - mean) ** 2)
                   for w, e in zip(weights, episodes))
    out = {"min": np.min([e["min"] for e in episodes], axis=0),
           "max": np.max([e["max"] for e in episodes], axis=0),
           "mean": mean, "std": np.sqrt(variance), "count": np.array([int(counts.sum())])}
    for key in QUANTILE_KEYS:
        out[key] = weighted(key)
    return out


def as_lists(stats: dict[str, dict[str, np.ndarray]]) -> dict:
    """Return {feature: {stat: nested list}} for JSON."""
    return {feature: {key: np.asarray(value).tolist() for key, value in values.items()}
            for feature, values in stats.items()}
