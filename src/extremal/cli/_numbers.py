"""Parsing of the numeric options shared by the numerical subcommands."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from extremal.errors import InputError

__all__ = ["interval", "vector", "vectors"]


def vector(text: str, name: str) -> NDArray[np.float64]:
    """Numbers separated by commas or spaces, e.g. ``"1.57,0"``.

    Examples
    --------
    >>> vector("1.5, 0", "x0")
    array([1.5, 0. ])
    """
    try:
        values = np.array([float(c) for c in text.replace(",", " ").split()])
    except ValueError:
        raise InputError(f"--{name} takes numbers separated by commas, e.g. --{name} 1.57,0; got {text!r}.") from None
    if values.size == 0:
        raise InputError(f"--{name} needs at least one number, e.g. --{name} 1.57,0; got {text!r}.")
    return values


def vectors(texts: list[str], name: str) -> NDArray[np.float64]:
    """One row per repeated option, shape (N, n).

    Examples
    --------
    >>> vectors(["1,0", "0,1"], "v0").shape
    (2, 2)
    """
    rows = [vector(t, name) for t in texts]
    if len({r.size for r in rows}) != 1:
        raise InputError(f"every --{name} needs the same number of components; got {texts!r}.")
    return np.stack(rows)


def interval(text: str, name: str, count: int) -> NDArray[np.float64]:
    """``END`` or ``START:END`` as ``count`` evenly spaced samples.

    Examples
    --------
    >>> interval("0:2", "t", 3)
    array([0., 1., 2.])
    """
    parts = text.split(":")
    try:
        start, end = (0.0, float(parts[0])) if len(parts) == 1 else (float(parts[0]), float(parts[1]))
    except (ValueError, IndexError):
        raise InputError(f"--{name} takes END or START:END, e.g. --{name} 0:10; got {text!r}.") from None
    if len(parts) > 2 or not (np.isfinite(start) and np.isfinite(end)) or start == end:
        raise InputError(f"--{name} takes END or START:END with two different finite numbers; got {text!r}.")
    if count < 2:
        raise InputError(f"--samples must be at least 2; got {count}.")
    return np.linspace(start, end, count)
