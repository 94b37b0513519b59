"""Sums and products of non-negative numbers in log space (NumPy only).

The schedules and bounds multiply, divide and add powers of gradient norms, rates and
radii (``G^2``, ``G^-2``, ``R^2/η``). Any of these overflows or underflows float64 for
inputs far from 1 (``G = 1e200``, ``η = 1e-300``) although the result is representable.
In log space every intermediate is a modest number; ``exp`` at the end gives ``inf`` or
``0`` only when the result itself leaves the float64 range. Zero is ``-inf``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["exp", "log", "log_cumsum", "log_ratio", "log_sum", "log_tails"]


def log(x: ArrayLike) -> NDArray[np.float64]:
    """Natural log of non-negative ``x``, ``-inf`` for 0, without a warning."""
    with np.errstate(divide="ignore"):
        return np.log(np.asarray(x, dtype=np.float64))


def exp(x: ArrayLike) -> NDArray[np.float64]:
    """``exp(x)``: ``inf`` above the float64 range, ``0`` below it, without a warning."""
    with np.errstate(over="ignore", under="ignore"):
        return np.exp(np.asarray(x, dtype=np.float64))


def log_sum(logs: ArrayLike) -> float:
    """``log(sum(exp(logs)))`` of a 1-D array, shifted by its maximum (``-inf`` when empty).

    Examples
    --------
    >>> round(float(exp(log_sum(log([1.0, 2.0, 0.0])))), 12)
    3.0
    >>> round(log_sum([1000.0, 1000.0]), 6)
    1000.693147
    """
    x = np.asarray(logs, dtype=np.float64)
    if x.size == 0:
        return -np.inf
    top = float(np.max(x))
    if not np.isfinite(top):
        return top
    with np.errstate(under="ignore"):
        return top + float(np.log(np.sum(np.exp(x - top))))


def log_cumsum(logs: ArrayLike) -> NDArray[np.float64]:
    """``log(cumsum(exp(logs)))``: prefix sums of any dynamic range."""
    x = np.asarray(logs, dtype=np.float64)
    top = float(np.max(x))
    if not np.isfinite(top):
        return np.logaddexp.accumulate(x)
    return np.logaddexp.accumulate(x - top) + top


def log_tails(logs: ArrayLike) -> NDArray[np.float64]:
    """``log`` of the suffix sums ``sum(exp(logs[t:]))`` for each ``t``."""
    return log_cumsum(np.asarray(logs, dtype=np.float64)[::-1])[::-1]


def log_ratio(num: ArrayLike, den: ArrayLike) -> NDArray[np.float64]:
    """``num - den`` in log space with ``0/0 = 0`` (``-inf``) and ``x/0 = inf`` for ``x > 0``."""
    n = np.asarray(num, dtype=np.float64)
    d = np.asarray(den, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        out = n - d
    return np.where(n == -np.inf, -np.inf, out)
