"""Small helpers on numpy arrays the generator's modules share."""

from typing import Any

import numpy as np

Array = np.ndarray[Any, Any]


def digits(values: Array, width: int) -> Array:
    """Non-negative integers → (n, width) ASCII digit bytes, zero-padded on the left."""
    out = np.empty((len(values), width), dtype=np.uint8)
    remaining = values.astype(np.int64)
    for position in range(width - 1, -1, -1):
        out[:, position] = remaining % 10 + ord("0")
        remaining = remaining // 10
    return out


def strings(matrix: Array) -> list[str]:
    """(n, width) ASCII bytes → n Python strings."""
    width = matrix.shape[1]
    return np.ascontiguousarray(matrix).view(f"S{width}").ravel().astype(f"U{width}").tolist()


def lognormal(rng: np.random.Generator, median: Array | float, sigma: float, n: int) -> Array:
    """n right-skewed positive draws around `median` (log-normal with spread `sigma`)."""
    return np.asarray(median) * np.exp(rng.normal(0.0, sigma, n))


def count_per_household(household: Array, flag: Array, households: int) -> Array:
    """How many members of each household have `flag` (a float array, for bincount)."""
    return np.bincount(household, weights=flag.astype(np.float64), minlength=households)


def first_member(size: Array) -> Array:
    """Position of each household's first member (its head) when members are in order."""
    return np.r_[0, np.cumsum(size)[:-1]] if len(size) else np.zeros(0, dtype=np.int64)
