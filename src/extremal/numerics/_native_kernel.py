r"""The whole integration of a trajectory in compiled code, and the batch over all cores.

Each trajectory runs start to finish in one compiled loop: the Runge–Kutta step
(:func:`rk_step`), the weighted error norm, the step-size controller, dense output, events
located on the interpolant, ``t_eval`` sampling and the final status. :func:`solve_rows` runs
a range of rows without holding the GIL, so ranges run at once on Python threads (no OpenMP
runtime: safe under ``fork`` and from several threads), and each trajectory only ever reads
its own row, so the result does not depend on the number of threads, bit for bit.

The right-hand side and the event functions come in as first-class compiled functions
``f(t, y, out)`` (:data:`STATE_FUNCTION`), so this module is compiled once and cached on disk,
and each system only compiles its own small right-hand side. The arithmetic is that of the
whole-array loop of :mod:`extremal.numerics._whole_array` (Hairer, Nørsett & Wanner,
*Solving ODEs I*, Sec. II.4–II.6): the same starting step, error norm, controller and limits,
written for one row.

This module needs numba (extra ``fast``); :mod:`extremal.numerics._native` imports it lazily.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numba import types

from extremal.numerics._status import Status

__all__ = ["STATE_FUNCTION", "no_events", "rk_step", "solve_rows"]

STATE_FUNCTION = types.void(types.float64, types.float64[::1], types.float64[::1])
"""Signature of a compiled right-hand side or event function ``f(t, y, out)``: writes ``out`` from ``t, y``."""
_FUNCTION = types.FunctionType(STATE_FUNCTION)

_ROOT_ITERATIONS = 80
_REL_FLOOR = 2.0**-40
_EPS = float(np.finfo(float).eps)
_SUCCESS, _EVENT, _MAX_STEPS = int(Status.SUCCESS), int(Status.EVENT), int(Status.MAX_STEPS)
_STEP_TOO_SMALL, _NONFINITE, _OUTSIDE = int(Status.STEP_TOO_SMALL), int(Status.NONFINITE), int(Status.OUTSIDE_CHART)

# Layout of the integer and real settings passed to solve_batch.
N_STAGES, ADAPTIVE, MAX_STEPS, N_EVENTS, N_USER_EVENTS = range(5)
RTOL, ATOL, DT, EXPONENT, SAFETY, MIN_FACTOR, MAX_FACTOR = range(7)

_jit = numba.njit(cache=True, error_model="numpy", nogil=True)
_inline = numba.njit(cache=True, error_model="numpy", nogil=True, inline="always")  # small loops, no call cost


@numba.njit(STATE_FUNCTION, cache=True)
def no_events(t: float, y: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover - compiled
    """The event function of a system without events (writes nothing)."""


@_inline
def _stage_state(y, K, a, s, out):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """``out = y + sum_{j<s} a[s, j] K[j]`` with ``K[j] = h k_j``, one stage at a time (vectorised over ``i``)."""
    for i in range(y.size):
        out[i] = y[i]
    for j in range(s):
        coefficient = a[s, j]
        if coefficient != 0.0:
            for i in range(y.size):
                out[i] += coefficient * K[j, i]


@_jit
def rk_step(rhs, t, y, f, h, a, c, n_stages, K, y_new, f_new, work, slope):  # type: ignore[no-untyped-def]  # pragma: no cover
    r"""One explicit Runge–Kutta step of size ``h`` from ``(t, y)`` with ``f = rhs(t, y)``.

    Fills the scaled stages ``K[s] = h k_s`` for ``s <= n_stages`` (the last is the FSAL stage
    :math:`h f(t + h, y_{n+1})`), ``y_new`` :math:`= y + h\sum_j a_{Sj}k_j` and ``f_new``;
    ``work`` and ``slope`` are scratch (the right-hand side writes into a whole array, not a row view).
    """
    d = y.size
    for i in range(d):
        K[0, i] = h * f[i]
    for s in range(1, n_stages):
        _stage_state(y, K, a, s, work)
        rhs(t + c[s] * h, work, slope)
        for i in range(d):
            K[s, i] = h * slope[i]
    _stage_state(y, K, a, n_stages, y_new)
    rhs(t + c[n_stages] * h, y_new, f_new)
    for i in range(d):
        K[n_stages, i] = h * f_new[i]


@_inline
def _combination(weights, K, out):  # type: ignore[no-untyped-def]  # pragma: no cover
    """``out = sum_j weights[j] K[j]``."""
    for i in range(out.size):
        out[i] = 0.0
    for j in range(weights.size):
        w = weights[j]
        if w != 0.0:
            for i in range(out.size):
                out[i] += w * K[j, i]


@_jit
def _error_norm(K, y, y_new, error, error_low, rtol, atol, e, low):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Weighted RMS error of the step (Hairer's DOP853 norm when ``error_low`` is not empty)."""
    d = y.size
    two = error_low.size > 0
    _combination(error, K, e)
    if two:
        _combination(error_low, K, low)
    e_sq = 0.0
    low_sq = 0.0
    for i in range(d):
        scale = rtol * max(abs(y[i]), abs(y_new[i])) + atol
        ei = e[i] / scale
        e_sq += ei * ei
        if two:
            li = low[i] / scale
            low_sq += li * li
    if not two:
        return math.sqrt(e_sq / d)
    low_sq = low_sq * 0.01 + e_sq
    if low_sq == 0.0:
        return 0.0
    return e_sq / math.sqrt(low_sq * d)


@_inline
def _rms_scaled(x, y0, rtol, atol):  # type: ignore[no-untyped-def]  # pragma: no cover
    total = 0.0
    for i in range(x.size):
        v = x[i] / (atol + abs(y0[i]) * rtol)
        total += v * v
    return math.sqrt(total / x.size)


@_jit
def _initial_step(rhs, t, y, f, direction, span, exponent, rtol, atol, y1, f1):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Hairer–Wanner's starting step (Solving ODEs I, Sec. II.4)."""
    d0 = _rms_scaled(y, y, rtol, atol)
    d1 = _rms_scaled(f, y, rtol, atol)
    h0 = 1e-6 if (d0 < 1e-5 or d1 < 1e-5) else 0.01 * d0 / d1
    h0 = min(h0, span)
    hd = h0 * direction
    for i in range(y.size):
        y1[i] = y[i] + hd * f[i]
    rhs(t + hd, y1, f1)
    for i in range(y.size):
        f1[i] -= f[i]
    d2 = _rms_scaled(f1, y, rtol, atol) / h0
    big = max(d1, d2)
    h1 = max(1e-6, h0 * 1e-3) if big <= 1e-15 else (0.01 / big) ** exponent
    return min(min(100 * h0, h1), span)


@_jit
def _extra_stages(rhs, t, h, y, K, a, c, n_stages, work, slope):  # type: ignore[no-untyped-def]  # pragma: no cover
    """The stages only the dense output needs (DOP853's three), after the FSAL stage."""
    for s in range(n_stages + 1, a.shape[0]):
        _stage_state(y, K, a, s, work)
        rhs(t + c[s] * h, work, slope)
        for i in range(y.size):
            K[s, i] = h * slope[i]


@_jit
def _dense(y, K, dense, theta, weights, out):  # type: ignore[no-untyped-def]  # pragma: no cover
    r"""The interpolant :math:`y + \sum_s (\sum_p d_{sp}\theta^{p+1}) K_s` at ``theta`` in [0, 1]."""
    for s in range(dense.shape[0]):
        power = theta
        w = 0.0
        for p in range(dense.shape[1]):
            w += dense[s, p] * power
            power *= theta
        weights[s] = w
    _combination(weights, K, out)
    for i in range(y.size):
        out[i] += y[i]


@_inline
def _crossed(g0, g1, direction):  # type: ignore[no-untyped-def]  # pragma: no cover
    up = g0 < 0 and g1 >= 0
    down = g0 > 0 and g1 <= 0
    if direction > 0:
        return up
    if direction < 0:
        return down
    return up or down


@_jit
def _locate(events, k, t, h, y, K, dense, g0, g1, weights, y_at, g_at):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Root ``theta`` in [0, 1] of event ``k`` along the interpolant (Illinois regula falsi)."""
    a, b, ga, gb = 0.0, 1.0, g0, g1
    side = 0
    for _ in range(_ROOT_ITERATIONS):
        denom = gb - ga
        c = b - gb * (b - a) / denom if denom != 0 else 0.5 * (a + b)
        if not (a < c < b):
            c = 0.5 * (a + b)
        _dense(y, K, dense, c, weights, y_at)
        events(t + c * h, y_at, g_at)
        gc = g_at[k]
        if np.sign(gc) == np.sign(ga):
            a, ga = c, gc
            if side == 1:
                gb /= 2
            side = 1
        else:
            b, gb = c, gc
            if side == -1:
                ga /= 2
            side = -1
        if b - a <= 4 * _EPS or gc == 0:
            break
    return a if abs(ga) < abs(gb) else b


@_inline
def _all_finite(x):  # type: ignore[no-untyped-def]  # pragma: no cover
    for v in x:  # noqa: SIM110 - a loop numba compiles
        if not math.isfinite(v):
            return False
    return True


@_inline
def _spacing(t):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Distance from ``|t|`` to the next larger double."""
    at = abs(t)
    return np.nextafter(at, np.inf) - at


@_jit
def _solve_one(  # type: ignore[no-untyped-def]  # pragma: no cover
    row, rhs, events, y0, t0, t1, t_eval, a, c, error, error_low, dense, ints, reals, directions,
    y_out, t_final, y_final, status, event, n_steps, n_rejected, n_rhs,
    y, f, K, y_new, f_new, work, slope, weights, g_prev, g_new, g_work, y_at,
):
    """Integrate trajectory ``row`` from ``t0[row]`` to ``t1[row]``, writing its outputs in place."""
    n_stages, adaptive, max_steps = ints[N_STAGES], ints[ADAPTIVE] != 0, ints[MAX_STEPS]
    n_events, n_user = ints[N_EVENTS], ints[N_USER_EVENTS]
    rtol, atol, dt, exponent = reals[RTOL], reals[ATOL], reals[DT], reals[EXPONENT]
    safety, min_factor, max_factor = reals[SAFETY], reals[MIN_FACTOR], reals[MAX_FACTOR]
    d = y.size
    m = t_eval.shape[1]
    t = t0[row]
    t_end = t1[row]
    direction = 1.0 if t_end > t else -1.0
    span = abs(t_end - t)
    floor = _REL_FLOOR * span
    for i in range(d):
        y[i] = y0[row, i]
    rhs(t, y, f)
    calls = 1
    t_final[row] = t
    ptr = 0
    while ptr < m and (t_eval[row, ptr] - t) * direction <= 0:
        for i in range(d):
            y_out[row, ptr, i] = y[i]
        ptr += 1
    if not (_all_finite(y) and _all_finite(f)):
        status[row] = _NONFINITE
        n_rhs[row] = calls
        return
    if adaptive:
        h = _initial_step(rhs, t, y, f, direction, span, -exponent, rtol, atol, y_new, f_new)
        calls += 1
    else:
        h = dt
    if n_events:
        events(t, y, g_prev)
    rejected_last = False
    steps = 0
    rejected = 0
    while True:
        remaining = abs(t_end - t)
        last = h >= remaining
        h_abs = remaining if last else h
        hs = direction * h_abs
        rk_step(rhs, t, y, f, hs, a, c, n_stages, K, y_new, f_new, work, slope)
        calls += n_stages
        if adaptive:
            err = _error_norm(K, y, y_new, error, error_low, rtol, atol, work, y_at)
            if math.isnan(err):
                err = math.inf
            finite = math.isfinite(err)
            accept = err <= 1.0
            factor = safety * err**exponent if err > 0 else math.inf
            factor = min(max(factor, min_factor), max_factor)
            if accept and rejected_last:
                factor = min(factor, 1.0)
            h_next = h_abs * factor
        else:
            finite = _all_finite(f_new)
            accept = finite
            h_next = h
        t_new = t_end if last else t + hs

        stop_theta = math.inf
        stop_event = -1
        need_dense = False
        if n_events:
            events(t_new, y_new, g_new)
            if accept:
                for k in range(n_events):
                    if _crossed(g_prev[k], g_new[k], directions[k] if k < n_user else 0.0):
                        need_dense = True
        if m and accept and ptr < m and (t_eval[row, ptr] - t_new) * direction < 0:
            need_dense = True
        if need_dense:
            _extra_stages(rhs, t, hs, y, K, a, c, n_stages, work, slope)
            calls += a.shape[0] - n_stages - 1
            if n_events and accept:
                for k in range(n_events):
                    if _crossed(g_prev[k], g_new[k], directions[k] if k < n_user else 0.0):
                        theta = _locate(events, k, t, hs, y, K, dense, g_prev[k], g_new[k], weights, y_at, g_work)
                        if theta < stop_theta:
                            stop_theta, stop_event = theta, k
            stopping = stop_event >= 0
            t_limit = t + stop_theta * hs if stopping else t_new
            while ptr < m:
                inside = (t_eval[row, ptr] - t_limit) * direction
                if not (inside < 0 or (inside == 0 and stopping)):
                    break
                _dense(y, K, dense, (t_eval[row, ptr] - t) / hs, weights, y_at)
                for i in range(d):
                    y_out[row, ptr, i] = y_at[i]
                ptr += 1
            if stopping:
                t_new = t + stop_theta * hs
                _dense(y, K, dense, stop_theta, weights, y_new)
        if m and accept and stop_event < 0:
            while ptr < m and t_eval[row, ptr] == t_new:
                for i in range(d):
                    y_out[row, ptr, i] = y_new[i]
                ptr += 1

        if accept:
            for i in range(d):
                y[i] = y_new[i]
                f[i] = f_new[i]
            t = t_new
            for k in range(n_events):
                g_prev[k] = g_new[k]
            steps += 1
        else:
            rejected += 1
        rejected_last = not accept
        h = h_next

        hit_event = stop_event >= 0
        finished = accept and last and not hit_event
        collapsed = not finished and not hit_event and h < max(10 * _spacing(t), floor) if adaptive else not finite
        out_of_steps = steps + rejected >= max_steps and not finished and not hit_event
        if finished or hit_event or collapsed or out_of_steps:
            code = _MAX_STEPS
            if collapsed:
                code = _STEP_TOO_SMALL if finite else _NONFINITE
            if hit_event:
                code = _EVENT
            if finished:
                code = _SUCCESS
            if hit_event and stop_event >= n_user:
                code = _OUTSIDE
                stop_event = -1
            status[row] = code
            event[row] = stop_event
            t_final[row] = t
            for i in range(d):
                y_final[row, i] = y[i]
            n_steps[row] = steps
            n_rejected[row] = rejected
            n_rhs[row] = calls
            return


_ROWS_SIGNATURE = types.void(
    _FUNCTION, _FUNCTION, types.int64, types.int64,
    types.float64[:, ::1], types.float64[::1], types.float64[::1], types.float64[:, ::1],
    types.float64[:, ::1], types.float64[::1], types.float64[::1], types.float64[::1], types.float64[:, ::1],
    types.int64[::1], types.float64[::1], types.float64[::1],
    types.float64[:, :, ::1], types.float64[::1], types.float64[:, ::1], types.int8[::1], types.int16[::1],
    types.int64[::1], types.int64[::1], types.int64[::1],
)


@numba.njit(_ROWS_SIGNATURE, cache=True, error_model="numpy", nogil=True)
def solve_rows(  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    rhs, events, lo, hi, y0, t0, t1, t_eval, a, c, error, error_low, dense, ints, reals, directions,
    y_out, t_final, y_final, status, event, n_steps, n_rejected, n_rhs,
):
    """Integrate rows ``lo`` to ``hi - 1`` of ``y0``, writing their outputs in place (without the GIL).

    ``a``, ``c``, ``error``, ``error_low`` (empty for one estimator) and ``dense`` are the
    tableau; ``ints`` and ``reals`` the settings laid out by the constants of this module (the
    controller's tolerances, exponent and factor limits, or the constant step);
    ``directions`` the directions of the user's events. ``y_out`` must be NaN where no sample
    is reached. Calls on disjoint row ranges may run at once on several threads.
    """
    d = y0.shape[1]
    n_all = a.shape[0]
    n_events = max(ints[N_EVENTS], 1)
    y, f, y_new, f_new, work, y_at = np.empty(d), np.empty(d), np.empty(d), np.empty(d), np.empty(d), np.empty(d)
    slope = np.empty(d)
    K = np.empty((n_all, d))
    weights = np.empty(n_all)
    g_prev, g_new, g_work = np.empty(n_events), np.empty(n_events), np.empty(n_events)
    for row in range(lo, hi):
        _solve_one(
            row, rhs, events, y0, t0, t1, t_eval, a, c, error, error_low, dense, ints, reals, directions,
            y_out, t_final, y_final, status, event, n_steps, n_rejected, n_rhs,
            y, f, K, y_new, f_new, work, slope, weights, g_prev, g_new, g_work, y_at,
        )
