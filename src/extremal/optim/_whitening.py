r"""Whitening ``X (X^T X)^{-1/2}`` of a batch of features and its diagonal approximations.

For features :math:`X \in \mathbb R^{b\times d}` (``b`` samples as rows), Su (2026) looks for
a transform :math:`A` with :math:`(XA)(XA)^\top` as close to :math:`I` as possible; a
solution is :math:`A = (X^\top X)^{-1/2}`, the whitening

.. math:: X (X^\top X)^{-1/2} = (X X^\top)^{-1/2} X = \operatorname{msign}(X),

which is exactly the matrix sign of :mod:`extremal.optim` (so a rank-deficient ``X``
uses the pseudo-inverse). Keeping only the diagonal of a Gram matrix gives the
normalisation layers:

- :class:`FullWhitening`: :math:`X (X^\top X)^{-1/2}`;
- :class:`FeatureDiagonal`: :math:`X \operatorname{diag}(X^\top X)^{-1/2}`, each feature
  (column) scaled to unit norm; with centring over the batch this is BatchNorm:
  ``BatchNorm(X) = sqrt(b) * whiten(X, FeatureDiagonal(), center=True)``;
- :class:`SampleDiagonal`: :math:`\operatorname{diag}(X X^\top)^{-1/2} X`, each sample
  (row) scaled to unit norm: ``RMSNorm(X) = sqrt(d) * whiten(X, SampleDiagonal())`` and,
  with centring over the features, ``LayerNorm(X) = sqrt(d) * whiten(X, SampleDiagonal(),
  center=True)``.

The factors :math:`\sqrt b` and :math:`\sqrt d` only fix the scale: the layers normalise to
unit mean square, whitening to unit norm. Both diagonal forms equal :class:`FullWhitening`
when the Gram matrix they approximate is already diagonal.

References
----------
J. Su, "Why do we prefer isotropy? An understanding through steepest descent", 2026, https://kexue.fm/archives/11549
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import TYPE_CHECKING

from extremal._optional import require
from extremal.errors import InputError
from extremal.optim._msign import SVDPolar, msign

if TYPE_CHECKING:
    import torch
else:
    torch = require("torch", extra="torch")

__all__ = ["FeatureDiagonal", "FullWhitening", "SampleDiagonal", "Whitening", "whiten"]


class Whitening(abc.ABC):
    """A kind of whitening: which Gram matrix is inverted, and over which axis to centre.

    A kind is a small frozen value with one method, :meth:`whiten`; the function
    :func:`whiten` checks ``X`` and calls it, so a new kind is one new subclass.

    Examples
    --------
    >>> import torch
    >>> FeatureDiagonal().whiten(torch.tensor([[3.0], [4.0]]))
    tensor([[0.6000],
            [0.8000]])
    """

    __slots__ = ()

    @abc.abstractmethod
    def whiten(self, X: torch.Tensor, *, center: bool = False) -> torch.Tensor:
        """Whiten ``X``, a floating tensor of shape ``(b, d)``, after centring it if ``center``.

        ``X`` is not checked here; :func:`whiten` checks it first.
        """


@dataclass(frozen=True, slots=True)
class FullWhitening(Whitening):
    """``X (X^T X)^{-1/2}``; centring subtracts the batch mean of each feature."""

    def whiten(self, X: torch.Tensor, *, center: bool = False) -> torch.Tensor:
        """``msign(X)`` (exact, :class:`~extremal.optim.SVDPolar`) of the centred ``X``."""
        return msign(_centred(X, 0, center), SVDPolar())


@dataclass(frozen=True, slots=True)
class FeatureDiagonal(Whitening):
    """``X diag(X^T X)^{-1/2}`` (BatchNorm); centring subtracts the batch mean of each feature."""

    def whiten(self, X: torch.Tensor, *, center: bool = False) -> torch.Tensor:
        """Each column of the centred ``X`` divided by its norm (zero columns stay zero)."""
        Xc = _centred(X, 0, center)
        return Xc / _safe(torch.linalg.vector_norm(Xc, dim=0, keepdim=True))


@dataclass(frozen=True, slots=True)
class SampleDiagonal(Whitening):
    """``diag(X X^T)^{-1/2} X`` (RMSNorm, LayerNorm); centring subtracts each sample's mean."""

    def whiten(self, X: torch.Tensor, *, center: bool = False) -> torch.Tensor:
        """Each row of the centred ``X`` divided by its norm (zero rows stay zero)."""
        Xc = _centred(X, 1, center)
        return Xc / _safe(torch.linalg.vector_norm(Xc, dim=1, keepdim=True))


_FULL = FullWhitening()


def whiten(
    X: torch.Tensor, method: Whitening = _FULL, *, center: bool = False
) -> torch.Tensor:
    r"""Whiten a batch of features, fully or by a diagonal approximation.

    .. math:: X(X^\top X)^{-1/2},\qquad X\operatorname{diag}(X^\top X)^{-1/2},\qquad
       \operatorname{diag}(XX^\top)^{-1/2}X

    for :class:`FullWhitening`, :class:`FeatureDiagonal` and :class:`SampleDiagonal`.

    Parameters
    ----------
    X : torch.Tensor
        Shape ``(b, d)``: ``b`` samples, ``d`` features; floating dtype.
    method : Whitening
        Which Gram matrix is inverted, and whether only its diagonal is used:
        :class:`FullWhitening`, :class:`FeatureDiagonal`, :class:`SampleDiagonal` or another
        :class:`Whitening`; the result is ``method.whiten(X, center=center)``.
    center : bool
        Subtract the mean first: over the samples (each column) for ``FullWhitening`` and
        ``FeatureDiagonal``, over the features (each row) for ``SampleDiagonal``.

    Returns
    -------
    torch.Tensor
        Shape ``(b, d)``. For ``FullWhitening`` with ``b >= d`` and ``X`` of full rank,
        :math:`X_w^\top X_w = I`; with ``b <= d`` and full rank, :math:`X_w X_w^\top = I`.
        Zero columns (or rows) stay zero.

    Raises
    ------
    InputError
        If ``X`` is not a floating tensor of shape ``(b, d)`` or ``method`` is not a
        :class:`Whitening`.

    Examples
    --------
    >>> import torch
    >>> X = torch.tensor([[2.0, 0.0], [0.0, 3.0], [0.0, 0.0]])
    >>> whiten(X)
    tensor([[1., 0.],
            [0., 1.],
            [0., 0.]])
    >>> whiten(torch.tensor([[3.0, 4.0]]), SampleDiagonal())
    tensor([[0.6000, 0.8000]])
    """
    if not isinstance(X, torch.Tensor) or X.ndim != 2 or not X.is_floating_point():
        shape = tuple(X.shape) if isinstance(X, torch.Tensor) else type(X).__name__
        raise InputError(
            f"X must be a floating torch.Tensor of shape (b, d); got {shape}. "
            "Flatten leading dimensions with X.reshape(-1, d)."
        )
    if not isinstance(method, Whitening):
        raise InputError(
            f"method must be a Whitening such as FullWhitening(), FeatureDiagonal() or SampleDiagonal(); "
            f"got {method!r}."
        )
    return method.whiten(X, center=center)


def _centred(X: torch.Tensor, dim: int, center: bool) -> torch.Tensor:
    return X - X.mean(dim=dim, keepdim=True) if center else X


def _safe(norm: torch.Tensor) -> torch.Tensor:
    return torch.where(norm > 0, norm, torch.ones_like(norm))
