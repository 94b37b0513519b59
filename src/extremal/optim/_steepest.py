r"""Steepest-descent directions of a matrix gradient under a norm, and three norms.

For a gradient ``G`` and a norm :math:`\lVert\cdot\rVert` on matrices, the steepest-descent
step of length 1 is :math:`-D` with

.. math:: D = \operatorname*{arg\,max}_{\lVert D\rVert \le 1} \langle G, D\rangle ,
   \qquad \langle G, D\rangle = \lVert G\rVert_* ,

where :math:`\lVert\cdot\rVert_*` is the dual norm. A norm is a :class:`Norm` object that
carries both (``norm.direction(G)``, ``norm.dual(G)``); the three members of the family:

- :class:`Frobenius` (ℓ2 over entries): ``D = G/‖G‖_F``, dual ``‖G‖_F``; normalised SGD.
- :class:`MaxNorm` (ℓ∞ over entries): ``D = sign(G)``, dual ``Σ|G_ij|``; signSGD.
- :class:`Spectral` (largest singular value): ``D = msign(G) = U V^T``, dual ``Σσ_i``
  (nuclear norm); Muon.

References
----------
J. Bernstein, L. Newhouse, "Old optimizer, new norm: an anthology", 2024, arXiv:2409.20325.

J. Su, "Muon sequel: why did we choose to try Muon?", 2025, https://kexue.fm/archives/10739 and
"Why do we prefer isotropy? An understanding through steepest descent", 2026, https://kexue.fm/archives/11549.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from extremal._optional import require
from extremal.errors import InputError
from extremal.optim._msign import MsignMethod, SVDPolar, msign

if TYPE_CHECKING:
    import torch
else:
    torch = require("torch", extra="torch")

__all__ = ["Frobenius", "MaxNorm", "Norm", "Spectral", "dual_norm", "steepest_direction"]


class Norm(abc.ABC):
    r"""A norm on matrices with its steepest-descent direction and its dual norm.

    A norm is a small frozen value with two methods, each taking ``G`` of shape
    ``(..., m, n)``:

    - :meth:`direction`: the unit-norm :math:`D` that maximises :math:`\langle G, D\rangle`
      (``0`` for ``G = 0``);
    - :meth:`dual`: :math:`\lVert G\rVert_* = \langle G, D\rangle`, shape ``(...)``;
    - :meth:`update`: the step map of the optimizer that descends along the norm, its step
      being ``-lr * update(G)``: the unit direction for signSGD and Muon, ``G`` itself for SGD.

    :func:`steepest_direction`, :func:`dual_norm`, :func:`~extremal.optim.output_change` and
    :func:`~extremal.optim.feature_step` call these, so a new norm is one new subclass. The
    methods of :class:`Frobenius`, :class:`MaxNorm` and :class:`Spectral` check ``G`` first
    (a floating tensor with at least two dimensions, else :class:`~extremal.errors.InputError`).

    Examples
    --------
    >>> import torch
    >>> MaxNorm().direction(torch.tensor([[2.0, -0.5]])), MaxNorm().dual(torch.tensor([[2.0, -0.5]]))
    (tensor([[ 1., -1.]]), tensor(2.5000))
    """

    __slots__ = ()

    @abc.abstractmethod
    def direction(self, G: torch.Tensor) -> torch.Tensor:
        """The steepest-descent direction of unit norm, shape and dtype of ``G``."""

    @abc.abstractmethod
    def dual(self, G: torch.Tensor) -> torch.Tensor:
        """The dual norm of each matrix of ``G``, shape ``G.shape[:-2]``."""

    def update(self, G: torch.Tensor) -> torch.Tensor:
        """The optimizer's step map (its step is ``-lr * update(G)``): :meth:`direction` unless overridden."""
        return self.direction(G)


@dataclass(frozen=True, slots=True)
class Frobenius(Norm):
    """The Euclidean (Frobenius) norm of a matrix; steepest descent is normalised SGD."""

    def direction(self, G: torch.Tensor) -> torch.Tensor:
        """``G / ‖G‖_F`` (``0`` for ``G = 0``)."""
        _check(G)
        scale = torch.linalg.vector_norm(G, dim=(-2, -1), keepdim=True)
        return G / torch.where(scale > 0, scale, torch.ones_like(scale))

    def dual(self, G: torch.Tensor) -> torch.Tensor:
        """``‖G‖_F``."""
        _check(G)
        return torch.linalg.vector_norm(G, dim=(-2, -1))

    def update(self, G: torch.Tensor) -> torch.Tensor:
        """``G``: SGD steps along the unit direction ``G/‖G‖_F`` times the length ``‖G‖_F``."""
        _check(G)
        return G


@dataclass(frozen=True, slots=True)
class MaxNorm(Norm):
    """The largest absolute entry (ℓ∞ over entries); steepest descent is signSGD."""

    def direction(self, G: torch.Tensor) -> torch.Tensor:
        """``sign(G)``."""
        _check(G)
        return torch.sign(G)

    def dual(self, G: torch.Tensor) -> torch.Tensor:
        """``Σ|G_ij|``, the entrywise ℓ1 norm."""
        _check(G)
        return G.abs().sum(dim=(-2, -1))


@dataclass(frozen=True, slots=True)
class Spectral(Norm):
    """The spectral norm (largest singular value); steepest descent is ``msign``, as in Muon.

    Parameters
    ----------
    method : MsignMethod
        How :func:`extremal.optim.msign` is computed; exact by default.
    """

    method: MsignMethod = field(default_factory=SVDPolar)

    def direction(self, G: torch.Tensor) -> torch.Tensor:
        """``msign(G)``, computed by ``method``."""
        _check(G)
        return msign(G, self.method)

    def dual(self, G: torch.Tensor) -> torch.Tensor:
        """The nuclear norm ``Σσ_i``, always exact (from the SVD)."""
        _check(G)
        work = G if G.dtype in (torch.float32, torch.float64) else G.float()
        return torch.linalg.matrix_norm(work, ord="nuc").to(G.dtype)


def steepest_direction(G: torch.Tensor, norm: Norm) -> torch.Tensor:
    r"""Unit-norm direction ``D`` that maximises ``<G, D>`` under ``norm``.

    .. math:: D = \operatorname*{arg\,max}_{\lVert D\rVert\le 1}\operatorname{tr}(G^\top D):
       \quad \frac{G}{\lVert G\rVert_F},\quad \operatorname{sign}(G),\quad \operatorname{msign}(G).

    The descent step is ``-lr * D``. For ``G = 0`` the direction is ``0``.

    Parameters
    ----------
    G : torch.Tensor
        Shape ``(..., m, n)``; leading dimensions are a batch of matrices.
    norm : Norm
        The norm that measures the step: :class:`Frobenius`, :class:`MaxNorm`,
        :class:`Spectral` or another :class:`Norm`; the result is ``norm.direction(G)``.

    Returns
    -------
    torch.Tensor
        Shape ``(..., m, n)``, dtype of ``G``.

    Raises
    ------
    InputError
        If ``G`` is not a floating tensor with at least two dimensions or ``norm`` is not a
        :class:`Norm`.

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
    return checked_norm(norm).direction(G)


def dual_norm(G: torch.Tensor, norm: Norm) -> torch.Tensor:
    r"""The dual norm :math:`\lVert G\rVert_* = \max_{\lVert D\rVert\le1}\langle G, D\rangle`.

    Frobenius for :class:`Frobenius`, the entrywise ℓ1 norm for :class:`MaxNorm`, and the
    nuclear norm :math:`\sum_i\sigma_i` for :class:`Spectral` (always exact, from the SVD).
    It is the first-order decrease of the loss per unit step along ``-steepest_direction``.

    Parameters
    ----------
    G : torch.Tensor
        Shape ``(..., m, n)``.
    norm : Norm
        The norm that measures the step; the result is ``norm.dual(G)``.

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
    return checked_norm(norm).dual(G)


def checked_norm(norm: object) -> Norm:
    """``norm`` if it is a :class:`Norm`; :class:`InputError` naming ``norm`` otherwise."""
    if not isinstance(norm, Norm):
        raise InputError(f"norm must be a Norm such as Frobenius(), MaxNorm() or Spectral(...); got {norm!r}.")
    return norm


def _check(G: torch.Tensor) -> None:
    if not isinstance(G, torch.Tensor) or G.ndim < 2 or not G.is_floating_point():
        shape = tuple(G.shape) if isinstance(G, torch.Tensor) else type(G).__name__
        raise InputError(
            f"G must be a floating torch.Tensor of shape (..., m, n); got {shape}. Reshape a vector to (1, n)."
        )
