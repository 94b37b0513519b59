r"""PyTorch learning-rate schedulers driven by the gradient norm of each step.

This module holds the scheduler classes, which need torch and attach to an optimizer. The
formulas they apply (the rules :class:`~extremal.optim.AdaGradNorm`,
:class:`~extremal.optim.InverseSquare`, :class:`~extremal.optim.LastIterate`,
:class:`~extremal.optim.RefinedCausal`, and the whole-run schedules, all as arrays of
rates computed with NumPy alone) are in the sibling module ``_schedule_formulas``.

:class:`GradNormLR` sets ``lr = base_lr · η_t`` before every ``optimizer.step()``, where
``η_t = rule.rate(G_1..G_t, R)`` is one of the rules of :mod:`extremal.optim`
and ``G_t`` is the global norm of the gradients about to be applied. With ``radius=None``
(the parameter-free mode) ``R`` is estimated online: as the largest distance travelled
from the initial point, as in DoG, or on Adam/AdamW as the lower bound of the distance to
the solution of D-Adaptation and Prodigy.

Why an ``LRScheduler`` plus an optimizer step pre-hook, and not an optimizer wrapper
-----------------------------------------------------------------------------------
The rules use the gradient of the *current* step (``η_t ∝ G_t^{-2}``), so the rate must be
set after ``backward()`` and before ``optimizer.step()``. An ``LRScheduler.step()`` runs
after ``optimizer.step()`` by torch convention, one step too late. A wrapper optimizer
would see the gradient in time but hides the user's optimizer: ``isinstance`` checks,
checkpoint layouts, AMP's ``GradScaler`` and other schedulers all expect the real one.
:class:`GradNormLR` is therefore a regular ``LRScheduler`` (``state_dict``,
``load_state_dict``, ``get_last_lr``, accepted wherever a scheduler is) that registers
:meth:`torch.optim.Optimizer.register_step_pre_hook` on the optimizer it is given and does
its work there. Calling ``scheduler.step()`` after ``optimizer.step()`` keeps the usual
training loop and only advances ``last_epoch``. Optimizers that compute the gradient
inside ``step(closure)`` (L-BFGS) are not supported: the pre-hook would see no gradient.

Keys written to every ``optimizer.param_groups[i]`` before each step:

``"grad_norm"``
    ``G_t``, the norm over all parameters of all groups (float).
``"radius"``
    ``R`` used at this step: the given radius, or the current estimate
    :math:`\bar r_t = \max(r_\epsilon, \max_{k\le t}\|θ_k - θ_1\|)` with
    :math:`r_\epsilon = \texttt{reps\_rel}\,(1 + \|θ_1\|)`; on Adam/AdamW the
    estimate :math:`d_t` of :class:`GradNormLR`'s notes.
``"lr"``
    ``initial_lr · η_t``; the optimizer's own ``lr`` acts as a multiplier (use 1.0), kept in
    ``initial_lr``, which may be changed between steps to scale the rates.

References
----------
.. [1] J. Su, "Making alchemy more scientific (5): fine-tuning the learning rate from gradients", 2026, https://kexue.fm/archives/11530.
   https://kexue.fm/archives/11530
.. [2] M. Ivgi, O. Hinder, Y. Carmon, "DoG is SGD's best friend: a parameter-free dynamic
   step size schedule", ICML 2023 (the distance estimate of ``R``).
.. [3] R. Ward, X. Wu, L. Bottou, "AdaGrad stepsizes", ICML 2019 (AdaGrad-norm).
.. [4] A. Khaled, K. Mishchenko, C. Jin, "DoWG unleashed: an efficient universal
   parameter-free gradient descent method", NeurIPS 2023 (distance-weighted sums).
.. [5] A. Defazio, K. Mishchenko, "Learning-rate-free learning by D-Adaptation", ICML 2023;
   K. Mishchenko, A. Defazio, "Prodigy: an expeditiously adaptive parameter-free
   learner", ICML 2024 (the correlation estimate of the distance used on Adam/AdamW).
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from extremal._optional import require
from extremal.errors import InputError
from extremal.optim import _correlation_estimate as correlation
from extremal.optim._checkpoint import from_plain, to_plain
from extremal.optim._schedule_formulas import AdaGradNorm, InverseSquare, LastIterate, RefinedCausal
from extremal.optim._validate import is_real, nonfinite_policy
from extremal.optim._warnings import warn_at_caller

if TYPE_CHECKING:
    import torch
else:
    torch = require("torch", extra="torch")

__all__ = ["GradNormLR", "GradNormRecorder", "GradNormRule", "global_grad_norm"]

_RULES = (AdaGradNorm, InverseSquare, LastIterate, RefinedCausal)


class GradNormRule(Protocol):
    """A causal rule: the rate of step ``t = len(norms)`` from ``G_1..G_t`` and ``R``."""

    def rate(self, norms: ArrayLike, radius: float = 1.0, weights: ArrayLike | None = None) -> float:
        """The rate of the current step; ``weights`` scale each step's term in the sums."""
        ...


def _params(optimizer: Any) -> list[Any]:
    return [p for group in optimizer.param_groups for p in group["params"]]


def global_grad_norm(params: Iterable[Any]) -> float:
    r"""The norm of all gradients taken as one vector, :math:`\sqrt{\sum_p \|\nabla_p\|^2}`.

    Parameters with ``grad is None`` are left out; with none at all the result is 0. The
    norm neither overflows nor underflows: each tensor's norm is accumulated in float32
    (float64 for float64 tensors), a tensor whose sum of squares would leave that range is
    first rescaled by its largest entry, and the per-tensor norms are combined with
    :func:`math.hypot`. So every finite float32, bfloat16 or float16 gradient has a finite
    norm, tiny gradients (even subnormal ones) have a positive one, and only a float64
    gradient whose norm exceeds the float64 maximum (about 1.8e308) gives ``inf``.

    Parameters
    ----------
    params : iterable of torch.Tensor
        Parameters whose ``.grad`` to measure.

    Returns
    -------
    float
        ``G_t``; ``nan`` or ``inf`` when a gradient is not finite.

    Examples
    --------
    >>> import torch
    >>> a = torch.zeros(2, requires_grad=True); a.grad = torch.tensor([3.0, 0.0])
    >>> b = torch.zeros(1, requires_grad=True); b.grad = torch.tensor([4.0])
    >>> global_grad_norm([a, b])
    5.0
    >>> a.grad = torch.tensor([3e30, 3e30]); b.grad = torch.tensor([1e-30])
    >>> global_grad_norm([a, b]) / 1e30
    4.242640...
    """
    return _total_norm([p.grad for p in params if p.grad is not None])


def _wide(dtype: Any) -> Any:
    """The dtype in which the norms of ``dtype`` tensors are accumulated: float64 for float64, else float32."""
    return torch.float64 if dtype == torch.float64 else torch.float32


def _in_safe_range(n: float, dtype: Any) -> bool:
    """Whether a norm ``n`` accumulated in ``dtype`` neither overflowed nor lost precision to subnormal squares."""
    info = torch.finfo(dtype)
    return math.isnan(n) or math.sqrt(info.tiny) * 2.0**20 < n < math.sqrt(info.max) / 2.0**20


def _total_norm(tensors: list[Any]) -> float:
    """The 2-norm of ``tensors`` taken as one vector, free of overflow and underflow."""
    if not tensors:
        return 0.0
    with torch.no_grad():
        tensors = [t.detach() for t in tensors]
        fast = torch.stack(
            [torch.linalg.vector_norm(t, dtype=_wide(t.dtype)).to(torch.float64) for t in tensors]
        ).tolist()
        norms = []
        for t, n in zip(tensors, fast, strict=True):
            if n == 0.0 or _in_safe_range(n, _wide(t.dtype)):
                if n == 0.0 and bool(t.any()):
                    n = _rescaled_norm(t)
                norms.append(n)
            else:
                norms.append(_rescaled_norm(t))
        return math.hypot(*norms)


def _rescaled_norm(t: Any) -> float:
    """``2^e * ||t / 2^e||`` with ``2^e`` near ``max|t|``, in float64: exact, no overflow or underflow."""
    amax = float(t.abs().max())
    if not math.isfinite(amax):
        return amax
    exponent = math.frexp(amax)[1]
    half = 2.0 ** (-exponent // 2)
    rest = 2.0 ** (-exponent - (-exponent // 2))
    inner = float(torch.linalg.vector_norm(t.to(torch.float64) * half * rest))
    return inner / half / rest


# Elements per piece of the distance computation: the difference of one piece lives in a
# small buffer that stays in cache, where a whole-tensor difference would allocate (and, on
# the CPU, page in) a temporary the size of the model at every step.
_PIECE = 1 << 18


def _pieces(params: list[Any], reference: list[Any]) -> Any:
    """Yield ``(diff, dtype)``: ``θ - θ_ref`` piece by piece, in the accumulation dtype of ``θ``."""
    for p, r in zip(params, reference, strict=True):
        flat_p, flat_r = p.detach().reshape(-1), r.reshape(-1)
        wide = _wide(p.dtype)
        buf = torch.empty(min(flat_p.numel(), _PIECE), dtype=wide, device=p.device)
        for start in range(0, flat_p.numel(), _PIECE):
            part = buf[: min(_PIECE, flat_p.numel() - start)]
            part.copy_(flat_p[start : start + _PIECE]).sub_(flat_r[start : start + _PIECE])
            yield part, wide


def _reference_distance(params: list[Any], reference: list[Any]) -> float:
    """``||θ - θ_ref||`` over all tensors, free of overflow and underflow, without a full-size temporary."""
    with torch.no_grad():
        fast = [torch.linalg.vector_norm(part, dtype=wide) for part, wide in _pieces(params, reference)]
        if not fast:
            return 0.0
        values = torch.stack([f.to(torch.float64) for f in fast]).tolist()
        if all(n == 0.0 or _in_safe_range(n, torch.float32) for n in values):
            return math.hypot(*values)
        # Rare: a piece whose squares overflow or underflow is measured again after rescaling.
        return math.hypot(*[_rescaled_norm(part.clone()) for part, _ in _pieces(params, reference)])


def _nonfinite(step: int, value: float) -> InputError:
    return InputError(
        f"the gradient norm at step {step} is {value}; the optimizer step was not taken. "
        "Lower the learning-rate multiplier, clip gradients, or pass "
        "nonfinite='skip' to skip such steps."
    )


class GradNormRecorder:
    r"""Record the gradient norm ``G_t`` and the distance travelled at every optimizer step.

    A step pre-hook on ``optimizer`` appends ``G_t`` (the global gradient norm about to be
    applied) and :math:`\|θ_t - θ_1\|`. Use the record to build a non-causal schedule such
    as :func:`extremal.optim.refined`, with ``R = recorder.max_distance``, then retrain
    with ``torch.optim.lr_scheduler.LambdaLR``.

    Parameters
    ----------
    optimizer : torch.optim.Optimizer
        The optimizer to observe; it is not modified.
    nonfinite : {"raise", "skip"}
        What to do when the gradient norm is not finite: ``"raise"`` (default) raises
        :class:`~extremal.errors.InputError` from ``optimizer.step()`` before the step is
        taken; ``"skip"`` leaves the step out of the record and counts it in
        :attr:`skipped` (the optimizer still takes it).

    Attributes
    ----------
    norms : ndarray, shape (t,)
        ``G_1..G_t``.
    distances : ndarray, shape (t,)
        :math:`\|θ_k - θ_1\|` before each recorded step.
    max_distance : float
        The largest distance, including the current parameters.
    skipped : int
        Non-finite steps left out.

    Examples
    --------
    >>> import torch
    >>> w = torch.nn.Parameter(torch.tensor([3.0, -1.0]))
    >>> opt = torch.optim.SGD([w], lr=0.25)
    >>> rec = GradNormRecorder(opt)
    >>> for _ in range(3):
    ...     opt.zero_grad(); (w ** 2).sum().backward(); opt.step()
    >>> rec.norms.round(4)
    array([6.3246, 3.1623, 1.5811])
    >>> round(rec.max_distance, 3)
    2.767
    >>> rec.remove()
    """

    def __init__(self, optimizer: Any, *, nonfinite: Literal["skip", "raise"] = "raise") -> None:
        self.optimizer = optimizer
        self.nonfinite = nonfinite_policy(nonfinite, "GradNormRecorder")
        self._norms: list[float] = []
        self._distances: list[float] = []
        self.skipped = 0
        self._initial = [p.detach().clone() for p in _params(optimizer)]
        self._handle = optimizer.register_step_pre_hook(self._before_step)

    def _before_step(self, optimizer: Any, args: Any, kwargs: Any) -> None:
        g = global_grad_norm(_params(optimizer))
        if not math.isfinite(g):
            if self.nonfinite == "raise":
                raise _nonfinite(len(self._norms) + 1, g)
            self.skipped += 1
            return
        self._norms.append(g)
        self._distances.append(_reference_distance(_params(optimizer), self._initial))

    @property
    def norms(self) -> NDArray[np.float64]:
        """``G_1..G_t`` as a float64 array."""
        return np.asarray(self._norms, dtype=np.float64)

    @property
    def distances(self) -> NDArray[np.float64]:
        r""":math:`\|θ_k - θ_1\|` before each recorded step."""
        return np.asarray(self._distances, dtype=np.float64)

    @property
    def max_distance(self) -> float:
        """The largest distance from the initial point seen so far, current point included."""
        now = _reference_distance(_params(self.optimizer), self._initial)
        return max([now, *self._distances])

    def remove(self) -> None:
        """Detach the hook from the optimizer."""
        self._handle.remove()

    def state_dict(self) -> dict[str, Any]:
        """The record, as plain lists and tensors."""
        return {
            "norms": list(self._norms),
            "distances": list(self._distances),
            "skipped": self.skipped,
            "initial": [p.clone() for p in self._initial],
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a record made by :meth:`state_dict`."""
        self._norms = [float(x) for x in state_dict["norms"]]
        self._distances = [float(x) for x in state_dict["distances"]]
        self.skipped = int(state_dict["skipped"])
        self._initial = [p.clone() for p in state_dict["initial"]]


# The GradNormLR attached to each optimizer (one at most), held weakly on both sides.
_ATTACHED: weakref.WeakKeyDictionary[Any, weakref.ref[Any]] = weakref.WeakKeyDictionary()


# Once the radius estimate exceeds _SWITCH times the larger of r_eps and the distance by which
# rounding θ_1 to bfloat16 moves it, θ_1 is kept in bfloat16; from then on a model of at
# least _LARGE elements measures the distance at every _EVERY-th step only.
_SWITCH = 64.0
_LARGE = 1 << 20
_EVERY = 8


def _is_adam(optimizer: Any) -> bool:
    """Whether ``optimizer`` is ``torch.optim.Adam`` or ``AdamW`` (a step normalised per coordinate)."""
    return isinstance(optimizer, (torch.optim.Adam, torch.optim.AdamW))


def _adam_step_count(optimizer: Any, params: list[Any]) -> int:
    """The number of the Adam step about to be taken (1 for the first)."""
    for p in params:
        state = optimizer.state.get(p)
        if state and "step" in state:
            return int(state["step"]) + 1
    return 1


# Optimizers whose step is normalised (it does not shrink with the gradient) and is not Adam's.
_NORMALISED = ("Muon", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "RMSprop", "Rprop")


def _refuse_normalised_steps(optimizer: Any) -> None:
    """:class:`InputError` for an optimizer the parameter-free mode cannot drive untuned."""
    from extremal.optim._muon import Muon

    kinds = (Muon, *(getattr(torch.optim, name) for name in _NORMALISED if hasattr(torch.optim, name)))
    if isinstance(optimizer, kinds):
        raise InputError(
            f"radius=None (the parameter-free mode) does not work with {type(optimizer).__name__}: its step is "
            "normalised, so the distance travelled grows along flat directions whatever the gradient, and the "
            "estimated rate with it. Give radius=R (a distance in parameter space), or use the parameter-free "
            "mode on torch.optim.AdamW(params, lr=1.0) or torch.optim.SGD(params, lr=0.5, momentum=0.5)."
        )


def _scale_adam_moments(optimizer: Any, params: list[Any], ratio: float) -> None:
    """Scale Adam's first moments by ``ratio`` and its second moments by ``ratio**2``.

    Applied when the distance estimate grows from ``d`` to ``d' = d / ratio``, it makes each
    past gradient count in the moments with weight ``d_k / d'``, as in Prodigy's moments
    (which accumulate ``d_k g_k``): gradients taken while the estimate was far too small
    do not shrink the normalised step once it is right.
    """
    with torch.no_grad():
        for p in params:
            state = optimizer.state.get(p)
            if not state:
                continue
            for key, factor in (("exp_avg", ratio), ("exp_avg_sq", ratio * ratio), ("max_exp_avg_sq", ratio * ratio)):
                if key in state:
                    state[key].mul_(factor)


class GradNormLR(torch.optim.lr_scheduler.LRScheduler):
    r"""Set the learning rate from the gradient norms, before each optimizer step.

    .. math:: \text{lr}_t = \text{initial\_lr} \cdot \texttt{rule.rate}(G_1..G_t,\; R_t)

    ``rule`` is a causal rule of :mod:`extremal.optim`: :class:`AdaGradNorm`,
    :class:`InverseSquare`, :class:`LastIterate` or :class:`RefinedCausal`.

    With ``radius`` given, ``R_t = radius`` and the rule sees the raw norms. In the
    parameter-free mode (``radius=None``) ``R_t`` is the DoG estimate
    :math:`\bar r_t = \max(r_\epsilon, \max_{k\le t}\|θ_k - θ_1\|)`, and a step taken
    while the estimate was :math:`\bar r_k` enters the rule's sums with weight
    :math:`w_k = (\bar r_k/\bar r_t)^2`. The rules were derived for a fixed ``R``; the
    weights keep the tiny steps taken while :math:`\bar r` was still growing from
    dominating :math:`V_t` or :math:`Q_t`. For :class:`AdaGradNorm` this gives

    .. math:: η_t = \frac{\bar r_t^2}{\sqrt{\sum_{k\le t} \bar r_k^2 G_k^2}},

    which is DoWG (Khaled et al., 2023); without the weights it would be DoG, whose
    first phase leaves the rate far below ``1/L`` on well-conditioned deterministic
    problems (``benchmarks/bench_convex.py`` runs both).

    **Adam and AdamW.** Their step is normalised per coordinate, so it does not shrink
    with the gradient and the distance travelled says little about ``R`` (the iterates drift
    along flat directions). With ``torch.optim.Adam`` or ``AdamW`` (``lr=1.0``, a
    multiplier) and ``radius=None`` the estimate is instead the lower bound of the distance
    to the solution that the article's identity (eq:begin) gives with :math:`φ = θ_1`: for a
    convex loss :math:`\sum_k λ_k\, g_k\cdot(θ_1 - θ_k) \le \|θ_1 - θ^*\|_\infty \|\sum_k λ_k g_k\|_1`,
    so with :math:`λ_t = d_t^2` and :math:`β_3 = \sqrt{β_2}` (Prodigy's weights and decay)

    .. math:: N_t = β_3 N_{t-1} + λ_t\, g_t\cdot(θ_1 - θ_t), \quad
              s_t = β_3 s_{t-1} + λ_t g_t, \quad
              d_{t+1} = \max\bigl(d_t,\; N_t / \|s_t\|_1\bigr),

    from :math:`d_1 = \texttt{reps\_rel}`. When the estimate grows, Adam's first moment is
    scaled by :math:`d_t/d_{t+1}` and its second by the square, so that each past gradient
    counts in them with weight :math:`d_k/d_{t+1}`, as in Prodigy's moments (which sum
    :math:`d_k g_k`): the gradients taken while the estimate was still far too small do not
    hold the normalised step down once it is right. The rate is

    .. math:: \text{lr}_t = d_{t+1}\sqrt{ρ_t}, \qquad ρ_t = \frac{1-β_1^t}{\sqrt{1-β_2^t}}.

    Prodigy (without its optional bias correction) steps with :math:`d\,ρ_t`, which is
    3–6.5 times :math:`d` over the first hundred steps and falls towards 1 as the second
    moment fills; Adam's own correction alone would step with :math:`d`. The geometric mean
    keeps a milder version of that early boost: on the benchmark the full boost made the
    character LM (185 steps against 55) and the tabular regression slower, no boost the CNN
    and the MLPs.
    Only the gradient enters :math:`N_t`, never a flat direction, so the estimate stops
    growing once the iterates stop making progress. Unlike the Prodigy optimizer, the new
    :math:`d` is used at once (no step of lag); with the lag the benchmark took fewer steps
    on 5 of its 12 task–batch pairs and more on 6, among them the logistic regression at
    batch 32, which then never reached its target. Only ``AdaGradNorm()`` is accepted here (``rule``
    has no role: ``G_t`` is recorded, not used). The mode keeps :math:`θ_1` and
    :math:`s_t`: two copies of a model under :math:`2^{20}` elements; for a larger one the
    sums run over one block of 1024 consecutive coordinates in 8 (both are sums over
    coordinates, so their ratio is estimated; within 6 % of the full estimate on a
    1.1M-parameter MLP), so it keeps a quarter of a model, not two, and one step costs 3–6 %
    of a training step (``benchmarks/bench_grad_norm_lr.py``; Prodigy: two copies, 5–10 %).
    A step where :math:`d` grows also passes once over Adam's moments.
    ``benchmarks/bench_parameter_free.py`` compares it with Prodigy on six tasks at two
    batch sizes each; this is the recommended untuned set-up.

    **SGD.** The parameter-free setting for SGD is ``AdaGradNorm()`` with
    ``torch.optim.SGD(params, lr=0.5, momentum=0.5)``: the momentum average
    :math:`\sum_k 0.5^k g_{t-k}` has total weight 2, so the multiplier 0.5 makes the step
    the rule's rate times an average of recent gradients. It wins where SGD suits the
    model (the autoencoder and the character LM of the benchmark) and loses to the AdamW
    mode on the CNN and the MLPs. The rate does not decay by itself once gradient noise
    dominates: the distance estimate keeps growing with the noise, so with small batches
    training can stall at a high loss; use larger batches or a ``radius``.

    **Muon and other normalised steps** (extremal's and torch's ``Muon``, ``Adagrad``,
    ``Adadelta``, ``Adamax``, ``NAdam``, ``RAdam``, ``RMSprop``, ``Rprop``) are refused in the
    parameter-free mode: their step does not shrink with the gradient, so the DoG distance
    grows along flat directions and the rate with it (Muon diverged or stalled on three of
    four tasks with it), and their moments are not Adam's. Give them a ``radius``, or use
    AdamW in the parameter-free mode. Any other optimizer is taken to step along the
    gradient as SGD does and gets the DoG distance.

    See the module docstring for why this is an ``LRScheduler`` with a step pre-hook and
    for the keys written to ``param_groups``.

    Parameters
    ----------
    optimizer : torch.optim.Optimizer
        Any optimizer whose ``step()`` applies the gradients in ``.grad``; its ``lr`` is a
        multiplier (1.0 for the plain rule).
    rule : GradNormRule
        Maps ``G_1..G_t`` and ``R`` to the rate of step ``t``.
    radius : float or None
        ``R = ||θ_1 - θ*||``; ``None`` estimates it online.
    reps_rel : float
        Relative size of the initial estimate :math:`r_\epsilon` (parameter-free mode).
    nonfinite : {"skip", "raise"}
        What to do when the gradient norm is not finite (a gradient holding ``inf`` or
        ``nan``, or a float64 gradient whose norm exceeds the float64 maximum): ``"skip"``
        (default) drops the gradients (``grad = None``), so the optimizer leaves parameters
        and its state untouched, records nothing and counts the step in :attr:`skipped`;
        ``"raise"`` raises :class:`~extremal.errors.InputError` from ``optimizer.step()``
        before the step is taken. The first skipped step emits a ``RuntimeWarning`` that
        points at the ``optimizer.step()`` call. A step whose gradients are all zero is not
        recorded either and keeps the previous rates. With ``maximize=True`` on the
        optimizer nothing changes: the norm does not depend on the sign.
    last_epoch : int
        As for every ``LRScheduler``.

    Raises
    ------
    InputError
        If ``rule`` has no ``rate`` method, ``radius`` or ``reps_rel`` is not a positive
        finite float (booleans are refused), ``nonfinite`` is neither ``"skip"`` nor
        ``"raise"``, ``optimizer`` already has a GradNormLR attached, or ``optimizer`` is
        Adam/AdamW with ``radius=None`` and ``rule`` is not ``AdaGradNorm()``. From
        ``optimizer.step()``, if another scheduler changed ``lr`` (see Notes).

    Notes
    -----
    **One scheduler per optimizer.** GradNormLR sets the whole learning rate, so it does
    not compose with other schedulers on the same optimizer: if anything else changes a
    group's ``lr`` between two steps (a ``LinearLR`` warm-up, ``ChainedScheduler``), the
    next ``optimizer.step()`` raises :class:`~extremal.errors.InputError` before the step
    is taken, rather than silently overwriting that change. To scale the rates over time
    (a warm-up, a decay), change ``param_groups[i]["initial_lr"]`` between steps: the rate
    is ``initial_lr * rule.rate(...)``, so such factors multiply. A second GradNormLR on the
    same optimizer is refused until :meth:`remove` detaches the first, so an optimizer never
    carries two hooks.

    **Cost of the parameter-free mode.** The distance :math:`\|θ_t - θ_1\|` is computed
    piece by piece (no temporary the size of the model). In the first phase, while
    :math:`\bar r` grows 64-fold from :math:`r_\epsilon`, it is measured exactly against
    a copy of :math:`θ_1` at every step; after it, :math:`θ_1` is kept in bfloat16 (so
    ``state_dict()`` holds half of a float32 model, not a copy of it), the distance is
    corrected for that rounding and is within :math:`\bar r/64` of exact, and models of
    at least :math:`2^{20}` elements measure it at every 8th step only. All of this is
    deterministic, so a resumed run continues bit for bit.

    The pre-hook reads ``G_t`` on the host and evaluates the rule with NumPy, so
    ``torch.compile(optimizer.step, fullgraph=True)`` cannot trace a step with a GradNormLR
    attached; compile the model and leave the step eager (or compile it without
    ``fullgraph``, which runs the hook outside the graph).

    ``G_t`` comes from :func:`global_grad_norm`, which neither overflows nor underflows, and
    the rules work in log space, so a finite gradient is never skipped for its size: a
    gradient scaled by ``c > 0`` gives the norms scaled by ``c`` and, with a given
    ``radius``, the rates scaled by ``1/c`` (AdaGrad-norm: ``R/sqrt(V_t)``).

    Examples
    --------
    Parameter-free AdaGrad-norm (DoWG) in the recommended setting, on a quadratic:

    >>> import torch
    >>> from extremal.optim import AdaGradNorm, GradNormLR
    >>> w = torch.nn.Parameter(torch.tensor([3.0, -1.0]))
    >>> opt = torch.optim.SGD([w], lr=0.5, momentum=0.5)
    >>> sched = GradNormLR(opt, AdaGradNorm())
    >>> for _ in range(100):
    ...     opt.zero_grad(); (w ** 2).sum().backward(); opt.step(); sched.step()
    >>> float((w ** 2).sum().detach()) < 1e-12
    True
    >>> round(sched.current_radius, 2)
    5.83
    >>> sorted(k for k in opt.param_groups[0] if k in ("grad_norm", "radius"))
    ['grad_norm', 'radius']
    """

    def __init__(
        self,
        optimizer: Any,
        rule: GradNormRule,
        radius: float | None = None,
        *,
        reps_rel: float = 1e-6,
        nonfinite: Literal["skip", "raise"] = "skip",
        last_epoch: int = -1,
    ) -> None:
        if not callable(getattr(rule, "rate", None)):
            raise InputError(
                f"rule must have a rate(norms, radius) method; got {type(rule).__name__}. "
                "Pass a rule from extremal.optim such as AdaGradNorm()."
            )
        if radius is not None and not (is_real(radius) and 0 < radius < math.inf):
            raise InputError(
                f"radius must be a positive finite float (not a boolean), or None to estimate it; got {radius!r}."
            )
        if not (is_real(reps_rel) and 0 < reps_rel < math.inf):
            raise InputError(f"reps_rel must be a positive finite float (not a boolean); got {reps_rel!r}.")
        if radius is None:
            _refuse_normalised_steps(optimizer)
        attached = _ATTACHED.get(optimizer)
        if attached is not None and attached() is not None:
            raise InputError(
                "optimizer already has a GradNormLR attached; a second one would set lr from its own "
                "record and override the first. Call remove() on the first (or delete it) before attaching "
                "another, or use one GradNormLR."
            )
        self.rule = rule
        self.radius = None if radius is None else float(radius)
        self.reps_rel = float(reps_rel)
        self.nonfinite = nonfinite_policy(nonfinite, "GradNormLR")
        self.skipped = 0
        self._warned_nonfinite = False
        self._norms: list[float] = []
        self._radii: list[float] = []
        params = _params(optimizer)
        self._elements = sum(p.numel() for p in params)
        self._adam = radius is None and _is_adam(optimizer)
        self._initial_gap = 0.0
        self._reduced = False
        self._rounding_gap = 0.0
        if self._adam:
            # Adam/AdamW in the parameter-free mode: the distance in the max-norm is estimated from
            # correlations (see _adam_rate), on a sample of the coordinates of a large model.
            if type(rule) is not AdaGradNorm:
                raise InputError(
                    f"rule must be AdaGradNorm() for Adam/AdamW in the parameter-free mode (radius=None); got "
                    f"{type(rule).__name__}. The normalised step of Adam takes the rate d_t of the distance "
                    "estimate directly; pass AdaGradNorm(), or give a radius to use another rule."
                )
            self._sampling = correlation.sampling(self._elements)
            self._initial = correlation.sample_copies(params, self._sampling)
            self._sums = [torch.zeros_like(p1, dtype=_wide(p1.dtype)) for p1 in self._initial]
            self._numerator = 0.0
            self._radius_estimate = self._first_radius = self.reps_rel
        else:
            # θ_1 as it is, and how far rounding it to bfloat16 would move it; see _measure_radius.
            self._initial = [p.detach().clone() for p in params] if radius is None else []
            if radius is None:
                self._rounding_gap = _reference_distance(params, [p.to(torch.bfloat16) for p in self._initial])
            self._radius_estimate = self.reps_rel * (1.0 + _total_norm(params)) if radius is None else float(radius)
            self._first_radius = self._radius_estimate
        super().__init__(optimizer, last_epoch)
        self._set_lrs = [group["lr"] for group in optimizer.param_groups]
        self._handle = optimizer.register_step_pre_hook(self._before_step)
        _ATTACHED[optimizer] = weakref.ref(self)

    @property
    def norms(self) -> NDArray[np.float64]:
        """The recorded gradient norms ``G_1..G_t``."""
        return np.asarray(self._norms, dtype=np.float64)

    @property
    def current_radius(self) -> float:
        """``R`` of the latest step: the given radius or the online estimate."""
        return self._radius_estimate

    def get_lr(self) -> list[float | torch.Tensor]:
        """The current rates; they are set by the pre-hook, so ``step()`` keeps them."""
        return [group["lr"] for group in self.optimizer.param_groups]

    def _before_step(self, optimizer: Any, args: Any, kwargs: Any) -> None:
        self._check_lrs_unchanged(optimizer)
        params = _params(optimizer)
        g = global_grad_norm(params)
        if not math.isfinite(g):
            if self.nonfinite == "raise":
                raise _nonfinite(len(self._norms) + 1, g)
            self.skipped += 1
            if not self._warned_nonfinite:
                self._warned_nonfinite = True
                warn_at_caller(
                    f"GradNormLR skipped step {len(self._norms) + 1}: the gradient norm is {g}, so the gradients "
                    "were dropped and nothing changed; further skips are counted in GradNormLR.skipped "
                    "without a warning.",
                    RuntimeWarning,
                )
            for p in params:
                p.grad = None
            return
        if g == 0.0:
            return
        if self._adam:
            rate = self._adam_rate(optimizer, params)
            self._norms.append(g)
            self._radii.append(self._radius_estimate)
            self._set_rates(optimizer, rate, g)
            return
        if self.radius is None:
            self._measure_radius(params)
        self._norms.append(g)
        self._radii.append(self._radius_estimate)
        radii = np.asarray(self._radii, dtype=np.float64)
        rate = float(self.rule.rate(self.norms, radii[-1], (radii / radii[-1]) ** 2))
        self._set_rates(optimizer, rate, g)

    def _set_rates(self, optimizer: Any, rate: float, g: float) -> None:
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"] * rate
            group["grad_norm"] = g
            group["radius"] = self._radius_estimate
        self._set_lrs = [group["lr"] for group in optimizer.param_groups]

    def _adam_rate(self, optimizer: Any, params: list[Any]) -> float:
        r"""The rate of an Adam/AdamW step in the parameter-free mode (see the class notes).

        With :math:`λ_t = d_t^2` and :math:`β_3 = \sqrt{β_2}`,

        .. math:: N_t = β_3 N_{t-1} + λ_t\, g_t\cdot(θ_1 - θ_t), \quad
                  s_t = β_3 s_{t-1} + λ_t g_t, \quad
                  d_{t+1} = \max(d_t, N_t/\|s_t\|_1),

        Adam's moments are scaled by :math:`d_t/d_{t+1}` (first) and its square (second)
        when the estimate grows, and the rate is :math:`d_{t+1}\sqrt{ρ_t}` with
        :math:`ρ_t = (1-β_1^t)/\sqrt{1-β_2^t}`.
        """
        beta1, beta2 = optimizer.param_groups[0]["betas"]
        beta3 = math.sqrt(beta2)
        weight = self._radius_estimate**2
        dot, denominator = correlation.update_sums(
            params, self._initial, self._sums, beta3=beta3, weight=weight, every=self._sampling
        )
        self._numerator = beta3 * self._numerator + weight * dot
        if denominator > 0.0 and math.isfinite(self._numerator / denominator):
            estimate = self._numerator / denominator
            if estimate > self._radius_estimate:
                _scale_adam_moments(optimizer, params, self._radius_estimate / estimate)
                self._radius_estimate = estimate
        t = _adam_step_count(optimizer, params)
        return self._radius_estimate * math.sqrt((1.0 - beta1**t) / math.sqrt(1.0 - beta2**t))

    def _measure_radius(self, params: list[Any]) -> None:
        r"""Raise the estimate :math:`\bar r` to the distance of ``params`` from :math:`θ_1`.

        In the first phase, while :math:`\bar r` grows from :math:`r_\epsilon` to
        :data:`_SWITCH` times :math:`\max(r_\epsilon, \text{gap})`, where ``gap`` is the
        distance by which rounding :math:`θ_1` to bfloat16 moves it, the distance is
        measured from :math:`θ_1` itself at every step. After it, :math:`θ_1` is kept in
        bfloat16 only (half of a float32 model, in memory and in ``state_dict()``) and the
        distance is :math:`\sqrt{\|θ - \mathrm{bf16}(θ_1)\|^2 - \text{gap}^2}`: exact when
        the rounding error is orthogonal to the displacement, never off by more than
        ``gap`` (at most :math:`\bar r/64`). A model of at least :data:`_LARGE` elements,
        where one pass over the parameters is a noticeable part of a step, then measures
        it at every :data:`_EVERY`-th step only, so :math:`\bar r` lags by at most
        that many steps.
        """
        if self._reduced and self._elements >= _LARGE and len(self._norms) % _EVERY:
            return
        squared = _reference_distance(params, self._initial) ** 2 - self._initial_gap**2
        self._radius_estimate = max(self._radius_estimate, math.sqrt(max(squared, 0.0)))
        if not self._reduced and self._radius_estimate >= _SWITCH * max(self._rounding_gap, self._first_radius):
            self._initial = [p.to(torch.bfloat16) for p in self._initial]
            self._initial_gap = self._rounding_gap
            self._reduced = True

    def _check_lrs_unchanged(self, optimizer: Any) -> None:
        """:class:`InputError` if something other than this scheduler changed a group's ``lr``."""
        for i, (group, mine) in enumerate(zip(optimizer.param_groups, self._set_lrs, strict=False)):
            if group["lr"] is not mine and bool(group["lr"] != mine):
                raise InputError(
                    f"param_groups[{i}]['lr'] is {group['lr']!r}, but GradNormLR last set it to {mine!r}: another "
                    "scheduler (or code) changed it, and GradNormLR would overwrite that change. GradNormLR sets "
                    "the whole learning rate; do not attach a second scheduler to the same optimizer. To scale "
                    "its rates over time (a warm-up), change param_groups[i]['initial_lr'] between steps: the "
                    "rate is initial_lr * rule.rate(...). After loading the optimizer's state, load the "
                    "scheduler's state too."
                )

    def remove(self) -> None:
        """Detach the pre-hook; the optimizer keeps its last learning rates, and another
        :class:`GradNormLR` may then be attached to it."""
        self._handle.remove()
        if _ATTACHED.get(self.optimizer) is not None and _ATTACHED[self.optimizer]() is self:
            del _ATTACHED[self.optimizer]

    def state_dict(self) -> dict[str, Any]:
        """Scheduler state: the rule, the norms, the radius estimate, the initial point, counters.

        In the parameter-free mode it holds :math:`θ_1`, in bfloat16 once the first phase
        is over (see the class notes). Every value is plain (tensors, numbers, booleans, ``None``, lists), so
        ``torch.load(f)`` reads the checkpoint with its default ``weights_only=True``. The
        rule is written as a dict such as ``{"type": "LastIterate", "total_steps": 1000}``
        when it is one of :class:`AdaGradNorm`, :class:`InverseSquare`,
        :class:`LastIterate` or :class:`RefinedCausal`, and as ``None`` for any other rule,
        which is then configuration (as ``LambdaLR`` leaves out its functions): construct
        the scheduler with the same rule before loading.

        Examples
        --------
        >>> import torch
        >>> from extremal.optim import LastIterate
        >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=1.0)
        >>> GradNormLR(opt, LastIterate(total_steps=100), radius=2.0).state_dict()["rule"]
        {'type': 'LastIterate', 'total_steps': 100}
        """
        skip = ("optimizer", "_handle", "rule", "_set_lrs", "_warned_nonfinite")
        state = {k: v for k, v in self.__dict__.items() if k not in skip}
        state["rule"] = to_plain(self.rule, _RULES, "GradNormLR.rule") if type(self.rule) in _RULES else None
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state made by :meth:`state_dict`; a saved rule replaces the current one.

        Raises
        ------
        InputError
            If the saved rule names an unknown type or field, or a value the rule refuses.
        """
        state = {k: v for k, v in state_dict.items() if k not in ("optimizer", "_handle")}
        rule = state.pop("rule", None)
        state.setdefault("_reduced", False)  # a state that kept θ_1 itself measures from it exactly
        state.setdefault("_initial_gap", 0.0)
        state.setdefault("_rounding_gap", math.inf)
        state.setdefault("_adam", False)
        if state["_adam"] and "_sampling" not in state:  # written before the sampled estimate: every coordinate
            state["_sampling"] = 1
            state["_initial"] = [t.reshape(1, -1) for t in state["_initial"]]
            state["_sums"] = [t.reshape(1, -1) for t in state["_sums"]]
        self._set_lrs = list(state_dict.get("_last_lr", self._set_lrs))
        if rule is not None:
            self.rule = from_plain(rule, _RULES, "state_dict['rule']")
        state["_norms"] = [float(x) for x in state["_norms"]]
        state["_radii"] = [float(x) for x in state["_radii"]]
        self.__dict__.update(state)
