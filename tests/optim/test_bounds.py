from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.optimize import minimize, minimize_scalar

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
    InverseSquare,
    constant_optimal,
    cosine,
    inverse_square_optimal,
    last_iterate_constant,
    linear_decay,
    recency_weighted_sum_of_squares,
    refined,
)

norm_seqs = arrays(
    np.float64,
    st.integers(2, 30),
    elements=st.floats(0.05, 20.0, allow_nan=False, allow_infinity=False),
)


def reference_last_2(eta: list[float], g: list[float], radius: float) -> float:
    big_t = len(eta)
    total = radius**2 / (2 * sum(eta))
    for t in range(1, big_t + 1):
        tail = sum(eta[min(t + 1, big_t) - 1 :])
        total += 0.5 * eta[t - 1] ** 2 * g[t - 1] ** 2 / tail
    return total


def reference_last_1(eta: list[float], g: list[float], radius: float) -> float:
    big_t = len(eta)
    s = sum(eta[t - 1] ** 2 * g[t - 1] ** 2 / max(1, big_t - t) for t in range(1, big_t + 1))
    return radius**2 / (2 * big_t * eta[-1]) + s / (2 * eta[-1])


def realistic_norms(kind: str, big_t: int, seed: int = 0) -> np.ndarray:
    t = np.arange(1, big_t + 1)
    base = 1 + 4 * np.exp(-t / (0.05 * big_t))
    if kind == "decay":
        return base
    if kind == "decay_then_rise":
        return base + t / big_t
    rng = np.random.default_rng(seed)
    return base * np.exp(0.2 * rng.standard_normal(big_t))


def tuned(bound, shape: np.ndarray) -> float:
    result = minimize_scalar(lambda s: bound(np.exp(s) * shape), bounds=(-15, 8), method="bounded")
    return float(result.fun)


@settings(max_examples=30, deadline=None)
@given(norm_seqs, st.floats(0.1, 10.0))
def test_bounds_match_reference_loops(g: np.ndarray, radius: float) -> None:
    eta = np.linspace(1.0, 0.2, g.size) / g.mean()
    assert last_iterate_bound_any_schedule(eta, g, radius) == pytest.approx(
        reference_last_2(list(eta), list(g), radius), rel=1e-10
    )
    assert last_iterate_bound_non_increasing(eta, g, radius) == pytest.approx(
        reference_last_1(list(eta), list(g), radius), rel=1e-10
    )
    w = (radius**2 + np.sum(eta**2 * g**2)) / (2 * eta.sum())
    assert weighted_average_bound(eta, g, radius) == pytest.approx(w, rel=1e-12)


@settings(max_examples=30, deadline=None)
@given(norm_seqs, st.floats(0.1, 10.0), st.floats(0.01, 0.99))
def test_constant_rate_minimises_non_increasing_bounds(
    g: np.ndarray, radius: float, drop: float
) -> None:
    big_t = g.size
    best_avg = constant_optimal(g, radius)
    assert bounded_domain_average_bound(best_avg, g, radius) == pytest.approx(
        radius * np.sqrt(np.sum(g**2)) / big_t, rel=1e-10
    )
    best_last = last_iterate_constant(g, radius)
    assert last_iterate_bound_non_increasing(best_last, g, radius) == pytest.approx(
        radius * np.sqrt(recency_weighted_sum_of_squares(g)[-1] / big_t), rel=1e-10
    )
    for lrs in (
        linear_decay(best_avg[0], big_t) * (1 - drop) + drop * best_avg[0],
        cosine(best_avg[0] * 2, big_t) + 1e-3,
        best_avg * (1 + drop),
        best_avg * (1 - drop),
    ):
        assert bounded_domain_average_bound(lrs, g, radius) >= bounded_domain_average_bound(best_avg, g, radius) - 1e-12
        assert average_bound(lrs, g, radius) >= average_bound(best_avg, g, radius) - 1e-12
    for lrs in (best_last * (1 + drop), best_last * (1 - drop), cosine(best_last[0], big_t) + 1e-6):
        best = last_iterate_bound_non_increasing(best_last, g, radius)
        assert last_iterate_bound_non_increasing(lrs, g, radius) >= best


@settings(max_examples=30, deadline=None)
@given(norm_seqs, st.floats(0.1, 10.0), st.integers(0, 2**32 - 1))
def test_inverse_square_minimises_weighted_bound(g: np.ndarray, radius: float, seed: int) -> None:
    best = inverse_square_optimal(g, radius)
    q = np.sum(g**-2.0)
    assert weighted_average_bound(best, g, radius) == pytest.approx(radius / np.sqrt(q), rel=1e-10)
    rng = np.random.default_rng(seed)
    other = best * np.exp(0.5 * rng.standard_normal(g.size))
    assert weighted_average_bound(other, g, radius) >= radius / np.sqrt(q) * (1 - 1e-12)
    causal = InverseSquare().rates(g, radius)
    claimed = radius / np.sqrt(q) * (1 + 0.5 * np.log(q / g[0] ** -2.0))
    assert weighted_average_bound(causal, g, radius) <= claimed * (1 + 1e-12)


def test_inverse_square_is_the_numerical_minimiser() -> None:
    g = realistic_norms("noisy", 12)
    result = minimize(
        lambda x: weighted_average_bound(np.exp(x), g, 1.0),
        np.zeros(g.size),
        method="L-BFGS-B",
        options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-12},
    )
    np.testing.assert_allclose(np.exp(result.x), inverse_square_optimal(g, 1.0), rtol=2e-3)


def test_best_final_rate_matches_a_scan() -> None:
    g = realistic_norms("noisy", 20)
    head = refined(g, 1.0)[:-1]
    scan = min(
        last_iterate_bound_any_schedule(np.append(head, x), g, 1.0) for x in np.geomspace(1e-6, 10, 4001)
    )
    best = last_iterate_bound_best_final_rate(head, g, 1.0)
    assert best <= scan + 1e-12
    assert best == pytest.approx(scan, rel=1e-4)
    assert last_iterate_bound_any_schedule(refined(g, 1.0), g, 1.0) == np.inf


@pytest.mark.parametrize("kind", ["decay", "decay_then_rise", "noisy"])
@pytest.mark.parametrize("big_t", [50, 400])
def test_refined_beats_tuned_baselines_on_last_2(kind: str, big_t: int) -> None:
    g = realistic_norms(kind, big_t)

    def bound(head: np.ndarray) -> float:
        return last_iterate_bound_best_final_rate(head, g, 1.0)

    ours = bound(refined(g, 1.0)[:-1])
    steps = big_t - 1
    for shape in (np.ones(steps), linear_decay(1.0, steps), cosine(1.0, steps)):
        assert ours < tuned(bound, shape)
    assert ours == pytest.approx(tuned(bound, refined(g, 1.0)[:-1]), rel=1e-3)


def test_refined_is_close_to_the_numerical_optimum_of_last_2() -> None:
    g = realistic_norms("decay", 30)
    result = minimize(
        lambda x: last_iterate_bound_any_schedule(np.exp(x), g, 1.0),
        np.log(np.append(refined(g, 1.0)[:-1], 0.01)),
        method="L-BFGS-B",
        options={"maxiter": 20000, "maxfun": 10**6},
    )
    ours = last_iterate_bound_best_final_rate(refined(g, 1.0)[:-1], g, 1.0)
    assert result.fun <= ours
    assert ours <= 1.05 * result.fun


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: average_bound([1.0, 2.0], [1.0, 1.0], 1.0), "non-increasing"),
        (lambda: bounded_domain_average_bound([1.0, 2.0], [1.0, 1.0], 1.0), "non-increasing"),
        (lambda: last_iterate_bound_non_increasing([1.0, 2.0], [1.0, 1.0], 1.0), "non-increasing"),
        (lambda: weighted_average_bound([1.0], [1.0, 1.0], 1.0), "same length"),
        (lambda: last_iterate_bound_any_schedule([], [], 1.0), "non-empty"),
        (lambda: last_iterate_bound_any_schedule([1.0], [float("inf")], 1.0), "finite"),
        (lambda: last_iterate_bound_any_schedule([1.0], [1.0], -1.0), "radius"),
        (lambda: last_iterate_bound_best_final_rate([1.0], [1.0], 1.0), "one more entry"),
        (lambda: last_iterate_bound_best_final_rate([1.0], [1.0, 0.0], 1.0), "G_T"),
    ],
)
def test_errors(call, match: str) -> None:
    with pytest.raises(InputError, match=match):
        call()


def test_zero_final_rate_gives_infinite_non_increasing_bounds() -> None:
    assert average_bound([1.0, 0.0], [1.0, 1.0], 1.0) == np.inf
    assert last_iterate_bound_non_increasing([1.0, 0.0], [1.0, 1.0], 1.0) == np.inf
