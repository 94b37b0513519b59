r"""Muon: momentum, then steepest descent under the spectral norm, for weight matrices.

For a weight matrix with gradient :math:`G_t` (an N-D weight is flattened to
``(shape[0], prod(shape[1:]))`` first), Muon keeps an exponential moving average of the
gradients and steps along its matrix sign:

.. math::

    B_t &= \mu B_{t-1} + (1-\mu) G_t, \qquad
    \tilde B_t = \begin{cases} (1-\mu) G_t + \mu B_t & \text{Nesterov} \\ B_t & \text{otherwise}\end{cases} \\
    W_t &= (1 - \eta\lambda) W_{t-1} - \eta\, s(m, n)\, \operatorname{msign}(\tilde B_t),

with learning rate :math:`\eta`, decoupled weight decay :math:`\lambda` and a shape factor
:math:`s(m, n)`. A full-rank :math:`m\times n` matrix sign has RMS :math:`1/\sqrt{\max(m,n)}`,
so :class:`MatchAdamWRMS` (:math:`s = 0.2\sqrt{\max(m,n)}`, Liu et al. 2025) gives every
update the RMS 0.2 typical of AdamW, and AdamW learning rates and weight decay carry over;
:class:`AspectRatioScale` (:math:`s = \sqrt{\max(1, m/n)}`, Jordan et al. 2024) is the
original convention, with learning rates about 0.02.

A weight that stacks several matrices along its rows (the gates of ``torch.nn.GRU`` and
``torch.nn.LSTM``, the fused query-key-value projection of attention) can be orthogonalised
block by block: with ``split=k`` the ``m × n`` matrix is cut into ``k`` blocks of
``m/k`` rows, each block gets its own matrix sign and its own shape factor
:math:`s(m/k, n)`, so each gate moves as if it were a separate layer (Jordan et al. 2024
treat the query, key and value matrices separately).

Parameters that are not matrices (biases, gains) and, by choice, embeddings and the output
head, take an AdamW step instead (see :func:`muon_param_groups`, which also sets ``split``
for the fused weights of ``torch.nn.GRU``, ``torch.nn.LSTM`` and
``torch.nn.MultiheadAttention``).

References
----------
K. Jordan et al., "Muon: An optimizer for hidden layers in neural networks", 2024,
https://kellerjordan.github.io/posts/muon/

J. Liu et al., "Muon is Scalable for LLM Training" (Moonlight), 2025, arXiv:2502.16982
(the factor ``0.2 * sqrt(max(m, n))``).

I. Loshchilov, F. Hutter, "Decoupled Weight Decay Regularization", ICLR 2019 (AdamW).

J. Su, "Why do we prefer isotropy? An understanding through steepest descent", 2026, https://kexue.fm/archives/11549
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, overload

from extremal._optional import require
from extremal.errors import InputError
from extremal.optim._checkpoint import from_plain, library_kinds, to_plain
from extremal.optim._distributed import Piece, share
from extremal.optim._msign import MsignMethod, NewtonSchulz, SVDPolar, all_finite, msign
from extremal.optim._validate import is_real, nonfinite_policy
from extremal.optim._warnings import warn_at_caller

if TYPE_CHECKING:
    import torch
else:
    torch = require("torch", extra="torch")

__all__ = [
    "AspectRatioScale",
    "MatchAdamWRMS",
    "Muon",
    "adamw_update",
    "muon_update",
]


@dataclass(frozen=True, slots=True)
class MatchAdamWRMS:
    r"""Shape factor :math:`s(m, n) = \mathrm{rms}\sqrt{\max(m, n)}` (Liu et al. 2025).

    A full-rank ``msign`` of an ``m × n`` matrix has RMS :math:`1/\sqrt{\max(m,n)}`, so the
    scaled update has RMS ``rms`` (0.2 matches AdamW's typical update RMS).

    Examples
    --------
    >>> MatchAdamWRMS().factor(256, 64)
    3.2
    """

    rms: float = 0.2

    def __post_init__(self) -> None:
        if not (is_real(self.rms) and 0.0 < self.rms < math.inf):
            raise InputError(f"MatchAdamWRMS.rms must be a positive finite float; got {self.rms!r}.")

    def factor(self, rows: int, cols: int) -> float:
        """The factor ``rms * sqrt(max(rows, cols))``."""
        return self.rms * math.sqrt(max(rows, cols))


@dataclass(frozen=True, slots=True)
class AspectRatioScale:
    r"""Shape factor :math:`s(m, n) = \sqrt{\max(1, m/n)}` of Jordan et al. (2024).

    ``m`` is the number of rows (output features of a ``torch.nn.Linear`` weight).

    Examples
    --------
    >>> AspectRatioScale().factor(256, 64)
    2.0
    """

    def factor(self, rows: int, cols: int) -> float:
        """The factor ``sqrt(max(1, rows / cols))``."""
        return math.sqrt(max(1.0, rows / cols))


# The shape factors Muon accepts: the one list that the group check, its message and the
# checkpoint conversion read (the annotations and docstrings name the same two classes).
_SCALES: tuple[type[MatchAdamWRMS] | type[AspectRatioScale], ...] = (MatchAdamWRMS, AspectRatioScale)

_NEWTON_SCHULZ = NewtonSchulz()

# Group keys added after checkpoints were first written, with the value an older checkpoint meant.
_LATER_KEYS: dict[str, Any] = {"maximize": False}
# Keys that torch.optim.Optimizer.__setstate__ adds to ``defaults`` (after deepcopy, pickle or
# a wrapper such as accelerate's) without writing them into the groups of a checkpoint.
_TORCH_DEFAULT_KEYS = frozenset({"differentiable"})


def muon_update(
    grad: torch.Tensor,
    momentum_buffer: torch.Tensor,
    *,
    momentum: float = 0.95,
    nesterov: bool = True,
    method: MsignMethod = _NEWTON_SCHULZ,
    scale: MatchAdamWRMS | AspectRatioScale = MatchAdamWRMS(),
    split: int = 1,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""One Muon direction and the new momentum buffer; pure, inputs are not modified.

    .. math:: B' = \mu B + (1-\mu) G,\quad \tilde B = (1-\mu)G + \mu B' \text{ (Nesterov) or } B',
       \quad U = s(m, n)\,\operatorname{msign}(\tilde B) .

    With ``split=k`` the rows of :math:`\tilde B` are cut into ``k`` equal blocks
    :math:`\tilde B_1, \dots, \tilde B_k` and
    :math:`U_i = s(m/k, n)\,\operatorname{msign}(\tilde B_i)`.
    The parameter step is then ``W <- (1 - lr * weight_decay) * W - lr * U``.

    Parameters
    ----------
    grad : torch.Tensor
        Gradient of a weight of shape ``(m, *rest)`` with at least two dimensions; it is
        flattened to ``(m, prod(rest))`` and ``s`` is taken from that shape.
    momentum_buffer : torch.Tensor
        Same shape as ``grad`` (zeros at the first step).
    momentum : float
        :math:`\mu \in [0, 1)`.
    nesterov : bool
        Use the Nesterov mix :math:`(1-\mu)G + \mu B'`.
    method : MsignMethod
        How ``msign`` is computed (:class:`NewtonSchulz`, :class:`SVDPolar`, ...).
    scale : MatchAdamWRMS or AspectRatioScale
        The shape factor :math:`s(m, n)`.
    split : int
        Number ``k >= 1`` of row blocks orthogonalised separately; ``m`` must be a
        multiple of ``k``.

    Returns
    -------
    update, momentum_buffer : tuple of torch.Tensor
        ``U`` with the shape of ``grad``, and :math:`B'`.

    Raises
    ------
    InputError
        If ``grad`` has fewer than 2 dimensions, or ``split`` does not divide ``m``.

    Notes
    -----
    The direction is invariant under ``(grad, momentum_buffer) -> c (grad, momentum_buffer)``
    for ``c > 0`` over the whole finite range (see :func:`~extremal.optim.msign`). As in
    ``torch.optim``, non-finite values propagate instead of raising: a block whose
    :math:`\tilde B` holds ``inf`` or ``nan`` gets an all-``nan`` direction, and the other
    blocks are unaffected. :class:`Muon` checks the gradients before calling this (its
    ``nonfinite`` option), so such a direction never reaches the parameters there.

    Examples
    --------
    >>> import torch
    >>> from extremal.optim import SVDPolar
    >>> g = torch.tensor([[3.0, 0.0], [0.0, 1.0]])
    >>> u, b = muon_update(g, torch.zeros(2, 2), method=SVDPolar(), scale=AspectRatioScale())
    >>> u
    tensor([[1., 0.],
            [0., 1.]])
    >>> b
    tensor([[0.1500, 0.0000],
            [0.0000, 0.0500]])

    Two stacked 1×2 blocks, each normalised on its own:

    >>> g = torch.tensor([[3.0, 4.0], [0.0, -2.0]])
    >>> muon_update(g, torch.zeros(2, 2), method=SVDPolar(), scale=AspectRatioScale(), split=2)[0]
    tensor([[ 0.6000,  0.8000],
            [ 0.0000, -1.0000]])
    """
    if grad.ndim < 2:
        raise InputError(
            f"muon_update needs a weight with at least 2 dimensions; got grad of shape {tuple(grad.shape)}. "
            "Use adamw_update for vectors."
        )
    check_split(split, grad.shape, "muon_update")
    mixed, buf = _momentum(grad, momentum_buffer, momentum, nesterov)
    return _direction(mixed, method, scale, split), buf


def _momentum(
    grad: torch.Tensor, momentum_buffer: torch.Tensor, momentum: float, nesterov: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""The matrix to orthogonalise, :math:`\tilde B`, and the new buffer :math:`B'` (``momentum_buffer`` unchanged)."""
    buf = momentum_buffer.clone()
    return _momentum_in_place(grad, buf, momentum, nesterov), buf


def _momentum_in_place(grad: torch.Tensor, buffer: torch.Tensor, momentum: float, nesterov: bool) -> torch.Tensor:
    r""":math:`\tilde B` (elementwise, any layout), with :math:`B'` written into ``buffer``
    (returned itself without Nesterov; the direction only reads it)."""
    # Convex combinations written as two products: lerp forms grad - buffer, which overflows
    # for finite entries of opposite signs near the largest float.
    buffer.mul_(momentum).add_(grad, alpha=1.0 - momentum)
    return grad.mul(1.0 - momentum).add_(buffer, alpha=momentum) if nesterov else buffer


def _direction(
    mixed: torch.Tensor, method: MsignMethod, scale: MatchAdamWRMS | AspectRatioScale, split: int
) -> torch.Tensor:
    r""":math:`s(m/k, n)\,\operatorname{msign}` of each of the ``split`` row blocks of the whole matrix ``mixed``."""
    rows = mixed.shape[0] // split
    blocks = mixed.reshape(rows, -1) if split == 1 else mixed.reshape(split, rows, -1)
    direction = msign(blocks, method)
    factor = scale.factor(rows, blocks.shape[-1])
    if isinstance(method, (NewtonSchulz, SVDPolar)):  # a fresh tensor: scaled in place
        return direction.mul_(factor).reshape(mixed.shape)
    return (direction * factor).reshape(mixed.shape)  # another method might return (a view of) its input


def check_split(split: object, shape: Sequence[int], where: str) -> None:
    if not (isinstance(split, int) and not isinstance(split, bool) and split >= 1):
        raise InputError(f"{where}: split must be an int >= 1; got {split!r}.")
    if shape[0] % split:
        raise InputError(
            f"{where}: split={split} must divide the first dimension of the weight, but the shape is "
            f"{tuple(shape)}. Use the number of stacked blocks (3 for GRU gates or fused QKV, 4 for LSTM)."
        )


def adamw_update(
    grad: torch.Tensor,
    exp_avg: torch.Tensor,
    exp_avg_sq: torch.Tensor,
    step: int | float | torch.Tensor,
    *,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    r"""One Adam direction with bias correction and the new moments; pure.

    .. math:: m' = \beta_1 m + (1-\beta_1) g,\quad v' = \beta_2 v + (1-\beta_2) g^2,\quad
       U = \frac{m'/(1-\beta_1^t)}{\sqrt{v'}/\sqrt{1-\beta_2^t} + \epsilon}

    The parameter step is ``W <- (1 - lr * weight_decay) * W - lr * U`` (AdamW, Loshchilov and
    Hutter 2019), in the same arithmetic order as ``torch.optim.AdamW``.

    Parameters
    ----------
    grad, exp_avg, exp_avg_sq : torch.Tensor
        The gradient and the first and second moments (zeros before step 1), one shape.
    step : int, float or torch.Tensor
        The step number ``t >= 1``, counting this one; a 0-d tensor (as ``torch.optim``
        keeps it, so a compiled step does not recompile as it grows) gives the bias
        corrections as tensors, within round-off of the float ones.
    betas : tuple of float
        :math:`(\beta_1, \beta_2)`.
    eps : float
        :math:`\epsilon`.

    Returns
    -------
    update, exp_avg, exp_avg_sq : tuple of torch.Tensor

    Examples
    --------
    >>> import torch
    >>> u, m, v = adamw_update(torch.tensor([2.0, -0.5]), torch.zeros(2), torch.zeros(2), 1)
    >>> u
    tensor([ 1.0000, -1.0000])
    """
    m, v = exp_avg.clone(), exp_avg_sq.clone()
    return _adamw_in_place(grad, m, v, step, betas, eps), m, v


def _adamw_in_place(
    grad: torch.Tensor,
    exp_avg: torch.Tensor,
    exp_avg_sq: torch.Tensor,
    step: float | torch.Tensor,
    betas: tuple[float, float],
    eps: float,
) -> torch.Tensor:
    """:func:`adamw_update` with the new moments written into ``exp_avg`` and ``exp_avg_sq``; returns the update."""
    exp_avg.lerp_(grad, 1.0 - betas[0])
    exp_avg_sq.mul_(betas[1]).addcmul_(grad, grad, value=1.0 - betas[1])
    if isinstance(step, torch.Tensor):  # corrections in the wider of the counter's and the gradient's dtype
        step = step.to(torch.promote_types(step.dtype, grad.dtype))
    bias1 = 1.0 - betas[0] ** step
    bias2 = 1.0 - betas[1] ** step
    bias2_sqrt = bias2.sqrt() if isinstance(bias2, torch.Tensor) else math.sqrt(bias2)
    denom = exp_avg_sq.sqrt().div_(bias2_sqrt).add_(eps)
    return (exp_avg / bias1).div_(denom)


class Muon(torch.optim.Optimizer):
    r"""Muon for matrices, AdamW for the rest, as one ``torch.optim.Optimizer``.

    Matrix parameters (``ndim >= 2``; conv and other N-D weights are flattened to
    ``(shape[0], -1)``) take the step of :func:`muon_update`; other parameters, and every
    parameter of a group with ``use_muon=False``, take the step of :func:`adamw_update`.
    Both use the group's ``lr`` and decoupled ``weight_decay``; with the default
    :class:`MatchAdamWRMS` scale an AdamW learning rate carries over unchanged.

    Parameters
    ----------
    params : iterable of tensors or of dicts
        Parameters or parameter groups. A group may set any keyword below and ``use_muon``:
        ``None`` (default) routes by shape, ``True`` forces Muon (an error for a parameter
        that is not a matrix), ``False`` forces AdamW. :func:`muon_param_groups` builds
        groups that send embeddings and the output head to AdamW.
    lr : float or torch.Tensor
        Learning rate :math:`\eta`. Default ``1e-3`` (an AdamW rate, with ``MatchAdamWRMS``).
        A one-element tensor is kept as a 0-d tensor, as ``torch.optim`` does; schedulers
        then update it in place, so a compiled step is not recompiled when it changes.
    momentum : float
        Muon momentum :math:`\mu\in[0,1)`. Default 0.95.
    nesterov : bool
        Nesterov momentum for the Muon path. Default ``True``.
    weight_decay : float
        Decoupled weight decay :math:`\lambda`: ``W <- (1 - lr*λ) W``. Default 0.01.
    method : MsignMethod
        How ``msign`` is computed. Default ``NewtonSchulz()`` (5 tuned steps in bfloat16).
    scale : MatchAdamWRMS or AspectRatioScale
        The shape factor of the Muon update. Default ``MatchAdamWRMS(0.2)``.
    split : int
        Number of row blocks each Muon-path weight is orthogonalised in (see
        :func:`muon_update`); set it per group for fused weights. Default 1.
    betas, eps : tuple of float, float
        AdamW moments and denominator floor for the AdamW path.
    maximize : bool
        Maximise the objective: both paths use the negated gradient, as ``torch.optim``
        does (``msign(-B) = -msign(B)``, so the Muon step is exactly reversed). Default ``False``.
    foreach : None or bool
        Accepted for compatibility with code written for ``torch.optim``; Muon has one
        implementation, a loop over the parameters (the matrix sign is computed per matrix),
        so ``None`` and ``False`` select it and ``True`` raises
        :class:`~extremal.errors.InputError`.
    distributed : bool or torch.distributed.ProcessGroup
        Share the matrix signs among the ranks of a data-parallel job, so that each rank
        computes about ``1/world_size`` of the Newton–Schulz work (see Notes). ``False``
        (default): every rank computes every matrix sign. ``True``: plain tensors (DDP) are
        shared among the ranks of the default process group, ``DTensor`` parameters (FSDP2)
        among the ranks of their device mesh. A ``ProcessGroup``: plain tensors are shared
        among its ranks. Needs ``torch.distributed.init_process_group()`` first.
    nonfinite : {"skip", "raise"}
        What to do when any gradient holds ``inf`` or ``nan``: ``"skip"`` leaves every
        parameter and buffer untouched, counts the step in ``skipped_steps`` and, the first
        time only, emits a ``RuntimeWarning`` that points at the ``step()`` call;
        ``"raise"`` raises :class:`~extremal.errors.InputError` naming the parameter.
        Unlike ``torch.optim``, which would write ``nan`` into the parameters, the step
        never applies a non-finite update (and never raises a raw ``LinAlgError`` with
        :class:`SVDPolar`). A finite gradient of any size is fine on the Muon path: the
        update does not change when all gradients are scaled by ``c > 0``. The AdamW path
        follows ``torch.optim.AdamW`` exactly, so its squared gradients overflow to ``inf``
        (and that parameter stops moving) once entries exceed the square root of the
        largest float of the dtype (about 1.8e19 in float32).

    Notes
    -----
    Param-group keys: ``lr``, ``momentum``, ``nesterov``, ``weight_decay``, ``method``,
    ``scale``, ``split``, ``betas``, ``eps``, ``maximize``, ``use_muon`` and
    ``skipped_steps``, the number of steps skipped for non-finite gradients: a 0-d int64
    tensor on the device of the group's parameters (``int(group["skipped_steps"])`` reads
    it; checkpoints store it as an int). State per parameter: ``momentum_buffer`` (Muon
    path) or ``step`` (a 0-d float tensor on the parameter's device), ``exp_avg``,
    ``exp_avg_sq`` (AdamW path). ``copy.deepcopy`` and ``pickle`` keep every setting,
    ``nonfinite`` and ``distributed`` included (a deep copy shares a ``ProcessGroup``; an
    optimizer holding one cannot be pickled, as the group cannot).

    **Compiling.** ``torch.compile(opt.step, fullgraph=True)`` traces the step without a
    graph break: compiled, the finiteness check stays on the device as a flag, every
    parameter, buffer and step counter is updated through ``torch.where`` on it, and the
    flag is added to ``skipped_steps``, so nothing waits for the device and a skipped step
    still changes nothing (no warning is emitted from a compiled step: read the counter).
    Pass the learning rate as a tensor (``lr=torch.tensor(1e-3)``), as for ``torch.optim``:
    a float that a scheduler changes every step is a new constant for the compiler each
    time and soon exhausts its recompile limit. ``nonfinite="raise"`` needs the flag on the
    host and is refused when compiling. Eager, the step reads the flag once (a single
    device-to-host copy, as ``torch.amp.GradScaler`` does) and skips all work on a bad step.

    ``state_dict()`` writes ``method`` and ``scale`` as plain dicts, for example
    ``{"type": "SVDPolar", "rtol": None}``, so a checkpoint holds only tensors, numbers,
    strings, booleans, ``None``, lists and dicts, and ``torch.load(f)`` reads it with its
    default ``weights_only=True`` (as Hugging Face ``Trainer(resume_from_checkpoint=...)``
    and Lightning's ``ckpt_path=`` do). ``load_state_dict()`` builds the objects again, so
    the live groups hold ``NewtonSchulz(...)`` and ``MatchAdamWRMS(...)`` as passed, and a
    resumed run continues bit for bit; groups that hold the objects themselves load too.
    ``load_state_dict()`` raises :class:`~extremal.errors.InputError` for groups that lack
    Muon's keys or name an unknown type or field, and ``state_dict()`` raises it for a
    method or scale that extremal does not define (an :class:`MsignMethod` of your own, a
    subclass of ``NewtonSchulz`` or ``MatchAdamWRMS``), whose plain form could not be
    loaded again.

    The step is a deterministic function of the gradients, so under
    ``torch.nn.parallel.DistributedDataParallel`` every rank applies the same update, equal
    bit for bit to a single process that averages the same per-rank gradients.

    **Many devices.** With ``distributed=True`` each matrix has one owner: the Muon-path
    matrices are sorted by size, largest first, and dealt out round-robin to the ranks (as
    the distributed Muon of modded-nanogpt does); each rank computes the matrix signs of
    its own matrices only, and the directions are gathered so that every rank applies all
    of them. Momentum buffers, the AdamW path and ``state_dict()`` are as without the
    option (every rank keeps the whole state of its parameters, or of its shards), so a
    checkpoint is the same with and without it. Under DDP (plain tensors, gradients already
    averaged) an ``all_gather`` per round of ``world_size`` matrices hands each direction
    to every rank. Under FSDP2 (``torch.distributed.fsdp.fully_shard``: ``DTensor``
    parameters sharded along dimension 0 on a 1-D mesh) an ``all_to_all`` brings each
    matrix's shards to its owner and another sends each rank its rows of the direction; a
    replicated ``DTensor`` is treated like a plain tensor, and other layouts (a 2-D mesh,
    a shard along another dimension) are refused. The collectives of one round overlap
    the computation of the next. Directions are moved bit for bit, so the parameters equal
    those of a single process that averages the same gradients, bit for bit (with
    ``SVDPolar``, a float32 ``NewtonSchulz`` or the default bfloat16 one alike, on the
    same kernels). Every rank must call ``step()`` with gradients for the same parameters,
    as DDP and FSDP2 ensure; the gradients must already be averaged over the ranks (a rank
    that steps on its own gradient would apply other ranks' directions). The step is
    eager only: ``distributed`` and ``torch.compile`` are refused together.

    Examples
    --------
    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> model = torch.nn.Linear(3, 2)
    >>> opt = Muon(model.parameters(), lr=0.1)
    >>> x, y = torch.randn(8, 3), torch.randn(8, 2)
    >>> losses = []
    >>> for _ in range(5):
    ...     opt.zero_grad()
    ...     loss = torch.nn.functional.mse_loss(model(x), y)
    ...     loss.backward()
    ...     _ = opt.step()
    ...     losses.append(loss.item())
    >>> losses[-1] < losses[0]
    True

    A checkpoint holds plain values only, and loads with ``torch.load``'s defaults:

    >>> opt.state_dict()["param_groups"][0]["scale"]
    {'type': 'MatchAdamWRMS', 'rms': 0.2}
    >>> import io
    >>> f = io.BytesIO(); torch.save(opt.state_dict(), f); _ = f.seek(0)
    >>> resumed = Muon(model.parameters())
    >>> resumed.load_state_dict(torch.load(f))
    >>> resumed.param_groups[0]["scale"], resumed.param_groups[0]["lr"]
    (MatchAdamWRMS(rms=0.2), 0.1)
    """

    def __init__(
        self,
        params: Iterable[torch.Tensor] | Iterable[dict[str, Any]],
        lr: float | torch.Tensor = 1e-3,
        *,
        momentum: float = 0.95,
        nesterov: bool = True,
        weight_decay: float = 0.01,
        method: MsignMethod = _NEWTON_SCHULZ,
        scale: MatchAdamWRMS | AspectRatioScale = MatchAdamWRMS(),
        split: int = 1,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        maximize: bool = False,
        foreach: bool | None = None,
        distributed: bool | Any = False,
        nonfinite: Literal["skip", "raise"] = "skip",
    ) -> None:
        if foreach:
            raise InputError(
                "Muon: foreach=True is not available; Muon has one implementation, a loop over the "
                "parameters, since the matrix sign is computed per matrix. Leave foreach=None (or False)."
            )
        if foreach is not None and not isinstance(foreach, bool):
            raise InputError(f"Muon: foreach must be None, False or True; got {foreach!r}.")
        self.nonfinite = nonfinite_policy(nonfinite, "Muon")
        self.distributed = _distributed_setting(distributed)
        self._warned_nonfinite = False
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "nesterov": nesterov,
            "weight_decay": weight_decay,
            "method": method,
            "scale": scale,
            "split": split,
            "betas": betas,
            "eps": eps,
            "maximize": maximize,
            "use_muon": None,
            "skipped_steps": 0,
        }
        _check_hyperparameters(defaults, "Muon")
        super().__init__(params, defaults)
        self._register_checkpoint_hooks()

    def _register_checkpoint_hooks(self) -> None:
        """The hooks that write and read plain checkpoints, each once (``load_state_dict`` calls
        ``__setstate__``, and ``pickle`` drops hooks)."""
        if _plain_groups not in self._optimizer_state_dict_post_hooks.values():
            self.register_state_dict_post_hook(_plain_groups)
            self.register_load_state_dict_pre_hook(_rebuilt_groups)
            self.register_load_state_dict_post_hook(_counters_on_device)

    def __getstate__(self) -> dict[str, Any]:
        """What ``copy.deepcopy`` and ``pickle`` keep: torch's state, ``nonfinite`` and ``distributed``."""
        return {
            **super().__getstate__(),
            "nonfinite": self.nonfinite,
            "distributed": self.distributed if isinstance(self.distributed, bool) else _Group(self.distributed),
            "_warned_nonfinite": self._warned_nonfinite,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore a pickled optimizer, with the checkpoint hooks that ``__getstate__`` cannot carry."""
        super().__setstate__(state)
        if isinstance(self.distributed, _Group):
            self.distributed = self.distributed.group
        self._register_checkpoint_hooks()

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group after checking its hyperparameters and shapes (see the class)."""
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        index = len(self.param_groups) - 1
        _check_hyperparameters(group, f"param_groups[{index}]")
        group["lr"] = _scalar_lr(group["lr"])
        for i, p in enumerate(group["params"]):
            if p.is_complex():
                raise InputError(
                    f"param_groups[{index}]['params'][{i}] is complex ({p.dtype}); Muon supports real "
                    "parameters only. Optimise torch.view_as_real(p) instead."
                )
            if group["use_muon"] and (p.ndim < 2 or p.numel() == 0):
                raise InputError(
                    f"param_groups[{index}] has use_muon=True but params[{i}] has shape {tuple(p.shape)}, "
                    "which Muon cannot orthogonalise (it needs a non-empty matrix, ndim >= 2). "
                    "Put it in a group with use_muon=False or leave use_muon=None to route it to AdamW."
                )
            if _uses_muon(group, p):
                check_split(group["split"], p.shape, f"param_groups[{index}]['params'][{i}]")
                if self.distributed is not False:
                    _layout(p, f"param_groups[{index}]['params'][{i}]")
        group["skipped_steps"] = _counter(group["skipped_steps"], group["params"])

    @overload
    def step(self, closure: None = None) -> None: ...

    @overload
    def step(self, closure: Callable[[], float]) -> float: ...

    @torch.no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        """Take one step; ``closure`` re-evaluates the loss with gradients and returns it."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        active = [(g, p) for g in self.param_groups for p in g["params"] if p.grad is not None]
        for _, p in active:
            if p.grad.is_sparse:
                raise InputError("Muon does not support sparse gradients; use torch.optim.SparseAdam for them.")
        if not active:
            return loss
        device = active[0][1].grad.device
        finite = torch.stack([all_finite(p.grad).to(device) for _, p in active]).all()
        keep: torch.Tensor | None = None
        if torch.compiler.is_compiling():
            if self.distributed is not False:
                raise InputError(
                    "Muon(distributed=...) shares the matrix signs with eager collectives, which a compiled "
                    "step cannot trace; compile the model only, or pass distributed=False."
                )
            if self.nonfinite == "raise":
                raise InputError(
                    "Muon(nonfinite='raise') reads the gradients' finiteness on the host, which a compiled "
                    "step cannot do; pass nonfinite='skip' (the default) and read param_groups[i]['skipped_steps']."
                )
            # On the device: every update below is selected by `keep`, and the counter adds ~keep.
            keep = finite
            for g in self.param_groups:
                g["skipped_steps"].add_((~finite).to(g["skipped_steps"].device, torch.int64))
        elif not bool(finite):
            if self.nonfinite == "raise":
                raise InputError(_nonfinite_message(self.param_groups))
            for g in self.param_groups:
                g["skipped_steps"].add_(1)
            if not self._warned_nonfinite:
                self._warned_nonfinite = True
                warn_at_caller(
                    "Muon skipped a step whose gradients hold inf or nan (no parameter or buffer changed); "
                    "further skips are counted in param_groups[i]['skipped_steps'] without a warning.",
                    RuntimeWarning,
                )
            return loss
        shared: list[tuple[dict[str, Any], torch.Tensor, torch.Tensor]] = []
        for group, p in active:
            lr, wd = _device_or_host(group["lr"]), group["weight_decay"]
            grad = -p.grad if group["maximize"] else p.grad
            state = self.state[p]
            if _uses_muon(group, p):
                if "momentum_buffer" not in state:
                    state["momentum_buffer"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                if self.distributed is not False:
                    held = _local(state["momentum_buffer"])
                    mixed = _momentum_in_place(_local(grad), held, group["momentum"], group["nesterov"])
                    shared.append((group, p, mixed))
                    continue
                if keep is None:  # eager: the buffer in place, no copy of it
                    mixed = _momentum_in_place(grad, state["momentum_buffer"], group["momentum"], group["nesterov"])
                    update = _direction(mixed, group["method"], group["scale"], group["split"])
                else:
                    update, buf = muon_update(
                        grad,
                        state["momentum_buffer"],
                        momentum=group["momentum"],
                        nesterov=group["nesterov"],
                        method=group["method"],
                        scale=group["scale"],
                        split=group["split"],
                    )
                    _commit(state["momentum_buffer"], buf, keep)
            else:
                if "step" not in state:
                    state["step"] = torch.zeros((), dtype=_step_dtype(), device=p.device)
                    state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                    state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                elif not isinstance(state["step"], torch.Tensor):  # a checkpoint that counted in an int
                    state["step"] = torch.tensor(float(state["step"]), dtype=_step_dtype(), device=p.device)
                count = state["step"] + 1
                if keep is None:  # eager: the moments in place, no copies of them
                    state["step"].copy_(count)
                    moments = state["exp_avg"], state["exp_avg_sq"]
                    update = _adamw_in_place(grad, *moments, _device_or_host(count), group["betas"], group["eps"])
                else:
                    update, exp_avg, exp_avg_sq = adamw_update(
                        grad,
                        state["exp_avg"],
                        state["exp_avg_sq"],
                        _device_or_host(count),
                        betas=group["betas"],
                        eps=group["eps"],
                    )
                    _commit(state["step"], count, keep)
                    _commit(state["exp_avg"], exp_avg, keep)
                    _commit(state["exp_avg_sq"], exp_avg_sq, keep)
            _apply(p, update.to(p.dtype), lr, wd, keep)
        if shared:
            self._step_shared(shared)
        return loss

    def _step_shared(self, shared: Sequence[tuple[dict[str, Any], torch.Tensor, torch.Tensor]]) -> None:
        """Apply the Muon steps of ``(group, param, mixed)``, each matrix sign computed by one rank only.

        ``mixed`` is the matrix to orthogonalise as this rank holds it (all of it, or its rows
        of a sharded ``DTensor``). Matrices that share a process group, a layout, a dtype and
        a device are shared in one call of :func:`~extremal.optim._distributed.share`; the
        calls come in the order of first appearance, the same on every rank.
        """
        kinds: dict[tuple[Any, bool, torch.dtype, torch.device], list[int]] = {}
        for k, (_, p, mixed) in enumerate(shared):
            comm, sharded = _layout(p, "a parameter", self.distributed)
            kinds.setdefault((comm, sharded, mixed.dtype, mixed.device), []).append(k)
        for (comm, sharded, _, _), members in kinds.items():
            pieces = [Piece(shared[k][2], shared[k][1].shape, sharded) for k in members]

            def direction(i: int, full: torch.Tensor, members: list[int] = members) -> torch.Tensor:
                group = shared[members[i]][0]
                return _direction(full, group["method"], group["scale"], group["split"])

            for k, update in zip(members, share(pieces, direction, comm), strict=True):
                group, p, _ = shared[k]
                lr = _device_or_host(group["lr"])
                _apply(_local(p), update.to(p.dtype), lr, group["weight_decay"], None)


def _plain_groups(optimizer: torch.optim.Optimizer, state_dict: dict[str, Any]) -> dict[str, Any]:
    """State-dict post-hook: ``method`` and ``scale`` of every group as plain dicts, the counter as an int."""
    groups = []
    for i, group in enumerate(state_dict["param_groups"]):
        where = f"param_groups[{i}]"
        groups.append(
            {
                **group,
                "method": to_plain(group["method"], library_kinds(MsignMethod), f"{where}['method']"),
                "scale": to_plain(group["scale"], _SCALES, f"{where}['scale']"),
                "skipped_steps": int(group["skipped_steps"]),
            }
        )
    return {**state_dict, "param_groups": groups}


def _counters_on_device(optimizer: torch.optim.Optimizer) -> None:
    """Load-state-dict post-hook: each group's ``skipped_steps`` as a device counter again."""
    for group in optimizer.param_groups:
        group["skipped_steps"] = _counter(group["skipped_steps"], group["params"])


def _counter(value: object, params: Sequence[torch.Tensor]) -> torch.Tensor:
    """``value`` (an int or a tensor) as a 0-d int64 tensor on the device of the first parameter.

    The count lives on the device so that a compiled step can add to it without waiting for
    the device; ``int(group["skipped_steps"])`` reads it.
    """
    device = params[0].device if params else None
    if isinstance(value, torch.Tensor):
        return value.detach().to(device=device, dtype=torch.int64).reshape(())
    return torch.tensor(int(value), dtype=torch.int64, device=device)  # type: ignore[call-overload]


def _scalar_lr(lr: float | torch.Tensor) -> float | torch.Tensor:
    """A one-element tensor learning rate as a 0-d tensor (as ``torch.optim`` keeps it); a float as it is."""
    return lr.detach().reshape(()) if isinstance(lr, torch.Tensor) else lr


def _device_or_host(value: float | torch.Tensor) -> float | torch.Tensor:
    """A 0-d CPU tensor as a Python float in eager mode, else as it is (``torch.optim``'s ``_get_value``).

    Eager, a float gives the same arithmetic as a plain float hyperparameter and reading a
    CPU tensor costs nothing; compiled, or on an accelerator, the value stays a tensor, so
    the step neither waits for the device nor recompiles when the value changes.
    """
    if isinstance(value, torch.Tensor) and value.device.type == "cpu" and not torch.compiler.is_compiling():
        return value.item()
    return value


def _step_dtype() -> torch.dtype:
    """The dtype of AdamW's step counter: float32, or float64 under a float64 default (as ``torch.optim``)."""
    return torch.float64 if torch.get_default_dtype() == torch.float64 else torch.float32


def _commit(target: torch.Tensor, value: torch.Tensor, keep: torch.Tensor | None) -> None:
    """``target <- value`` in place, or, with a device flag ``keep``, ``target <- where(keep, value, target)``."""
    target.copy_(value if keep is None else torch.where(keep, value, target))


def _apply(
    p: torch.Tensor, update: torch.Tensor, lr: float | torch.Tensor, wd: float, keep: torch.Tensor | None
) -> None:
    """``p <- (1 - lr * wd) p - lr * update``, in place, kept only where ``keep`` holds (if given)."""
    if keep is None and not isinstance(lr, torch.Tensor):
        p.mul_(1.0 - lr * wd)
        p.add_(update, alpha=-lr)
        return
    new = p.mul(1.0 - lr * wd)
    new = new.sub_(update * lr) if isinstance(lr, torch.Tensor) else new.add_(update, alpha=-lr)
    _commit(p, new, keep)


class _Group:
    """A ``distributed`` process group inside a copied Muon: a deep copy shares it, ``pickle`` refuses it."""

    __slots__ = ("group",)

    def __init__(self, group: Any) -> None:
        self.group = group

    def __deepcopy__(self, memo: dict[int, Any]) -> _Group:
        return self

    def __reduce__(self) -> Any:
        raise TypeError(
            "Muon(distributed=<ProcessGroup>) cannot be pickled: a process group exists in its own process only. "
            "Pickle opt.state_dict() instead, or build the optimizer with distributed=True (the default group)."
        )


def _distributed_setting(value: object) -> bool | Any:
    """``distributed`` checked: ``False``, ``True`` or a ``ProcessGroup``, and torch.distributed ready for it."""
    if value is False:
        return False
    dist = torch.distributed
    if not (value is True or (dist.is_available() and isinstance(value, dist.ProcessGroup))):
        raise InputError(f"Muon: distributed must be False, True or a torch.distributed.ProcessGroup; got {value!r}.")
    if not (dist.is_available() and dist.is_initialized()):
        raise InputError(
            "Muon(distributed=...) needs torch.distributed initialised first: call "
            "torch.distributed.init_process_group() (torchrun sets its environment) before building the optimizer."
        )
    return value


def _local(t: torch.Tensor) -> torch.Tensor:
    """The part of ``t`` this rank holds: a ``DTensor``'s local tensor (same storage), else ``t``."""
    to_local = getattr(t, "to_local", None)
    return to_local() if callable(to_local) else t


def _layout(p: torch.Tensor, where: str, distributed: bool | Any = True) -> tuple[Any, bool]:
    """The process group that shares ``p``'s matrix sign and whether ``p`` is row-sharded.

    Plain tensors use ``distributed`` (``True``: the default group, ``None`` to torch);
    a ``DTensor`` uses its 1-D mesh's group and is sharded with placement ``Shard(0)``.
    """
    mesh = getattr(p, "device_mesh", None)
    if mesh is None:
        return (None if distributed is True else distributed), False
    from torch.distributed.tensor import Replicate, Shard

    placements = tuple(p.placements)  # type: ignore[attr-defined]
    if mesh.ndim == 1 and placements in ((Shard(0),), (Replicate(),)):
        return mesh.get_group(), placements == (Shard(0),)
    raise InputError(
        f"Muon(distributed=...): {where} is a DTensor with placements {placements} on a {mesh.ndim}-D mesh; "
        "the matrix signs can be shared for a 1-D mesh with Shard(0) (torch.distributed.fsdp.fully_shard's "
        "layout) or Replicate() only. Pass distributed=False to let every rank compute every matrix sign."
    )


def _rebuilt_groups(optimizer: torch.optim.Optimizer, state_dict: dict[str, Any]) -> dict[str, Any]:
    """Load-state-dict pre-hook: check each saved group and build ``method`` and ``scale`` again."""
    saved = state_dict.get("param_groups")
    if not isinstance(saved, list):
        raise InputError(
            f"state_dict['param_groups'] must be a list of groups; got {type(saved).__name__}. "
            "Pass the dict returned by Muon.state_dict()."
        )
    groups = []
    for i, group in enumerate(saved):
        where = f"state_dict['param_groups'][{i}]"
        if isinstance(group, dict):
            group = {**_LATER_KEYS, **group}
        missing = [
            k
            for k in optimizer.defaults
            if k not in _TORCH_DEFAULT_KEYS and not (isinstance(group, dict) and k in group)
        ]
        if missing:
            raise InputError(
                f"{where} lacks the Muon keys {', '.join(missing)}; it was not written by Muon.state_dict(). "
                "Load a Muon checkpoint, or start this optimizer afresh."
            )
        rebuilt = {
            **group,
            "method": from_plain(group["method"], library_kinds(MsignMethod), f"{where}['method']"),
            "scale": from_plain(group["scale"], _SCALES, f"{where}['scale']"),
        }
        _check_hyperparameters(rebuilt, where)
        rebuilt["lr"] = _scalar_lr(rebuilt["lr"])
        groups.append(rebuilt)
    return {**state_dict, "param_groups": groups}


def _uses_muon(group: Mapping[str, Any], p: torch.Tensor) -> bool:
    if group["use_muon"] is None:
        return p.ndim >= 2 and p.numel() > 0
    return bool(group["use_muon"])


def _in_range(x: object, low: float, high: float, *, open_low: bool = False, open_high: bool = False) -> bool:
    """Whether ``x`` is a real number (not a bool, not nan) in the interval from ``low`` to ``high``."""
    if not is_real(x):
        return False
    value = float(x)  # type: ignore[arg-type]
    above = value > low if open_low else value >= low
    below = value < high if open_high else value <= high
    return above and below


def _check_hyperparameters(group: Mapping[str, Any], where: str) -> None:
    lr, mu, wd, eps, betas = group["lr"], group["momentum"], group["weight_decay"], group["eps"], group["betas"]
    hint = "Pass a float; booleans are refused."
    if isinstance(lr, torch.Tensor):
        if lr.numel() != 1 or not lr.is_floating_point():
            raise InputError(
                f"{where}: a tensor lr must hold one floating value; got shape {tuple(lr.shape)} and dtype "
                f"{lr.dtype}. Pass torch.tensor(0.01) or a float."
            )
        if not _in_range(float(lr), 0.0, math.inf, open_high=True):
            raise InputError(f"{where}: lr must be finite and >= 0; got {lr!r}.")
    elif not _in_range(lr, 0.0, math.inf, open_high=True):
        raise InputError(f"{where}: lr must be a finite float >= 0 or a one-element tensor; got {lr!r}. {hint}")
    if not _in_range(mu, 0.0, 1.0, open_high=True):
        raise InputError(f"{where}: momentum must be a float in [0, 1); got {mu!r}. {hint}")
    if not _in_range(wd, 0.0, math.inf, open_high=True):
        raise InputError(f"{where}: weight_decay must be a finite float >= 0; got {wd!r}. {hint}")
    if not _in_range(eps, 0.0, math.inf, open_low=True, open_high=True):
        raise InputError(f"{where}: eps must be a finite float > 0; got {eps!r}. {hint}")
    if not (
        isinstance(betas, tuple | list)
        and len(betas) == 2
        and all(_in_range(b, 0.0, 1.0, open_high=True) for b in betas)
    ):
        raise InputError(f"{where}: betas must be two floats in [0, 1); got {betas!r}. {hint}")
    if not isinstance(group["nesterov"], bool):
        raise InputError(f"{where}: nesterov must be a bool; got {group['nesterov']!r}.")
    if not isinstance(group["maximize"], bool):
        raise InputError(f"{where}: maximize must be a bool; got {group['maximize']!r}.")
    if not isinstance(group["method"], MsignMethod):
        raise InputError(
            f"{where}: method must be an MsignMethod such as NewtonSchulz(...) or SVDPolar(); got {group['method']!r}."
        )
    if not isinstance(group["scale"], _SCALES):
        kinds = " or ".join(f"{kind.__name__}(...)" for kind in _SCALES)
        raise InputError(f"{where}: scale must be {kinds}; got {group['scale']!r}.")
    if not (isinstance(group["split"], int) and not isinstance(group["split"], bool) and group["split"] >= 1):
        raise InputError(f"{where}: split must be an int >= 1; got {group['split']!r}.")
    if group["use_muon"] not in (None, True, False):
        raise InputError(f"{where}: use_muon must be None, True or False; got {group['use_muon']!r}.")


def _nonfinite_message(groups: Sequence[Mapping[str, Any]]) -> str:
    for gi, g in enumerate(groups):
        for pi, p in enumerate(g["params"]):
            if p.grad is not None and not bool(all_finite(p.grad)):
                return (
                    f"param_groups[{gi}]['params'][{pi}] (shape {tuple(p.shape)}) has a non-finite gradient; "
                    "no parameter or buffer was changed. Lower the learning rate, clip gradients, or pass "
                    "nonfinite='skip' to skip such steps."
                )
    return "a gradient is non-finite"
