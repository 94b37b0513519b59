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
    Weyl,
    einstein_tensor,
    gaussian_curvature,
    kretschmann_scalar,
    ricci_scalar,
    ricci_tensor,
    riemann_tensor,
    weyl_tensor,
)
from extremal.symbolic._metric import Metric
from extremal.symbolic._simplification import is_zero
from extremal.symbolic._tensors import lower_index, raise_index


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


# Weyl tensor, raised and lowered indices, mixed Ricci and Einstein tensors.


def _all_zero(array: sp.NDimArray) -> bool:
    return all(is_zero(c) for c in sp.flatten(array.tolist()))


def _raise_all(tensor, metric):
    for slot in range(tensor.rank):
        tensor = raise_index(tensor, metric, slot)
    return tensor


def _full_contraction(lower, upper) -> sp.Expr:
    ranges = [range(n) for n in lower.shape]
    return sp.simplify(sum(lower[i] * upper[i] for i in itertools.product(*ranges)))


def _trace(mixed) -> sp.Expr:
    return sp.simplify(sum(mixed[i, i] for i in range(mixed.shape[0])))


def _conformally_flat():
    eta, X, Y, Z, W, H = sp.symbols("eta X Y Z W H", positive=True)
    f = sp.Function("f")
    de_sitter = Metric((eta, X, Y, Z), sp.diag(-1, 1, 1, 1) / (H**2 * eta**2))
    conformal_3d = Metric((X, Y, Z), sp.exp(2 * f(X, Y, Z)) * sp.eye(3))
    conformal_4d = Metric((W, X, Y, Z), sp.exp(2 * f(X, Y, Z)) * sp.diag(-1, 1, 1, 1))
    return [de_sitter, flrw().subs(k, 0), flrw(), conformal_3d, conformal_4d]


@pytest.mark.parametrize("index", range(5))
def test_weyl_of_a_conformally_flat_metric_is_zero(index):
    metric = _conformally_flat()[index]
    C = weyl_tensor(metric)
    assert isinstance(C, Weyl) and C.upper == (False,) * 4
    assert _all_zero(C.array)
    assert not riemann_tensor(metric).is_zero()


def test_weyl_is_identically_zero_in_three_dimensions():
    metric = Metric((x, y, r), sp.diag(1, x**2 + y**2, 1 + x**2 * r**2))
    assert not riemann_tensor(metric).is_zero()
    assert _all_zero(weyl_tensor(metric).array)


def test_weyl_of_schwarzschild_squares_to_the_kretschmann_scalar():
    metric = schwarzschild()
    C = weyl_tensor(metric)
    assert not C.is_zero()
    assert sp.simplify(_full_contraction(C, _raise_all(C, metric)) - 48 * M**2 / r**6) == 0
    assert kretschmann_scalar(metric) == 48 * M**2 / r**6
    lowered = lower_index(riemann_tensor(metric), metric, 0)
    assert _all_zero(lowered.array - C.array)  # vacuum: Weyl = Riemann


def test_weyl_has_the_riemann_symmetries_and_shows_independent_components():
    C = weyl_tensor(schwarzschild())
    for a_, b, c, d in itertools.product(range(4), repeat=4):
        assert C[a_, b, c, d] == -C[b, a_, c, d] == -C[a_, b, d, c] == C[c, d, a_, b]
    assert all(i[0] < i[1] and i[2] < i[3] and i[:2] <= i[2:] for i in C.nonzero())
    assert str(C).startswith("C_")


def test_weyl_needs_three_dimensions():
    with pytest.raises(InputError, match="dimension 3"):
        weyl_tensor(sphere())


@pytest.mark.parametrize("metric", [sphere, schwarzschild, flrw, off_diagonal])
def test_raising_then_lowering_gives_back_the_tensor(metric):
    m = metric()
    R = riemann_tensor(m)
    down = lower_index(R, m, 0)
    assert down.upper == (False,) * 4
    back = raise_index(down, m, 0)
    assert back.upper == R.upper
    assert _all_zero(back.array - R.array)
    ric = ricci_tensor(m)
    assert _all_zero(lower_index(raise_index(ric, m, 1), m, 1).array - ric.array)


@pytest.mark.parametrize("metric", [sphere, half_plane, off_diagonal, flrw, spherical])
def test_mixed_ricci_traces_to_the_ricci_scalar(metric):
    m = metric()
    mixed = raise_index(ricci_tensor(m), m, 0)
    assert mixed.upper == (True, False)
    assert sp.simplify(_trace(mixed) - ricci_scalar(m)) == 0


def test_mixed_einstein_traces_to_minus_the_ricci_scalar_in_four_dimensions():
    m = flrw()
    mixed = raise_index(einstein_tensor(m), m, 0)
    assert sp.simplify(_trace(mixed) + ricci_scalar(m)) == 0
    assert not is_zero(ricci_scalar(m))


def test_raise_and_lower_check_their_inputs():
    m = sphere()
    with pytest.raises(InputError, match="already upper"):
        raise_index(riemann_tensor(m), m, 0)
    with pytest.raises(InputError, match="already lower"):
        lower_index(ricci_tensor(m), m, 1)
    with pytest.raises(InputError, match="slot"):
        raise_index(ricci_tensor(m), m, 2)
    with pytest.raises(InputError, match="coords"):
        raise_index(ricci_tensor(m), half_plane(), 0)
