"""Whitening X (XᵀX)^(-1/2) and the normalisation layers as its diagonal approximations.

What is checked, precisely (Su 2026, kexue.fm/archives/11549):

- full whitening gives XᵀX = I (b >= d) or XXᵀ = I (b <= d) and equals X(XᵀX)^(-1/2) from an
  eigendecomposition; with centring, columns also have zero mean;
- ``X diag(XᵀX)^(-1/2)`` is the full formula with the Gram matrix replaced by its diagonal,
  and ``torch.nn.functional.batch_norm`` (training mode, no affine, eps = 1e-300) equals
  ``sqrt(b)`` times it after centring over the batch;
- ``diag(XXᵀ)^(-1/2) X`` is the full formula in its left form ``(XXᵀ)^(-1/2) X`` with the
  diagonal Gram; ``torch.nn.RMSNorm`` equals ``sqrt(d)`` times it and ``torch.nn.LayerNorm``
  equals ``sqrt(d)`` times it after centring each sample (both eps = 0, no affine);
- each diagonal form equals full whitening when its Gram matrix is diagonal, and removes the
  anisotropy of features that differ only in scale.
"""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from extremal.errors import InputError  # noqa: E402
from extremal.optim import (  # noqa: E402
    FeatureDiagonal,
    FullWhitening,
    SampleDiagonal,
    Whitening,
    isotropy,
    whiten,
)


def features(b: int, d: int, seed: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(b, d, generator=gen, dtype=torch.float64) + 0.5


def inverse_sqrt(S: torch.Tensor) -> torch.Tensor:
    evals, evecs = torch.linalg.eigh(S)
    return evecs @ torch.diag(evals.rsqrt()) @ evecs.T


dims = st.integers(1, 9)
seeds = st.integers(0, 2**31 - 1)


@given(d=dims, extra=st.integers(0, 20), seed=seeds, center=st.booleans())
def test_full_whitening_tall(d: int, extra: int, seed: int, center: bool) -> None:
    X = features(d + extra + (1 if center else 0), d, seed)
    Xw = whiten(X, FullWhitening(), center=center)
    torch.testing.assert_close(Xw.T @ Xw, torch.eye(d, dtype=torch.float64), atol=1e-9, rtol=0)
    Xc = X - X.mean(0) if center else X
    torch.testing.assert_close(Xw, Xc @ inverse_sqrt(Xc.T @ Xc), atol=1e-7, rtol=0)
    if center:
        torch.testing.assert_close(Xw.mean(0), torch.zeros(d, dtype=torch.float64), atol=1e-10, rtol=0)


@given(b=dims, extra=st.integers(0, 20), seed=seeds)
def test_full_whitening_wide(b: int, extra: int, seed: int) -> None:
    X = features(b, b + extra, seed)
    Xw = whiten(X)
    torch.testing.assert_close(Xw @ Xw.T, torch.eye(b, dtype=torch.float64), atol=1e-9, rtol=0)
    torch.testing.assert_close(Xw, inverse_sqrt(X @ X.T) @ X, atol=1e-7, rtol=0)


@given(b=st.integers(2, 30), d=dims, seed=seeds)
def test_feature_diagonal_is_diagonal_gram_and_batch_norm(b: int, d: int, seed: int) -> None:
    X = features(b, d, seed)
    diag_gram = torch.diag(torch.diag(X.T @ X))
    torch.testing.assert_close(whiten(X, FeatureDiagonal()), X @ inverse_sqrt(diag_gram), atol=1e-10, rtol=0)
    bn = torch.nn.functional.batch_norm(X, None, None, training=True, eps=1e-300)
    torch.testing.assert_close(bn, math.sqrt(b) * whiten(X, FeatureDiagonal(), center=True), atol=1e-8, rtol=0)


@given(b=dims, d=st.integers(2, 30), seed=seeds)
def test_sample_diagonal_is_diagonal_gram_and_rms_and_layer_norm(b: int, d: int, seed: int) -> None:
    X = features(b, d, seed)
    diag_gram = torch.diag(torch.diag(X @ X.T))
    torch.testing.assert_close(whiten(X, SampleDiagonal()), inverse_sqrt(diag_gram) @ X, atol=1e-10, rtol=0)
    rms = torch.nn.RMSNorm(d, eps=0.0, elementwise_affine=False, dtype=torch.float64)
    torch.testing.assert_close(rms(X), math.sqrt(d) * whiten(X, SampleDiagonal()), atol=1e-8, rtol=0)
    ln = torch.nn.LayerNorm(d, eps=0.0, elementwise_affine=False, dtype=torch.float64)
    torch.testing.assert_close(ln(X), math.sqrt(d) * whiten(X, SampleDiagonal(), center=True), atol=1e-8, rtol=0)


def test_diagonal_forms_are_exact_for_diagonal_grams() -> None:
    Q, _ = torch.linalg.qr(features(12, 4, seed=1))
    scales = torch.tensor([0.1, 2.0, 7.0, 30.0], dtype=torch.float64)
    orthogonal_columns = Q * scales
    torch.testing.assert_close(whiten(orthogonal_columns, FeatureDiagonal()), whiten(orthogonal_columns))
    orthogonal_rows = (Q * scales).T
    torch.testing.assert_close(whiten(orthogonal_rows, SampleDiagonal()), whiten(orthogonal_rows))


def test_feature_diagonal_removes_scale_anisotropy() -> None:
    gen = torch.Generator().manual_seed(2)
    Z = torch.randn(512, 8, generator=gen, dtype=torch.float64)
    X = Z * torch.logspace(-2, 2, 8, dtype=torch.float64)
    G = torch.randn(512, 3, generator=gen, dtype=torch.float64)
    raw, normed = isotropy(X, G), isotropy(whiten(X, FeatureDiagonal()), G)
    assert raw.condition_number > 1e6
    assert normed.condition_number < 2.0
    assert normed.effective_rank > 7.5 > 3.0 > raw.effective_rank
    assert normed.cosine > 3 * raw.cosine


def test_zero_columns_and_rows_stay_zero() -> None:
    X = torch.tensor([[1.0, 0.0], [2.0, 0.0]])
    assert torch.equal(whiten(X, FeatureDiagonal())[:, 1], torch.zeros(2))
    assert torch.equal(whiten(X.T, SampleDiagonal())[1], torch.zeros(2))
    assert torch.isfinite(whiten(X)).all()


@pytest.mark.parametrize(
    ("X", "method", "match"),
    [
        (torch.ones(3), FullWhitening(), r"shape \(b, d\)"),
        (torch.ones(2, 2, 2), FeatureDiagonal(), r"shape \(b, d\)"),
        (torch.ones(2, 2, dtype=torch.int64), SampleDiagonal(), r"shape \(b, d\)"),
        (torch.ones(2, 2), "batchnorm", "method must be"),
    ],
)
def test_bad_input(X: torch.Tensor, method: object, match: str) -> None:
    with pytest.raises(InputError, match=match):
        whiten(X, method)  # type: ignore[arg-type]


class ZCA(Whitening):
    """A kind of one's own: ZCA whitening ``X (XᵀX)^(-1/2)`` from an eigendecomposition (b > d)."""

    __slots__ = ()

    def whiten(self, X: torch.Tensor, *, center: bool = False) -> torch.Tensor:
        Xc = X - X.mean(dim=0, keepdim=True) if center else X
        return Xc @ inverse_sqrt(Xc.T @ Xc)


@pytest.mark.parametrize("kind", [FullWhitening(), FeatureDiagonal(), SampleDiagonal(), ZCA()], ids=repr)
@pytest.mark.parametrize("center", [False, True])
def test_whiten_delegates_to_the_kind(kind: Whitening, center: bool) -> None:
    X = features(7, 3, seed=5)
    assert torch.equal(whiten(X, kind, center=center), kind.whiten(X, center=center))


def test_a_new_kind_is_one_subclass() -> None:
    X = features(7, 3, seed=6)
    torch.testing.assert_close(whiten(X, ZCA()), whiten(X), atol=1e-10, rtol=0)
    with pytest.raises(TypeError, match="abstract"):
        Whitening()  # type: ignore[abstract]
