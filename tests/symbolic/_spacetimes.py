"""Metrics shared by the symbolic tests."""

from __future__ import annotations

import sympy as sp

from extremal import examples
from extremal.examples import flrw, kerr, schwarzschild
from extremal.examples import poincare_half_plane as half_plane
from extremal.examples import spherical_flat as spherical
from extremal.symbolic._metric import Metric

t, r, th, ph, x, y = sp.symbols("t r theta phi x y")
M, a, k = sp.symbols("M a k")


def polar() -> Metric:
    return Metric.from_line_element("dr**2 + r**2*dtheta**2", "r theta")


def sphere() -> Metric:
    return examples.sphere()


def off_diagonal() -> Metric:
    return Metric((x, y), sp.Matrix([[1 + y**2, x * y], [x * y, 2 + x**2]]))


def root_metric() -> Metric:
    """A metric with a square root, outside the exact rational representation."""
    return Metric((r, th), sp.diag(1, sp.sqrt(r) * (1 + r)))


ALL = [polar, spherical, sphere, half_plane, off_diagonal, schwarzschild, kerr, flrw, root_metric]
