r"""How isotropic a linear layer's inputs are, and how far SGD's output change is from steepest.

For layer inputs :math:`X\in\mathbb R^{b\times d}` with singular values
:math:`\sigma_1\ge\dots\ge\sigma_k`, :math:`k=\min(b,d)`, the Gram matrices :math:`X^\top X`
and :math:`XX^\top` share the non-zero eigenvalues :math:`\sigma_i^2`. :func:`isotropy`
reports

- the condition number :math:`\kappa = \sigma_1^2/\sigma_k^2` of the smaller Gram matrix
  (1 exactly when it is a multiple of :math:`I`; ``inf`` when ``X`` is rank-deficient);
- the effective rank :math:`\exp H(p)`, :math:`p_i = \sigma_i/\sum_j\sigma_j` (Roy and
  Vetterli 2007), between 1 and :math:`k`, equal to :math:`k` exactly when all
  :math:`\sigma_i` are equal;
- given :math:`G=\partial\mathcal L/\partial Y`, the cosine between the output change
  :math:`\Delta Y = -\eta X D(X^\top G)` of the optimizer in use, whose step map is
  :math:`D` (``norm.update``: :math:`D(M) = M` for SGD, ``msign`` for Muon, ``sign`` for
  signSGD), and the steepest step of the same norm taken in feature space,
  :math:`-\eta D(G)` (:func:`~extremal.optim.feature_step`),

.. math:: \cos = \frac{\langle X D(X^\top G),\, D(G)\rangle}{\lVert X D(X^\top G)\rVert_F\,\lVert D(G)\rVert_F},

which for SGD is 1 when :math:`XX^\top\propto I`, and for Muon when the inputs are
whitened, :math:`X^\top X = I`, and span the output gradients, :math:`G = XX^\top G`
(Su 2026). :class:`IsotropyMonitor` records :math:`X` and :math:`G` of ``torch.nn.Linear``
layers with hooks and reports all three, for the optimizer that trains the model.

References
----------
J. Su, "Why do we prefer isotropy? An understanding through steepest descent", 2026, https://kexue.fm/archives/11549

O. Roy, M. Vetterli, "The effective rank: a measure of effective dimensionality", EUSIPCO 2007.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

from extremal._optional import require
from extremal.errors import InputError
from extremal.optim._steepest import Frobenius, MaxNorm, Norm, Spectral, checked_norm

if TYPE_CHECKING:
    import torch
else:
    torch = require("torch", extra="torch")

__all__ = ["Isotropy", "IsotropyMonitor", "isotropy"]

_FROBENIUS = Frobenius()


@dataclass(frozen=True, slots=True)
class Isotropy:
    r"""Isotropy statistics of one batch of layer inputs (see :func:`isotropy`).

    Attributes
    ----------
    samples, features : int
        ``b`` and ``d`` of ``X``.
    condition_number : float
        :math:`\sigma_1^2/\sigma_k^2`, ``inf`` if ``X`` is rank-deficient.
    effective_rank : float
        Roy–Vetterli effective rank, in ``[1, min(b, d)]`` (0 for ``X = 0``).
    cosine : float or None
        Cosine between :math:`\Delta Y = -\eta X D(X^\top G)` and the feature-space step
        :math:`-\eta D(G)`; ``None`` without ``G``.
    """

    samples: int
    features: int
    condition_number: float
    effective_rank: float
    cosine: float | None = None


def isotropy(X: torch.Tensor, grad_y: torch.Tensor | None = None, norm: Norm = _FROBENIUS) -> Isotropy:
    r"""Condition number, effective rank and the optimizer's ΔY/steepest cosine for layer inputs ``X``.

    .. math:: \kappa = \frac{\sigma_1^2}{\sigma_k^2},\quad
       r_{\text{eff}} = \exp\Big(-\sum_i p_i\log p_i\Big),\ p_i = \frac{\sigma_i}{\sum_j\sigma_j},\quad
       \cos = \frac{\langle X D(X^\top G), D(G)\rangle}{\lVert X D(X^\top G)\rVert\,\lVert D(G)\rVert}

    Computed in float64.

    Parameters
    ----------
    X : torch.Tensor
        Layer inputs, shape ``(b, d)``.
    grad_y : torch.Tensor or None
        :math:`G = \partial\mathcal L/\partial Y`, shape ``(b, d_out)``.
    norm : Norm
        The norm whose steepest descent the optimizer takes; its ``update`` is :math:`D`:
        :class:`~extremal.optim.Frobenius` (default) for SGD,
        :class:`~extremal.optim.Spectral` for Muon, :class:`~extremal.optim.MaxNorm` for
        signSGD.

    Returns
    -------
    Isotropy

    Raises
    ------
    InputError
        If ``X`` is not ``(b, d)`` floating or ``grad_y`` has a different number of rows.

    Examples
    --------
    >>> import torch
    >>> s = isotropy(torch.eye(3), torch.ones(3, 2))
    >>> s.condition_number, round(s.effective_rank, 9), s.cosine
    (1.0, 3.0, 1.0)
    >>> isotropy(torch.diag(torch.tensor([1.0, 10.0]))).condition_number
    100.0

    Muon's ΔY (``norm=Spectral()``) is its feature-space step :math:`-\eta\,\mathrm{msign}(G)`
    when the inputs are whitened, and drifts from it when they are not:

    >>> from extremal.optim import Spectral
    >>> G = torch.tensor([[2.0, 0.0], [1.0, 1.0]])
    >>> round(isotropy(torch.eye(2), G, Spectral()).cosine, 4)
    1.0
    >>> round(isotropy(torch.diag(torch.tensor([1.0, 3.0])), G, Spectral()).cosine, 4)
    0.8731
    """
    if not isinstance(X, torch.Tensor) or X.ndim != 2 or not X.is_floating_point() or X.numel() == 0:
        shape = tuple(X.shape) if isinstance(X, torch.Tensor) else type(X).__name__
        raise InputError(f"X must be a non-empty floating torch.Tensor of shape (b, d); got {shape}.")
    Xd = X.detach().to(torch.float64)
    sigma = torch.linalg.svdvals(Xd)
    total = float(sigma.sum())
    if total > 0.0:
        p = sigma / total
        p = p[p > 0]
        effective_rank = math.exp(float(-(p * p.log()).sum()))
        rank_tol = max(Xd.shape) * torch.finfo(torch.float64).eps * float(sigma[0])
        smallest = float(sigma[-1])
        condition = (float(sigma[0]) / smallest) ** 2 if smallest > rank_tol else math.inf
    else:
        effective_rank, condition = 0.0, math.inf
    cosine = None
    if grad_y is not None:
        if not isinstance(grad_y, torch.Tensor) or grad_y.ndim != 2 or grad_y.shape[0] != X.shape[0]:
            shape = tuple(grad_y.shape) if isinstance(grad_y, torch.Tensor) else type(grad_y).__name__
            raise InputError(f"grad_y must have shape (b, d_out) with b = {X.shape[0]}; got {shape}.")
        G = grad_y.detach().to(torch.float64)
        step_map = checked_norm(norm).update
        change, steepest = Xd @ step_map(Xd.mT @ G), step_map(G)
        denom = float(torch.linalg.vector_norm(change) * torch.linalg.vector_norm(steepest))
        cosine = min(1.0, max(-1.0, float((change * steepest).sum()) / denom)) if denom > 0.0 else 0.0
    return Isotropy(int(X.shape[0]), int(X.shape[1]), condition, effective_rank, cosine)


class IsotropyMonitor:
    """Forward hooks that record each ``torch.nn.Linear`` layer's inputs and output gradients.

    After a forward pass (and, for the cosine, a backward pass) :meth:`stats` gives an
    :class:`Isotropy` per layer, computed from the last batch seen. Inputs of shape
    ``(..., d)`` are flattened to ``(-1, d)``. The layer bias is not part of ``X``. Use it
    as a context manager, or call :meth:`remove` to detach the hooks.

    Parameters
    ----------
    model : torch.nn.Module
        The model to watch.
    layers : iterable of (name, torch.nn.Linear) pairs or None
        The layers to watch; ``None`` watches every ``torch.nn.Linear`` in
        ``model.named_modules()``.
    optimizer : torch.optim.Optimizer or None
        The optimizer that trains ``model``; the cosine of each layer is then that of its
        update: :class:`~extremal.optim.Spectral` (``msign``) for a weight on the Muon path of
        :class:`~extremal.optim.Muon` or under ``torch.optim.Muon``,
        :class:`~extremal.optim.Frobenius` under ``torch.optim.SGD``, and
        :class:`~extremal.optim.MaxNorm` (sign descent, the limit of Adam's update) on
        Muon's AdamW path and under ``torch.optim.Adam``/``AdamW``. ``None`` (default) takes
        SGD's update, or ``norm``.
    norm : Norm or None
        The norm whose steepest descent the optimizer takes, for every layer (see
        :func:`isotropy`); give ``optimizer`` or ``norm``, not both.

    Examples
    --------
    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    >>> with IsotropyMonitor(model) as monitor:
    ...     model(torch.randn(32, 3)).sum().backward()
    ...     stats = monitor.stats()
    >>> sorted(stats)
    ['0', '2']
    >>> 0.0 < stats["0"].cosine <= 1.0
    True

    Under Muon the cosine is that of Muon's update:

    >>> from extremal.optim import Muon
    >>> with IsotropyMonitor(model, optimizer=Muon(model.parameters())) as monitor:
    ...     model(torch.randn(32, 3)).sum().backward()
    ...     muon_stats = monitor.stats()
    >>> muon_stats["0"].cosine != stats["0"].cosine
    True

    Raises
    ------
    InputError
        If a layer is not a ``torch.nn.Linear``, ``optimizer`` is of a kind whose update is
        not known (pass ``norm``), or does not train a watched layer's weight.
    """

    def __init__(
        self,
        model: torch.nn.Module,
        layers: Iterable[tuple[str, torch.nn.Linear]] | None = None,
        *,
        optimizer: torch.optim.Optimizer | None = None,
        norm: Norm | None = None,
    ) -> None:
        if not isinstance(model, torch.nn.Module):
            raise InputError(f"model must be a torch.nn.Module; got {type(model).__name__}.")
        chosen = (
            [(n, m) for n, m in model.named_modules() if isinstance(m, torch.nn.Linear)]
            if layers is None
            else list(layers)
        )
        for name, module in chosen:
            if not isinstance(module, torch.nn.Linear):
                raise InputError(
                    f"layer {name!r} is a {type(module).__name__}; IsotropyMonitor watches torch.nn.Linear layers."
                )
        if not chosen:
            raise InputError("model has no torch.nn.Linear layer to watch; pass layers=[(name, linear), ...].")
        if optimizer is not None and norm is not None:
            raise InputError("pass optimizer= or norm=, not both: the optimizer determines the norm of each layer.")
        self._norms = {
            name: _norm_of(optimizer, name, module.weight) if optimizer is not None else (norm or _FROBENIUS)
            for name, module in chosen
        }
        self._inputs: dict[str, torch.Tensor] = {}
        self._grads: dict[str, torch.Tensor] = {}
        self._handles = [module.register_forward_hook(self._hook(name)) for name, module in chosen]

    def _hook(self, name: str) -> Any:
        def record(module: torch.nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
            x = inputs[0].detach()
            self._inputs[name] = x.reshape(-1, x.shape[-1])
            self._grads.pop(name, None)
            if output.requires_grad:

                def keep(grad: torch.Tensor) -> None:
                    self._grads[name] = grad.detach().reshape(-1, grad.shape[-1])

                output.register_hook(keep)

        return record

    def stats(self) -> dict[str, Isotropy]:
        """:class:`Isotropy` of every watched layer that has seen a forward pass.

        ``cosine`` is set for layers whose output gradient was recorded by a backward pass
        after their last forward pass.

        Raises
        ------
        InputError
            If no watched layer has seen a forward pass yet.
        """
        if not self._inputs:
            raise InputError("no forward pass recorded yet; run the model on a batch before calling stats().")
        return {name: isotropy(x, self._grads.get(name), self._norms[name]) for name, x in self._inputs.items()}

    def remove(self) -> None:
        """Remove the hooks; recorded tensors stay available to :meth:`stats`."""
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def __enter__(self) -> IsotropyMonitor:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.remove()


def _norm_of(optimizer: torch.optim.Optimizer, layer: str, weight: torch.Tensor) -> Norm:
    """The norm whose steepest descent ``optimizer`` takes on ``weight`` (see :class:`IsotropyMonitor`)."""
    from extremal.optim._muon import Muon, _uses_muon

    group = next((g for g in optimizer.param_groups if any(p is weight for p in g["params"])), None)
    if group is None:
        raise InputError(
            f"layer {layer!r}: its weight is not in any param group of the optimizer "
            f"({type(optimizer).__name__}); pass the optimizer that trains the model, or norm=."
        )
    if isinstance(optimizer, Muon):
        return Spectral(group["method"]) if _uses_muon(group, weight) else MaxNorm()
    muon = getattr(torch.optim, "Muon", None)
    if muon is not None and isinstance(optimizer, muon):
        return Spectral()
    if isinstance(optimizer, torch.optim.SGD):
        return _FROBENIUS
    if isinstance(optimizer, torch.optim.Adam | torch.optim.AdamW):
        return MaxNorm()
    raise InputError(
        f"IsotropyMonitor does not know the update of {type(optimizer).__name__}; pass norm= with the norm whose "
        "steepest descent it takes (Frobenius() for SGD, Spectral() for Muon, MaxNorm() for sign descent)."
    )
