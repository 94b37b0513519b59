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
from extremal.symbolic.christoffel import christoffel
from extremal.symbolic.metric import Metric

METHODS = ["formula", "variational"]


def reference(metric: Metric) -> list:
    """Eq. (20) in plain SymPy, simplified with ``sympy.simplify``."""
    g, q, n = metric.g, metric.coords, metric.dim
    ginv = g.inv()
    return [[[sp.simplify(sum(
        ginv[k, l] * (sp.diff(g[l, i], q[j]) + sp.diff(g[l, j], q[i]) - sp.diff(g[i, j], q[l]))
        for l in range(n)) / 2) for j in range(n)] for i in range(n)] for k in range(n)]


@pytest.mark.parametrize("method", METHODS)
def test_spherical_is_seed_eq_27_and_nothing_else(method):
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
    assert christoffel(metric, "formula").array == christoffel(metric, "variational").array


@pytest.mark.parametrize("make", ALL, ids=lambda f: f.__name__)
def test_symmetric_in_lower_indices(make):
    gamma = christoffel(make())
    n = gamma.shape[0]
    for k, i, j in itertools.product(range(n), repeat=3):
        assert gamma[k, i, j] == gamma[k, j, i]


@pytest.mark.parametrize("make", [polar, half_plane, off_diagonal, spherical, root_metric],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("method", METHODS)
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
