from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from extremal.errors import InputError
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

norm_seqs = arrays(
    np.float64,
    st.integers(1, 40),
    elements=st.floats(1e-3, 1e3, allow_nan=False, allow_infinity=False),
)


def reference_rates(rule: str, g: list[float], radius: float, total: int) -> list[float]:
    out = []
    for t in range(1, len(g) + 1):
        v = sum(g[k] ** 2 for k in range(t))
        q = sum(g[k] ** -2 for k in range(t))
        vt = sum(g[k - 1] ** 2 / max(1, t - k) for k in range(1, t + 1))
        if rule == "adagrad":
            out.append(radius / v**0.5)
        elif rule == "inverse":
            out.append(radius * g[t - 1] ** -2 / q**0.5)
        elif rule == "last":
            out.append(radius / (total * vt) ** 0.5)
        elif rule == "refined_causal":
            out.append(radius * g[t - 1] ** -2 * (1 - t / total) / q**0.5)
    return out


@settings(max_examples=40, deadline=None)
@given(norm_seqs, st.floats(0.1, 10.0))
def test_rules_match_reference_loops(g: np.ndarray, radius: float) -> None:
    total = g.size + 3
    cases = {
        "adagrad": AdaGradNorm(),
        "inverse": InverseSquare(),
        "last": LastIterate(total),
        "refined_causal": RefinedCausal(total),
    }
    for name, rule in cases.items():
        expected = reference_rates(name, list(g), radius, total)
        np.testing.assert_allclose(rule.rates(g, radius), expected, rtol=1e-10)
        assert rule.rate(g, radius) == pytest.approx(expected[-1], rel=1e-10)


@settings(max_examples=40, deadline=None)
@given(norm_seqs)
def test_causal_rules_are_causal_and_positive(g: np.ndarray) -> None:
    for rule in (AdaGradNorm(), InverseSquare(), LastIterate(g.size + 1)):
        full = rule.rates(g)
        assert np.all(full > 0)
        for t in range(1, g.size + 1):
            assert rule.rates(g[:t])[-1] == pytest.approx(full[t - 1], rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(norm_seqs)
def test_adagrad_norm_is_non_increasing(g: np.ndarray) -> None:
    assert np.all(np.diff(AdaGradNorm().rates(g)) <= 1e-15)


def test_recency_weighted_sq_reference() -> None:
    g = np.array([2.0, 1.0, 3.0, 0.5, 1.5])
    ref = [sum(g[k - 1] ** 2 / max(1, t - k) for k in range(1, t + 1)) for t in range(1, 6)]
    np.testing.assert_allclose(recency_weighted_sum_of_squares(g), ref)


def test_weights_scale_each_term() -> None:
    g = np.array([4.0, 2.0, 1.0])
    w = np.array([0.25, 0.5, 1.0])
    assert AdaGradNorm().rate(g, 2.0, w) == pytest.approx(2.0 / np.sqrt(4 + 2 + 1))
    q = 0.25 / 16 + 0.5 / 4 + 1.0
    assert InverseSquare().rate(g, 1.0, w) == pytest.approx(1.0 / np.sqrt(q))
    assert AdaGradNorm().rate(g, 2.0, np.ones(3)) == AdaGradNorm().rate(g, 2.0)


def test_refined_closed_forms() -> None:
    np.testing.assert_allclose(refined(np.ones(5), radius=5**1.5), [4, 3, 2, 1, 0])
    g = np.array([2.0, 1.0, 1.0, 0.5])
    q = np.cumsum(g**-2)
    expected = 3.0 * g**-2 * (q[-1] - q) / q[-1] ** 1.5
    np.testing.assert_allclose(refined(g, 3.0), expected)
    np.testing.assert_allclose(refined(g, 1.0)[0], inverse_square_optimal(g)[0] * (1 - q[0] / q[-1]))


def _refined_capped_reference(g: np.ndarray, radius: float, cap: float) -> np.ndarray:
    """The capped rule written out; ``1 - Q_t/Q_T`` as the sum of the later terms over ``Q_T``,
    since subtracting from 1 loses digits when ``G_1`` is much smaller than the other norms."""
    out = np.empty(g.size)
    q_total = sum(x**-2 for x in g)
    v = 0.0
    for t, x in enumerate(g):
        v += x**2
        rest = sum(y**-2 for y in g[t + 1 :])
        plain = radius * x**-2 * (rest / q_total) / np.sqrt(q_total)
        out[t] = min(plain, cap * radius / np.sqrt(v))
    return out


@settings(max_examples=50, deadline=None)
@given(g=norm_seqs, radius=st.floats(1e-2, 1e2), cap=st.floats(0.1, 10.0))
def test_refined_cap_matches_reference_and_bounds_the_plain_rule(
    g: np.ndarray, radius: float, cap: float
) -> None:
    capped = refined(g, radius, cap=cap)
    np.testing.assert_allclose(capped, _refined_capped_reference(g, radius, cap), rtol=1e-10)
    assert np.all(capped <= refined(g, radius) * (1 + 1e-12))
    assert np.all(capped <= cap * AdaGradNorm().rates(g, radius) * (1 + 1e-12))
    assert np.all(capped >= 0)


def test_refined_cap_keeps_rates_bounded_when_norms_vanish() -> None:
    g = 0.5 ** np.arange(40.0)
    plain = refined(g, 1.0)
    capped = refined(g, 1.0, cap=1.0)
    assert plain.max() > 1e10
    assert capped.max() <= 1.0 / g[0]
    np.testing.assert_allclose(capped[:5], plain[:5])
    assert capped[-1] == 0.0


def test_refined_cap_is_inactive_for_constant_norms() -> None:
    np.testing.assert_allclose(refined(np.ones(5), 5**1.5, cap=1.0), refined(np.ones(5), 5**1.5))


def test_refined_causal_equals_refined_for_constant_norms_in_the_decay() -> None:
    t = np.arange(1, 11)
    causal = RefinedCausal(10).rates(np.ones(10))
    np.testing.assert_allclose(causal, (1 - t / 10) / np.sqrt(t))


def test_optimal_constants() -> None:
    g = np.array([3.0, 4.0])
    np.testing.assert_allclose(constant_optimal(g, 10.0), [2.0, 2.0])
    np.testing.assert_allclose(inverse_square_optimal(np.ones(4), 2.0), np.full(4, 1.0))
    v = recency_weighted_sum_of_squares(g)[-1]
    np.testing.assert_allclose(last_iterate_constant(g, 1.0), np.full(2, 1 / np.sqrt(2 * v)))


def test_baselines_match_torch_schedulers() -> None:
    torch = pytest.importorskip("torch")
    steps = 7
    for ours, make in (
        (linear_decay(0.3, steps), lambda o: torch.optim.lr_scheduler.LinearLR(o, 1.0, 0.0, steps)),
        (cosine(0.3, steps), lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, steps)),
    ):
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.3)
        sched = make(opt)
        seen = []
        for _ in range(steps):
            seen.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        np.testing.assert_allclose(ours, seen, rtol=1e-12)
    np.testing.assert_allclose(constant(0.3, 3), [0.3] * 3)


def test_euler_lagrange_gives_the_refined_schedule() -> None:
    from extremal.symbolic import Lagrangian, euler_lagrange

    t, s, big_t, radius, w0 = sp.symbols("t s T R W_0", positive=True)
    gfun = 1 + s
    lag = Lagrangian(2 * sp.Symbol("Wdot") ** 2 * (1 + t) ** 2, (sp.Symbol("W"),), t)
    eom = euler_lagrange(lag)
    assert eom.forces == (0,)
    assert sp.simplify(eom.momenta[0] - 4 * sp.Symbol("Wdot") * (1 + t) ** 2) == 0

    total = sp.integrate(gfun**-2, (s, 0, big_t))
    w = w0 * sp.integrate(gfun**-2, (s, t, big_t)) / total
    wdot = sp.diff(w, t)
    assert sp.simplify(sp.diff(wdot * (1 + t) ** 2, t)) == 0
    assert sp.simplify(w.subs(t, big_t)) == 0
    assert sp.simplify(w.subs(t, 0) - w0) == 0

    action = radius**2 / (2 * w0**2) + 2 * sp.integrate((wdot * (1 + t) ** 2 * wdot), (t, 0, big_t))
    assert sp.simplify(action - (radius**2 / (2 * w0**2) + 2 * w0**2 / total)) == 0
    best = [r for r in sp.solve(sp.diff(action, w0), w0) if r.is_positive]
    assert len(best) == 1
    assert sp.simplify(2 * best[0] ** 2 - radius * sp.sqrt(total)) == 0

    eta = sp.simplify((-2 * w * wdot).subs(w0, best[0]))
    closed = radius * gfun.subs(s, t) ** -2 * sp.integrate(gfun**-2, (s, t, big_t)) / total ** sp.Rational(3, 2)
    assert sp.simplify(eta - closed) == 0


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: AdaGradNorm().rates([]), "empty"),
        (lambda: AdaGradNorm().rate([[1.0]]), "1-D"),
        (lambda: AdaGradNorm().rates([1.0, float("nan")]), "finite"),
        (lambda: AdaGradNorm().rates([0.0]), "V_1 = 0"),
        (lambda: AdaGradNorm().rate([1.0], radius=0.0), "radius"),
        (lambda: AdaGradNorm().rate([1.0], 1.0, [1.0, 2.0]), "weights"),
        (lambda: InverseSquare().rates([1.0, 0.0]), "positive"),
        (lambda: LastIterate(0), "total_steps"),
        (lambda: LastIterate(-3), "positive number of steps"),
        (lambda: RefinedCausal(2).rates([1.0, 1.0, 1.0]), "longer than the horizon"),
        (lambda: refined([]), "empty"),
        (lambda: refined([1.0, 2.0], cap=0.0), "cap"),
        (lambda: refined([1.0, 2.0], cap=float("inf")), "cap"),
        (lambda: constant(0.1, 0), "total_steps"),
        (lambda: cosine(-1.0, 3), "lr"),
    ],
)
def test_errors(call, match: str) -> None:
    with pytest.raises(InputError, match=match):
        call()


def test_last_iterate_rate_can_increase_so_its_bound_needs_checking() -> None:
    """LastIterate's docstring: the rate rises when the norms fall, outside (leq:last-1)'s assumption."""
    from extremal.optim import LastIterate, last_iterate_bound_any_schedule, last_iterate_bound_non_increasing

    g = 1.0 + 0.5 * np.random.default_rng(0).random(50)
    rates = LastIterate(50).rates(g)
    assert np.any(np.diff(rates) > 0)
    with pytest.raises(InputError, match="non-increasing"):
        last_iterate_bound_non_increasing(rates, g, 1.0)
    assert np.isfinite(last_iterate_bound_any_schedule(rates, g, 1.0))
