"""The covariant derivative: metric compatibility and the contracted Bianchi identity."""

import pytest
import sympy as sp

from extremal import (
    InputError,
    Metric,
    covariant_derivative,
    einstein_tensor,
    metric_tensor,
    raise_index,
    ricci_tensor,
)
from extremal.examples import flrw, schwarzschild

METRICS = {
    "sphere": lambda: Metric.from_line_element("dth**2 + sin(th)**2*dph**2", "th ph"),
    "off-diagonal": lambda: Metric.from_line_element("(1 + x**2)*dx**2 + x*y*dx*dy + (2 + y**2)*dy**2", "x y"),
    "schwarzschild": schwarzschild,
}


@pytest.mark.parametrize("name", METRICS)
def test_the_metric_is_covariantly_constant(name):
    metric = METRICS[name]()
    nabla_g = covariant_derivative(metric_tensor(metric), metric)
    assert nabla_g.shape == (metric.dim,) * 3
    assert all(sp.simplify(value) == 0 for value in nabla_g.nonzero().values())


@pytest.mark.parametrize("make", [schwarzschild, flrw, METRICS["off-diagonal"]])
def test_contracted_bianchi_identity(make):
    metric = make()
    einstein = raise_index(einstein_tensor(metric), metric, 0)
    nabla = covariant_derivative(einstein, metric)
    assert nabla.upper == (True, False, False)
    n = metric.dim
    for b in range(n):
        assert sp.simplify(sum(nabla[a, b, a] for a in range(n))) == 0


def test_ricci_of_the_sphere_is_parallel():
    metric = METRICS["sphere"]()
    assert covariant_derivative(ricci_tensor(metric), metric).nonzero() == {}


def test_bad_input_is_refused():
    metric = METRICS["sphere"]()
    with pytest.raises(InputError, match="tensor must be a tensor result"):
        covariant_derivative(sp.Matrix([[1, 0], [0, 1]]), metric)
    with pytest.raises(InputError, match="use the metric the tensor came from"):
        covariant_derivative(ricci_tensor(schwarzschild()), metric)
