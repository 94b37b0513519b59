from __future__ import annotations

import itertools

import pytest
import sympy as sp
from _spacetimes import (
    ALL,
    half_plane,
    off_diagonal,
    polar,
    r,
    root_metric,
    spherical,
    th,
)
from hypothesis import given
from hypothesis import strategies as st

from extremal.errors import InputError
from extremal.symbolic._christoffel import Formula, Variational, christoffel
from extremal.symbolic._metric import Metric

METHODS = [Formula(), Variational()]


def reference(metric: Metric) -> list:
    """Eq. (20) in plain SymPy, simplified with ``sympy.simplify``."""
    g, q, n = metric.g, metric.coords, metric.dim
    ginv = g.inv()
    return [[[sp.simplify(sum(
        ginv[k, l] * (sp.diff(g[l, i], q[j]) + sp.diff(g[l, j], q[i]) - sp.diff(g[i, j], q[l]))
        for l in range(n)) / 2) for j in range(n)] for i in range(n)] for k in range(n)]


@pytest.mark.parametrize("method", METHODS, ids=repr)
def test_spherical_is_article_eq_27_and_nothing_else(method):
    gamma = christoffel(spherical(), method=method)
    expected = {
        (0, 1, 1): -r,
        (0, 2, 2): -r * sp.sin(th) ** 2,
        (1, 0, 1): 1 / r,
        (1, 2, 2): -sp.sin(th) * sp.cos(th),
        (2, 0, 2): 1 / r,
        (2, 1, 2): sp.cos(th) / sp.sin(th),
    }
    assert gamma.nonzero() == expected
    for (k, i, j), value in expected.items():
        assert gamma[k, j, i] == value


@pytest.mark.parametrize("make", ALL, ids=lambda f: f.__name__)
def test_methods_agree(make):
    metric = make()
    assert christoffel(metric, Formula()).array == christoffel(metric, Variational()).array


@pytest.mark.parametrize("make", ALL, ids=lambda f: f.__name__)
def test_symmetric_in_lower_indices(make):
    gamma = christoffel(make())
    n = gamma.shape[0]
    for k, i, j in itertools.product(range(n), repeat=3):
        assert gamma[k, i, j] == gamma[k, j, i]


@pytest.mark.parametrize("make", [polar, half_plane, off_diagonal, spherical, root_metric],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("method", METHODS, ids=repr)
def test_matches_plain_reference(make, method):
    metric = make()
    gamma, ref = christoffel(metric, method), reference(metric)
    n = metric.dim
    for k, i, j in itertools.product(range(n), repeat=3):
        assert sp.simplify(gamma[k, i, j] - ref[k][i][j]) == 0


@given(st.lists(st.integers(-5, 5), min_size=3, max_size=3))
def test_constant_metric_has_no_christoffel_symbols(entries):
    a, b, c = entries
    if a * c - b * b == 0:
        return
    metric = Metric(sp.symbols("u v"), sp.Matrix([[a, b], [b, c]]), constant=True)
    for method in METHODS:
        assert christoffel(metric, method).is_zero()


def test_unknown_method_is_refused():
    with pytest.raises(InputError, match="method"):
        christoffel(polar(), method="guess")


@pytest.mark.parametrize("method", [None, 1, Formula], ids=repr)
def test_method_that_is_no_strategy_object_is_refused(method):
    with pytest.raises(InputError, match=r"method must be Formula\(\) or Variational\(\)"):
        christoffel(polar(), method=method)


def test_default_is_the_formula():
    assert christoffel(off_diagonal()).array == christoffel(off_diagonal(), Formula()).array


@pytest.mark.parametrize(("name", "method"), [("formula", Formula()), ("variational", Variational())])
def test_method_names_still_work_with_a_deprecation_warning_at_the_caller(name, method):
    with pytest.warns(DeprecationWarning, match=rf"method={type(method).__name__}\(\)") as caught:
        gamma = christoffel(off_diagonal(), method=name)
    assert caught[0].filename == __file__
    assert gamma.array == christoffel(off_diagonal(), method).array


def _numerically_equal(a, b, point) -> bool:
    va, vb = (sp.N(sp.sympify(e).xreplace(point), 30) for e in (a, b))
    return abs(va - vb) <= sp.Float("1e-12", 30) * (abs(va) + abs(vb))


XP, YP = sp.symbols("x y", positive=True)
OUTSIDE_RATIONAL = {
    "log": sp.diag(1, sp.log(YP)),
    "atan": sp.diag(sp.atan(YP) + 2, 1),
    "float-and-log": sp.diag(sp.Float("2.5"), sp.log(YP)),
    "abs": sp.diag(1, sp.Abs(XP - YP) + 1),
    "root-of-sine": sp.diag(sp.sqrt(sp.sin(YP)), 1),
}


@pytest.mark.parametrize("name", OUTSIDE_RATIONAL)
def test_methods_agree_outside_the_rational_engine(name):
    metric = Metric((XP, YP), OUTSIDE_RATIONAL[name])
    by_formula = christoffel(metric, Formula())
    by_variation = christoffel(metric, Variational())
    expected = reference(metric)
    point = {XP: sp.Rational(3, 10), YP: sp.Rational(7, 10)}
    for k, i, j in itertools.product(range(2), repeat=3):
        assert _numerically_equal(by_formula[k, i, j], expected[k][i][j], point)
        assert _numerically_equal(by_variation[k, i, j], expected[k][i][j], point)


def test_si_schwarzschild_matches_symbols_substituted_afterwards():
    # Floats as written in SI units, against the symbolic metric evaluated afterwards.
    G, M, c = sp.symbols("G M c")
    values = {G: sp.Float("6.674e-11"), M: sp.Float("1.989e30"), c: sp.Float("2.998e8")}
    text = ("-(1 - 2*G*M/(c**2*r))*c**2*dt**2 + dr**2/(1 - 2*G*M/(c**2*r))"
            " + r**2*dtheta**2 + r**2*sin(theta)**2*dphi**2")
    symbolic = Metric.from_line_element(text, "t r theta phi")
    si = Metric.from_line_element(text.replace("G", "6.674e-11").replace("M", "1.989e30")
                                  .replace("c", "2.998e8"), "t r theta phi")
    t_ = sp.Symbol("t")
    point = {r: sp.Integer(7000), th: sp.Rational(1, 3), t_: 0}
    for method in METHODS:
        gamma_si = christoffel(si, method)
        gamma = christoffel(symbolic, method).array.subs(values)
        assert set(christoffel(si, method).nonzero()) == set(christoffel(symbolic, method).nonzero())
        for idx in itertools.product(range(4), repeat=3):
            assert _numerically_equal(gamma_si[idx], gamma[idx], point), idx
            assert all(f._prec <= 64 for f in sp.sympify(gamma_si[idx]).atoms(sp.Float))
