"""Euler–Lagrange engine: closed forms, conservation laws, an independent method."""

import pytest
import sympy as sp
from sympy.calculus.euler import euler_equations

from extremal.errors import InputError, ParseError, SingularMetricError
from extremal.symbolic import Lagrangian, conserved_momenta, energy, euler_lagrange, total_derivative

x, k, m, mu, g, l = sp.symbols("x k m mu g l")


def test_harmonic_oscillator():
    L = Lagrangian.parse("m*xdot**2/2 - k*x**2/2", "x")
    eom = euler_lagrange(L)
    assert eom.accelerations == (-k * x / m,)
    (eq,) = eom.equations
    assert sp.simplify(eq.lhs - eq.rhs - (m * sp.Symbol("xddot") + k * x)) == 0


def test_two_body_polar_matches_coordinate_change_article_eq_4():
    L = Lagrangian.parse("(rdot**2 + r**2*thetadot**2)/2 + mu/r", "r theta")
    r, rdot, thetadot = sp.symbols("r rdot thetadot")
    rddot, thetaddot = euler_lagrange(L).accelerations
    assert sp.simplify(rddot - (r * thetadot**2 - mu / r**2)) == 0
    assert sp.simplify(thetaddot + 2 * rdot * thetadot / r) == 0
    momentum_eq = euler_lagrange(L).conservation_form[1]
    assert momentum_eq.rhs == 0
    assert momentum_eq.lhs.expr == r**2 * thetadot


def test_pendulum_against_sympy_euler_equations():
    t = sp.Symbol("t")
    th = sp.Function("th")(t)
    expr = m * l**2 * th.diff(t) ** 2 / 2 + m * g * l * sp.cos(th)
    L = Lagrangian.from_functions(expr, [th], t)
    (reference,) = euler_equations(expr, [th], t)
    solved = sp.solve(reference, th.diff(t, 2))[0]
    ours = euler_lagrange(L).accelerations[0]
    thsym, thdot = sp.symbols("th thdot")
    solved = solved.subs(th.diff(t), thdot).subs(th, thsym)
    assert sp.simplify(ours - solved) == 0


def test_time_dependent_lagrangian_uses_partial_t():
    L = Lagrangian.parse("exp(gamma*t)*(xdot**2 - x**2)/2", "x")
    gamma, xdot = sp.symbols("gamma xdot")
    assert sp.simplify(euler_lagrange(L).accelerations[0] - (-x - gamma * xdot)) == 0


def test_energy_is_conserved_along_the_equations():
    L = Lagrangian.parse("(rdot**2 + r**2*thetadot**2)/2 + mu/r", "r theta")
    H = energy(L)
    rate = total_derivative(H, L).subs(dict(zip(L.accelerations, euler_lagrange(L).accelerations, strict=True)))
    assert sp.simplify(rate) == 0


def test_cyclic_momentum():
    L = Lagrangian.parse("(rdot**2 + r**2*thetadot**2)/2 + mu/r", "r theta")
    r, thetadot = sp.symbols("r thetadot")
    assert conserved_momenta(L) == {sp.Symbol("theta"): r**2 * thetadot}


def test_charged_particle_velocity_dependent_potential():
    L = Lagrangian.parse("(xdot**2 + ydot**2)/2 + B*(x*ydot - y*xdot)/2", "x y")
    B, xdot, ydot = sp.symbols("B xdot ydot")
    assert euler_lagrange(L).accelerations == (B * ydot, -B * xdot)


def test_degenerate_lagrangian_is_rejected():
    L = Lagrangian.parse("x*ydot - y*xdot", "x y")
    with pytest.raises(SingularMetricError, match="degenerate"):
        _ = euler_lagrange(L).accelerations


def test_no_velocity_is_rejected():
    with pytest.raises(InputError, match="no velocity"):
        Lagrangian.parse("x**2", "x")


def test_repeated_coordinate_is_rejected():
    with pytest.raises(InputError, match="repeats x"):
        Lagrangian.parse("xdot**2", "x x")


def test_unparsable_lagrangian():
    with pytest.raises(ParseError, match="could not parse Lagrangian"):
        Lagrangian.parse("xdot**2 +* 2", "x")


def test_time_among_coordinates_is_rejected():
    with pytest.raises(InputError, match="time t is also listed"):
        Lagrangian.parse("tdot**2", "t")


def test_velocity_of_unknown_coordinate_is_rejected():
    with pytest.raises(InputError, match="ydot, a velocity of no coordinate"):
        Lagrangian.parse("xdot**2/2 + ydot**2/2", "x")
