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
    r,
    root_metric,
    schwarzschild,
    sphere,
    spherical,
    t,
    th,
)

from extremal.errors import InputError
from extremal.symbolic.christoffel import christoffel
from extremal.symbolic.curvature import (
    einstein_tensor,
    gaussian_curvature,
    kretschmann_scalar,
    ricci_scalar,
    ricci_tensor,
    riemann_tensor,
)
from extremal.symbolic.metric import Metric
from extremal.symbolic.simplification import is_zero


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
