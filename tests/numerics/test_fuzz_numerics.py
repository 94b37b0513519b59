"""Junk at the numeric arguments of geodesics, trajectories and integrate: only extremal's own errors escape."""

import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extremal.errors import ExtremalError
from extremal.numerics import (
    DOPRI5_TABLEAU,
    DormandPrince54,
    FixedStep,
    NumbaBackend,
    NumPyBackend,
    Status,
    compile_rhs,
    crossing,
    geodesics,
    integrate,
    trajectories,
)
from extremal.symbolic import Lagrangian, Metric

METRIC = Metric.from_line_element("dx**2 + (1 + x**2)*dy**2", "x y")
LAGRANGIAN = Lagrangian.parse("xdot**2/2 - x**2/2 - x**4/4", "x")
QUICK = DormandPrince54(rtol=1e-6, atol=1e-8, max_steps=200)

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e308, -1e308, 5e-324, 1e-300, 1e300]),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.sampled_from([10**400, -(10**400), 2**63]),
    st.booleans(),
)
junk = st.one_of(
    numbers,
    st.none(),
    st.text(max_size=5),
    st.complex_numbers(max_magnitude=1e3),
    st.lists(numbers, max_size=4),
    st.lists(st.lists(numbers, max_size=3), max_size=3),
    st.lists(st.one_of(numbers, st.text(max_size=2), st.none()), max_size=3),
    st.builds(lambda shape: np.ones(shape), st.lists(st.integers(0, 3), max_size=3).map(tuple)),
    st.dictionaries(st.text(max_size=2), numbers, max_size=2),
)


def maybe(valid, strategy=junk):
    return st.one_of(st.just(valid), strategy)


methods = st.one_of(
    st.just(QUICK),
    st.just(None).map(lambda _: FixedStep(DOPRI5_TABLEAU, dt=0.05, max_steps=200)),
    junk,
    st.builds(lambda r, a: (r, a), numbers, numbers).map(lambda ra: _method(*ra)),
)


def _method(rtol, atol):
    try:
        return DormandPrince54(rtol=rtol, atol=atol, max_steps=200)
    except ExtremalError:
        return QUICK


def _call(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            result = function(*args, **kwargs)
        except ExtremalError:
            return None
    assert set(np.unique(result.status)) <= {int(s) for s in Status}
    return result


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    x0=maybe([0.5, 0.0]),
    v0=maybe([[1.0, 0.2], [0.0, 1.0]]),
    s=maybe(np.linspace(0.0, 1.0, 5)),
    method=methods,
    strict=maybe(False),
    events=maybe([crossing(0, 2.0)]),
)
def test_geodesics_raise_only_extremal_errors(x0, v0, s, method, strict, events):
    _call(geodesics, METRIC, x0, v0, s, method=method, strict=strict, events=events)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    q0=maybe([[1.0], [0.5]]),
    qdot0=maybe([0.0]),
    t=maybe(2.0),
    method=methods,
    strict=maybe(False),
)
def test_trajectories_raise_only_extremal_errors(q0, qdot0, t, method, strict):
    _call(trajectories, LAGRANGIAN, q0, qdot0, t, method=method, strict=strict)


RHS = compile_rhs("x v", ["v", "-x"])


def _integrate_with(backend, threads, executor, progress, index):
    chosen = NumbaBackend(threads=threads) if isinstance(backend, str) and backend == "numba" else backend
    return integrate(RHS, [[1.0, 0.0], [0.5, 0.1]], (0.0, 1.0), QUICK, backend=chosen, executor=executor,
                     progress=progress, events=[crossing(index, 0.5)])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    backend=st.one_of(st.just(None), st.just("numba"), st.just(NumPyBackend()), junk),
    threads=maybe(None, st.one_of(junk, st.integers(-2, 4))),
    executor=maybe(None),
    progress=maybe(None, st.one_of(junk, st.just(print))),
    index=maybe(0, st.one_of(junk, st.integers(-2, 5))),
)
def test_integrate_options_raise_only_extremal_errors(backend, threads, executor, progress, index):
    _call(_integrate_with, backend, threads, executor, progress, index)
