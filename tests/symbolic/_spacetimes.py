"""Metrics shared by the symbolic tests."""

from __future__ import annotations

import sympy as sp

from extremal.symbolic.metric import Metric

t, r, th, ph, x, y = sp.symbols("t r theta phi x y")
M, a, k = sp.symbols("M a k")


def polar() -> Metric:
    return Metric.from_line_element("dr**2 + r**2*dtheta**2", "r theta")


def spherical() -> Metric:
    return Metric.from_line_element(
        "dr**2 + r**2*dtheta**2 + r**2*sin(theta)**2*dphi**2", "r theta phi"
    )


def sphere() -> Metric:
    return Metric((th, ph), sp.diag(a**2, a**2 * sp.sin(th) ** 2))


def half_plane() -> Metric:
    return Metric.from_line_element("(dx**2 + dy**2)/y**2", "x y")


def off_diagonal() -> Metric:
    return Metric((x, y), sp.Matrix([[1 + y**2, x * y], [x * y, 2 + x**2]]))


def schwarzschild() -> Metric:
    f = 1 - 2 * M / r
    return Metric((t, r, th, ph), sp.diag(-f, 1 / f, r**2, r**2 * sp.sin(th) ** 2))


def kerr() -> Metric:
    sigma = r**2 + a**2 * sp.cos(th) ** 2
    delta = r**2 - 2 * M * r + a**2
    s2 = sp.sin(th) ** 2
    g = sp.zeros(4)
    g[0, 0] = -(1 - 2 * M * r / sigma)
    g[0, 3] = g[3, 0] = -2 * M * a * r * s2 / sigma
    g[1, 1] = sigma / delta
    g[2, 2] = sigma
    g[3, 3] = (r**2 + a**2 + 2 * M * r * a**2 * s2 / sigma) * s2
    return Metric((t, r, th, ph), g)


def flrw() -> Metric:
    A = sp.Function("a")(t)
    return Metric(
        (t, r, th, ph),
        sp.diag(-1, A**2 / (1 - k * r**2), A**2 * r**2, A**2 * r**2 * sp.sin(th) ** 2),
    )


def root_metric() -> Metric:
    """A metric with a square root, outside the exact rational representation."""
    return Metric((r, th), sp.diag(1, sp.sqrt(r) * (1 + r)))


ALL = [polar, spherical, sphere, half_plane, off_diagonal, schwarzschild, kerr, flrw, root_metric]
