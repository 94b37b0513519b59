"""Isotropy diagnostics: closed forms, invariants, and the hook-based monitor."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from extremal.errors import InputError  # noqa: E402
from extremal.optim import (  # noqa: E402
    Frobenius,
    Isotropy,
    IsotropyMonitor,
    MaxNorm,
    Muon,
    Spectral,
    feature_step,
    isotropy,
    muon_param_groups,
    output_change,
    whiten,
)


def test_closed_forms() -> None:
    Q, _ = torch.linalg.qr(torch.randn(6, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64))
    s = isotropy(3.0 * Q)
    assert s == Isotropy(6, 4, pytest.approx(1.0), pytest.approx(4.0), None)
    assert isotropy(torch.diag(torch.tensor([1.0, 10.0]))).condition_number == pytest.approx(100.0)
    assert isotropy(torch.ones(3, 2)).condition_number == math.inf
    zero = isotropy(torch.zeros(3, 2), torch.ones(3, 1))
    assert (zero.condition_number, zero.effective_rank, zero.cosine) == (math.inf, 0.0, 0.0)


@pytest.mark.parametrize(("b", "d"), [(6, 3), (3, 6), (4, 4), (5, 1)])
def test_effective_rank_of_the_extremes(b: int, d: int) -> None:
    generator = torch.Generator().manual_seed(b * 10 + d)
    q, _ = torch.linalg.qr(torch.randn(max(b, d), min(b, d), generator=generator, dtype=torch.float64))
    equal = 3.0 * (q if b >= d else q.T)  # every singular value 3: the spectrum is flat
    assert isotropy(equal).effective_rank == pytest.approx(min(b, d))
    assert isotropy(equal).condition_number == pytest.approx(1.0)
    u = torch.randn(b, 1, generator=generator, dtype=torch.float64)
    v = torch.randn(1, d, generator=generator, dtype=torch.float64)
    assert isotropy(u @ v).effective_rank == pytest.approx(1.0)  # rank one


@given(st.integers(1, 8), st.integers(1, 8), st.integers(0, 2**31 - 1))
def test_effective_rank_is_the_exponential_of_the_spectral_entropy(b: int, d: int, seed: int) -> None:
    X = torch.randn(b, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    sigma = torch.linalg.svdvals(X)
    p = sigma / sigma.sum()
    expected = math.exp(-float((p * p.log()).sum()))
    s = isotropy(X)
    assert s.effective_rank == pytest.approx(expected)
    assert s.condition_number >= 1.0 - 1e-9


@given(st.integers(2, 8), st.integers(1, 8), st.integers(0, 2**31 - 1))
def test_cosine_is_between_sgd_and_feature_steps(b: int, d: int, seed: int) -> None:
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(b, d, generator=gen, dtype=torch.float64)
    G = torch.randn(b, 3, generator=gen, dtype=torch.float64)
    sgd, steepest = output_change(X, G, 0.1), feature_step(G, 0.1)
    expected = float((sgd * steepest).sum() / (sgd.norm() * steepest.norm()))
    assert isotropy(X, G).cosine == pytest.approx(expected, abs=1e-12)
    assert isotropy(whiten(torch.randn(b, b + d, generator=gen, dtype=torch.float64)), G).cosine == pytest.approx(1.0)


class Net(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.first = torch.nn.Linear(16, 8, bias=False)
        self.act = torch.nn.Tanh()
        self.second = torch.nn.Linear(8, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.second(self.act(self.first(x)))


def test_monitor_records_inputs_and_output_gradients() -> None:
    torch.manual_seed(0)
    model = Net()
    x = whiten(torch.randn(10, 16, dtype=torch.float64)).float()
    with IsotropyMonitor(model) as monitor:
        h = model.first(x)
        h.retain_grad()
        y = model.second(model.act(h))
        y.pow(2).sum().backward()
        stats = monitor.stats()
    assert set(stats) == {"first", "second"}
    assert stats["first"].cosine == pytest.approx(1.0, abs=1e-5)
    assert stats["first"].condition_number == pytest.approx(1.0, abs=1e-4)
    assert stats["first"] == isotropy(x, h.grad)
    assert stats["second"] == isotropy(model.act(h).detach(), (2 * y).detach())


def test_monitor_flattens_sequences_forgets_stale_gradients_and_removes_hooks() -> None:
    torch.manual_seed(1)
    model = Net()
    monitor = IsotropyMonitor(model, layers=[("second", model.second)])
    x = torch.randn(4, 5, 16)
    model(x).sum().backward()
    s = monitor.stats()["second"]
    assert (s.samples, s.features) == (20, 8) and s.cosine is not None
    with torch.no_grad():
        model(torch.randn(3, 16))
    assert monitor.stats()["second"].samples == 3 and monitor.stats()["second"].cosine is None
    monitor.remove()
    model(torch.randn(7, 16))
    assert monitor.stats()["second"].samples == 3


def test_monitor_bad_input() -> None:
    with pytest.raises(InputError, match="no forward pass"):
        IsotropyMonitor(Net()).stats()
    with pytest.raises(InputError, match=r"torch\.nn\.Linear layers"):
        IsotropyMonitor(Net(), layers=[("act", torch.nn.Tanh())])  # type: ignore[list-item]
    with pytest.raises(InputError, match=r"no torch\.nn\.Linear"):
        IsotropyMonitor(torch.nn.Tanh())
    with pytest.raises(InputError, match=r"nn\.Module"):
        IsotropyMonitor("model")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("X", "G", "match"),
    [
        (torch.ones(3), None, r"shape \(b, d\)"),
        (torch.ones(0, 3), None, "non-empty"),
        (torch.ones(3, 2, dtype=torch.int64), None, "floating"),
        (torch.ones(3, 2), torch.ones(4, 1), "b = 3"),
        (torch.ones(3, 2), torch.ones(3), "b = 3"),
    ],
)
def test_bad_input(X: torch.Tensor, G: torch.Tensor | None, match: str) -> None:
    with pytest.raises(InputError, match=match):
        isotropy(X, G)


@pytest.mark.parametrize(("b", "d", "seed"), [(8, 3, 0), (12, 5, 1)])
def test_cosine_of_any_optimizer_compares_its_output_change_with_its_feature_step(b: int, d: int, seed: int) -> None:
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(b, d, generator=gen, dtype=torch.float64)
    G = torch.randn(b, 3, generator=gen, dtype=torch.float64)
    for norm in (Frobenius(), Spectral(), MaxNorm()):
        change, steepest = output_change(X, G, 0.1, norm), feature_step(G, 0.1, norm)
        expected = float((change * steepest).sum() / (change.norm() * steepest.norm()))
        assert isotropy(X, G, norm).cosine == pytest.approx(expected, abs=1e-12)
    # Muon's output change is its feature-space step exactly for orthogonal inputs (whitened, b = d).
    Q, _ = torch.linalg.qr(torch.randn(b, b, generator=gen, dtype=torch.float64))
    assert isotropy(Q, G, Spectral()).cosine == pytest.approx(1.0, abs=1e-12)
    assert isotropy(X, G, Spectral()).cosine < 0.999


def test_monitor_reports_the_update_of_the_optimizer_in_use() -> None:
    torch.manual_seed(2)
    model = Net()
    x = torch.randn(10, 16) * torch.linspace(0.1, 3.0, 16)
    opt = Muon(muon_param_groups(model, head=[model.second]))
    with IsotropyMonitor(model, optimizer=opt) as monitor:
        h = model.first(x)
        h.retain_grad()
        y = model.second(model.act(h))
        y.pow(2).sum().backward()
        stats = monitor.stats()
    # first: Muon path (msign of X^T G); second: the AdamW path, taken as sign descent.
    assert stats["first"] == isotropy(x, h.grad, Spectral(opt.defaults["method"]))
    assert stats["second"] == isotropy(model.act(h).detach(), (2 * y).detach(), MaxNorm())
    assert stats["first"].cosine != isotropy(x, h.grad).cosine
    sgd = IsotropyMonitor(model, optimizer=torch.optim.SGD(model.parameters(), lr=0.1))
    assert sgd._norms == {"first": Frobenius(), "second": Frobenius()}
    sgd.remove()
    with pytest.raises(InputError, match="pass norm="):
        IsotropyMonitor(model, optimizer=torch.optim.Adagrad(model.parameters()))
    with pytest.raises(InputError, match="not in any param group"):
        IsotropyMonitor(model, optimizer=torch.optim.SGD(model.first.parameters(), lr=0.1))
    with pytest.raises(InputError, match="not both"):
        IsotropyMonitor(model, optimizer=opt, norm=Spectral())
