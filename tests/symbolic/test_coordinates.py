"""Coordinate changes through the action.

Equation numbers are those of Su Jianlin, "Changing coordinates with the calculus of variations", https://kexue.fm/archives/3181.
"""

import pytest
import sympy as sp

from extremal.errors import InputError, SingularMetricError
from extremal.symbolic import (
    FieldLagrangian,
    Lagrangian,
    change_coordinates,
    change_field_coordinates,
    euler_lagrange,
    field_equations,
)

r, th, mu, F = sp.symbols("r theta mu F")
POLAR = {"x": "r*cos(theta)", "y": "r*sin(theta)"}


def test_two_body_action_to_polar_article_eq_3_and_4():
    L = Lagrangian.parse("(xdot**2 + ydot**2)/2 + mu/sqrt(x**2 + y**2)", "x y")
    polar = change_coordinates(L, POLAR, "r theta")
    rdot, thdot = sp.symbols("rdot thetadot")
    assert sp.simplify(polar.expr - ((rdot**2 + r**2 * thdot**2) / 2 + mu / r)) == 0
    rddot, thddot = euler_lagrange(polar).accelerations
    assert sp.simplify(rddot - (r * thdot**2 - mu / r**2)) == 0
    assert sp.simplify(thddot + 2 * rdot * thdot / r) == 0


def test_transformed_equations_agree_with_cartesian_equations():
    cart = Lagrangian.parse("(xdot**2 + ydot**2)/2 + mu/sqrt(x**2 + y**2)", "x y")
    rddot, thddot = euler_lagrange(change_coordinates(cart, POLAR, "r theta")).accelerations
    rdot, thdot = sp.symbols("rdot thetadot")
    xddot = (rddot - r * thdot**2) * sp.cos(th) - (r * thddot + 2 * rdot * thdot) * sp.sin(th)
    yddot = (rddot - r * thdot**2) * sp.sin(th) + (r * thddot + 2 * rdot * thdot) * sp.cos(th)
    ax, ay = euler_lagrange(cart).accelerations
    on_path = {sp.Symbol("x"): r * sp.cos(th), sp.Symbol("y"): r * sp.sin(th)}
    positive_r = {r: sp.Symbol("r", positive=True)}
    assert sp.simplify((xddot - ax.subs(on_path)).subs(positive_r)) == 0
    assert sp.simplify((yddot - ay.subs(on_path)).subs(positive_r)) == 0


def test_polar_laplace_action_article_eq_7_and_8():
    L = FieldLagrangian.parse("(u_x**2 + u_y**2)/2 + F*u", "u", "x y")
    polar = change_field_coordinates(L, POLAR, "r theta")
    u = sp.Function("u")(r, th)
    expected_density = (u.diff(r) ** 2 + (u.diff(th) / r) ** 2) / 2 * r + F * u * r
    assert sp.simplify(polar.density - expected_density) == 0
    (eq,) = field_equations(polar)
    article_eq_8 = sp.diff(r * u.diff(r), r) + u.diff(th, 2) / r - F * r
    assert sp.simplify(eq.lhs + article_eq_8) == 0


def test_parabolic_coordinates_include_jacobian_factor():
    L = FieldLagrangian.parse("(u_x**2 + u_y**2)/2 + F*u", "u", "x y")
    para = change_field_coordinates(L, {"x": "xi**2 - eta**2", "y": "2*xi*eta"}, "xi eta")
    xi, eta = sp.symbols("xi eta")
    u = sp.Function("u")(xi, eta)
    (eq,) = field_equations(para)
    expected = u.diff(xi, 2) + u.diff(eta, 2) - 4 * F * (xi**2 + eta**2)
    assert sp.simplify(eq.lhs + expected) == 0


def test_wave_equation_is_invariant_under_boost():
    L = FieldLagrangian.parse("u_t**2/2 - u_x**2/2", "u", "t x")
    boosted = change_field_coordinates(L, {"t": "cosh(w)*T + sinh(w)*X", "x": "sinh(w)*T + cosh(w)*X"}, "T X")
    T, X = sp.symbols("T X")
    U = sp.Function("u")(T, X)
    (eq,) = field_equations(boosted)
    assert sp.simplify(eq.lhs - (U.diff(X, 2) - U.diff(T, 2))) == 0


def test_non_invertible_change():
    L = Lagrangian.parse("(xdot**2 + ydot**2)/2", "x y")
    with pytest.raises(SingularMetricError, match="not invertible"):
        change_coordinates(L, {"x": "u + v", "y": "u + v"}, "u v")


def test_incomplete_mapping():
    L = Lagrangian.parse("(xdot**2 + ydot**2)/2", "x y")
    with pytest.raises(InputError, match=r"missing \['y'\]"):
        change_coordinates(L, {"x": "r*cos(theta)"}, "r theta")


def test_mapping_that_still_uses_old_coordinates():
    L = Lagrangian.parse("(xdot**2 + ydot**2)/2", "x y")
    with pytest.raises(InputError, match="still uses old coordinates"):
        change_coordinates(L, {"x": "r*cos(theta)", "y": "x*sin(theta)"}, "r theta")


def test_higher_derivative_density_is_refused():
    L = FieldLagrangian.parse("u_xx**2/2 + u_y**2/2", "u", "x y")
    with pytest.raises(InputError, match="first derivatives only"):
        change_field_coordinates(L, POLAR, "r theta")
