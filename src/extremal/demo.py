"""The worked examples of the seed articles, computed and checked against their equations.

Each step names the article and equation it reproduces, the computed result, and whether
it agrees with the article's formula (checked here, not assumed).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import sympy as sp

from extremal.examples import spherical_flat, two_body
from extremal.symbolic import (
    FieldLagrangian,
    Metric,
    change_coordinates,
    change_field_coordinates,
    christoffel,
    conformal_mechanics,
    euler_lagrange,
    field_equations,
    geodesic_equations,
    jacobi_metric,
    jacobi_newton_equations,
    laplace_beltrami,
    laplacian_from_action,
    mechanical_lagrangian,
)

__all__ = ["DemoStep", "demo_steps"]

SEEDS = {
    "000": "Geometrised mechanics (kexue.fm/archives/4046)",
    "001": "Geodesics (kexue.fm/archives/3977)",
    "002": "Coordinate changes through the action (kexue.fm/archives/3181)",
}


@dataclass(frozen=True)
class DemoStep:
    """One worked example: which seed and equation, what was computed, whether it matches."""

    seed: str
    equation: str
    title: str
    result: object
    matches: bool | None = None


def _same(a: sp.Expr, b: sp.Expr) -> bool:
    return sp.simplify(a - b) == 0


def _same_all(a, b) -> bool:
    return all(_same(x, y) for x, y in zip(a, b, strict=True))


def _seed_002() -> Iterator[DemoStep]:
    r, th, mu, F = sp.symbols("r theta mu F")
    rdot, thdot = sp.symbols("rdot thetadot")
    polar = {"x": "r*cos(theta)", "y": "r*sin(theta)"}
    cart = two_body()
    yield DemoStep("002", "eq. (2)", "two-body action, Cartesian", cart)
    yield DemoStep("002", "eq. (1)", "its Euler-Lagrange equations", euler_lagrange(cart))
    L = change_coordinates(cart, polar, "r theta")
    yield DemoStep("002", "eq. (3)", "the action in polar coordinates", L,
                   _same(L.expr, (rdot**2 + r**2 * thdot**2) / 2 + mu / r))
    eom = euler_lagrange(L)
    yield DemoStep("002", "eq. (4)", "its Euler-Lagrange equations", eom,
                   _same_all(eom.accelerations, (r * thdot**2 - mu / r**2, -2 * rdot * thdot / r)))
    yield DemoStep("002", "eq. (4)", "conservation form", eom.conservation_form)
    laplace = FieldLagrangian.parse("(u_x**2 + u_y**2)/2 + F*u", "u", "x y")
    yield DemoStep("002", "eq. (6)", "Poisson action, Cartesian", laplace)
    in_polar = change_field_coordinates(laplace, polar, "r theta")
    u = sp.Function("u")(r, th)
    yield DemoStep("002", "eq. (7)", "the action in polar coordinates (volume r dr dθ)", in_polar,
                   _same(in_polar.density, (u.diff(r) ** 2 + u.diff(th) ** 2 / r**2) / 2 * r + F * u * r))
    (eq8,) = field_equations(in_polar)
    yield DemoStep("002", "eq. (8)", "its Euler-Lagrange equation", eq8,
                   _same(eq8.lhs, F * r - sp.diff(r * u.diff(r), r) - u.diff(th, 2) / r))
    lap = laplacian_from_action(polar, "r theta")
    yield DemoStep("002", "eq. (8')", "the Laplacian in polar coordinates", lap,
                   _same(lap, sp.diff(r * u.diff(r), r) / r + u.diff(th, 2) / r**2))
    xi, eta = sp.symbols("xi eta")
    U = sp.Function("u")(xi, eta)
    parabolic = {"x": "xi**2 - eta**2", "y": "2*xi*eta"}
    lap = laplacian_from_action(parabolic, "xi eta")
    yield DemoStep("002", "parabolic", "Laplacian for x = ξ²-η², y = 2ξη (the seed drops a factor 4: "
                   "dx²+dy² = 4(ξ²+η²)(dξ²+dη²))", lap,
                   _same(lap, (U.diff(xi, 2) + U.diff(eta, 2)) / (4 * (xi**2 + eta**2))))
    ph = sp.Symbol("phi")
    spherical = {"x": "r*sin(theta)*cos(phi)", "y": "r*sin(theta)*sin(phi)", "z": "r*cos(theta)"}
    lap = laplacian_from_action(spherical, "r theta phi")
    W = sp.Function("u")(r, th, ph)
    expected = (sp.diff(r**2 * W.diff(r), r) / r**2 + sp.diff(sp.sin(th) * W.diff(th), th) / (r**2 * sp.sin(th))
                + W.diff(ph, 2) / (r**2 * sp.sin(th) ** 2))
    yield DemoStep("002", "spherical", "Laplacian in spherical coordinates", lap, _same(lap, expected))
    yield DemoStep("002", "check", "Laplace-Beltrami formula gives the same operator",
                   laplace_beltrami(spherical_flat()), _same(laplace_beltrami(spherical_flat()), expected))


def _seed_001() -> Iterator[DemoStep]:
    metric = spherical_flat()
    r, th = sp.symbols("r theta")
    yield DemoStep("001", "eq. (23)", "flat space in spherical coordinates", metric)
    yield DemoStep("001", "eq. (24)", "the geodesic Lagrangian ½ g ẋẋ", metric.lagrangian())
    eom = geodesic_equations(metric)
    yield DemoStep("001", "eq. (25)", "Euler-Lagrange equations", eom.conservation_form)
    rdot, thdot, phdot = sp.symbols("rdot thetadot phidot")
    seed_26 = (r * thdot**2 + r * sp.sin(th) ** 2 * phdot**2,
               -2 * rdot * thdot / r + sp.sin(th) * sp.cos(th) * phdot**2,
               -2 * rdot * phdot / r - 2 * sp.cos(th) / sp.sin(th) * thdot * phdot)
    yield DemoStep("001", "eq. (26)", "solved for the accelerations", eom, _same_all(eom.accelerations, seed_26))
    by_variation = christoffel(metric, method="variational")
    expected = {(0, 1, 1): -r, (0, 2, 2): -r * sp.sin(th) ** 2, (1, 0, 1): 1 / r,
                (1, 2, 2): -sp.sin(th) * sp.cos(th), (2, 0, 2): 1 / r, (2, 1, 2): sp.cos(th) / sp.sin(th)}
    found = by_variation.nonzero()
    yield DemoStep("001", "eq. (27)", "Christoffel symbols read off eq. (26)", by_variation,
                   found.keys() == expected.keys() and all(_same(found[i], expected[i]) for i in expected))
    by_formula = christoffel(metric, method="formula")
    yield DemoStep("001", "eq. (20)", "the textbook formula agrees", by_formula,
                   by_formula.array == by_variation.array)


def _seed_000() -> Iterator[DemoStep]:
    x, y, E = sp.symbols("x y E")
    flat = Metric.from_line_element("dx**2 + dy**2", "x y")
    U = sp.Function("U")(x, y)
    L = mechanical_lagrangian(flat, U)
    yield DemoStep("000", "eq. (70)", "a 2-D conservative system", L)
    newton = euler_lagrange(L)
    yield DemoStep("000", "eq. (71)", "Newton's equations", newton,
                   _same_all(newton.accelerations, (-U.diff(x), -U.diff(y))))
    jm = jacobi_metric(flat, U, E)
    yield DemoStep("000", "eq. (79)", "the Jacobi metric (E-U)(dx²+dy²)", jm)
    via_geometry = jacobi_newton_equations(flat, U)
    yield DemoStep("000", "eqs. (80)-(82)", "its geodesics, with dt = ds/(√2(E-U)), are Newton's equations",
                   via_geometry, _same_all(via_geometry, newton.accelerations))
    f = sp.Function("f")(x, y)
    conformal = geodesic_equations(Metric((x, y), f * sp.eye(2)))
    xd, yd = sp.symbols("xdot ydot")
    fx, fy = f.diff(x), f.diff(y)
    seed_84 = (-fx / (2 * f) * xd**2 + fx / (2 * f) * yd**2 - fy / f * xd * yd,
               -fy / (2 * f) * yd**2 + fy / (2 * f) * xd**2 - fx / f * xd * yd)
    yield DemoStep("000", "eq. (84)", "geodesics of f(x,y)(dx²+dy²) in arc length", conformal,
                   _same_all(conformal.accelerations, seed_84))
    worked = Metric.from_line_element("(x**2 + y**2)/2*(dx**2 + dy**2)", "x y")
    system = euler_lagrange(conformal_mechanics(worked))
    yield DemoStep("000", "eq. (86)", "with dt = sqrt((dx²+dy²)/(2f)), f = (x²+y²)/2: potential -f at E = 0",
                   system, system.accelerations == (x, y))
    t = sp.Symbol("t")
    X, Y = sp.Function("X")(t), sp.Function("Y")(t)
    solution = sp.dsolve([sp.Eq(X.diff(t, 2), X), sp.Eq(Y.diff(t, 2), Y)])
    yield DemoStep("000", "closed form", "its geodesics, solved (constants tied by E = 0)", tuple(solution))


def demo_steps() -> Iterator[DemoStep]:
    """All worked examples of seeds 002, 001 and 000, in the order the articles build up.

    Examples
    --------
    >>> step = next(demo_steps())
    >>> step.seed, step.equation
    ('002', 'eq. (2)')
    """
    yield from _seed_002()
    yield from _seed_001()
    yield from _seed_000()
