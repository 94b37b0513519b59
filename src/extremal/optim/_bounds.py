r"""Right-hand sides of the convergence bounds of SGD in Su (2026).

Every bound starts from the identity (eq:begin)

.. math:: \|θ_{t+1} - φ\|^2 = \|θ_t - φ\|^2 - 2η_t (θ_t - φ)\cdot g_t + η_t^2 \|g_t\|^2

plus convexity. Each function below evaluates a right-hand side for any schedule
``lrs = (η_1..η_T)``, gradient norms ``norms = (G_1..G_T)`` and radius
``R = ||θ_1 - θ*||``, so schedules can be compared on the same inequality. Sums of rates
are written :math:`η_{a:b} = \sum_{k=a}^{b} η_k`.

Each name says which quantity is bounded and for which schedules:

- :func:`bounded_domain_average_bound`: average loss, bounded domain, non-increasing rates
  (leq:old-avg);
- :func:`average_bound`: average loss, unbounded domain, non-increasing rates;
- :func:`weighted_average_bound`: rate-weighted average loss, any rates (leq:avg-weighted);
- :func:`last_iterate_bound_non_increasing`: loss of the last iterate, non-increasing rates
  (leq:last-1);
- :func:`last_iterate_bound_any_schedule`: loss of the last iterate, any rates (leq:last-2);
- :func:`last_iterate_bound_best_final_rate`: (leq:last-2) minimised over the final rate
  ``η_T``, which the last iterate does not depend on.

Bounds derived for non-increasing schedules raise :class:`~extremal.errors.InputError`
when given an increasing one: the value would not bound anything. So do negative, ``nan``,
``inf``, boolean and empty inputs.

Scale. Every bound is homogeneous: with ``(lrs, norms, R) -> (a lrs, b norms, a b R)`` it
is multiplied by :math:`a b^2`. The terms are formed in log space, so any finite inputs give
the right value, whatever their magnitudes (``R = 1e300`` with ``G_t = 1e-300``, say); the
result is ``inf`` only where a denominator vanishes or the bound itself exceeds the float64
range, and it is never ``nan``.

References
----------
.. [1] J. Su, "Making alchemy more scientific (5): fine-tuning the learning rate from gradients", 2026, https://kexue.fm/archives/11530.
   https://kexue.fm/archives/11530
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq

from extremal.errors import InputError
from extremal.optim._logs import exp, log, log_ratio, log_sum, log_tails
from extremal.optim._validate import positive_real, signed_vector

__all__ = [
    "average_bound",
    "bounded_domain_average_bound",
    "last_iterate_bound_any_schedule",
    "last_iterate_bound_best_final_rate",
    "last_iterate_bound_non_increasing",
    "weighted_average_bound",
]


def _vector(values: ArrayLike, name: str) -> NDArray[np.float64]:
    return signed_vector(values, name, positive=False)


def _radius(radius: float) -> float:
    return positive_real(radius, "radius")


def _inputs(
    lrs: ArrayLike, norms: ArrayLike, radius: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], float]:
    eta = _vector(lrs, "lrs")
    g = _vector(norms, "norms")
    if eta.shape != g.shape:
        raise InputError(
            f"lrs and norms must have the same length T; got {eta.size} and {g.size}."
        )
    return eta, g, _radius(radius)


def _non_increasing(eta: NDArray[np.float64], label: str) -> None:
    rises = np.flatnonzero(eta[1:] > eta[:-1] * (1 + 1e-12))
    if rises.size:
        t = int(rises[0])
        raise InputError(
            f"{label} holds only for non-increasing schedules; lrs[{t + 1}] = {eta[t + 1]} > "
            f"lrs[{t}] = {eta[t]}. Use weighted_average_bound or last_iterate_bound_any_schedule, "
            "which allow any schedule."
        )


def bounded_domain_average_bound(lrs: ArrayLike, norms: ArrayLike, radius: float) -> float:
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
    >>> bounded_domain_average_bound([0.5, 0.5], [1.0, 1.0], radius=1.0)
    0.75

    References
    ----------
    Su (2026), (leq:old-avg), https://kexue.fm/archives/11530
    """
    eta, g, r = _inputs(lrs, norms, radius)
    _non_increasing(eta, "(leq:old-avg)")
    log_2t = np.log(2 * eta.size)
    first = 2 * np.log(r) - log_2t - log(eta[-1])
    second = log_sum(log(eta) + 2 * log(g)) - log_2t
    return float(exp(np.logaddexp(first, second)))


def average_bound(lrs: ArrayLike, norms: ArrayLike, radius: float) -> float:
    r"""Average-loss bound on an unbounded domain (section "Still the old one" of the learning-rate article).

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
    Su (2026), section "Still the old one" https://kexue.fm/archives/11530#还是旧的
    """
    eta, g, r = _inputs(lrs, norms, radius)
    _non_increasing(eta, "the average-loss bound")
    num = np.logaddexp(2 * np.log(r), log_sum(2 * log(eta) + 2 * log(g)))
    return float(exp(log_ratio(num, np.log(2 * eta.size) + log(eta[-1]))))


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
    num = np.logaddexp(2 * np.log(r), log_sum(2 * log(eta) + 2 * log(g)))
    return float(exp(log_ratio(num, np.log(2) + log_sum(log(eta)))))


def last_iterate_bound_non_increasing(lrs: ArrayLike, norms: ArrayLike, radius: float) -> float:
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
    >>> last_iterate_bound_non_increasing([0.5, 0.5], [1.0, 1.0], radius=1.0)
    1.0

    References
    ----------
    Su (2026), (leq:last-1), https://kexue.fm/archives/11530
    """
    eta, g, r = _inputs(lrs, norms, radius)
    _non_increasing(eta, "(leq:last-1)")
    t = eta.size
    log_weights = -np.log(np.maximum(1.0, t - np.arange(1, t + 1, dtype=np.float64)))
    num = np.logaddexp(2 * np.log(r) - np.log(t), log_sum(log_weights + 2 * log(eta) + 2 * log(g)))
    return float(exp(log_ratio(num, np.log(2) + log(eta[-1]))))


def last_iterate_bound_any_schedule(lrs: ArrayLike, norms: ArrayLike, radius: float) -> float:
    r"""Last-iterate bound (leq:last-2), valid for any schedule.

    .. math:: \mathbb E[L(θ_T) - L(θ^*)] \le \frac{R^2}{2η_{1:T}} +
       \frac12\sum_{t=1}^T\frac{η_t^2 G_t^2}{η_{\min(t+1,T):T}}

    Its minimiser is close to the refined schedule (eq:last-2-opt-lr). A schedule with
    ``η_T = 0`` and ``η_{T-1} > 0`` gives ``inf``; since ``θ_T`` does not depend on ``η_T``,
    :func:`last_iterate_bound_best_final_rate` gives the tightest value over ``η_T``.

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
    >>> last_iterate_bound_any_schedule([0.5, 0.5], [1.0, 1.0], radius=1.0)
    1.0

    References
    ----------
    Su (2026), (leq:last-2), https://kexue.fm/archives/11530
    """
    eta, g, r = _inputs(lrs, norms, radius)
    log_eta = log(eta)
    first = log_ratio(2 * np.log(r), np.log(2) + log_sum(log_eta))
    tails = log_tails(log_eta)
    # η_{min(t+1,T):T}: the tail after step t, and η_T itself for t = T.
    after = np.append(tails[1:], tails[-1])
    second = log_sum(log_ratio(2 * log_eta + 2 * log(g), after)) - np.log(2)
    return float(exp(np.logaddexp(first, second)))


def last_iterate_bound_best_final_rate(lrs: ArrayLike, norms: ArrayLike, radius: float) -> float:
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
    >>> round(last_iterate_bound_best_final_rate([0.5], [1.0, 1.0], radius=1.0), 6)
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
    log_r2 = 2 * np.log(_radius(radius))
    log_eta = log(eta)
    log_head = log_sum(log_eta)
    log_after = np.append(log_tails(log_eta)[1:], -np.inf)
    log_coef = 2 * log_eta + 2 * log(g[:-1])
    keep = log_coef > -np.inf
    log_coef, log_after = log_coef[keep], log_after[keep]
    log_g2 = 2 * float(np.log(g[-1]))
    log_2 = float(np.log(2))

    # Everything in log space, with u = log x: no term overflows at any input scale.
    def log_value(u: float) -> float:
        return log_sum(
            np.concatenate(
                ([log_r2 - np.logaddexp(log_head, u), u + log_g2], log_coef - np.logaddexp(log_after, u))
            )
        ) - log_2

    def excess(u: float) -> float:
        """log of (minus the falling part of the slope) minus log of its rising part G_T^2/2."""
        falling = log_sum(
            np.concatenate(([log_r2 - 2 * np.logaddexp(log_head, u)], log_coef - 2 * np.logaddexp(log_after, u)))
        )
        return falling - log_g2

    # The falling part is at most (R^2 + Σ coef)/(2x^2), so the slope is positive above x_hi.
    u_hi = 0.5 * log_sum(np.append(log_coef, log_r2)) - 0.5 * log_g2 + 1.0
    # Terms with a zero denominator give at least Z/(2x^2): the slope is negative below x_lo.
    log_z = log_sum(np.append(log_coef[log_after == -np.inf], log_r2 if log_head == -np.inf else -np.inf))
    if log_z > -np.inf:
        u_lo = 0.5 * (log_z - log_g2) - 1.0
    else:
        if excess(-np.inf) <= 0:
            return float(exp(log_value(-np.inf)))
        # Far below every positive denominator the slope equals its value at 0 to rounding.
        u_lo = min(u_hi, float(np.min(np.append(log_after[log_after > -np.inf], log_head)))) - 40.0
        if excess(u_lo) <= 0:
            return float(exp(log_value(u_lo)))
    root = brentq(excess, u_lo, u_hi, xtol=1e-12, rtol=4 * np.finfo(float).eps)
    return float(exp(log_value(root)))
