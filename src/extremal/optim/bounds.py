r"""Right-hand sides of the convergence bounds of SGD in Su (2026).

Every bound starts from the identity (eq:begin)

.. math:: \|θ_{t+1} - φ\|^2 = \|θ_t - φ\|^2 - 2η_t (θ_t - φ)\cdot g_t + η_t^2 \|g_t\|^2

plus convexity. Each function below evaluates a right-hand side for any schedule
``lrs = (η_1..η_T)``, gradient norms ``norms = (G_1..G_T)`` and radius
``R = ||θ_1 - θ*||``, so schedules can be compared on the same inequality. Sums of rates
are written :math:`η_{a:b} = \sum_{k=a}^{b} η_k`.

Bounds derived for non-increasing schedules raise :class:`~extremal.errors.InputError`
when given an increasing one: the value would not bound anything.

References
----------
.. [1] J. Su, "让炼丹更科学一些（五）：基于梯度精调学习率", 2026.
   https://kexue.fm/archives/11530
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq

from extremal.errors import InputError

__all__ = [
    "average_bound",
    "last_iterate_bound_1",
    "last_iterate_bound_2",
    "last_iterate_bound_2_best_final",
    "old_average_bound",
    "weighted_average_bound",
]


def _vector(values: ArrayLike, name: str) -> NDArray[np.float64]:
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1 or v.size == 0:
        raise InputError(f"{name} must be a non-empty 1-D sequence; got shape {v.shape}.")
    if not np.all(np.isfinite(v)) or np.any(v < 0):
        bad = int(np.flatnonzero(~(np.isfinite(v) & (v >= 0)))[0])
        raise InputError(f"{name} must be finite and non-negative; {name}[{bad}] = {v[bad]}.")
    return v


def _inputs(
    lrs: ArrayLike, norms: ArrayLike, radius: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], float]:
    eta = _vector(lrs, "lrs")
    g = _vector(norms, "norms")
    if eta.shape != g.shape:
        raise InputError(
            f"lrs and norms must have the same length T; got {eta.size} and {g.size}."
        )
    r = float(radius)
    if not (np.isfinite(r) and r > 0):
        raise InputError(f"radius must be a positive finite number; got {radius!r}.")
    return eta, g, r


def _non_increasing(eta: NDArray[np.float64], label: str) -> None:
    rises = np.flatnonzero(eta[1:] > eta[:-1] * (1 + 1e-12))
    if rises.size:
        t = int(rises[0])
        raise InputError(
            f"{label} holds only for non-increasing schedules; lrs[{t + 1}] = {eta[t + 1]} > "
            f"lrs[{t}] = {eta[t]}. Use weighted_average_bound or last_iterate_bound_2, "
            "which allow any schedule."
        )


def _ratio(num: NDArray[np.float64], den: NDArray[np.float64]) -> NDArray[np.float64]:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den
    return np.where(num == 0, 0.0, np.where(den == 0, np.inf, out))


def old_average_bound(lrs: ArrayLike, norms: ArrayLike, radius: float) -> float:
    r"""Average-loss bound on a bounded domain (leq:old-avg).

    .. math:: \frac1T\sum_{t=1}^T [L_t(θ_t) - L_t(θ^*)] \le
       \frac{R^2}{2Tη_T} + \frac1{2T}\sum_{t=1}^T η_t G_t^2

    Here ``R`` is the diameter of the domain and ``G_t`` the sampled gradient norm.
    Minimised over non-increasing schedules by the constant rate :math:`R/\sqrt{V_T}`
    (:func:`extremal.optim.constant_optimal`), where it equals :math:`R\sqrt{V_T}/T`.

    Parameters
    ----------
    lrs, norms : array_like, shape (T,)
        Non-increasing rates and gradient norms.
    radius : float
        ``R``.

    Returns
    -------
    float
        The right-hand side; ``inf`` if ``η_T = 0``.

    Raises
    ------
    InputError
        On an increasing schedule, mismatched lengths or negative values.

    Examples
    --------
    >>> old_average_bound([0.5, 0.5], [1.0, 1.0], radius=1.0)
    0.75

    References
    ----------
    Su (2026), (leq:old-avg), https://kexue.fm/archives/11530
    """
    eta, g, r = _inputs(lrs, norms, radius)
    _non_increasing(eta, "(leq:old-avg)")
    t = eta.size
    first = _ratio(np.array([r**2]), np.array([2 * t * eta[-1]]))[0]
    return float(first + np.sum(eta * g**2) / (2 * t))


def average_bound(lrs: ArrayLike, norms: ArrayLike, radius: float) -> float:
    r"""Average-loss bound on an unbounded domain (section 还是旧的).

    .. math:: \frac1T\sum_{t=1}^T \mathbb E[L(θ_t) - L(θ^*)] \le
       \frac{R^2}{2Tη_T} + \frac{1}{2Tη_T}\sum_{t=1}^T η_t^2 G_t^2

    with :math:`G_t^2 = \mathbb E\|g_t\|^2`. Over non-increasing schedules the minimum is
    at the constant rate :math:`R/\sqrt{V_T}`.

    Parameters
    ----------
    lrs, norms : array_like, shape (T,)
        Non-increasing rates and gradient norms.
    radius : float
        ``R = ||θ_1 - θ*||``.

    Returns
    -------
    float
        The right-hand side; ``inf`` if ``η_T = 0``.

    Raises
    ------
    InputError
        On an increasing schedule, mismatched lengths or negative values.

    Examples
    --------
    >>> average_bound([0.5, 0.5], [1.0, 1.0], radius=1.0)
    0.75

    References
    ----------
    Su (2026), section 还是旧的, https://kexue.fm/archives/11530
    """
    eta, g, r = _inputs(lrs, norms, radius)
    _non_increasing(eta, "the average-loss bound")
    t = eta.size
    num = np.array([r**2 + np.sum(eta**2 * g**2)])
    return float(_ratio(num, np.array([2 * t * eta[-1]]))[0])


def weighted_average_bound(lrs: ArrayLike, norms: ArrayLike, radius: float) -> float:
    r"""Weighted-average bound (leq:avg-weighted), valid for any schedule.

    .. math:: \frac{\sum_t η_t\,\mathbb E[L(θ_t) - L(θ^*)]}{\sum_t η_t} \le
       \frac{R^2 + \sum_{t=1}^T η_t^2 G_t^2}{2\sum_{t=1}^T η_t}

    Minimised by :math:`η_t = R G_t^{-2}/\sqrt{Q_T}`
    (:func:`extremal.optim.inverse_square_optimal`), where it equals :math:`R/\sqrt{Q_T}`.

    Parameters
    ----------
    lrs, norms : array_like, shape (T,)
        Rates and gradient norms.
    radius : float
        ``R = ||θ_1 - θ*||``.

    Returns
    -------
    float
        The right-hand side; ``inf`` if every rate is 0.

    Examples
    --------
    >>> weighted_average_bound([0.5, 0.5], [1.0, 1.0], radius=1.0)
    0.75

    References
    ----------
    Su (2026), (leq:avg-weighted), https://kexue.fm/archives/11530
    """
    eta, g, r = _inputs(lrs, norms, radius)
    num = np.array([r**2 + np.sum(eta**2 * g**2)])
    return float(_ratio(num, np.array([2 * np.sum(eta)]))[0])


def last_iterate_bound_1(lrs: ArrayLike, norms: ArrayLike, radius: float) -> float:
    r"""Last-iterate bound (leq:last-1) for non-increasing schedules.

    .. math:: \mathbb E[L(θ_T) - L(θ^*)] \le \frac{R^2}{2Tη_T} +
       \frac{1}{2η_T}\sum_{t=1}^{T}\frac{η_t^2 G_t^2}{\max(1,\,T-t)}

    Minimised by the constant rate :math:`R/\sqrt{T\tilde V_T}`
    (:func:`extremal.optim.last_iterate_constant`), where it equals
    :math:`R\sqrt{\tilde V_T/T}`.

    Parameters
    ----------
    lrs, norms : array_like, shape (T,)
        Non-increasing rates and gradient norms.
    radius : float
        ``R = ||θ_1 - θ*||``.

    Returns
    -------
    float
        The right-hand side; ``inf`` if ``η_T = 0``.

    Raises
    ------
    InputError
        On an increasing schedule, mismatched lengths or negative values.

    Examples
    --------
    >>> last_iterate_bound_1([0.5, 0.5], [1.0, 1.0], radius=1.0)
    1.0

    References
    ----------
    Su (2026), (leq:last-1), https://kexue.fm/archives/11530
    """
    eta, g, r = _inputs(lrs, norms, radius)
    _non_increasing(eta, "(leq:last-1)")
    t = eta.size
    weights = 1.0 / np.maximum(1.0, t - np.arange(1, t + 1, dtype=np.float64))
    num = np.array([r**2 / t + np.sum(weights * eta**2 * g**2)])
    return float(_ratio(num, np.array([2 * eta[-1]]))[0])


def _tails(eta: NDArray[np.float64]) -> NDArray[np.float64]:
    tail = np.cumsum(eta[::-1])[::-1]
    return np.append(tail[1:], tail[-1])


def last_iterate_bound_2(lrs: ArrayLike, norms: ArrayLike, radius: float) -> float:
    r"""Last-iterate bound (leq:last-2), valid for any schedule.

    .. math:: \mathbb E[L(θ_T) - L(θ^*)] \le \frac{R^2}{2η_{1:T}} +
       \frac12\sum_{t=1}^T\frac{η_t^2 G_t^2}{η_{\min(t+1,T):T}}

    Its minimiser is close to the refined schedule (eq:last-2-opt-lr). A schedule with
    ``η_T = 0`` and ``η_{T-1} > 0`` gives ``inf``; since ``θ_T`` does not depend on ``η_T``,
    :func:`last_iterate_bound_2_best_final` gives the tightest value over ``η_T``.

    Parameters
    ----------
    lrs, norms : array_like, shape (T,)
        Rates and gradient norms.
    radius : float
        ``R = ||θ_1 - θ*||``.

    Returns
    -------
    float
        The right-hand side; ``inf`` where a denominator vanishes under a positive term.

    Examples
    --------
    >>> last_iterate_bound_2([0.5, 0.5], [1.0, 1.0], radius=1.0)
    1.0

    References
    ----------
    Su (2026), (leq:last-2), https://kexue.fm/archives/11530
    """
    eta, g, r = _inputs(lrs, norms, radius)
    first = _ratio(np.array([r**2]), np.array([2 * np.sum(eta)]))[0]
    return float(first + 0.5 * np.sum(_ratio(eta**2 * g**2, _tails(eta))))


def last_iterate_bound_2_best_final(lrs: ArrayLike, norms: ArrayLike, radius: float) -> float:
    r"""(leq:last-2) for the rates ``η_1..η_{T-1}``, minimised over the final rate ``η_T``.

    The last iterate :math:`θ_T` depends on :math:`η_1..η_{T-1}` only, so (leq:last-2)
    holds for every :math:`η_T > 0` and the tightest bound is its infimum over
    :math:`η_T`:

    .. math:: \min_{x>0}\; \frac{R^2}{2(η_{1:T-1} + x)} +
       \frac12\sum_{t=1}^{T-1}\frac{η_t^2 G_t^2}{η_{t+1:T-1} + x} + \frac{x G_T^2}{2}

    The objective is convex in ``x``; its derivative is increasing and is solved with
    Brent's method.

    Parameters
    ----------
    lrs : array_like, shape (T - 1,)
        Rates of the steps that produce ``θ_T``.
    norms : array_like, shape (T,)
        Gradient norms ``G_1..G_T``; ``G_T > 0``.
    radius : float
        ``R = ||θ_1 - θ*||``.

    Returns
    -------
    float
        The bound at the best ``η_T``.

    Raises
    ------
    InputError
        If ``len(norms) != len(lrs) + 1`` or ``G_T = 0``.

    Examples
    --------
    >>> round(last_iterate_bound_2_best_final([0.5], [1.0, 1.0], radius=1.0), 6)
    0.940824

    References
    ----------
    Su (2026), (leq:last-2), https://kexue.fm/archives/11530
    """
    eta = _vector(lrs, "lrs")
    g = _vector(norms, "norms")
    if g.size != eta.size + 1:
        raise InputError(
            f"norms must have one more entry than lrs (G_1..G_T against η_1..η_(T-1)); "
            f"got {g.size} norms and {eta.size} rates."
        )
    if g[-1] == 0:
        raise InputError("norms[-1] = G_T is 0: the bound then has no minimum over η_T.")
    r = float(radius)
    if not (np.isfinite(r) and r > 0):
        raise InputError(f"radius must be a positive finite number; got {radius!r}.")
    head = float(np.sum(eta))
    tail = np.cumsum(eta[::-1])[::-1]
    after = np.append(tail[1:], 0.0)
    coef = eta**2 * g[:-1] ** 2
    keep = coef > 0

    def value(x: float) -> float:
        return float(
            r**2 / (2 * (head + x))
            + 0.5 * np.sum(coef[keep] / (after[keep] + x))
            + 0.5 * x * g[-1] ** 2
        )

    def slope(log_x: float) -> float:
        x = np.exp(log_x)
        return float(
            -(r**2) / (2 * (head + x) ** 2)
            - 0.5 * np.sum(coef[keep] / (after[keep] + x) ** 2)
            + 0.5 * g[-1] ** 2
        )

    lo, hi = -60.0, 60.0
    if slope(lo) >= 0:
        return value(0.0)
    if slope(hi) <= 0:
        return value(float(np.exp(hi)))
    return value(float(np.exp(brentq(slope, lo, hi, xtol=1e-12, rtol=1e-14))))
