"""One Euler–Lagrange engine: particles, fields and geodesics all vary an action the same way.

Particles (chain rule in plain symbols) and fields (``Derivative`` objects) both go through
``euler_lagrange_sides``; each is checked against ``sympy.calculus.euler.euler_equations``.
Geodesics are the Euler–Lagrange equations of ½ g ẋẋ, and ``geodesic_accelerations`` gives
the same right-hand sides by either route to Γ.
"""

import random

import pytest
import sympy as sp
from _spacetimes import ALL
from sympy.calculus.euler import euler_equations
from sympy.core.function import AppliedUndef

from extremal.symbolic import FieldLagrangian, Lagrangian, euler_lagrange, field_equations, geodesic_equations
from extremal.symbolic._christoffel import Formula, Variational
from extremal.symbolic._geodesic import geodesic_accelerations

t, x, y, c, m, k, g, ell, mu = sp.symbols("t x y c m k g ell mu")

DENSITIES = {
    "wave": ("u_t**2/2 - c**2*u_x**2/2", "u", "t x"),
    "klein-gordon": ("(u_t**2 - u_x**2 - m**2*u**2)/2", "u", "t x"),
    "laplace-with-source": ("(u_x**2 + u_y**2)/2 + k*u", "u", "x y"),
    "euler-bernoulli-beam": ("u_t**2/2 - k*u_xx**2/2", "u", "t x"),
    "mixed-second-derivative": ("u_xy**2/2 + u_x*u_y", "u", "x y"),
    "coupled-fields": ("(u_x**2 + v_x**2)/2 + u*v**2", "u v", "x"),
    "nonlinear-sine-gordon": ("(u_t**2 - u_x**2)/2 + cos(u)", "u", "t x"),
}


@pytest.mark.parametrize("name", DENSITIES)
def test_field_equations_match_sympy_euler_equations(name):
    L = FieldLagrangian.parse(*DENSITIES[name])
    ours = field_equations(L)
    reference = euler_equations(L.density, list(L.fields), list(L.variables))
    assert len(ours) == len(reference) == len(L.fields)
    for eq, ref in zip(ours, reference, strict=True):
        assert eq.rhs == 0
        assert sp.simplify(eq.lhs - (ref.lhs - ref.rhs)) == 0


PARTICLES = {
    "harmonic-oscillator": ("m*xdot**2/2 - k*x**2/2", "x"),
    "pendulum": ("m*ell**2*thdot**2/2 + m*g*ell*cos(th)", "th"),
    "kepler-polar": ("(rdot**2 + r**2*thetadot**2)/2 + mu/r", "r theta"),
    "time-dependent": ("exp(k*t)*xdot**2/2 - x**2/2", "x"),
    "velocity-dependent": ("(xdot**2 + ydot**2)/2 + k*(x*ydot - y*xdot)", "x y"),
}


def _as_functions(L: Lagrangian) -> tuple[sp.Expr, list[sp.Expr]]:
    """``L`` with each coordinate ``q`` replaced by ``q(t)`` and ``qdot`` by ``q(t).diff(t)``."""
    functions = [sp.Function(q.name)(L.time) for q in L.coords]
    replace = {v: f.diff(L.time) for v, f in zip(L.velocities, functions, strict=True)}
    replace |= dict(zip(L.coords, functions, strict=True))
    return L.expr.xreplace(replace), functions


def _in_symbols(expr: sp.Expr, L: Lagrangian, functions: list[sp.Expr]) -> sp.Expr:
    """Back from ``q(t)`` and its derivatives to the symbols ``q, qdot, qddot``."""
    replace = {}
    for f, v, a in zip(functions, L.velocities, L.accelerations, strict=True):
        replace |= {f.diff(L.time, 2): a, f.diff(L.time): v}
    replace_functions = dict(zip(functions, L.coords, strict=True))
    return expr.subs(replace).subs(replace_functions)


@pytest.mark.parametrize("name", PARTICLES)
def test_particle_equations_match_sympy_euler_equations(name):
    L = Lagrangian.parse(*PARTICLES[name])
    expr, functions = _as_functions(L)
    reference = euler_equations(expr, functions, L.time)
    for eq, ref in zip(euler_lagrange(L).equations, reference, strict=True):
        ours = eq.rhs - eq.lhs
        assert sp.simplify(ours - _in_symbols(ref.lhs - ref.rhs, L, functions)) == 0


@pytest.mark.parametrize("name", PARTICLES)
def test_particle_as_a_density_in_one_variable_gives_the_same_equations(name):
    """The same Lagrangian through the field route (``sympy.diff`` on ``q(t)``) and the particle route."""
    L = Lagrangian.parse(*PARTICLES[name])
    expr, functions = _as_functions(L)
    as_field = field_equations(FieldLagrangian(expr, tuple(functions), (L.time,)))
    for eq, field_eq in zip(euler_lagrange(L).equations, as_field, strict=True):
        assert sp.simplify(eq.rhs - eq.lhs - _in_symbols(field_eq.lhs, L, functions)) == 0


# Geodesics: the equations of motion of L = ½ g ẋẋ, and -Γẋẋ by either route to Γ.


def _at_random_points(expr: sp.Expr, symbols: list[sp.Symbol], seed: int) -> list[sp.Expr]:
    """``expr`` at three rational points in (1/5, 4/5), to 30 digits; each undefined ``f(t)`` is ``1 + t**2``."""
    for f in {a.func for a in expr.atoms(AppliedUndef)}:
        expr = expr.replace(f, lambda *args: 1 + sum(a**2 for a in args))
    expr = expr.doit()
    rng = random.Random(seed)
    points = [{s: sp.Rational(rng.randint(20, 80), 100) for s in symbols} for _ in range(3)]
    return [sp.N(expr.xreplace(p), 30) for p in points]


@pytest.mark.parametrize("make", ALL, ids=lambda f: f.__name__)
def test_geodesic_accelerations_by_both_routes_are_the_euler_lagrange_accelerations(make):
    metric = make()
    by_formula = geodesic_accelerations(metric)
    by_variation = geodesic_accelerations(metric, Variational())
    euler_lagrange_accelerations = geodesic_equations(metric).accelerations
    assert by_formula == geodesic_accelerations(metric, Formula())
    for a, b, el in zip(by_formula, by_variation, euler_lagrange_accelerations, strict=True):
        symbols = sorted((a + b + el).free_symbols, key=str)
        assert symbols
        for index, (va, vb, vel) in enumerate(
            zip(*(_at_random_points(e, symbols, seed=len(symbols)) for e in (a, b, el)), strict=True)
        ):
            assert abs(va - vel) <= sp.Float("1e-20", 30) * (1 + abs(vel)), (index, a, el)
            assert abs(vb - vel) <= sp.Float("1e-20", 30) * (1 + abs(vel)), (index, b, el)


def test_geodesic_accelerations_are_quadratic_in_the_velocities():
    metric = ALL[0]()
    accelerations = geodesic_accelerations(metric)
    velocities = geodesic_equations(metric).lagrangian.velocities
    for a in accelerations:
        assert sp.Poly(sp.expand(a), *velocities).is_homogeneous
        assert sp.Poly(sp.expand(a), *velocities).total_degree() == 2
