"""Geometrised mechanics.

Equation numbers are those of
Su Jianlin, "Understanding Riemannian geometry, 8: Geometry everywhere (mechanics made geometric)",
https://kexue.fm/archives/4046.
"""

import pytest
import sympy as sp

from extremal.errors import InputError
from extremal.symbolic import (
    Metric,
    christoffel,
    conformal_mechanics,
    euler_lagrange,
    geodesic_equations,
    jacobi_metric,
    jacobi_newton_equations,
    mechanical_lagrangian,
)

FLAT = Metric.from_line_element("dx**2 + dy**2", "x y")
POLAR = Metric.from_line_element("dr**2 + r**2*dtheta**2", "r theta")
SPHERE = Metric.from_line_element("dtheta**2 + sin(theta)**2*dphi**2", "theta phi")


@pytest.mark.parametrize(
    ("kinetic", "potential"),
    [
        (FLAT, "(x**2 + y**2)/2 + x**2*y - y**3/3"),
        (POLAR, "-mu/r"),
        (SPHERE, "g*cos(theta)"),
        (FLAT, "exp(x)*y"),
    ],
)
def test_jacobi_geodesics_are_newton_paths(kinetic, potential):
    newton = euler_lagrange(mechanical_lagrangian(kinetic, potential)).accelerations
    from_geometry = jacobi_newton_equations(kinetic, potential)
    for a, b in zip(newton, from_geometry, strict=True):
        assert sp.simplify(a - b) == 0


def test_jacobi_metric_is_conformal_factor_times_kinetic_metric():
    E, U = sp.symbols("E U")
    m = jacobi_metric(POLAR, "-mu/r")
    r, mu = sp.symbols("r mu")
    assert sp.simplify(m.g - (E + mu / r) * POLAR.g) == sp.zeros(2)
    assert U not in m.g.free_symbols


def test_article_eq_84_conformal_geodesic_equations():
    x, y = sp.symbols("x y")
    f = sp.Function("f")(x, y)
    m = Metric((x, y), f * sp.eye(2))
    xdot, ydot = sp.symbols("xdot ydot")
    ax, ay = geodesic_equations(m).accelerations
    fx, fy = f.diff(x), f.diff(y)
    assert sp.simplify(ax - (-fx / (2 * f) * xdot**2 + fx / (2 * f) * ydot**2 - fy / f * xdot * ydot)) == 0
    assert sp.simplify(ay - (-fy / (2 * f) * ydot**2 + fy / (2 * f) * xdot**2 - fx / f * xdot * ydot)) == 0


def test_article_eq_86_and_closed_form_geodesics():
    m = Metric.from_line_element("(x**2 + y**2)/2*(dx**2 + dy**2)", "x y")
    x, y, t = sp.symbols("x y t")
    assert euler_lagrange(conformal_mechanics(m)).accelerations == (x, y)
    a, b, c = sp.symbols("a b c", real=True)
    d = sp.sqrt(a**2 + c**2 - b**2)
    X = a * sp.cosh(t) + b * sp.sinh(t)
    Y = c * sp.cosh(t) + d * sp.sinh(t)
    f = (X**2 + Y**2) / 2
    assert sp.simplify((X.diff(t) ** 2 + Y.diff(t) ** 2) / 2 - f) == 0
    gamma = christoffel(m)
    s_rate = sp.sqrt(2) * f
    vx, vy = X.diff(t) / s_rate, Y.diff(t) / s_rate
    point = {x: X, y: Y}
    for k, coord in enumerate((X, Y)):
        second = (coord.diff(t) / s_rate).diff(t) / s_rate
        residual = second + sum(
            gamma[k, i, j].subs(point) * (vx, vy)[i] * (vx, vy)[j] for i in range(2) for j in range(2)
        )
        value = residual.subs({a: sp.Rational(3, 2), b: sp.Rational(1, 2), c: 1, t: sp.Rational(7, 10)})
        assert abs(float(value)) < 1e-12


def test_conformal_mechanics_needs_conformal_metric():
    with pytest.raises(InputError, match="not conformally flat"):
        conformal_mechanics(POLAR)


def test_potential_in_wrong_variables():
    with pytest.raises(InputError, match="depends on none of the coords"):
        jacobi_metric(POLAR, "x**2 + y**2")


def test_potential_with_velocities():
    with pytest.raises(InputError, match="velocities"):
        mechanical_lagrangian(POLAR, "rdot*r")
