r"""Steepest descent seen from a linear layer's outputs (feature space) or its weights.

For a layer :math:`Y = XW` with :math:`X\in\mathbb R^{b\times d_{in}}`,
:math:`W\in\mathbb R^{d_{in}\times d_{out}}` and loss :math:`\mathcal L(Y)`, the weight
gradient is :math:`\partial\mathcal L/\partial W = X^\top G` with
:math:`G = \partial\mathcal L/\partial Y`. A parameter-space step
:math:`\Delta W = -\eta\, D(X^\top G)` moves the outputs by

.. math:: \Delta Y = X\Delta W = -\eta\, X D(X^\top G),

where :math:`D` is the optimizer's step map, ``norm.update`` of a
:class:`~extremal.optim.Norm`: the identity for SGD (:class:`~extremal.optim.Frobenius`), and
the steepest direction ``norm.direction`` otherwise, ``sign`` for signSGD
(:class:`~extremal.optim.MaxNorm`) and ``msign`` for Muon (:class:`~extremal.optim.Spectral`)
(:func:`output_change`). SGD's step is the steepest Frobenius direction ``G/‖G‖_F`` times
the step length ``‖G‖_F``, which keeps :math:`\Delta Y` linear in :math:`G`; the other two
optimizers step along the unit direction itself. For SGD this is
:math:`-\eta XX^\top G`: the Gram matrix :math:`XX^\top` sits between the step and the
feature-space steepest direction :math:`-\eta D(G)` (:func:`feature_step`).

Su (2026) observes that the two agree when the inputs are isotropic. Precisely: if
:math:`X^\top X = I` (whitened inputs, :func:`extremal.optim.whiten`) then
:math:`XX^\top = P` is the orthogonal projector onto the column space of :math:`X`, and

.. math:: X X^\top G = P G, \qquad X \operatorname{msign}(X^\top G) = \operatorname{msign}(P G),

so SGD and Muon take exactly the feature-space steepest step restricted to the outputs the
layer can reach (``feature_step(G, lr, norm, X=X)``), and the unrestricted one when in
addition :math:`b \le d_{in}` (then :math:`P = I`). signSGD has no such identity.

References
----------
J. Su, "Why do we prefer isotropy? An understanding through steepest descent", 2026, https://kexue.fm/archives/11549

"The Affine Divergence: Aligning Activation Updates Beyond Normalisation", 2025,
arXiv:2512.22247 (the paper the article starts from).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from extremal._optional import require
from extremal.errors import InputError
from extremal.optim._msign import SVDPolar, msign
from extremal.optim._steepest import Frobenius, Norm, checked_norm

if TYPE_CHECKING:
    import torch
else:
    torch = require("torch", extra="torch")

__all__ = ["feature_step", "output_change", "reachable_projector"]

_FROBENIUS = Frobenius()


def output_change(
    X: torch.Tensor, grad_y: torch.Tensor, lr: float, norm: Norm = _FROBENIUS
) -> torch.Tensor:
    r"""Output change :math:`\Delta Y = -\eta X D(X^\top G)` of a parameter-space step.

    .. math:: \Delta Y = -\eta\, X X^\top G\ \text{(Frobenius: SGD)},\quad
       -\eta\, X\operatorname{sign}(X^\top G)\ \text{(MaxNorm)},\quad
       -\eta\, X\operatorname{msign}(X^\top G)\ \text{(Spectral: Muon)}.

    Parameters
    ----------
    X : torch.Tensor
        Layer inputs, shape ``(b, d_in)``.
    grad_y : torch.Tensor
        :math:`G = \partial\mathcal L/\partial Y`, shape ``(b, d_out)``.
    lr : float
        :math:`\eta`.
    norm : Norm
        Chooses the step map :math:`D` = ``norm.update``: the identity for
        :class:`~extremal.optim.Frobenius` (SGD), the steepest direction for the others (``sign``
        for :class:`~extremal.optim.MaxNorm`, ``msign`` for :class:`~extremal.optim.Spectral`).

    Returns
    -------
    torch.Tensor
        :math:`\Delta Y`, shape ``(b, d_out)``.

    Examples
    --------
    >>> import torch
    >>> X = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    >>> output_change(X, torch.tensor([[1.0], [1.0]]), 0.1)
    tensor([[-0.1000],
            [-0.4000]])
    """
    _check_pair(X, grad_y)
    return -lr * (X @ checked_norm(norm).update(X.mT @ grad_y))


def feature_step(
    grad_y: torch.Tensor, lr: float, norm: Norm = _FROBENIUS, *, X: torch.Tensor | None = None
) -> torch.Tensor:
    r"""The steepest step in feature space, :math:`\Delta Y = -\eta D(G)`, optionally reachable.

    .. math:: \Delta Y = -\eta\, D(G) \quad\text{or, given } X,\quad -\eta\, D(P_X G),
       \qquad P_X = X X^{+},

    where :math:`P_X G` restricts the direction to outputs a step of ``W`` can produce.

    Parameters
    ----------
    grad_y : torch.Tensor
        :math:`G`, shape ``(b, d_out)``.
    lr : float
        :math:`\eta`.
    norm : Norm
        Direction map :math:`D` as in :func:`output_change`.
    X : torch.Tensor or None
        Layer inputs ``(b, d_in)``; if given, project :math:`G` onto their column space.

    Returns
    -------
    torch.Tensor
        :math:`\Delta Y`, shape ``(b, d_out)``.

    Examples
    --------
    >>> import torch
    >>> G = torch.tensor([[1.0], [0.0]])
    >>> feature_step(G, 0.1)
    tensor([[-0.1000],
            [-0.0000]])
    >>> feature_step(G, 0.1, X=torch.tensor([[1.0], [1.0]]))
    tensor([[-0.0500],
            [-0.0500]])
    """
    if X is not None:
        _check_pair(X, grad_y)
        grad_y = reachable_projector(X) @ grad_y
    elif not isinstance(grad_y, torch.Tensor) or grad_y.ndim != 2:
        raise InputError(f"grad_y must be a torch.Tensor of shape (b, d_out); got {_describe(grad_y)}.")
    return -lr * checked_norm(norm).update(grad_y)


def reachable_projector(X: torch.Tensor) -> torch.Tensor:
    r"""Orthogonal projector :math:`P = XX^{+} = \operatorname{msign}(X)\operatorname{msign}(X)^\top`.

    Its range is the set of output changes :math:`X\Delta W` a linear layer can make.

    Parameters
    ----------
    X : torch.Tensor
        Shape ``(b, d_in)``.

    Returns
    -------
    torch.Tensor
        Shape ``(b, b)``, symmetric and idempotent.

    Examples
    --------
    >>> import torch
    >>> reachable_projector(torch.tensor([[1.0], [1.0]]))
    tensor([[0.5000, 0.5000],
            [0.5000, 0.5000]])
    """
    if not isinstance(X, torch.Tensor) or X.ndim != 2 or not X.is_floating_point():
        raise InputError(f"X must be a floating torch.Tensor of shape (b, d_in); got {_describe(X)}.")
    Q = msign(X, SVDPolar())
    return Q @ Q.mT


def _describe(x: object) -> str:
    return f"shape {tuple(x.shape)}" if isinstance(x, torch.Tensor) else type(x).__name__


def _check_pair(X: torch.Tensor, grad_y: torch.Tensor) -> None:
    if not isinstance(X, torch.Tensor) or X.ndim != 2 or not X.is_floating_point():
        raise InputError(f"X must be a floating torch.Tensor of shape (b, d_in); got {_describe(X)}.")
    if not isinstance(grad_y, torch.Tensor) or grad_y.ndim != 2 or grad_y.shape[0] != X.shape[0]:
        raise InputError(
            f"grad_y must have shape (b, d_out) with b = X.shape[0] = {X.shape[0]}; got {_describe(grad_y)}. "
            "Pass the gradient of the loss with respect to the layer output Y = X W."
        )
