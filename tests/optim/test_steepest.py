"""Steepest-descent directions: unit norm, dual-norm identity and optimality."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from extremal.errors import InputError  # noqa: E402
from extremal.optim import (  # noqa: E402
    Frobenius,
    MaxNorm,
    NewtonSchulz,
    Norm,
    Spectral,
    dual_norm,
    msign,
    steepest_direction,
)

NORMS = [Frobenius(), MaxNorm(), Spectral()]


def primal_norm(D: torch.Tensor, norm: object) -> float:
    if isinstance(norm, Frobenius):
        return float(torch.linalg.matrix_norm(D))
    if isinstance(norm, MaxNorm):
        return float(D.abs().max())
    return float(torch.linalg.matrix_norm(D, ord=2))


seeds = st.integers(0, 2**31 - 1)
shapes = st.tuples(st.integers(1, 8), st.integers(1, 8))


@pytest.mark.parametrize("norm", NORMS, ids=lambda n: type(n).__name__)
@given(shape=shapes, seed=seeds)
def test_unit_norm_and_dual_identity(norm: object, shape: tuple[int, int], seed: int) -> None:
    G = torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    D = steepest_direction(G, norm)  # type: ignore[arg-type]
    assert primal_norm(D, norm) == pytest.approx(1.0, abs=1e-9)
    assert float((G * D).sum()) == pytest.approx(float(dual_norm(G, norm)), rel=1e-9)  # type: ignore[arg-type]


@pytest.mark.parametrize("norm", NORMS, ids=lambda n: type(n).__name__)
@given(shape=shapes, seed=seeds)
def test_no_unit_direction_does_better(norm: object, shape: tuple[int, int], seed: int) -> None:
    gen = torch.Generator().manual_seed(seed)
    G = torch.randn(*shape, generator=gen, dtype=torch.float64)
    best = float((G * steepest_direction(G, norm)).sum())  # type: ignore[arg-type]
    for _ in range(20):
        D = torch.randn(*shape, generator=gen, dtype=torch.float64)
        D = D / primal_norm(D, norm)
        assert float((G * D).sum()) <= best + 1e-9


def test_dual_norms_closed_form() -> None:
    G = torch.tensor([[3.0, 0.0], [0.0, -4.0]], dtype=torch.float64)
    assert float(dual_norm(G, Frobenius())) == 5.0
    assert float(dual_norm(G, MaxNorm())) == 7.0
    assert float(dual_norm(G, Spectral())) == pytest.approx(7.0)


def test_spectral_uses_its_method_and_batches() -> None:
    G = torch.randn(3, 4, 6, generator=torch.Generator().manual_seed(0))
    ns = NewtonSchulz(dtype=torch.float32)
    assert torch.equal(steepest_direction(G, Spectral(ns)), msign(G, ns))
    assert dual_norm(G, Spectral()).shape == (3,)
    D = steepest_direction(G, Frobenius())
    torch.testing.assert_close(torch.linalg.matrix_norm(D), torch.ones(3))


@pytest.mark.parametrize("norm", NORMS, ids=lambda n: type(n).__name__)
def test_zero_gradient_gives_zero_direction(norm: object) -> None:
    assert torch.equal(steepest_direction(torch.zeros(2, 3), norm), torch.zeros(2, 3))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("G", "norm", "match"),
    [
        (torch.ones(3), Frobenius(), "shape"),
        (torch.ones(2, 2, dtype=torch.int64), MaxNorm(), "floating"),
        ([[1.0]], Spectral(), "torch.Tensor"),
        (torch.ones(2, 2), "spectral", "norm must be"),
    ],
)
def test_bad_input(G: object, norm: object, match: str) -> None:
    with pytest.raises(InputError, match=match):
        steepest_direction(G, norm)  # type: ignore[arg-type]
    with pytest.raises(InputError, match=match):
        dual_norm(G, norm)  # type: ignore[arg-type]


class EntrywiseL1(Norm):
    """A norm of one's own: ℓ1 over entries; its steepest direction is one signed entry."""

    __slots__ = ()

    def direction(self, G: torch.Tensor) -> torch.Tensor:
        flat = G.flatten(-2)
        index = flat.abs().argmax(-1, keepdim=True)
        D = torch.zeros_like(flat).scatter(-1, index, flat.gather(-1, index).sign())
        return D.reshape(G.shape)

    def dual(self, G: torch.Tensor) -> torch.Tensor:
        return G.abs().amax(dim=(-2, -1))


@pytest.mark.parametrize("norm", [*NORMS, Spectral(NewtonSchulz()), EntrywiseL1()], ids=repr)
def test_the_functions_delegate_to_the_norm(norm: Norm) -> None:
    G = torch.randn(2, 3, 4, generator=torch.Generator().manual_seed(1))
    assert torch.equal(steepest_direction(G, norm), norm.direction(G))
    assert torch.equal(dual_norm(G, norm), norm.dual(G))
    if norm != Spectral(NewtonSchulz()):  # Newton–Schulz is approximate; the others are exact
        torch.testing.assert_close((G * norm.direction(G)).sum(dim=(-2, -1)), norm.dual(G))


def test_a_new_norm_is_one_subclass() -> None:
    G = torch.tensor([[1.0, -3.0], [2.0, 0.0]])
    assert torch.equal(steepest_direction(G, EntrywiseL1()), torch.tensor([[0.0, -1.0], [0.0, 0.0]]))
    assert float(dual_norm(G, EntrywiseL1())) == 3.0
    with pytest.raises(TypeError, match="abstract"):
        Norm()  # type: ignore[abstract]


@pytest.mark.parametrize("norm", NORMS, ids=repr)
def test_norm_methods_check_the_gradient(norm: Norm) -> None:
    with pytest.raises(InputError, match="shape"):
        norm.direction(torch.ones(3))
    with pytest.raises(InputError, match="shape"):
        norm.dual(torch.ones(3))
