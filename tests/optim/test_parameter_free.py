"""GradNormLR's parameter-free mode on Adam and AdamW: the distance estimate from correlations."""

from __future__ import annotations

import io
import itertools
import math

import pytest

torch = pytest.importorskip("torch")

from _digits import digits  # noqa: E402
from _digits import train as train_on_digits  # noqa: E402

from extremal.errors import InputError  # noqa: E402
from extremal.optim import AdaGradNorm, GradNormLR, InverseSquare  # noqa: E402
from extremal.optim import _correlation_estimate as correlation  # noqa: E402

A = torch.tensor([[3.0, 1.0], [1.0, 2.0]], dtype=torch.float64)
B = torch.tensor([1.0, -2.0], dtype=torch.float64)


def quadratic(w: torch.Tensor) -> torch.Tensor:
    return 0.5 * w @ A @ w - B @ w


def reference_run(
    w0: torch.Tensor, steps: int, betas: tuple[float, float], d0: float = 1e-6, eps: float = 1e-8
) -> tuple[list[float], list[torch.Tensor]]:
    """The rates and iterates of the class notes, written out without torch's Adam.

    The moments are Prodigy's: sums of ``d_k g_k`` and ``d_k**2 g_k**2``, with ``d_k`` the
    estimate in force at step ``k``; the scheduler gets the same by rescaling torch's moments.
    """
    beta1, beta2 = betas
    beta3 = math.sqrt(beta2)
    w, d, numerator = w0.clone(), d0, 0.0
    s, m, v = torch.zeros_like(w0), torch.zeros_like(w0), torch.zeros_like(w0)
    rates, points = [], []
    for t in range(1, steps + 1):
        point = w.clone().requires_grad_(True)
        quadratic(point).backward()
        g = point.grad.detach()
        numerator = beta3 * numerator + d**2 * float(g @ (w0 - w))
        s = beta3 * s + d**2 * g
        d = max(d, numerator / float(s.abs().sum()))
        m = beta1 * m + (1 - beta1) * d * g
        v = beta2 * v + (1 - beta2) * d**2 * g**2
        rate = d * math.sqrt((1 - beta1**t) / math.sqrt(1 - beta2**t))
        w = w - rate * (m / (1 - beta1**t)) / ((v / (1 - beta2**t)).sqrt() + d * eps)
        rates.append(rate)
        points.append(w)
    return rates, points


@pytest.mark.parametrize("cls", [torch.optim.Adam, torch.optim.AdamW])
@pytest.mark.parametrize("betas", [(0.9, 0.999), (0.8, 0.95)])
def test_adam_rates_and_iterates_match_the_formula(cls, betas) -> None:
    w0 = torch.tensor([2.0, 1.0], dtype=torch.float64)
    w = torch.nn.Parameter(w0.clone())
    opt = cls([w], lr=1.0, betas=betas, weight_decay=0.0)
    sched = GradNormLR(opt, AdaGradNorm())
    seen, points = [], []
    for _ in range(40):
        opt.zero_grad()
        quadratic(w).backward()
        opt.step()
        seen.append(opt.param_groups[0]["lr"])
        points.append(w.detach().clone())
        sched.step()
    rates, expected_points = reference_run(w0, 40, betas)
    assert len(set(rates)) > 10  # the estimate grew during the run, so the moments were rescaled
    assert seen == pytest.approx(rates, rel=1e-9)
    for got, expected in zip(points, expected_points, strict=True):
        torch.testing.assert_close(got, expected, rtol=1e-9, atol=1e-12)
    assert opt.param_groups[0]["radius"] == sched.current_radius


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_estimate_never_decreases_and_solves_the_quadratic(amsgrad: bool) -> None:
    w = torch.nn.Parameter(torch.tensor([2.0, 1.0], dtype=torch.float64))
    opt = torch.optim.AdamW([w], lr=1.0, weight_decay=0.0, amsgrad=amsgrad)
    sched = GradNormLR(opt, AdaGradNorm())
    radii = []
    for _ in range(300):
        opt.zero_grad()
        quadratic(w).backward()
        opt.step()
        sched.step()
        radii.append(sched.current_radius)
    assert all(b >= a for a, b in itertools.pairwise(radii))
    solution = torch.linalg.solve(A, B)
    # The estimate is a lower bound of the max-norm distance to the solution (convex problem).
    assert 1e-6 < sched.current_radius <= float((solution - torch.tensor([2.0, 1.0], dtype=torch.float64)).abs().max())
    assert float(torch.linalg.vector_norm(w.detach() - solution)) < 1e-2


def test_adam_refuses_another_rule_in_the_parameter_free_mode() -> None:
    opt = torch.optim.Adam([torch.nn.Parameter(torch.zeros(2))], lr=1.0)
    with pytest.raises(InputError, match=r"rule must be AdaGradNorm\(\) for Adam/AdamW"):
        GradNormLR(opt, InverseSquare())
    GradNormLR(opt, InverseSquare(), radius=1.0)  # with a given radius any rule is taken


@pytest.mark.parametrize(
    "make",
    [
        lambda p: torch.optim.RMSprop(p, lr=1.0),
        lambda p: torch.optim.Adagrad(p, lr=1.0),
        lambda p: torch.optim.NAdam(p, lr=1.0),
        lambda p: torch.optim.Muon(p, lr=1.0),
        lambda p: __import__("extremal.optim", fromlist=["Muon"]).Muon(p, lr=1.0),
    ],
)
def test_normalised_steps_are_refused_in_the_parameter_free_mode(make) -> None:
    opt = make([torch.nn.Parameter(torch.zeros(3, 2))])
    with pytest.raises(InputError, match=r"radius=None \(the parameter-free mode\) does not work with .*Give radius=R"):
        GradNormLR(opt, AdaGradNorm())
    GradNormLR(opt, AdaGradNorm(), radius=1.0)  # with a given radius it is taken


def make_model(seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))


def train(model: torch.nn.Module, opt, sched, steps: int, offset: int = 0) -> None:
    for k in range(offset, offset + steps):
        gen = torch.Generator().manual_seed(k)
        x = torch.randn(16, 4, generator=gen)
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(x), x.sum(1, keepdim=True).sin()).backward()
        opt.step()
        sched.step()


@pytest.mark.parametrize("sampled", [False, True], ids=["every coordinate", "sampled"])
def test_adam_mode_resumes_bit_for_bit_through_torch_defaults(sampled: bool, monkeypatch) -> None:
    if sampled:  # sample this small model as a large one is: blocks of 4 elements, one in 8
        monkeypatch.setattr(correlation, "LARGE", 1)
        monkeypatch.setattr(correlation, "BLOCK", 4)
    reference = make_model(0)
    ref_opt = torch.optim.AdamW(reference.parameters(), lr=1.0)
    ref_sched = GradNormLR(ref_opt, AdaGradNorm())
    train(reference, ref_opt, ref_sched, 30)

    model = make_model(0)
    opt = torch.optim.AdamW(model.parameters(), lr=1.0)
    sched = GradNormLR(opt, AdaGradNorm())
    train(model, opt, sched, 12)
    buffer = io.BytesIO()
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict()}, buffer)
    buffer.seek(0)
    saved = torch.load(buffer)  # weights_only=True by default
    resumed = make_model(7)
    resumed.load_state_dict(saved["model"])
    resumed_opt = torch.optim.AdamW(resumed.parameters(), lr=1.0)
    resumed_sched = GradNormLR(resumed_opt, AdaGradNorm())
    resumed_opt.load_state_dict(saved["opt"])
    resumed_sched.load_state_dict(saved["sched"])
    train(resumed, resumed_opt, resumed_sched, 18, offset=12)
    for a, b in zip(resumed.parameters(), reference.parameters(), strict=True):
        assert torch.equal(a, b)
    assert resumed_sched.current_radius == ref_sched.current_radius
    assert resumed_sched.get_last_lr() == ref_sched.get_last_lr()
    assert resumed_sched._sampling == (correlation.EVERY if sampled else 1)


def test_adam_mode_trains_an_mlp_on_digits_untuned() -> None:
    pytest.importorskip("sklearn.datasets")
    x, y = digits()
    for seed in range(2):
        torch.manual_seed(seed)
        model = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
        opt = torch.optim.AdamW(model.parameters(), lr=1.0, weight_decay=0.0)
        sched = GradNormLR(opt, AdaGradNorm())
        loss = train_on_digits(model, opt, x, y, steps=200, seed=seed, sched=sched)
        assert loss < 0.1, (seed, loss)
        assert 1e-4 < sched.current_radius < 1.0


def test_a_large_model_estimates_from_one_block_in_eight(monkeypatch) -> None:
    """A model of 2^20 elements or more keeps θ_1 and s for one block of coordinates in 8: its
    estimate follows the one from every coordinate and its state is an eighth of the size."""
    pytest.importorskip("sklearn.datasets")
    x, y = digits()

    def run(large: int) -> tuple[list[float], float, int, GradNormLR]:
        monkeypatch.setattr(correlation, "LARGE", large)
        torch.manual_seed(0)
        model = torch.nn.Sequential(
            torch.nn.Linear(64, 1024), torch.nn.ReLU(), torch.nn.Linear(1024, 1024), torch.nn.ReLU(),
            torch.nn.Linear(1024, 10),
        )  # 1.1M parameters
        opt = torch.optim.AdamW(model.parameters(), lr=1.0, weight_decay=0.0)
        sched = GradNormLR(opt, AdaGradNorm())
        gen = torch.Generator().manual_seed(0)
        radii, first = [], None
        for _ in range(40):
            idx = torch.randint(0, len(x), (128,), generator=gen)
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x[idx]), y[idx])
            first = float(loss.detach()) if first is None else first
            loss.backward()
            opt.step()
            sched.step()
            radii.append(sched.current_radius)
        with torch.no_grad():
            final = float(torch.nn.functional.cross_entropy(model(x), y))
        kept = sum(t.numel() for t in [*sched._initial, *sched._sums])
        return radii, final / first, kept, sched

    full, full_progress, full_kept, full_sched = run(1 << 40)
    sampled, sampled_progress, sampled_kept, sampled_sched = run(1 << 20)
    assert (full_sched._sampling, sampled_sched._sampling) == (1, correlation.EVERY)
    elements = sum(p.numel() for group in full_sched.optimizer.param_groups for p in group["params"])
    assert full_kept == 2 * elements and sampled_kept < 2 * elements / 7
    assert 0.75 < sampled[-1] / full[-1] < 1.25
    assert sampled[0] == full[0] and sampled[-1] > 100 * sampled[0]
    assert full_progress < 0.3 and sampled_progress < 0.3  # both train
