"""Built-in metrics and systems used by the demo, the command line and the benchmarks."""

from __future__ import annotations

import sympy as sp

from extremal.symbolic._lagrangian import Lagrangian
from extremal.symbolic._metric import Metric

__all__ = ["METRICS", "flrw", "kerr", "poincare_half_plane", "schwarzschild", "sphere", "spherical_flat", "two_body"]


def sphere(radius: str | sp.Expr = "a") -> Metric:
    r"""Round 2-sphere :math:`a^2(d\theta^2 + \sin^2\theta\,d\phi^2)`; :math:`K = 1/a^2`."""
    return Metric.from_line_element(f"({radius})**2*(dtheta**2 + sin(theta)**2*dphi**2)", "theta phi")


def spherical_flat() -> Metric:
    r"""Flat space in spherical coordinates, :math:`dr^2 + r^2d\theta^2 + r^2\sin^2\theta\,d\phi^2`.

    References
    ----------
    Su Jianlin, "Understanding Riemannian geometry, 3: Geodesics", https://kexue.fm/archives/3977, eq. (23).
    """
    return Metric.from_line_element("dr**2 + r**2*dtheta**2 + r**2*sin(theta)**2*dphi**2", "r theta phi")


def poincare_half_plane() -> Metric:
    r"""The Poincaré half-plane :math:`(dx^2 + dy^2)/y^2`; :math:`R = -2`."""
    return Metric.from_line_element("(dx**2 + dy**2)/y**2", "x y")


def schwarzschild() -> Metric:
    r"""Schwarzschild in Schwarzschild coordinates, mass ``M`` (G = c = 1)."""
    return Metric.from_line_element(
        "-(1 - 2*M/r)*dt**2 + dr**2/(1 - 2*M/r) + r**2*dtheta**2 + r**2*sin(theta)**2*dphi**2",
        "t r theta phi",
    )


def kerr() -> Metric:
    r"""Kerr in Boyer–Lindquist coordinates, mass ``M`` and spin ``a``.

    With :math:`\Sigma = r^2 + a^2\cos^2\theta` and :math:`\Delta = r^2 - 2Mr + a^2`.
    """
    sigma = "(r**2 + a**2*cos(theta)**2)"
    delta = "(r**2 - 2*M*r + a**2)"
    return Metric.from_line_element(
        f"-(1 - 2*M*r/{sigma})*dt**2 - 4*M*a*r*sin(theta)**2/{sigma}*dt*dphi + {sigma}/{delta}*dr**2"
        f" + {sigma}*dtheta**2 + (r**2 + a**2 + 2*M*r*a**2*sin(theta)**2/{sigma})*sin(theta)**2*dphi**2",
        "t r theta phi",
    )


def flrw() -> Metric:
    r"""FLRW with scale factor :math:`a(t)` and curvature ``k``:
    :math:`-dt^2 + a^2(dr^2/(1-kr^2) + r^2 d\Omega^2)`."""
    t, r, th, ph, k = sp.symbols("t r theta phi k")
    a = sp.Function("a")(t)
    g = sp.diag(-1, a**2 / (1 - k * r**2), a**2 * r**2, a**2 * r**2 * sp.sin(th) ** 2)
    return Metric((t, r, th, ph), g)


def two_body() -> Lagrangian:
    r"""The planar two-body problem, :math:`\tfrac12(\dot x^2+\dot y^2) + \mu/r`.

    References
    ----------
    Su Jianlin, "Changing coordinates with the calculus of variations", https://kexue.fm/archives/3181, eq. (2).
    """
    return Lagrangian.parse("(xdot**2 + ydot**2)/2 + mu/sqrt(x**2 + y**2)", "x y")


METRICS = {
    "sphere": sphere,
    "spherical-flat": spherical_flat,
    "poincare": poincare_half_plane,
    "schwarzschild": schwarzschild,
    "kerr": kerr,
    "flrw": flrw,
}
