"""Bounds and schedules at every scale: homogeneity over 10^-150..10^150, and bad input.

Degrees, read off the formulas: every bound is multiplied by ``a b^2`` under
``(lrs, norms, R) -> (a lrs, b norms, a b R)`` (each term has the units of R^2/η = η G^2);
every rule's rates by ``r/c`` under ``(norms, R) -> (c norms, r R)``; the recency sums by
``c^2``; the baseline schedules by ``a`` under ``lr -> a lr``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extremal.errors import InputError
from extremal.optim._bounds import (
    average_bound,
    bounded_domain_average_bound,
    last_iterate_bound_any_schedule,
    last_iterate_bound_best_final_rate,
    last_iterate_bound_non_increasing,
    weighted_average_bound,
)
from extremal.optim._schedule_formulas import (
    AdaGradNorm,
    InverseSquare,
    LastIterate,
    RefinedCausal,
    constant,
    constant_optimal,
    cosine,
    inverse_square_optimal,
    last_iterate_constant,
    linear_decay,
    recency_weighted_sum_of_squares,
    refined,
)

BOUNDS = [
    average_bound,
    bounded_domain_average_bound,
    last_iterate_bound_any_schedule,
    last_iterate_bound_non_increasing,
    weighted_average_bound,
]
exponents = st.integers(-150, 150)
runs = st.tuples(
    st.lists(st.floats(0.05, 20.0), min_size=2, max_size=12),
    st.lists(st.floats(0.05, 2.0), min_size=12, max_size=12),
    st.floats(0.1, 10.0),
)


def expect_scaled(got: float, base: float, log10_factor: int) -> None:
    """``got == base * 10^log10_factor``, or ``inf``/``0`` where that leaves the float64 range."""
    assert not math.isnan(got)
    log10_expected = math.log10(base) + log10_factor
    if log10_expected > 308.3:
        assert got == math.inf
    elif log10_expected < -323.0:
        assert got == 0.0
    elif log10_expected > -307:
        assert math.log10(got) == pytest.approx(log10_expected, abs=1e-11)


@settings(max_examples=40, deadline=None)
@given(runs, exponents, exponents)
def test_bounds_are_homogeneous_of_degree_a_b2(run: tuple[list[float], list[float], float], i: int, j: int) -> None:
    norms, lrs, radius = run
    g = np.array(norms)
    eta = np.sort(np.array(lrs[: g.size]))[::-1]
    a, b = 10.0**i, 10.0**j
    for bound in BOUNDS:
        base = bound(eta, g, radius)
        expect_scaled(bound(eta * a, g * b, radius * 10.0 ** (i + j)), base, i + 2 * j)
    base = last_iterate_bound_best_final_rate(eta[:-1], g, radius)
    expect_scaled(last_iterate_bound_best_final_rate(eta[:-1] * a, g * b, radius * 10.0 ** (i + j)), base, i + 2 * j)


@settings(max_examples=40, deadline=None)
@given(runs, exponents, exponents)
def test_rules_scale_as_radius_over_norm(run: tuple[list[float], list[float], float], i: int, j: int) -> None:
    norms, weights, radius = run
    g = np.array(norms)
    w = np.array(weights[: g.size])
    r, c = 10.0**i, 10.0**j
    big_t = g.size + 2

    def close(got: Any, base: Any) -> None:
        np.testing.assert_allclose(got, np.asarray(base) * 10.0 ** (i - j), rtol=1e-10, atol=0)

    for rule in (AdaGradNorm(), InverseSquare(), LastIterate(big_t), RefinedCausal(big_t)):
        close(rule.rates(g * c, radius * r), rule.rates(g, radius))
        close(rule.rate(g * c, radius * r, w), rule.rate(g, radius, w))
    for fixed in (constant_optimal, inverse_square_optimal, last_iterate_constant, refined):
        close(fixed(g * c, radius * r), fixed(g, radius))
    close(refined(g * c, radius * r, cap=1.0), refined(g, radius, cap=1.0))
    np.testing.assert_allclose(
        recency_weighted_sum_of_squares(g * c), recency_weighted_sum_of_squares(g) * 10.0 ** (2 * j), rtol=1e-10
    )
    for baseline in (constant, linear_decay, cosine):
        np.testing.assert_allclose(baseline(radius * r, big_t), baseline(radius, big_t) * r, rtol=1e-12)


def test_bounds_near_the_largest_float() -> None:
    """The cases of the issue: 1e308-sized inputs gave nan or a raw SciPy error. With
    ``(a, b) = (1e308, 1e-300)`` and ``R = a b`` the bound is ``a b^2 = 1e-292`` times the unit one."""
    big = 1e308
    for bound in BOUNDS:
        value = bound([big, big], [big, big], big)
        assert value == math.inf
        assert bound([big, big], [1e-300, 1e-300], 1e8) == pytest.approx(
            bound([1.0, 1.0], [1.0, 1.0], 1.0) * 1e-292, rel=1e-10
        )
    assert last_iterate_bound_best_final_rate([big], [big, big], big) == math.inf
    assert last_iterate_bound_best_final_rate([big], [1e-300, 1e-300], 1e8) == pytest.approx(
        last_iterate_bound_best_final_rate([1.0], [1.0, 1.0], 1.0) * 1e-292, rel=1e-10
    )
    assert last_iterate_bound_best_final_rate([1e-300], [1e300, 1e300], 1.0) == pytest.approx(
        last_iterate_bound_best_final_rate([1.0], [1.0, 1.0], 1.0) * 1e300, rel=1e-10
    )


def test_rules_with_norms_spanning_the_float_range() -> None:
    """Norms 1e-300 and 1e300 in one run: their squares leave the float64 range, the rates do not."""
    g = [1e-300, 1e300, 1.0]
    np.testing.assert_allclose(AdaGradNorm().rates(g), [1e300, 1e-300, 1e-300], rtol=1e-12)
    np.testing.assert_allclose(InverseSquare().rates(g), [1e300, 0.0, 1e-300], rtol=1e-12)  # 1e-900 underflows
    np.testing.assert_allclose(refined(g), [1e-300, 0.0, 0.0], rtol=1e-12)
    assert np.all(np.isfinite(recency_weighted_sum_of_squares([1e-300, 1.0])))


def test_best_final_with_zero_rates_is_r_g() -> None:
    """All earlier rates 0: the bound is min over x of R^2/(2x) + x G_T^2/2 = R G_T."""
    for scale in (1e-200, 1.0, 1e200):
        bound = last_iterate_bound_best_final_rate([0.0, 0.0], [1.0, 1.0, 2.0 * scale], 3.0)
        assert bound == pytest.approx(6.0 * scale)


def _bound_calls() -> dict[str, tuple[Callable[..., Any], dict[str, Any]]]:
    run = {"lrs": [0.5, 0.4], "norms": [1.0, 2.0], "radius": 1.0}
    calls: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {f.__name__: (f, run) for f in BOUNDS}
    calls["last_iterate_bound_best_final_rate"] = (
        last_iterate_bound_best_final_rate,
        {"lrs": [0.5], "norms": [1.0, 2.0], "radius": 1.0},
    )
    norms = {"norms": [1.0, 2.0], "radius": 1.0}
    for name, fn in {
        "AdaGradNorm.rates": AdaGradNorm().rates,
        "InverseSquare.rates": InverseSquare().rates,
        "LastIterate.rates": LastIterate(4).rates,
        "RefinedCausal.rates": RefinedCausal(4).rates,
        "constant_optimal": constant_optimal,
        "inverse_square_optimal": inverse_square_optimal,
        "last_iterate_constant": last_iterate_constant,
    }.items():
        calls[name] = (fn, norms)
    for name, fn in {
        "AdaGradNorm.rate": AdaGradNorm().rate,
        "InverseSquare.rate": InverseSquare().rate,
        "LastIterate.rate": LastIterate(4).rate,
        "RefinedCausal.rate": RefinedCausal(4).rate,
    }.items():
        calls[name] = (fn, {**norms, "weights": [1.0, 0.5]})
    calls["refined"] = (refined, {**norms, "cap": 1.0})
    calls["recency_weighted_sum_of_squares"] = (recency_weighted_sum_of_squares, {"norms": [1.0, 2.0]})
    for fn in (constant, linear_decay, cosine):
        calls[fn.__name__] = (fn, {"lr": 0.1, "total_steps": 3})
    return calls


CALLS = _bound_calls()
BAD_SCALARS = [-1.0, math.nan, math.inf, True, "1.0", None]
BAD_VECTORS = [
    [-1.0, 1.0],
    [math.nan, 1.0],
    [1.0, math.inf],
    [True, 1.0],
    np.array([True, False]),
    [],
    [[1.0, 2.0]],
    "ab",
]


@pytest.mark.parametrize("name", list(CALLS))
def test_calculators_accept_their_valid_arguments(name: str) -> None:
    fn, kwargs = CALLS[name]
    out = np.asarray(fn(**kwargs))
    assert np.all(np.isfinite(out)) and np.all(out >= 0)


@pytest.mark.parametrize("name", list(CALLS))
def test_calculators_refuse_bad_arguments(name: str) -> None:
    fn, kwargs = CALLS[name]
    for arg, good in kwargs.items():
        bads: list[Any] = BAD_VECTORS if isinstance(good, list) else BAD_SCALARS
        if arg == "total_steps":
            bads = [0, -3, True, 2.5, math.nan]
        if arg == "cap":  # None is valid: no cap
            bads = [x for x in bads if x is not None]
        for bad in bads:
            with pytest.raises(InputError, match=arg.split("_")[0] if arg != "radius" else "radius"):
                fn(**{**kwargs, arg: bad})
