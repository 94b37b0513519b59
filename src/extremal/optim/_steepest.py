r"""Steepest-descent directions of a matrix gradient under three norms.

For a gradient ``G`` and a norm :math:`\lVert\cdot\rVert` on matrices, the steepest-descent
step of length 1 is :math:`-D` with

.. math:: D = \operatorname*{arg\,max}_{\lVert D\rVert \le 1} \langle G, D\rangle ,
   \qquad \langle G, D\rangle = \lVert G\rVert_* ,

where :math:`\lVert\cdot\rVert_*` is the dual norm. The three members of the family:

- :class:`Frobenius` (ℓ2 over entries): ``D = G/‖G‖_F``, dual ``‖G‖_F``; normalised SGD.
- :class:`MaxNorm` (ℓ∞ over entries): ``D = sign(G)``, dual ``Σ|G_ij|``; signSGD.
- :class:`Spectral` (largest singular value): ``D = msign(G) = U V^T``, dual ``Σσ_i``
  (nuclear norm); Muon.

References
----------
J. Bernstein, L. Newhouse, "Old optimizer, new norm: an anthology", 2024, arXiv:2409.20325.

J. Su, "Muon续集：为什么我们选择尝试Muon？", 2025, https://kexue.fm/archives/10739 and
"为什么我们偏爱各向同性？基于最速下降的理解", 2026, https://kexue.fm/archives/11549.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from extremal._optional import require
from extremal.errors import InputError
from extremal.optim._msign import NewtonSchulz, SVDPolar, msign

if TYPE_CHECKING:
    import torch
else:
    torch = require("torch", extra="torch")

__all__ = ["Frobenius", "MaxNorm", "Spectral", "dual_norm", "steepest_direction"]


@dataclass(frozen=True, slots=True)
class Frobenius:
    """The Euclidean (Frobenius) norm of a matrix; steepest descent is normalised SGD."""


@dataclass(frozen=True, slots=True)
class MaxNorm:
    """The largest absolute entry (ℓ∞ over entries); steepest descent is signSGD."""


@dataclass(frozen=True, slots=True)
class Spectral:
    """The spectral norm (largest singular value); steepest descent is ``msign``, as in Muon.

    Parameters
    ----------
    method : SVDPolar or NewtonSchulz
        How :func:`extremal.optim.msign` is computed; exact by default.
    """

    method: NewtonSchulz | SVDPolar = field(default_factory=SVDPolar)


def steepest_direction(G: torch.Tensor, norm: Frobenius | MaxNorm | Spectral) -> torch.Tensor:
    r"""Unit-norm direction ``D`` that maximises ``<G, D>`` under ``norm``.

    .. math:: D = \operatorname*{arg\,max}_{\lVert D\rVert\le 1}\operatorname{tr}(G^\top D):
       \quad \frac{G}{\lVert G\rVert_F},\quad \operatorname{sign}(G),\quad \operatorname{msign}(G).

    The descent step is ``-lr * D``. For ``G = 0`` the direction is ``0``.

    Parameters
    ----------
    G : torch.Tensor
        Shape ``(..., m, n)``; leading dimensions are a batch of matrices.
    norm : Frobenius, MaxNorm or Spectral
        The norm that measures the step.

    Returns
    -------
    torch.Tensor
        Shape ``(..., m, n)``, dtype of ``G``.

    Raises
    ------
    InputError
        If ``G`` is not a floating tensor with at least two dimensions or ``norm`` is not one
        of the three classes.

    Examples
    --------
    >>> import torch
    >>> G = torch.tensor([[3.0, 0.0], [0.0, -4.0]])
    >>> steepest_direction(G, Frobenius())
    tensor([[ 0.6000,  0.0000],
            [ 0.0000, -0.8000]])
    >>> steepest_direction(G, MaxNorm())
    tensor([[ 1.,  0.],
            [ 0., -1.]])
    >>> steepest_direction(torch.tensor([[3.0, 4.0]]), Spectral())
    tensor([[0.6000, 0.8000]])
    """
    _check(G, norm)
    if isinstance(norm, Frobenius):
        scale = torch.linalg.vector_norm(G, dim=(-2, -1), keepdim=True)
        return G / torch.where(scale > 0, scale, torch.ones_like(scale))
    if isinstance(norm, MaxNorm):
        return torch.sign(G)
    return msign(G, norm.method)


def dual_norm(G: torch.Tensor, norm: Frobenius | MaxNorm | Spectral) -> torch.Tensor:
    r"""The dual norm :math:`\lVert G\rVert_* = \max_{\lVert D\rVert\le1}\langle G, D\rangle`.

    Frobenius for :class:`Frobenius`, the entrywise ℓ1 norm for :class:`MaxNorm`, and the
    nuclear norm :math:`\sum_i\sigma_i` for :class:`Spectral` (always exact, from the SVD).
    It is the first-order decrease of the loss per unit step along ``-steepest_direction``.

    Parameters
    ----------
    G : torch.Tensor
        Shape ``(..., m, n)``.
    norm : Frobenius, MaxNorm or Spectral
        The norm that measures the step.

    Returns
    -------
    torch.Tensor
        Shape ``(...)``.

    Examples
    --------
    >>> import torch
    >>> G = torch.tensor([[3.0, 0.0], [0.0, -4.0]])
    >>> [float(dual_norm(G, n)) for n in (Frobenius(), MaxNorm(), Spectral())]
    [5.0, 7.0, 7.0]
    """
    _check(G, norm)
    if isinstance(norm, Frobenius):
        return torch.linalg.vector_norm(G, dim=(-2, -1))
    if isinstance(norm, MaxNorm):
        return G.abs().sum(dim=(-2, -1))
    work = G if G.dtype in (torch.float32, torch.float64) else G.float()
    return torch.linalg.matrix_norm(work, ord="nuc").to(G.dtype)


def _check(G: torch.Tensor, norm: Frobenius | MaxNorm | Spectral) -> None:
    if not isinstance(G, torch.Tensor) or G.ndim < 2 or not G.is_floating_point():
        shape = tuple(G.shape) if isinstance(G, torch.Tensor) else type(G).__name__
        raise InputError(
            f"G must be a floating torch.Tensor of shape (..., m, n); got {shape}. Reshape a vector to (1, n)."
        )
    if not isinstance(norm, Frobenius | MaxNorm | Spectral):
        raise InputError(f"norm must be Frobenius(), MaxNorm() or Spectral(...); got {norm!r}.")
