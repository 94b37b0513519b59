from __future__ import annotations

import io
import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from _digits import digits  # noqa: E402
from _digits import train as train_on_digits  # noqa: E402

from extremal.errors import InputError  # noqa: E402
from extremal.optim import (  # noqa: E402
    AdaGradNorm,
    GradNormLR,
    GradNormRecorder,
    InverseSquare,
    LastIterate,
    Muon,
    RefinedCausal,
    global_grad_norm,
    refined,
)

A = torch.tensor([[3.0, 1.0], [1.0, 2.0]], dtype=torch.float64)
B = torch.tensor([1.0, -2.0], dtype=torch.float64)


def quadratic(w):
    return 0.5 * w @ A @ w - B @ w


def train(opt, sched, w, steps):
    for _ in range(steps):
        opt.zero_grad()
        quadratic(w).backward()
        opt.step()
        if sched is not None:
            sched.step()


def reference_dowg(w0: torch.Tensor, steps: int, reps_rel: float = 1e-6) -> torch.Tensor:
    x = w0.clone()
    rbar = reps_rel * (1 + float(torch.linalg.vector_norm(w0)))
    v = 0.0
    for _ in range(steps):
        xr = x.clone().requires_grad_(True)
        quadratic(xr).backward()
        g = xr.grad
        rbar = max(rbar, float(torch.linalg.vector_norm(x - w0)))
        v += rbar**2 * float(g @ g)
        x = x - rbar**2 / math.sqrt(v) * g
    return x


def reference_adagrad_norm(w0: torch.Tensor, steps: int, radius: float) -> torch.Tensor:
    x = w0.clone()
    v = 0.0
    for _ in range(steps):
        xr = x.clone().requires_grad_(True)
        quadratic(xr).backward()
        v += float(xr.grad @ xr.grad)
        x = x - radius / math.sqrt(v) * xr.grad
    return x


def test_parameter_free_adagrad_norm_is_dowg() -> None:
    w0 = torch.tensor([2.0, 1.0], dtype=torch.float64)
    w = torch.nn.Parameter(w0.clone())
    opt = torch.optim.SGD([w], lr=1.0)
    train(opt, GradNormLR(opt, AdaGradNorm()), w, 60)
    torch.testing.assert_close(w.detach(), reference_dowg(w0, 60), rtol=1e-12, atol=1e-12)


def test_given_radius_is_adagrad_norm_and_lr_is_a_multiplier() -> None:
    w0 = torch.tensor([2.0, 1.0], dtype=torch.float64)
    w = torch.nn.Parameter(w0.clone())
    opt = torch.optim.SGD([w], lr=0.5)
    sched = GradNormLR(opt, AdaGradNorm(), radius=3.0)
    train(opt, sched, w, 30)
    torch.testing.assert_close(w.detach(), reference_adagrad_norm(w0, 30, 1.5))
    group = opt.param_groups[0]
    assert group["radius"] == 3.0
    assert group["grad_norm"] == pytest.approx(sched.norms[-1])
    assert group["lr"] == pytest.approx(0.5 * AdaGradNorm().rate(sched.norms, 3.0))
    assert sched.get_last_lr() == [group["lr"]]


@pytest.mark.parametrize("rule", [InverseSquare(), LastIterate(40), RefinedCausal(40)])
def test_rate_uses_the_current_gradient(rule) -> None:
    w = torch.nn.Parameter(torch.tensor([2.0, 1.0], dtype=torch.float64))
    opt = torch.optim.SGD([w], lr=1.0)
    sched = GradNormLR(opt, rule, radius=0.5)
    seen = []
    for _ in range(10):
        opt.zero_grad()
        quadratic(w).backward()
        seen.append(global_grad_norm([w]))
        opt.step()
        sched.step()
        assert opt.param_groups[0]["lr"] == pytest.approx(rule.rate(seen, 0.5), rel=1e-12)
    np.testing.assert_allclose(sched.norms, seen)


def test_radius_estimate_is_the_largest_distance() -> None:
    w = torch.nn.Parameter(torch.tensor([0.0, 0.0], dtype=torch.float64))
    opt = torch.optim.SGD([w], lr=1.0)
    sched = GradNormLR(opt, AdaGradNorm())
    distances = []
    for _ in range(25):
        distances.append(float(torch.linalg.vector_norm(w.detach())))
        opt.zero_grad()
        quadratic(w).backward()
        opt.step()
        sched.step()
    assert sched.current_radius == pytest.approx(max(1e-6, *distances))
    assert opt.param_groups[0]["radius"] == sched.current_radius


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_nonfinite_gradient_is_skipped_without_touching_state(momentum: float) -> None:
    w = torch.nn.Parameter(torch.tensor([2.0, 1.0], dtype=torch.float64))
    opt = torch.optim.SGD([w], lr=1.0, momentum=momentum)
    sched = GradNormLR(opt, AdaGradNorm())
    train(opt, sched, w, 5)
    before = w.detach().clone()
    buf = opt.state[w].get("momentum_buffer")
    buf = None if buf is None else buf.clone()
    norms = sched.norms.copy()
    lr = opt.param_groups[0]["lr"]
    opt.zero_grad()
    w.grad = torch.tensor([float("nan"), 1.0], dtype=torch.float64)
    opt.step()
    sched.step()
    assert sched.skipped == 1
    torch.testing.assert_close(w.detach(), before)
    np.testing.assert_array_equal(sched.norms, norms)
    assert opt.param_groups[0]["lr"] == lr
    if buf is not None:
        torch.testing.assert_close(opt.state[w]["momentum_buffer"], buf)
    train(opt, sched, w, 5)
    assert torch.all(torch.isfinite(w))


def test_nonfinite_gradient_can_raise() -> None:
    w = torch.nn.Parameter(torch.tensor([2.0, 1.0]))
    opt = torch.optim.SGD([w], lr=1.0)
    GradNormLR(opt, AdaGradNorm(), nonfinite="raise")
    w.grad = torch.tensor([float("inf"), 1.0])
    with pytest.raises(InputError, match="gradient norm at step 1 is inf"):
        opt.step()
    assert torch.all(torch.isfinite(w))


def test_state_dict_round_trip_continues_identically() -> None:
    def fresh():
        w = torch.nn.Parameter(torch.tensor([2.0, 1.0], dtype=torch.float64))
        opt = torch.optim.SGD([w], lr=1.0, momentum=0.5)
        return w, opt, GradNormLR(opt, AdaGradNorm())

    w_ref, opt_ref, sched_ref = fresh()
    train(opt_ref, sched_ref, w_ref, 20)

    w1, opt1, sched1 = fresh()
    train(opt1, sched1, w1, 8)
    buffer = io.BytesIO()
    torch.save({"w": w1.detach(), "opt": opt1.state_dict(), "sched": sched1.state_dict()}, buffer)
    buffer.seek(0)
    saved = torch.load(buffer)

    w2, opt2, sched2 = fresh()
    with torch.no_grad():
        w2.copy_(saved["w"])
    opt2.load_state_dict(saved["opt"])
    sched2.load_state_dict(saved["sched"])
    train(opt2, sched2, w2, 12)
    torch.testing.assert_close(w2.detach(), w_ref.detach(), rtol=0, atol=0)
    assert sched2.last_epoch == sched_ref.last_epoch


def noisy_run(opt, sched, w, steps, seed):
    gen = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        opt.zero_grad()
        quadratic(w).backward()
        w.grad += 0.5 * torch.randn(2, generator=gen, dtype=torch.float64)
        opt.step()
        if sched is not None:
            sched.step()
    return float(quadratic(w.detach()) - quadratic(torch.linalg.solve(A, B)))


def test_recorder_refine_retrain() -> None:
    first, second = [], []
    for seed in range(8):
        w = torch.nn.Parameter(torch.tensor([2.0, 1.0], dtype=torch.float64))
        opt = torch.optim.SGD([w], lr=0.1)
        rec = GradNormRecorder(opt)
        first.append(noisy_run(opt, None, w, 200, seed))
        assert rec.norms.size == 200
        assert rec.distances[0] == 0.0
        radius = rec.max_distance
        rec.remove()

        sq = np.convolve(np.pad(rec.norms**2, 10, mode="edge"), np.ones(21) / 21, "valid")
        rates = refined(np.sqrt(sq), radius)
        w2 = torch.nn.Parameter(torch.tensor([2.0, 1.0], dtype=torch.float64))
        opt2 = torch.optim.SGD([w2], lr=1.0)
        sched = torch.optim.lr_scheduler.LambdaLR(opt2, lambda step, r=rates: r[min(step, 199)])
        second.append(noisy_run(opt2, sched, w2, 200, seed + 100))
    assert np.median(second) < 0.5 * np.median(first)


def test_recorder_matches_manual_norms() -> None:
    w = torch.nn.Parameter(torch.tensor([2.0, 1.0], dtype=torch.float64))
    opt = torch.optim.SGD([w], lr=0.2)
    rec = GradNormRecorder(opt)
    manual = []
    for _ in range(5):
        opt.zero_grad()
        quadratic(w).backward()
        manual.append(global_grad_norm([w]))
        opt.step()
    np.testing.assert_allclose(rec.norms, manual)


def test_recorder_state_and_nonfinite() -> None:
    w = torch.nn.Parameter(torch.tensor([1.0]))
    opt = torch.optim.SGD([w], lr=0.1)
    rec = GradNormRecorder(opt, nonfinite="skip")
    w.grad = torch.tensor([float("nan")])
    rec._before_step(opt, (), {})
    assert rec.skipped == 1 and rec.norms.size == 0
    w.grad = torch.tensor([2.0])
    opt.step()
    other = GradNormRecorder(torch.optim.SGD([torch.nn.Parameter(torch.tensor([1.0]))], lr=0.1))
    other.load_state_dict(rec.state_dict())
    np.testing.assert_array_equal(other.norms, [2.0])
    strict = GradNormRecorder(opt)
    w.grad = torch.tensor([float("inf")])
    with pytest.raises(InputError, match="nonfinite='skip'"):
        opt.step()
    strict.remove()


def test_global_grad_norm_without_gradients_is_zero() -> None:
    assert global_grad_norm([torch.nn.Parameter(torch.zeros(2))]) == 0.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"rule": object()}, "rate"),
        ({"rule": AdaGradNorm(), "radius": 0.0}, "radius"),
        ({"rule": AdaGradNorm(), "radius": float("nan")}, "radius"),
        ({"rule": AdaGradNorm(), "reps_rel": -1.0}, "reps_rel"),
        ({"rule": AdaGradNorm(), "radius": True}, "radius"),
        ({"rule": AdaGradNorm(), "radius": "1.0"}, "radius"),
        ({"rule": AdaGradNorm(), "reps_rel": True}, "reps_rel"),
        ({"rule": AdaGradNorm(), "nonfinite": True}, "GradNormLR: nonfinite must be 'skip' or 'raise'"),
    ],
)
def test_constructor_errors(kwargs, match: str) -> None:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=1.0)
    with pytest.raises(InputError, match=match):
        GradNormLR(opt, **kwargs)


@pytest.mark.parametrize("nonfinite", [False, "ignore", None])
def test_recorder_refuses_an_unknown_nonfinite_option(nonfinite: object) -> None:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=1.0)
    with pytest.raises(InputError, match="GradNormRecorder: nonfinite must be 'skip' or 'raise'"):
        GradNormRecorder(opt, nonfinite=nonfinite)  # type: ignore[arg-type]


def test_one_nonfinite_convention() -> None:
    """Muon, GradNormLR and GradNormRecorder share ``nonfinite="skip" | "raise"`` and raise InputError."""
    w = torch.nn.Parameter(torch.ones(2, 2))
    for make in (
        lambda: (Muon([w], nonfinite="raise"), None),
        lambda: (opt := torch.optim.SGD([w], lr=1.0), GradNormLR(opt, AdaGradNorm(), nonfinite="raise")),
        lambda: (opt := torch.optim.SGD([w], lr=1.0), GradNormRecorder(opt, nonfinite="raise")),
    ):
        opt, hook = make()
        w.grad = torch.full((2, 2), float("nan"))
        with pytest.raises(InputError, match="nonfinite='skip'"):
            opt.step()
        assert torch.equal(w.detach(), torch.ones(2, 2))
        if hook is not None:
            hook.remove()


def test_horizon_overrun_raises() -> None:
    w = torch.nn.Parameter(torch.tensor([2.0, 1.0], dtype=torch.float64))
    opt = torch.optim.SGD([w], lr=1.0)
    GradNormLR(opt, LastIterate(3), radius=1.0)
    with pytest.raises(InputError, match="longer than the horizon"):
        train(opt, None, w, 4)


def test_parameter_free_logistic_regression_on_digits() -> None:
    datasets = pytest.importorskip("sklearn.datasets")
    x, y = datasets.load_digits(return_X_y=True)
    x = (x - x.mean(0)) / (x.std(0) + 1e-8)
    xt = torch.tensor(x[:1200], dtype=torch.float64)
    yt = torch.tensor(y[:1200])
    xv = torch.tensor(x[1200:], dtype=torch.float64)
    yv = torch.tensor(y[1200:])
    lam = 1e-3

    def loss(w, b):
        ce = torch.nn.functional.cross_entropy(xt @ w + b, yt)
        return ce + 0.5 * lam * (w.square().sum() + b.square().sum())

    def fit(make_sched, steps=200, lr=1.0, momentum=0.0):
        w = torch.nn.Parameter(torch.zeros(64, 10, dtype=torch.float64))
        b = torch.nn.Parameter(torch.zeros(10, dtype=torch.float64))
        opt = torch.optim.SGD([w, b], lr=lr, momentum=momentum)
        sched = make_sched(opt)
        for _ in range(steps):
            opt.zero_grad()
            loss(w, b).backward()
            opt.step()
            sched.step()
        with torch.no_grad():
            accuracy = float(((xv @ w + b).argmax(1) == yv).double().mean())
            return float(loss(w, b)), accuracy

    w = torch.zeros(64, 10, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(10, dtype=torch.float64, requires_grad=True)
    lbfgs = torch.optim.LBFGS(
        [w, b],
        lr=1,
        max_iter=500,
        tolerance_grad=1e-12,
        tolerance_change=0,
        history_size=50,
        line_search_fn="strong_wolfe",
    )

    def closure():
        lbfgs.zero_grad()
        value = loss(w, b)
        value.backward()
        return value

    lbfgs.step(closure)
    with torch.no_grad():
        best = float(loss(w, b))

    ours, accuracy = fit(lambda o: GradNormLR(o, AdaGradNorm()))
    assert ours - best < 1e-4
    assert accuracy > 0.9
    untuned_constant, _ = fit(lambda o: torch.optim.lr_scheduler.ConstantLR(o, 1.0, 1))
    assert ours - best < 1e-2 * (untuned_constant - best)
    recommended, accuracy = fit(lambda o: GradNormLR(o, AdaGradNorm()), steps=500, lr=0.5, momentum=0.5)
    assert recommended - best < 1e-12
    assert accuracy > 0.9


def test_recommended_parameter_free_setting_trains_an_mlp() -> None:
    pytest.importorskip("sklearn.datasets")
    x, y = digits(standardise=True)
    for seed in range(3):
        torch.manual_seed(seed)
        model = torch.nn.Sequential(
            torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10)
        )
        opt = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.5)
        sched = GradNormLR(opt, AdaGradNorm())
        loss = train_on_digits(model, opt, x, y, steps=300, seed=seed, sched=sched)
        assert loss < 0.05, (seed, loss)
        assert sched.skipped == 0
        assert 0.0 < sched.current_radius < 100.0


@pytest.mark.parametrize("warmup_first", [True, False])
def test_a_second_scheduler_is_refused_not_ignored(warmup_first: bool) -> None:
    w = torch.nn.Parameter(torch.tensor([2.0, 1.0], dtype=torch.float64))
    opt = torch.optim.SGD([w], lr=1.0)
    if warmup_first:
        warmup = torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=5)
        sched = GradNormLR(opt, AdaGradNorm(), radius=1.0)
    else:
        sched = GradNormLR(opt, AdaGradNorm(), radius=1.0)
        warmup = torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=5)
    before = w.detach().clone()
    with pytest.raises(InputError, match=r"param_groups\[0\]\['lr'\].*another scheduler"):
        for _ in range(3):
            opt.zero_grad()
            quadratic(w).backward()
            opt.step()
            sched.step()
            warmup.step()
    # Refused at the first step that follows the other scheduler's change, before that step moves w.
    assert len(sched.norms) == (1 if warmup_first else 0)
    assert torch.equal(w.detach(), before) is (not warmup_first)


def test_initial_lr_scales_the_rates_for_a_warm_up() -> None:
    w = torch.nn.Parameter(torch.tensor([2.0, 1.0], dtype=torch.float64))
    opt = torch.optim.SGD([w], lr=1.0)
    sched = GradNormLR(opt, AdaGradNorm(), radius=1.0)
    for t in range(4):
        opt.param_groups[0]["initial_lr"] = min(1.0, (t + 1) / 4)
        opt.zero_grad()
        quadratic(w).backward()
        opt.step()
        sched.step()
        assert opt.param_groups[0]["lr"] == pytest.approx(min(1.0, (t + 1) / 4) * AdaGradNorm().rate(sched.norms, 1.0))


def test_one_grad_norm_lr_per_optimizer() -> None:
    w = torch.nn.Parameter(torch.tensor([2.0, 1.0], dtype=torch.float64))
    opt = torch.optim.SGD([w], lr=1.0)
    first = GradNormLR(opt, AdaGradNorm())
    with pytest.raises(InputError, match="already has a GradNormLR attached"):
        GradNormLR(opt, InverseSquare(), radius=1.0)
    assert len(opt._optimizer_step_pre_hooks) == 1
    first.remove()
    assert len(opt._optimizer_step_pre_hooks) == 0
    second = GradNormLR(opt, InverseSquare(), radius=1.0)
    train(opt, second, w, 3)
    assert len(opt._optimizer_step_pre_hooks) == 1 and first.norms.size == 0 and second.norms.size == 3


def test_a_skipped_step_warns_once_at_the_callers_line() -> None:
    w = torch.nn.Parameter(torch.tensor([2.0, 1.0], dtype=torch.float64))
    opt = torch.optim.SGD([w], lr=1.0)
    sched = GradNormLR(opt, AdaGradNorm())
    for expected in (1, 2):
        w.grad = torch.tensor([float("nan"), 1.0], dtype=torch.float64)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            opt.step()
        assert [(w.category, w.filename) for w in caught] == ([(RuntimeWarning, __file__)] if expected == 1 else [])
        assert sched.skipped == expected
    assert torch.equal(w.detach(), torch.tensor([2.0, 1.0], dtype=torch.float64))


def test_large_model_keeps_a_bfloat16_initial_point_and_a_close_radius() -> None:
    """Past the first phase, θ_1 is kept in bfloat16 and the distance is measured every 8 steps."""
    gen = torch.Generator().manual_seed(0)
    n = (1 << 20) + 3
    target = torch.randn(n, generator=gen)
    w = torch.nn.Parameter(torch.randn(n, generator=gen))
    w1 = w.detach().clone()
    opt = torch.optim.SGD([w], lr=0.5, momentum=0.5)
    sched = GradNormLR(opt, AdaGradNorm())
    exact = []
    for _ in range(40):
        exact.append(float(torch.linalg.vector_norm((w.detach() - w1).double())))
        opt.zero_grad()
        (0.5 * (w - target).pow(2).sum()).backward()
        opt.step()
        sched.step()
    state = sched.state_dict()
    assert [t.dtype for t in state["_initial"]] == [torch.bfloat16]
    assert state["_initial_gap"] > 0.0
    # The distance grows at every step here; the estimate is the exact distance at the last
    # measured step (32, a multiple of 8), off by less than the rounding gap of θ_1 (0.2 % of it).
    assert state["_initial_gap"] < 2e-3 * exact[32]
    assert abs(sched.current_radius - exact[32]) <= state["_initial_gap"]
    assert exact[32] < max(exact)
