from __future__ import annotations

import itertools

import pytest
import sympy as sp
from _spacetimes import (
    M,
    a,
    flrw,
    half_plane,
    k,
    kerr,
    off_diagonal,
    ph,
    r,
    root_metric,
    schwarzschild,
    sphere,
    spherical,
    t,
    th,
    x,
    y,
)

from extremal.errors import InputError
from extremal.symbolic._christoffel import christoffel
from extremal.symbolic._curvature import (
    einstein_tensor,
    gaussian_curvature,
    kretschmann_scalar,
    ricci_scalar,
    ricci_tensor,
    riemann_tensor,
)
from extremal.symbolic._metric import Metric
from extremal.symbolic._simplification import is_zero


def reference_riemann(metric: Metric) -> list:
    """MTW's R^a_bcd from Christoffel symbols, all in plain SymPy."""
    gamma, q, n = christoffel(metric), metric.coords, metric.dim
    return [[[[sp.simplify(
        sp.diff(gamma[a_, d, b], q[c]) - sp.diff(gamma[a_, c, b], q[d])
        + sum(gamma[a_, c, e] * gamma[e, d, b] - gamma[a_, d, e] * gamma[e, c, b] for e in range(n))
    ) for d in range(n)] for c in range(n)] for b in range(n)] for a_ in range(n)]


def lowered(metric: Metric) -> dict:
    R, g, n = riemann_tensor(metric), metric.g, metric.dim
    return {
        idx: sum(g[idx[0], e] * R[e, idx[1], idx[2], idx[3]] for e in range(n))
        for idx in itertools.product(range(n), repeat=4)
    }


def test_round_sphere_has_gaussian_curvature_one_over_radius_squared():
    assert gaussian_curvature(sphere()) == 1 / a**2


def test_poincare_half_plane_has_scalar_curvature_minus_two():
    assert ricci_scalar(half_plane()) == -2
    assert gaussian_curvature(half_plane()) == -1


@pytest.mark.parametrize("make", [schwarzschild, kerr], ids=lambda f: f.__name__)
def test_vacuum_solutions_are_ricci_flat(make):
    metric = make()
    assert ricci_tensor(metric).is_zero()
    assert ricci_scalar(metric) == 0
    assert einstein_tensor(metric).is_zero()
    assert not riemann_tensor(metric).is_zero()


def test_schwarzschild_kretschmann():
    assert kretschmann_scalar(schwarzschild()) == 48 * M**2 / r**6


def test_kerr_kretschmann_closed_form():
    c = sp.cos(th)
    expected = 48 * M**2 * (r**6 - 15 * a**2 * r**4 * c**2 + 15 * a**4 * r**2 * c**4
                            - a**6 * c**6) / (r**2 + a**2 * c**2) ** 6
    assert is_zero(kretschmann_scalar(kerr()) - expected)


def test_flat_space_in_spherical_coordinates_has_zero_riemann():
    assert riemann_tensor(spherical()).is_zero()
    assert kretschmann_scalar(spherical()) == 0


def test_flrw_einstein_tensor_is_textbook():
    metric = flrw()
    A = sp.Function("a")(t)
    da, dda = A.diff(t), A.diff(t, 2)
    G = einstein_tensor(metric)
    assert sp.simplify(G[0, 0] - 3 * (da**2 + k) / A**2) == 0
    for i in (1, 2, 3):
        expected = -(2 * A * dda + da**2 + k) * metric.g[i, i] / A**2
        assert sp.simplify(G[i, i] - expected) == 0
    assert all(G[i, j] == 0 for i in range(4) for j in range(4) if i != j)
    assert sp.simplify(ricci_scalar(metric) - 6 * (A * dda + da**2 + k) / A**2) == 0


@pytest.mark.parametrize("make", [schwarzschild, flrw, off_diagonal, sphere],
                         ids=lambda f: f.__name__)
def test_riemann_symmetries_and_first_bianchi_identity(make):
    metric = make()
    R, n = lowered(metric), metric.dim
    for i, j, p, q in itertools.product(range(n), repeat=4):
        assert is_zero(R[i, j, p, q] + R[j, i, p, q])
        assert is_zero(R[i, j, p, q] + R[i, j, q, p])
        assert is_zero(R[i, j, p, q] - R[p, q, i, j])
        assert is_zero(R[i, j, p, q] + R[i, p, q, j] + R[i, q, j, p])


@pytest.mark.parametrize("make", [off_diagonal, sphere, root_metric, half_plane],
                         ids=lambda f: f.__name__)
def test_riemann_matches_plain_reference(make):
    metric = make()
    R, ref, n = riemann_tensor(metric), reference_riemann(metric), metric.dim
    for idx in itertools.product(range(n), repeat=4):
        assert sp.simplify(R[idx] - ref[idx[0]][idx[1]][idx[2]][idx[3]]) == 0


def test_fallback_metric_gives_its_curvature():
    # g = diag(1, f(r)) has K = -(sqrt f)'' / sqrt f.
    metric = root_metric()
    f = metric.g[1, 1]
    expected = -sp.diff(sp.sqrt(f), r, 2) / sp.sqrt(f)
    assert sp.simplify(gaussian_curvature(metric) - expected) == 0
    assert sp.simplify(ricci_scalar(metric) - 2 * expected) == 0


def test_gaussian_curvature_needs_two_dimensions():
    with pytest.raises(InputError, match="2-D"):
        gaussian_curvature(spherical())


def plain_ricci_scalar(metric: Metric) -> sp.Expr:
    """MTW eqs. 8.44 and 14.7 in plain SymPy, without any of extremal's simplification."""
    g, q, n = metric.g, metric.coords, metric.dim
    ginv = g.inv()
    gamma = [[[sum(ginv[k, l] * (sp.diff(g[l, i], q[j]) + sp.diff(g[l, j], q[i]) - sp.diff(g[i, j], q[l]))
                   for l in range(n)) / 2 for j in range(n)] for i in range(n)] for k in range(n)]
    ricci = [[sum(
        sp.diff(gamma[a_][d][b], q[a_]) - sp.diff(gamma[a_][a_][b], q[d])
        + sum(gamma[a_][a_][e] * gamma[e][d][b] - gamma[a_][d][e] * gamma[e][a_][b] for e in range(n))
        for a_ in range(n)) for d in range(n)] for b in range(n)]
    return sum(ginv[b, d] * ricci[b][d] for b in range(n) for d in range(n))


def test_root_of_sine_matches_plain_textbook_formula():
    metric = Metric.from_line_element("sqrt(sin(y))*dx**2 + dy**2", "x y")
    R = ricci_scalar(metric)
    assert sp.simplify(R - (sp.Rational(1, 8) + sp.Rational(3, 8) / sp.sin(y) ** 2)) == 0
    point = {y: sp.Rational(7, 10), x: sp.Rational(1, 3)}
    assert abs(sp.N((R - plain_ricci_scalar(metric)).xreplace(point), 30)) < 1e-25


def test_si_schwarzschild_is_ricci_flat_with_the_textbook_kretschmann():
    G, M, c = sp.Float("6.674e-11"), sp.Float("1.989e30"), sp.Float("2.998e8")
    rs = 2 * G * M / c**2
    metric = Metric(
        (t, r, th, ph),
        sp.diag(-(1 - rs / r) * c**2, 1 / (1 - rs / r), r**2, r**2 * sp.sin(th) ** 2),
    )
    assert ricci_scalar(metric) == 0
    assert ricci_tensor(metric).is_zero()
    K = kretschmann_scalar(metric)
    expected = 48 * G**2 * M**2 / (c**4 * r**6)
    assert abs(K * r**6 / (expected * r**6) - 1) < 1e-12
    assert len(str(K)) < 40


@pytest.mark.parametrize("scale", ["1e300", "1e-300"])
def test_extreme_coefficients_are_fast_and_short(scale):
    c = sp.Float(float(scale))
    metric = Metric(
        (t, r, th, ph),
        sp.diag(-(1 - c / r), 1 / (1 - c / r), r**2, r**2 * sp.sin(th) ** 2),
    )
    assert ricci_scalar(metric) == 0
    K = kretschmann_scalar(metric)
    assert abs(K * r**6 / (12 * c**2) - 1) < 1e-12
    sphere = Metric((x, y), c * sp.diag(1, sp.sin(x) ** 2))
    assert gaussian_curvature(sphere) == 1 / c
    assert str(ricci_scalar(sphere)) == str(2 / c)
