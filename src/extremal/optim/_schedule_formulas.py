r"""Schedule formulas: learning rates as arrays, from gradient norms (Su 2026) or a base rate.

This module holds the formulas only: each function, and each rule's :meth:`rates` and
:meth:`rate`, turns numbers into the rates ``η_1..η_t`` (a NumPy array, or the float of the
current step), with NumPy alone and no optimizer in sight. The PyTorch classes that attach
to an optimizer are in the sibling module ``_lr_schedulers``: the scheduler
:class:`~extremal.optim.GradNormLR`, which applies a causal rule step by step, and
:class:`~extremal.optim.GradNormRecorder`, which records the norms a whole-run schedule needs.
The rules of Su (2026) come first, then the standard baselines :func:`constant`,
:func:`linear_decay` and :func:`cosine`.

Notation (1-based steps, as in the article). A run has ``T`` steps; ``G_t`` is the
gradient norm at step ``t`` and ``R = ||θ_1 - θ*||`` the distance from the start to the
optimum. Every sum runs up to and *including* step ``t``:

.. math::

    V_t = \sum_{k=1}^{t} G_k^2, \qquad
    Q_t = \sum_{k=1}^{t} G_k^{-2}, \qquad
    \tilde V_t = \sum_{k=1}^{t} \frac{G_k^2}{\max(1,\, t-k)}.

Each rule turns the gradient norms ``G_1..G_t`` into the rates ``η_1..η_t`` (an array of
shape ``(t,)``; entry ``t - 1`` is the rate of step ``t``). All rates are proportional to
``R``. A *causal* rule's entry ``t`` uses only ``G_1..G_t``, so feeding the history observed
so far gives the rate of the current step; :meth:`rate` returns just that float. Its
optional ``weights`` ``w_k`` multiply each step's term in the sums (``V_t = Σ w_k G_k^2``,
``Q_t = Σ w_k G_k^{-2}``); the parameter-free scheduler uses them to discount steps taken
under a smaller estimate of ``R``.

- :class:`AdaGradNorm`: :math:`R/\sqrt{V_t}` (eq:adagrad-mini);
- :func:`constant_optimal`: :math:`R/\sqrt{V_T}`, non-causal (leq:old-avg-optimal);
- :class:`InverseSquare`: :math:`R G_t^{-2}/\sqrt{Q_t}`, causal form of the next one;
- :func:`inverse_square_optimal`: :math:`R G_t^{-2}/\sqrt{Q_T}`, non-causal
  (leq:avg-weighted);
- :class:`LastIterate`: :math:`R/\sqrt{T \tilde V_t}`, causal form of the next one;
- :func:`last_iterate_constant`: :math:`R/\sqrt{T \tilde V_T}`, non-causal (leq:last-1);
- :func:`refined`: :math:`R G_t^{-2}(1 - Q_t/Q_T)/\sqrt{Q_T}`, non-causal
  (eq:last-2-opt-lr);
- :class:`RefinedCausal`: :math:`R G_t^{-2}(1 - t/T)/\sqrt{Q_t}`.

Scale. Every rule is homogeneous: scaling the norms by ``c`` and ``R`` by ``r`` scales the
rates by ``r/c``. The sums are formed in log space, so any finite positive norms and radius
give the right rates (``G = 1e300`` is as good as ``G = 1``); a rate is ``inf`` or ``0`` only
if the true rate leaves the float64 range. Invalid input (negative, ``nan``, ``inf``, booleans,
an empty sequence) raises :class:`~extremal.errors.InputError` naming the argument.

The non-causal rules need the norms of the whole run: record them in a first run (see
:class:`extremal.optim.GradNormRecorder`), refine, and retrain with the fixed rates.

Where the refined schedule comes from: δS = 0
----------------------------------------------
Write :math:`S_t = η_{t+1:T}` (the rates still to come) and approximate
:math:`η_t ≈ -\dot S_t` and sums by integrals. With :math:`S_t = W_t^2` the right-hand side
of (leq:last-2) becomes the action (eq:int-approx)

.. math:: \mathcal S[W] = \frac{R^2}{2 W_0^2} + 2\int_0^T \dot W_t^2 G_t^2\, dt,
   \qquad W_T = 0 .

Its Euler–Lagrange equation is :math:`\frac{d}{dt}(\dot W_t G_t^2) = 0`, so
:math:`\dot W_t \propto G_t^{-2}` and
:math:`W_t = W_0 \int_t^T G_s^{-2} ds / \int_0^T G_s^{-2} ds`. The action is then
:math:`R^2/2W_0^2 + 2W_0^2/\int_0^T G^{-2}`, minimal at
:math:`2W_0^2 = R(\int_0^T G^{-2})^{1/2}`, and :math:`η_t = -2 W_t \dot W_t` gives

.. math:: η_t = \frac{R\, G_t^{-2} \int_t^T G_s^{-2} ds}{(\int_0^T G_s^{-2} ds)^{3/2}},

whose discrete form is :func:`refined`. ``tests/optim/test_schedules.py`` repeats this
derivation with :func:`extremal.symbolic.euler_lagrange`.

The factor :math:`G_t^{-2}` is a warmup (early gradients are large), the factor
:math:`1 - Q_t/Q_T` a decay (linear when :math:`G_t` is constant).

References
----------
.. [1] J. Su, "Making alchemy more scientific (5): fine-tuning the learning rate from gradients",
   2026.
   https://kexue.fm/archives/11530
.. [2] R. Ward, X. Wu, L. Bottou, "AdaGrad stepsizes: sharp convergence over nonconvex
   landscapes", ICML 2019 (AdaGrad-norm).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from extremal.errors import InputError
from extremal.optim._logs import exp, log, log_cumsum, log_sum, log_tails
from extremal.optim._validate import is_real, positive_real, real, real_vector, signed_vector

__all__ = [
    "AdaGradNorm",
    "InverseSquare",
    "LastIterate",
    "RefinedCausal",
    "constant",
    "constant_optimal",
    "cosine",
    "inverse_square_optimal",
    "last_iterate_constant",
    "linear_decay",
    "recency_weighted_sum_of_squares",
    "refined",
]


def _norms(norms: ArrayLike, *, positive: bool) -> NDArray[np.float64]:
    hint = "Rules with G_t^-2 need positive norms; a zero gradient norm means the step can be skipped."
    return signed_vector(norms, "norms", positive=positive, hint=hint if positive else "")


def _radius(radius: float) -> float:
    hint = "It is the distance ||θ_1 - θ*||; estimate it online with the parameter-free mode if unknown."
    return positive_real(radius, "radius R", hint)


def _total_steps(total_steps: int, name: str = "total_steps") -> int:
    if isinstance(total_steps, bool) or not isinstance(total_steps, (int, np.integer)):
        raise InputError(f"{name} must be an int; got {total_steps!r}.")
    if total_steps <= 0:
        raise InputError(
            f"{name} must be a positive number of steps T; got {total_steps}. "
            "Pass the length of the run."
        )
    return int(total_steps)


def _log_weights(weights: ArrayLike | None, size: int) -> NDArray[np.float64]:
    if weights is None:
        return np.zeros(size)
    w = real_vector(weights, "weights")
    if w.shape != (size,):
        raise InputError(f"weights must have shape ({size},) like norms; got {w.shape}.")
    if np.any(w < 0):
        raise InputError("weights must be finite and non-negative.")
    return log(w)


def _log_recency_weighted_sum_of_squares(log_sq: NDArray[np.float64]) -> NDArray[np.float64]:
    """``log Ṽ_1..log Ṽ_t`` from ``log G_k^2``."""
    t = log_sq.size
    log_w = -log(np.maximum(1.0, np.arange(t, dtype=np.float64)))
    top = float(np.max(log_sq))
    shift = top if np.isfinite(top) else 0.0
    out = log_sq - shift
    base = out.copy()
    for lag in range(1, t):
        out[lag:] = np.logaddexp(out[lag:], log_w[lag] + base[:-lag])
    return out + shift


def _log_recency_last(log_sq: NDArray[np.float64]) -> float:
    """``log Ṽ_t`` for the last step only, in ``O(t)``."""
    recency = -log(np.maximum(1.0, np.arange(log_sq.size, dtype=np.float64)))
    return log_sum(recency + log_sq[::-1])


def _within(g: NDArray[np.float64], total_steps: int) -> None:
    if g.size > total_steps:
        raise InputError(
            f"got {g.size} gradient norms but total_steps T = {total_steps}; the run is "
            "longer than the horizon. Raise total_steps."
        )


def recency_weighted_sum_of_squares(norms: ArrayLike) -> NDArray[np.float64]:
    r"""The recency-weighted sums of squared norms used by the last-iterate rule.

    .. math:: \tilde V_t = \sum_{k=1}^{t} \frac{G_k^2}{\max(1,\, t-k)}

    Step ``k = t`` and ``k = t - 1`` both get weight 1, older steps ``1/(t - k)``; this
    favours recent gradients, like the moving averages of RMSProp and Adam.

    Parameters
    ----------
    norms : array_like, shape (t,)
        Gradient norms ``G_1..G_t``, finite and non-negative.

    Returns
    -------
    ndarray, shape (t,)
        ``Ṽ_1..Ṽ_t`` (``inf`` where a value exceeds the float64 range; use the rules, which
        work with its logarithm, for such norms).

    Examples
    --------
    >>> recency_weighted_sum_of_squares([1.0, 1.0, 1.0, 2.0])
    array([1.        , 2.        , 2.5       , 5.83333333])
    """
    g = _norms(norms, positive=False)
    return exp(_log_recency_weighted_sum_of_squares(2 * log(g)))


@dataclass(frozen=True, slots=True)
class AdaGradNorm:
    r"""AdaGrad-norm: :math:`η_t = R/\sqrt{V_t}`, :math:`V_t = \sum_{k\le t} G_k^2`.

    The causal form of the constant rate :math:`R/\sqrt{V_T}` that minimises the
    average-loss bound (leq:old-avg); it costs at most 3/2 of that optimum. With ``R``
    estimated online as the largest distance from the start this is DoG.

    Examples
    --------
    >>> AdaGradNorm().rates([3.0, 4.0], radius=10.0)
    array([3.33333333, 2.        ])
    >>> round(AdaGradNorm().rate([3.0, 4.0], radius=10.0), 12)
    2.0

    Only the ratio of ``R`` to the norms matters, at any scale:

    >>> AdaGradNorm().rates([3e300, 4e300], radius=10.0)
    array([3.33333333e-300, 2.00000000e-300])

    References
    ----------
    Su (2026), eq. (eq:adagrad-mini), https://kexue.fm/archives/11530; Ward, Wu and
    Bottou, ICML 2019.
    """

    def rates(self, norms: ArrayLike, radius: float = 1.0) -> NDArray[np.float64]:
        """Rates ``η_1..η_t`` for the norms ``G_1..G_t``, shape ``(t,)``."""
        g = _norms(norms, positive=False)
        log_v = log_cumsum(2 * log(g))
        if log_v[0] == -np.inf:
            raise InputError("norms[0] is 0: V_1 = 0 makes R/sqrt(V_1) infinite.")
        return exp(np.log(_radius(radius)) - 0.5 * log_v)

    def rate(
        self, norms: ArrayLike, radius: float = 1.0, weights: ArrayLike | None = None
    ) -> float:
        """Rate of the current step ``t = len(norms)``; ``weights`` scale each step's term."""
        g = _norms(norms, positive=False)
        log_v = log_sum(_log_weights(weights, g.size) + 2 * log(g))
        if log_v == -np.inf:
            raise InputError("all norms are 0: V_t = 0 makes R/sqrt(V_t) infinite.")
        return float(exp(np.log(_radius(radius)) - 0.5 * log_v))


@dataclass(frozen=True, slots=True)
class InverseSquare:
    r"""Rate proportional to :math:`G_t^{-2}`: :math:`η_t = R G_t^{-2}/\sqrt{Q_t}`.

    The causal form of :func:`inverse_square_optimal`, which minimises the weighted-average
    bound (leq:avg-weighted); its bound is
    :math:`R(1 + \tfrac12\ln(Q_T/Q_1))/\sqrt{Q_T}`.

    Examples
    --------
    >>> InverseSquare().rates([1.0, 0.5], radius=1.0)
    array([1.        , 1.78885438])

    References
    ----------
    Su (2026), section "Inversely proportional to the gradient" https://kexue.fm/archives/11530#梯度反比
    """

    def rates(self, norms: ArrayLike, radius: float = 1.0) -> NDArray[np.float64]:
        """Rates ``η_1..η_t`` for the norms ``G_1..G_t``, shape ``(t,)``."""
        log_inv = -2 * log(_norms(norms, positive=True))
        return exp(np.log(_radius(radius)) + log_inv - 0.5 * log_cumsum(log_inv))

    def rate(
        self, norms: ArrayLike, radius: float = 1.0, weights: ArrayLike | None = None
    ) -> float:
        """Rate of the current step ``t = len(norms)``; ``weights`` scale each step's term."""
        log_inv = -2 * log(_norms(norms, positive=True))
        log_q = log_sum(_log_weights(weights, log_inv.size) + log_inv)
        return float(exp(np.log(_radius(radius)) + log_inv[-1] - 0.5 * log_q))


@dataclass(frozen=True, slots=True)
class LastIterate:
    r"""The last-iterate rule :math:`η_t = R/\sqrt{T \tilde V_t}`.

    Causal form of :func:`last_iterate_constant`, which minimises (leq:last-1). Note the
    horizon ``T``, not ``t``, under the square root; the bound is then at most
    :math:`\tfrac R2\sqrt{\tilde V_T/T}\,(3 + \ln T)`. Cost per :meth:`rate`: ``O(t)``.

    The bound (leq:last-1), and so this guarantee, assumes that the rate never increases,
    :math:`η_1 \ge η_2 \ge \dots \ge η_T`. The causal rate does not ensure it:
    :math:`\tilde V_t` weights recent norms more, so it falls when the norms fall, and with
    noisy norms the rate goes up as well as down. Check a run with
    :func:`~extremal.optim.last_iterate_bound_non_increasing`, which refuses rates that
    increase, or bound it with :func:`~extremal.optim.last_iterate_bound_any_schedule`,
    which holds for any schedule.

    Parameters
    ----------
    total_steps : int
        The horizon ``T > 0``.

    Examples
    --------
    >>> LastIterate(total_steps=4).rates([1.0, 1.0, 1.0, 2.0], radius=2.0)
    array([1.        , 0.70710678, 0.63245553, 0.41403934])

    References
    ----------
    Su (2026), section "Focus on the present" https://kexue.fm/archives/11530#关注当下
    """

    total_steps: int

    def __post_init__(self) -> None:
        _total_steps(self.total_steps)

    def rates(self, norms: ArrayLike, radius: float = 1.0) -> NDArray[np.float64]:
        """Rates ``η_1..η_t`` for the norms ``G_1..G_t``, shape ``(t,)``."""
        g = _norms(norms, positive=False)
        _within(g, self.total_steps)
        log_v = _log_recency_weighted_sum_of_squares(2 * log(g))
        if log_v[0] == -np.inf:
            raise InputError("norms[0] is 0: Ṽ_1 = 0 makes the rate infinite.")
        return exp(np.log(_radius(radius)) - 0.5 * (np.log(self.total_steps) + log_v))

    def rate(
        self, norms: ArrayLike, radius: float = 1.0, weights: ArrayLike | None = None
    ) -> float:
        """Rate of the current step ``t = len(norms)``; ``weights`` scale each step's term."""
        g = _norms(norms, positive=False)
        _within(g, self.total_steps)
        log_v = _log_recency_last(_log_weights(weights, g.size) + 2 * log(g))
        if log_v == -np.inf:
            raise InputError("all norms are 0: Ṽ_t = 0 makes the rate infinite.")
        return float(exp(np.log(_radius(radius)) - 0.5 * (np.log(self.total_steps) + log_v)))


@dataclass(frozen=True, slots=True)
class RefinedCausal:
    r"""Causal form of the refined schedule: :math:`η_t = R G_t^{-2}(1 - t/T)/\sqrt{Q_t}`.

    Obtained from (eq:last-2-opt-lr) by replacing :math:`Q_T` with :math:`Q_t` in the
    scale and :math:`Q_T/T` with :math:`Q_t/t` in the decay. ``η_T = 0``.

    Parameters
    ----------
    total_steps : int
        The horizon ``T > 0``.

    Examples
    --------
    >>> RefinedCausal(total_steps=4).rates([1.0, 1.0, 1.0, 1.0])
    array([0.75      , 0.35355339, 0.14433757, 0.        ])

    References
    ----------
    Su (2026), end of section "Bringing it all together", https://kexue.fm/archives/11530#集大成者
    """

    total_steps: int

    def __post_init__(self) -> None:
        _total_steps(self.total_steps)

    def rates(self, norms: ArrayLike, radius: float = 1.0) -> NDArray[np.float64]:
        """Rates ``η_1..η_t`` for the norms ``G_1..G_t``, shape ``(t,)``."""
        g = _norms(norms, positive=True)
        _within(g, self.total_steps)
        log_inv = -2 * log(g)
        steps = np.arange(1, g.size + 1, dtype=np.float64)
        log_decay = log(1.0 - steps / self.total_steps)
        return exp(np.log(_radius(radius)) + log_inv + log_decay - 0.5 * log_cumsum(log_inv))

    def rate(
        self, norms: ArrayLike, radius: float = 1.0, weights: ArrayLike | None = None
    ) -> float:
        """Rate of the current step ``t = len(norms)``; ``weights`` scale each step's term."""
        g = _norms(norms, positive=True)
        _within(g, self.total_steps)
        log_inv = -2 * log(g)
        log_decay = float(log(1.0 - g.size / self.total_steps))
        log_q = log_sum(_log_weights(weights, log_inv.size) + log_inv)
        return float(exp(np.log(_radius(radius)) + log_inv[-1] + log_decay - 0.5 * log_q))


def constant_optimal(norms: ArrayLike, radius: float = 1.0) -> NDArray[np.float64]:
    r"""The constant rate :math:`η_t = R/\sqrt{V_T}` that minimises (leq:old-avg).

    Non-causal: it needs every norm of the run. It also minimises the average-loss bound
    of unbounded domains over non-increasing schedules.

    Parameters
    ----------
    norms : array_like, shape (T,)
        Gradient norms of the whole run.
    radius : float
        ``R``.

    Returns
    -------
    ndarray, shape (T,)

    Examples
    --------
    >>> constant_optimal([3.0, 4.0], radius=10.0)
    array([2., 2.])

    References
    ----------
    Su (2026), (leq:old-avg-optimal), https://kexue.fm/archives/11530
    """
    g = _norms(norms, positive=True)
    return np.full(g.size, exp(np.log(_radius(radius)) - 0.5 * log_sum(2 * log(g))))


def inverse_square_optimal(norms: ArrayLike, radius: float = 1.0) -> NDArray[np.float64]:
    r"""The minimiser of the weighted-average bound: :math:`η_t = R G_t^{-2}/\sqrt{Q_T}`.

    Equality in Cauchy–Schwarz needs :math:`η_t \propto G_t^{-2}`, and the scale then
    balances the two terms; the bound equals :math:`R/\sqrt{Q_T}`.

    Parameters
    ----------
    norms : array_like, shape (T,)
        Positive gradient norms of the whole run.
    radius : float
        ``R``.

    Returns
    -------
    ndarray, shape (T,)

    Examples
    --------
    >>> inverse_square_optimal([1.0, 0.5], radius=1.0)
    array([0.4472136 , 1.78885438])

    References
    ----------
    Su (2026), section "Inversely proportional to the gradient" (leq:avg-weighted), https://kexue.fm/archives/11530#梯度反比
    """
    log_inv = -2 * log(_norms(norms, positive=True))
    return exp(np.log(_radius(radius)) + log_inv - 0.5 * log_sum(log_inv))


def last_iterate_constant(norms: ArrayLike, radius: float = 1.0) -> NDArray[np.float64]:
    r"""The constant rate :math:`R/\sqrt{T \tilde V_T}` that minimises (leq:last-1).

    The minimum of the bound over non-increasing schedules is
    :math:`R\sqrt{\tilde V_T/T}`.

    Parameters
    ----------
    norms : array_like, shape (T,)
        Gradient norms of the whole run.
    radius : float
        ``R``.

    Returns
    -------
    ndarray, shape (T,)

    Examples
    --------
    >>> last_iterate_constant([1.0, 1.0, 1.0, 2.0], radius=2.0)
    array([0.41403934, 0.41403934, 0.41403934, 0.41403934])

    References
    ----------
    Su (2026), section "Focus on the present" (leq:last-1), https://kexue.fm/archives/11530#关注当下
    """
    g = _norms(norms, positive=True)
    log_v = _log_recency_last(2 * log(g))
    return np.full(g.size, exp(np.log(_radius(radius)) - 0.5 * (np.log(g.size) + log_v)))


def refined(
    norms: ArrayLike, radius: float = 1.0, *, cap: float | None = None
) -> NDArray[np.float64]:
    r"""The refined warmup–decay schedule (eq:last-2-opt-lr).

    .. math:: η_t = \frac{R\, G_t^{-2}}{\sqrt{Q_T}}\Bigl(1 - \frac{Q_t}{Q_T}\Bigr),
       \qquad Q_t = \sum_{k=1}^t G_k^{-2}

    The discrete form of the Euler–Lagrange solution of the action (eq:int-approx) (see
    the module docstring). It needs the norms of a whole run: train once while recording
    ``G_t``, compute these rates, retrain. ``η_T = 0``: the last iterate ``θ_T`` does not
    depend on ``η_T``. For (leq:last-2) use
    :func:`extremal.optim.last_iterate_bound_best_final_rate`, which takes ``η_1..η_{T-1}``.

    ``G_t`` stands for :math:`\sqrt{\mathbb E\|g_t\|^2}`: smooth the norms of a single
    stochastic run (a moving average of ``G_t^2``) before use, since one small sampled
    norm would give one huge rate.

    Safeguard. In deterministic or interpolating runs :math:`G_t \to 0`, so
    :math:`G_t^{-2}` and the rates late in the run grow without bound while the early
    rates shrink towards 0; retraining with them diverges. With ``cap`` the rate is
    bounded by a multiple of the AdaGrad-norm rate of the same record,

    .. math:: η_t = \min\Bigl(\frac{R\, G_t^{-2}}{\sqrt{Q_T}}\Bigl(1 - \frac{Q_t}{Q_T}\Bigr),
       \;\texttt{cap}\cdot\frac{R}{\sqrt{V_t}}\Bigr), \qquad V_t = \sum_{k=1}^t G_k^2 .

    :math:`R/\sqrt{V_t}` is the causal rate of the average-loss bound
    (:class:`AdaGradNorm`), which is what the parameter-free mode ran, so ``cap=1`` never
    steps faster than the recorded run did at the same step and keeps the refined shape
    (warmup by :math:`G_t^{-2}`, decay to 0) wherever it is below that rate. The article's
    formula is ``cap=None`` (the default). ``benchmarks/bench_nonconvex.py`` retrains with
    both; run it for the current figures.

    Parameters
    ----------
    norms : array_like, shape (T,)
        Positive gradient norms of the recorded run.
    radius : float
        ``R = ||θ_1 - θ*||`` (for instance the final distance of the recorded run).
    cap : float or None
        If given (positive), bound each rate by ``cap · R/sqrt(V_t)``.

    Returns
    -------
    ndarray, shape (T,)

    Examples
    --------
    With constant norms the decay is linear:

    >>> refined([1.0, 1.0, 1.0, 1.0], radius=8.0)
    array([3., 2., 1., 0.])

    Vanishing norms: the plain rule peaks late; the cap bounds it by ``R/sqrt(V_t)``:

    >>> g = [1.0, 0.3, 0.1, 0.03, 0.01]
    >>> refined(g, radius=1.0).round(3).tolist()
    [0.009, 0.105, 0.935, 9.345, 0.0]
    >>> refined(g, radius=1.0, cap=1.0).round(3)
    array([0.009, 0.105, 0.935, 0.953, 0.   ])

    References
    ----------
    Su (2026), (eq:last-2-opt-lr), https://kexue.fm/archives/11530
    """
    g = _norms(norms, positive=True)
    log_r = np.log(_radius(radius))
    log_inv = -2 * log(g)
    tails = log_tails(log_inv)
    # 1 - Q_t/Q_T = (G_{t+1}^-2 + ... + G_T^-2)/Q_T, summed directly: no cancellation.
    log_rest = np.append(tails[1:], -np.inf)
    log_rates = log_r + log_inv + log_rest - 1.5 * tails[0]
    if cap is not None:
        if not (is_real(cap) and 0 < cap < np.inf):
            raise InputError(
                f"cap must be a positive finite float (a multiple of R/sqrt(V_t)), or None; got {cap!r}."
            )
        log_cap = np.log(float(cap)) + log_r - 0.5 * log_cumsum(2 * log(g))
        log_rates = np.minimum(log_rates, log_cap)
    return exp(log_rates)


def _baseline_args(lr: float, total_steps: int) -> tuple[float, int]:
    value = real(lr, "lr")
    if not value > 0:
        raise InputError(f"lr must be a positive finite number; got {lr!r}.")
    return value, _total_steps(total_steps)


def constant(lr: float, total_steps: int) -> NDArray[np.float64]:
    """The constant schedule ``η_t = lr`` for ``t = 1..T``.

    Examples
    --------
    >>> constant(0.1, 3)
    array([0.1, 0.1, 0.1])
    """
    value, steps = _baseline_args(lr, total_steps)
    return np.full(steps, value)


def linear_decay(lr: float, total_steps: int) -> NDArray[np.float64]:
    r"""Linear decay :math:`η_t = \text{lr}\,(1 - (t-1)/T)` for ``t = 1..T``.

    The same values as ``torch.optim.lr_scheduler.LinearLR(start_factor=1,
    end_factor=0, total_iters=T)``; the last step keeps ``lr/T``.

    Examples
    --------
    >>> linear_decay(1.0, 4)
    array([1.  , 0.75, 0.5 , 0.25])
    """
    value, steps = _baseline_args(lr, total_steps)
    return value * (1.0 - np.arange(steps, dtype=np.float64) / steps)


def cosine(lr: float, total_steps: int) -> NDArray[np.float64]:
    r"""Cosine decay :math:`η_t = \tfrac{\text{lr}}2 (1 + \cos(\pi (t-1)/T))` for ``t = 1..T``.

    The same values as ``torch.optim.lr_scheduler.CosineAnnealingLR(T_max=T)``.

    Examples
    --------
    >>> cosine(1.0, 4).round(4)
    array([1.    , 0.8536, 0.5   , 0.1464])
    """
    value, steps = _baseline_args(lr, total_steps)
    return value * (0.5 * (1.0 + np.cos(np.pi * np.arange(steps, dtype=np.float64) / steps)))
