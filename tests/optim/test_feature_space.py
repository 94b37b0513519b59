"""Feature-space versus parameter-space steepest descent for Y = XW (Su 2026, kexue.fm/archives/11549).

What is checked, precisely:

- ``output_change`` is the change of ``Y`` that an SGD / Muon step of ``W`` really makes
  (through autograd and ``muon_update``);
- whitened inputs, ``b <= d_in`` (then ``X X^T = I``): SGD's ``ΔY`` equals ``-η ∂L/∂Y`` and Muon's
  equals ``-η msign(∂L/∂Y)``, the feature-space steepest steps under the Frobenius and spectral
  norms;
- whitened inputs, ``b > d_in`` (then ``X X^T = P``, a projector): the same with ``∂L/∂Y``
  replaced by its projection onto the outputs the layer can reach;
- signSGD has no such identity, and non-whitened inputs break it for SGD.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from extremal.errors import InputError  # noqa: E402
from extremal.optim import (  # noqa: E402
    AspectRatioScale,
    Frobenius,
    MaxNorm,
    NewtonSchulz,
    Norm,
    Spectral,
    SVDPolar,
    dual_norm,
    feature_step,
    msign,
    muon_update,
    output_change,
    reachable_projector,
    steepest_direction,
    whiten,
)

LR = 0.1


def layer(b: int, d_in: int, d_out: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(b, d_in, generator=gen, dtype=torch.float64)
    G = torch.randn(b, d_out, generator=gen, dtype=torch.float64)
    return X, G


dims = st.integers(1, 10)
seeds = st.integers(0, 2**31 - 1)


@given(b=dims, extra=st.integers(0, 6), d_out=dims, seed=seeds)
def test_whitened_small_batch_sgd_and_muon_are_feature_steepest(b: int, extra: int, d_out: int, seed: int) -> None:
    X, G = layer(b, b + extra, d_out, seed)
    Xw = whiten(X)
    torch.testing.assert_close(Xw @ Xw.T, torch.eye(b, dtype=torch.float64), atol=1e-10, rtol=0)
    torch.testing.assert_close(output_change(Xw, G, LR), -LR * G, atol=1e-10, rtol=0)
    torch.testing.assert_close(output_change(Xw, G, LR, Spectral()), -LR * msign(G), atol=1e-8, rtol=0)
    torch.testing.assert_close(output_change(Xw, G, LR, Spectral()), feature_step(G, LR, Spectral()), atol=1e-8, rtol=0)


@given(d_in=st.integers(1, 6), extra=st.integers(1, 10), d_out=dims, seed=seeds)
def test_whitened_large_batch_is_reachable_steepest(d_in: int, extra: int, d_out: int, seed: int) -> None:
    X, G = layer(d_in + extra, d_in, d_out, seed)
    Xw = whiten(X)
    for norm in (Frobenius(), Spectral()):
        torch.testing.assert_close(output_change(Xw, G, LR, norm), feature_step(G, LR, norm, X=Xw), atol=1e-8, rtol=0)


def test_large_batch_cannot_reach_the_unrestricted_step() -> None:
    X, G = layer(20, 4, 3, seed=0)
    Xw = whiten(X)
    gap = output_change(Xw, G, LR) - feature_step(G, LR)
    assert float(gap.norm()) > 0.1 * float((LR * G).norm())


def test_sign_descent_has_no_such_identity() -> None:
    X, G = layer(4, 6, 3, seed=1)
    Xw = whiten(X)
    gap = output_change(Xw, G, LR, MaxNorm()) - feature_step(G, LR, MaxNorm())
    assert float(gap.abs().max()) > 1e-2


def test_raw_inputs_break_it_for_sgd() -> None:
    X, G = layer(4, 6, 3, seed=2)
    X = X * torch.tensor([5.0, 1.0, 0.2, 1.0, 3.0, 0.1], dtype=torch.float64)
    gap = output_change(X, G, LR) - feature_step(G, LR)
    assert float(gap.norm()) > 0.1 * float((LR * G).norm())


def test_output_change_is_what_a_weight_step_does() -> None:
    X, _ = layer(7, 5, 3, seed=3)
    gen = torch.Generator().manual_seed(4)
    W = torch.randn(5, 3, generator=gen, dtype=torch.float64, requires_grad=True)
    target = torch.randn(7, 3, generator=gen, dtype=torch.float64)
    Y = X @ W
    Y.retain_grad()
    ((Y - target) ** 2).sum().backward()
    G = Y.grad
    torch.testing.assert_close(W.grad, X.T @ G)
    with torch.no_grad():
        sgd_W = W - LR * W.grad
        torch.testing.assert_close(X @ sgd_W - Y, output_change(X, G, LR))
        step, _ = muon_update(
            W.grad.T,
            torch.zeros(3, 5, dtype=torch.float64),
            momentum=0.0,
            nesterov=False,
            method=SVDPolar(),
            scale=AspectRatioScale(),
        )
        muon_W = W - LR * step.T
        torch.testing.assert_close(X @ muon_W - Y, output_change(X, G, LR, Spectral()))


@given(b=dims, d_in=dims, seed=seeds)
def test_reachable_projector(b: int, d_in: int, seed: int) -> None:
    X, _ = layer(b, d_in, 1, seed)
    P = reachable_projector(X)
    torch.testing.assert_close(P, P.T, atol=1e-10, rtol=0)
    torch.testing.assert_close(P @ P, P, atol=1e-10, rtol=0)
    torch.testing.assert_close(P @ X, X, atol=1e-9, rtol=0)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: output_change(torch.ones(3), torch.ones(3, 1), LR), "X must"),
        (lambda: output_change(torch.ones(3, 2), torch.ones(4, 1), LR), r"b = X\.shape\[0\] = 3"),
        (lambda: output_change(torch.ones(3, 2), torch.ones(3, 1), LR, "spectral"), "norm must be"),
        (lambda: feature_step(torch.ones(3), LR), "grad_y must"),
        (lambda: feature_step(torch.ones(3, 1), LR, X=torch.ones(2, 2)), "grad_y must"),
        (lambda: reachable_projector(torch.ones(3, dtype=torch.int64)), "X must"),
    ],
)
def test_bad_input(call: object, match: str) -> None:
    with pytest.raises(InputError, match=match):
        call()  # type: ignore[operator]


@pytest.mark.parametrize("norm", [MaxNorm(), Spectral(), Spectral(NewtonSchulz(dtype=torch.float64))], ids=repr)
def test_direction_map_is_the_steepest_direction(norm: Norm) -> None:
    """``output_change`` and ``feature_step`` step along ``norm.direction``, as ``steepest_direction`` does."""
    X, G = layer(5, 3, 4, seed=7)
    torch.testing.assert_close(output_change(X, G, LR, norm), -LR * (X @ steepest_direction(X.T @ G, norm)))
    torch.testing.assert_close(feature_step(G, LR, norm), -LR * steepest_direction(G, norm))


def test_sgd_is_the_frobenius_direction_times_its_length() -> None:
    """For Frobenius the map is SGD's: the steepest direction ``G/‖G‖_F`` times the length ``‖G‖_F``."""
    X, G = layer(5, 3, 4, seed=8)
    M = X.T @ G
    sgd = dual_norm(M, Frobenius()) * steepest_direction(M, Frobenius())
    torch.testing.assert_close(output_change(X, G, LR), -LR * (X @ sgd))
    torch.testing.assert_close(output_change(X, G, LR), -LR * (X @ M))


def test_a_new_norm_is_one_subclass() -> None:
    """A norm defined outside the library steps along its own direction in feature space, untouched code."""
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Doubled(Norm):
        def direction(self, G: torch.Tensor) -> torch.Tensor:
            return G / (2 * torch.linalg.vector_norm(G))

        def dual(self, G: torch.Tensor) -> torch.Tensor:
            return torch.linalg.vector_norm(G) / 2

    X, G = layer(5, 3, 4, seed=9)
    torch.testing.assert_close(feature_step(G, LR, Doubled()), -LR * G / (2 * torch.linalg.vector_norm(G)))
    M = X.T @ G
    torch.testing.assert_close(output_change(X, G, LR, Doubled()), -LR * X @ (M / (2 * torch.linalg.vector_norm(M))))
    torch.testing.assert_close(Frobenius().update(G), G)
