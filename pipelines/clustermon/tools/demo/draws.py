"""Small random draws the simulation shares."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def scaled(base: np.ndarray, low: int, high: int, scale: float, floor: int) -> np.ndarray:
    """Counts drawn at full size, then scaled; the full-size minima hold only at scale 1."""
    counts = np.clip(np.round(base), low, high)
    if scale == 1.0:
        return counts.astype(np.int64)
    return np.maximum(floor, np.round(counts * scale)).astype(np.int64)


def between(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """A uniform day in [low, high) for each pair."""
    low, high = np.asarray(low), np.asarray(high)
    return low + np.floor(rng.random(low.shape) * (high - low)).astype(np.int64)


def pick(
    rng: np.random.Generator, options: Sequence[str], p: Sequence[float], n: int
) -> np.ndarray:
    return rng.choice(np.array(options, dtype=object), n, p=np.array(p) / np.sum(p))


def year_start(years: np.ndarray) -> np.ndarray:
    return (
        (np.asarray(years) - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    )


def year_of(days: np.ndarray) -> np.ndarray:
    return np.asarray(days).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
