"""The worked examples of three articles by Su Jianlin, computed and checked against their equations.

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
    Formula,
    Metric,
    Variational,
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

__all__ = ["COORDINATE_CHANGES", "GEODESICS", "GEOMETRISED_MECHANICS", "Article", "DemoStep", "demo_steps"]


@dataclass(frozen=True, slots=True)
class Article:
    """A source article: its author, its title in English and its address.

    Examples
    --------
    >>> print(COORDINATE_CHANGES)
    Su Jianlin, "Changing coordinates with the calculus of variations", https://kexue.fm/archives/3181
    """

    title: str
    url: str
    author: str = "Su Jianlin"

    def __str__(self) -> str:
        return f'{self.author}, "{self.title}", {self.url}'


COORDINATE_CHANGES = Article("Changing coordinates with the calculus of variations", "https://kexue.fm/archives/3181")
GEODESICS = Article("Understanding Riemannian geometry, 3: Geodesics", "https://kexue.fm/archives/3977")
GEOMETRISED_MECHANICS = Article(
    "Understanding Riemannian geometry, 8: Geometry everywhere (mechanics made geometric)",
    "https://kexue.fm/archives/4046",
)


@dataclass(frozen=True)
class DemoStep:
    """One worked example: which article and equation, what was computed, whether it matches."""

    article: Article
    equation: str
    title: str
    result: object
    matches: bool | None = None


def _same(a: sp.Expr, b: sp.Expr) -> bool:
    return sp.simplify(a - b) == 0


def _same_all(a, b) -> bool:
    return all(_same(x, y) for x, y in zip(a, b, strict=True))


def _coordinate_changes() -> Iterator[DemoStep]:
    r, th, mu, F = sp.symbols("r theta mu F")
    rdot, thdot = sp.symbols("rdot thetadot")
    polar = {"x": "r*cos(theta)", "y": "r*sin(theta)"}
    cart = two_body()
    yield DemoStep(COORDINATE_CHANGES, "eq. (2)", "two-body action, Cartesian", cart)
    yield DemoStep(COORDINATE_CHANGES, "eq. (1)", "its Euler-Lagrange equations", euler_lagrange(cart))
    L = change_coordinates(cart, polar, "r theta")
    yield DemoStep(COORDINATE_CHANGES, "eq. (3)", "the action in polar coordinates", L,
                   _same(L.expr, (rdot**2 + r**2 * thdot**2) / 2 + mu / r))
    eom = euler_lagrange(L)
    yield DemoStep(COORDINATE_CHANGES, "eq. (4)", "its Euler-Lagrange equations", eom,
                   _same_all(eom.accelerations, (r * thdot**2 - mu / r**2, -2 * rdot * thdot / r)))
    yield DemoStep(COORDINATE_CHANGES, "eq. (4)", "conservation form", eom.conservation_form)
    laplace = FieldLagrangian.parse("(u_x**2 + u_y**2)/2 + F*u", "u", "x y")
    yield DemoStep(COORDINATE_CHANGES, "eq. (6)", "Poisson action, Cartesian", laplace)
    in_polar = change_field_coordinates(laplace, polar, "r theta")
    u = sp.Function("u")(r, th)
    yield DemoStep(COORDINATE_CHANGES, "eq. (7)", "the action in polar coordinates (volume r dr dθ)", in_polar,
                   _same(in_polar.density, (u.diff(r) ** 2 + u.diff(th) ** 2 / r**2) / 2 * r + F * u * r))
    (eq8,) = field_equations(in_polar)
    yield DemoStep(COORDINATE_CHANGES, "eq. (8)", "its Euler-Lagrange equation", eq8,
                   _same(eq8.lhs, F * r - sp.diff(r * u.diff(r), r) - u.diff(th, 2) / r))
    lap = laplacian_from_action(polar, "r theta")
    yield DemoStep(COORDINATE_CHANGES, "after eq. (8)", "the Laplacian in polar coordinates", lap,
                   _same(lap, sp.diff(r * u.diff(r), r) / r + u.diff(th, 2) / r**2))
    xi, eta = sp.symbols("xi eta")
    U = sp.Function("u")(xi, eta)
    parabolic = {"x": "xi**2 - eta**2", "y": "2*xi*eta"}
    lap = laplacian_from_action(parabolic, "xi eta")
    yield DemoStep(COORDINATE_CHANGES, "parabolic", "Laplacian for x = ξ²-η², y = 2ξη (the article drops a factor 4: "
                   "dx²+dy² = 4(ξ²+η²)(dξ²+dη²))", lap,
                   _same(lap, (U.diff(xi, 2) + U.diff(eta, 2)) / (4 * (xi**2 + eta**2))))
    ph = sp.Symbol("phi")
    spherical = {"x": "r*sin(theta)*cos(phi)", "y": "r*sin(theta)*sin(phi)", "z": "r*cos(theta)"}
    lap = laplacian_from_action(spherical, "r theta phi")
    W = sp.Function("u")(r, th, ph)
    expected = (sp.diff(r**2 * W.diff(r), r) / r**2 + sp.diff(sp.sin(th) * W.diff(th), th) / (r**2 * sp.sin(th))
                + W.diff(ph, 2) / (r**2 * sp.sin(th) ** 2))
    yield DemoStep(COORDINATE_CHANGES, "spherical", "Laplacian in spherical coordinates", lap, _same(lap, expected))
    yield DemoStep(COORDINATE_CHANGES, "check", "Laplace-Beltrami formula gives the same operator",
                   laplace_beltrami(spherical_flat()), _same(laplace_beltrami(spherical_flat()), expected))


def _geodesics() -> Iterator[DemoStep]:
    metric = spherical_flat()
    r, th = sp.symbols("r theta")
    yield DemoStep(GEODESICS, "eq. (23)", "flat space in spherical coordinates", metric)
    yield DemoStep(GEODESICS, "eq. (24)", "the geodesic Lagrangian ½ g ẋẋ", metric.lagrangian())
    eom = geodesic_equations(metric)
    yield DemoStep(GEODESICS, "eq. (25)", "Euler-Lagrange equations", eom.conservation_form)
    rdot, thdot, phdot = sp.symbols("rdot thetadot phidot")
    article_26 = (r * thdot**2 + r * sp.sin(th) ** 2 * phdot**2,
                  -2 * rdot * thdot / r + sp.sin(th) * sp.cos(th) * phdot**2,
                  -2 * rdot * phdot / r - 2 * sp.cos(th) / sp.sin(th) * thdot * phdot)
    yield DemoStep(GEODESICS, "eq. (26)", "solved for the accelerations", eom, _same_all(eom.accelerations, article_26))
    by_variation = christoffel(metric, method=Variational())
    expected = {(0, 1, 1): -r, (0, 2, 2): -r * sp.sin(th) ** 2, (1, 0, 1): 1 / r,
                (1, 2, 2): -sp.sin(th) * sp.cos(th), (2, 0, 2): 1 / r, (2, 1, 2): sp.cos(th) / sp.sin(th)}
    found = by_variation.nonzero()
    yield DemoStep(GEODESICS, "eq. (27)", "Christoffel symbols read off eq. (26)", by_variation,
                   found.keys() == expected.keys() and all(_same(found[i], expected[i]) for i in expected))
    by_formula = christoffel(metric, method=Formula())
    yield DemoStep(GEODESICS, "eq. (20)", "the textbook formula agrees", by_formula,
                   by_formula.array == by_variation.array)


def _geometrised_mechanics() -> Iterator[DemoStep]:
    x, y, E = sp.symbols("x y E")
    flat = Metric.from_line_element("dx**2 + dy**2", "x y")
    U = sp.Function("U")(x, y)
    L = mechanical_lagrangian(flat, U)
    yield DemoStep(GEOMETRISED_MECHANICS, "eq. (70)", "a 2-D conservative system", L)
    newton = euler_lagrange(L)
    yield DemoStep(GEOMETRISED_MECHANICS, "eq. (71)", "Newton's equations", newton,
                   _same_all(newton.accelerations, (-U.diff(x), -U.diff(y))))
    jm = jacobi_metric(flat, U, E)
    yield DemoStep(GEOMETRISED_MECHANICS, "eq. (79)", "the Jacobi metric (E-U)(dx²+dy²)", jm)
    via_geometry = jacobi_newton_equations(flat, U)
    yield DemoStep(GEOMETRISED_MECHANICS, "eqs. (80)-(82)",
                   "its geodesics, with dt = ds/(√2(E-U)), are Newton's equations", via_geometry,
                   _same_all(via_geometry, newton.accelerations))
    f = sp.Function("f")(x, y)
    conformal = geodesic_equations(Metric((x, y), f * sp.eye(2)))
    xd, yd = sp.symbols("xdot ydot")
    fx, fy = f.diff(x), f.diff(y)
    article_84 = (-fx / (2 * f) * xd**2 + fx / (2 * f) * yd**2 - fy / f * xd * yd,
                  -fy / (2 * f) * yd**2 + fy / (2 * f) * xd**2 - fx / f * xd * yd)
    yield DemoStep(GEOMETRISED_MECHANICS, "eq. (84)", "geodesics of f(x,y)(dx²+dy²) in arc length", conformal,
                   _same_all(conformal.accelerations, article_84))
    worked = Metric.from_line_element("(x**2 + y**2)/2*(dx**2 + dy**2)", "x y")
    system = euler_lagrange(conformal_mechanics(worked))
    yield DemoStep(GEOMETRISED_MECHANICS, "eq. (86)",
                   "with dt = sqrt((dx²+dy²)/(2f)), f = (x²+y²)/2: potential -f at E = 0", system,
                   system.accelerations == (x, y))
    t = sp.Symbol("t")
    X, Y = sp.Function("X")(t), sp.Function("Y")(t)
    solution = sp.dsolve([sp.Eq(X.diff(t, 2), X), sp.Eq(Y.diff(t, 2), Y)])
    yield DemoStep(GEOMETRISED_MECHANICS, "closed form", "its geodesics, solved (constants tied by E = 0)",
                   tuple(solution))


def demo_steps() -> Iterator[DemoStep]:
    """All worked examples, article by article, in the order the articles build up.

    The coordinate changes come first, then geodesics, then mechanics made geometric.

    Examples
    --------
    >>> step = next(demo_steps())
    >>> step.article.url, step.equation
    ('https://kexue.fm/archives/3181', 'eq. (2)')
    """
    yield from _coordinate_changes()
    yield from _geodesics()
    yield from _geometrised_mechanics()
