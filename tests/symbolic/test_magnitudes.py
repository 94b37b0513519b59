"""Results rescale with their input over 80 orders of magnitude, floats included.

Under ``g -> c g`` the Christoffel symbols are invariant, the Ricci scalar and the Gaussian
curvature scale by ``1/c`` and the Kretschmann scalar by ``1/c**2``; under ``L -> c L`` the
accelerations are invariant, and scaling the potential alone scales the force term.
"""

from __future__ import annotations

import random

import pytest
import sympy as sp

from extremal.symbolic._christoffel import Formula, Variational, christoffel
from extremal.symbolic._curvature import gaussian_curvature, kretschmann_scalar, ricci_scalar
from extremal.symbolic._lagrangian import Lagrangian, euler_lagrange
from extremal.symbolic._metric import Metric

x, y = sp.symbols("x y")
xdot, ydot = sp.symbols("xdot ydot")

METRICS = {
    "sphere": sp.diag(1, sp.sin(x) ** 2),
    "half-plane": sp.diag(1 / y**2, 1 / y**2),
    "exponential": sp.diag(1, sp.exp(2 * x)),
    "off-diagonal": sp.Matrix([[1 + y**2, x * y], [x * y, 2 + x**2]]),
}
LAGRANGIANS = {
    "oscillator": (xdot**2 / 2, x**2 / 2),
    "pendulum": (xdot**2 / 2, -sp.cos(x)),
    "two-body": ((xdot**2 + x**2 * ydot**2) / 2, -1 / x),
}


def scales(seed: int) -> list[sp.Expr]:
    """A few factors ``m * 10**k``, k in -40..40, as floats and as exact rationals."""
    rng = random.Random(seed)
    ks = [-40, 40, *rng.sample(range(-39, 40), 2)]
    mantissas = ["1", "1.7", "3.3", "9.1"]
    return [sp.Float(f"{m}e{k}") for m, k in zip(mantissas, ks, strict=True)] + [sp.Rational(10) ** ks[3]]


def close(a: sp.Expr, b: sp.Expr) -> bool:
    """``a == b`` at two random points, to 12 digits relative to the terms' size."""
    rng = random.Random(1)
    for _ in range(2):
        point = {s: sp.Rational(rng.uniform(0.3, 1.3)).limit_denominator(1000) for s in (x, y, xdot, ydot)}
        va, vb = (sp.N(sp.sympify(e).xreplace(point), 30) for e in (a, b))
        if abs(va - vb) > sp.Float("1e-12", 30) * (abs(va) + abs(vb)):
            return False
    return True


def short_floats(expr: sp.Expr) -> bool:
    """Every float in ``expr`` has the precision of an input float, not hundreds of digits."""
    return all(f._prec <= 64 for f in sp.sympify(expr).atoms(sp.Float))


def components(gamma) -> list[sp.Expr]:
    return list(sp.flatten(gamma.array.tolist()))


@pytest.mark.parametrize("name", METRICS)
def test_metric_rescaling(name):
    g = METRICS[name]
    base = Metric((x, y), g)
    gamma = components(christoffel(base))
    R, K, kretschmann = ricci_scalar(base), gaussian_curvature(base), kretschmann_scalar(base)
    for c in scales(len(name)):
        scaled = Metric((x, y), c * g)
        for method in (Formula(), Variational()):
            got = components(christoffel(scaled, method=method))
            assert all(close(a, b) and short_floats(a) for a, b in zip(got, gamma, strict=True)), (c, method)
        assert close(ricci_scalar(scaled), R / c), c
        assert close(gaussian_curvature(scaled), K / c), c
        assert close(kretschmann_scalar(scaled), kretschmann / c**2), c
        assert short_floats(ricci_scalar(scaled)) and short_floats(kretschmann_scalar(scaled))


@pytest.mark.parametrize("name", LAGRANGIANS)
def test_lagrangian_rescaling(name):
    T, V = LAGRANGIANS[name]
    coords = (x, y) if T.has(ydot) else (x,)
    free = euler_lagrange(Lagrangian(T, coords)).accelerations
    full = euler_lagrange(Lagrangian(T - V, coords)).accelerations
    for c in scales(len(name)):
        scaled = euler_lagrange(Lagrangian(sp.expand(c * (T - V)), coords)).accelerations
        assert all(close(a, b) for a, b in zip(scaled, full, strict=True)), c
        potential = euler_lagrange(Lagrangian(T - c * V, coords)).accelerations
        expected = [f + c * (a - f) for a, f in zip(full, free, strict=True)]
        assert all(close(a, b) and short_floats(a) for a, b in zip(potential, expected, strict=True)), c


def test_si_harmonic_oscillator_is_not_degenerate():
    hbar = sp.Float("1.0546e-34")
    L = Lagrangian(hbar * xdot**2 / 2 - hbar * x**2 / 2, (x,))
    assert euler_lagrange(L).accelerations == (-x,)


def test_huge_mass_gives_tiny_acceleration():
    (acceleration,) = euler_lagrange(Lagrangian(sp.Float("1e150") * xdot**2 / 2 - x, (x,))).accelerations
    assert acceleration == sp.Float("-1e-150")
    assert str(acceleration) == "-1.00000000000000e-150"


def test_potential_of_nested_trigonometry_in_abs():
    xr, vr = sp.symbols("x xdot", real=True)
    (acceleration,) = euler_lagrange(Lagrangian(vr**2 / 2 - sp.Abs(sp.cos(xr)), (xr,))).accelerations
    assert sp.simplify(acceleration - sp.sin(xr) * sp.sign(sp.cos(xr))) == 0
