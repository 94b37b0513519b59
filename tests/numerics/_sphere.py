"""Points on the unit sphere in the chart (θ, φ), for boundary-value cases with a closed-form distance.

Plain NumPy only: ``benchmarks/bench_geodesics.py`` loads this module by path too.
"""

from __future__ import annotations

import numpy as np


def unit(x: np.ndarray) -> np.ndarray:
    """The unit vectors of the points ``x`` (rows of (θ, φ)) in R³; their dot product is cos of the distance."""
    x = np.atleast_2d(x)
    return np.c_[np.sin(x[:, 0]) * np.cos(x[:, 1]), np.sin(x[:, 0]) * np.sin(x[:, 1]), np.cos(x[:, 0])]


def near_antipode(a: np.ndarray, delta: float, angle: float = 0.7) -> np.ndarray:
    """The point at angle ``delta`` from the antipode of ``a``, its longitude continued along the short arc."""
    u = unit(a)[0]
    e1 = np.array([np.cos(a[0]) * np.cos(a[1]), np.cos(a[0]) * np.sin(a[1]), -np.sin(a[0])])
    q = np.cos(delta) * -u + np.sin(delta) * (np.cos(angle) * e1 + np.sin(angle) * np.cross(-u, e1))
    w = np.linspace(0, 1, 201)[:, None]
    arc = np.arccos(np.clip(u @ q, -1, 1))
    points = (np.sin((1 - w) * arc) * u + np.sin(w * arc) * q) / np.sin(arc)
    ph = np.unwrap(np.arctan2(points[:, 1], points[:, 0]))
    return np.array([np.arccos(q[2]), a[1] + ph[-1] - ph[0]])
