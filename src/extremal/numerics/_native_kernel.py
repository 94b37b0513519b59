r"""The whole integration of a batch of trajectories in compiled code, on every core.

Each trajectory runs start to finish in one compiled loop: the Runge–Kutta step
(:func:`rk_step`), the weighted error norm, the step-size controller, dense output, events
located on the interpolant, ``t_eval`` sampling and the final status. :func:`solve_lanes`
steps several trajectories together in *lanes* — one call of the right-hand side and one pass
of each stage combination serve all of them, vectorised over the lanes — and a lane whose
trajectory ends takes the next row. Each lane's arithmetic is that of its trajectory alone, in
the same order, so a row's result does not depend on its lane, its neighbours or the number of
threads, bit for bit. Ranges of rows run without the GIL on Python threads (no OpenMP runtime:
safe under ``fork`` and from several threads).

The right-hand side (for one state and for all lanes) and the event functions come in as
first-class compiled functions (:data:`STATE_FUNCTION`, :data:`LANES_FUNCTION`), so this
module is compiled once and cached on disk, and each system only compiles its own small
right-hand side. The arithmetic is that of the whole-array loop of
:mod:`extremal.numerics._whole_array` (Hairer, Nørsett & Wanner, *Solving ODEs I*,
Sec. II.4–II.6): the same starting step, error norm, controller and limits.

This module needs numba (extra ``fast``); :mod:`extremal.numerics._native` imports it lazily.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numba import types

from extremal.numerics._status import Status

__all__ = ["LANES_FUNCTION", "STATE_FUNCTION", "no_events", "rk_step", "solve_lanes"]

STATE_FUNCTION = types.void(types.float64, types.float64[::1], types.float64[::1])
"""Signature of a compiled right-hand side or event function ``f(t, y, out)``: writes ``out`` from ``t, y``."""
LANES_FUNCTION = types.void(types.float64[::1], types.float64[:, ::1], types.float64[:, ::1])
"""Signature of a right-hand side for k trajectories at once, ``f(t[k], y[d, k], out[d, k])``."""
_FUNCTION = types.FunctionType(STATE_FUNCTION)
_LANES_FUNCTION = types.FunctionType(LANES_FUNCTION)

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
def _nonzero_rows(weights):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """Per row of ``weights``: the columns of its nonzero entries in order, their values and their count."""
    rows, columns = weights.shape
    js = np.zeros((rows, columns), dtype=np.int64)
    cs = np.zeros((rows, columns))
    counts = np.zeros(rows, dtype=np.int64)
    for r in range(rows):
        for j in range(columns):
            if weights[r, j] != 0.0:
                js[r, counts[r]], cs[r, counts[r]] = j, weights[r, j]
                counts[r] += 1
    return js, cs, counts


@_inline
def _add4(out, K, js, cs, s, g):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """``out = (((out + c0 K_{j0}) + c1 K_{j1}) + c2 K_{j2}) + c3 K_{j3}`` for the terms ``g..g+3`` of row ``s``.

    One pass for four terms, rounded as four passes of ``out += c K_j``. In place, so that LLVM
    vectorises it (a separate source it could not prove apart from ``out``).
    """
    j0, j1, j2, j3 = js[s, g], js[s, g + 1], js[s, g + 2], js[s, g + 3]
    c0, c1, c2, c3 = cs[s, g], cs[s, g + 1], cs[s, g + 2], cs[s, g + 3]
    d, lanes = out.shape
    for i in range(d):
        base = i * lanes
        for lane in range(lanes):
            p = base + lane
            out[i, lane] = (((out[i, lane] + c0 * K[j0, p]) + c1 * K[j1, p]) + c2 * K[j2, p]) + c3 * K[j3, p]


@_inline
def _add1(out, K, js, cs, s, g):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """``out += c K_j`` for the term ``g`` of row ``s``."""
    j0, c0 = js[s, g], cs[s, g]
    d, lanes = out.shape
    for i in range(d):
        base = i * lanes
        for lane in range(lanes):
            out[i, lane] += c0 * K[j0, base + lane]


@_inline
def _add_terms(out, K, js, cs, counts, s):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    r"""``out += \sum_g c_{sg} K_{j_{sg}}`` (``out[i, l]`` against ``K[j, i*k + l]``), row ``s``'s terms added
    left to right (four per pass)."""
    g = 0
    while g + 4 <= counts[s]:
        _add4(out, K, js, cs, s, g)
        g += 4
    while g < counts[s]:
        _add1(out, K, js, cs, s, g)
        g += 1


@_inline
def _weighted_sum(src, K, js, cs, counts, s, out):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    r"""``out = src + \sum_g c_{sg} K_{j_{sg}}`` (shape (d, k)), added left to right."""
    d, lanes = out.shape
    for i in range(d):
        for lane in range(lanes):
            out[i, lane] = src[i, lane]
    _add_terms(out, K, js, cs, counts, s)


@_inline
def _scale_stage(HS, slope, K, s):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """``K[s, i*k + l] = HS[l] slope[i, l]``."""
    d, lanes = slope.shape
    for i in range(d):
        for lane in range(lanes):
            K[s, i * lanes + lane] = HS[lane] * slope[i, lane]


@_jit
def rk_step(rhs_lanes, T, Y, F, HS, c, n_stages, stages, K, YN, FN, W, SL, TL):  # type: ignore[no-untyped-def]  # pragma: no cover
    r"""One explicit Runge–Kutta step for k trajectories at once (lane ``l``: step ``HS[l]`` from ``T[l]``).

    From the states ``Y`` and slopes ``F`` (shape (d, k)) fills the scaled stages
    ``K[s, i*k + l] = h k_s`` for ``s <= n_stages`` (the last is the FSAL stage
    :math:`h f(t + h, y_{n+1})`), ``YN`` :math:`= y + h\sum_j a_{Sj}k_j` and ``FN``; ``stages``
    lists the nonzero :math:`a_{sj}` (:func:`_nonzero_rows`); ``W``, ``SL`` and ``TL`` are scratch.
    Each lane's arithmetic is that of a step taken alone, in the same order.
    """
    js, cs, counts = stages
    _scale_stage(HS, F, K, 0)
    for s in range(1, n_stages + 1):
        last = s == n_stages
        _weighted_sum(Y, K, js, cs, counts, s, YN if last else W)
        for lane in range(TL.size):
            TL[lane] = T[lane] + c[s] * HS[lane]
        rhs_lanes(TL, YN if last else W, FN if last else SL)
        _scale_stage(HS, FN if last else SL, K, s)


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
def _error_norms(K, Y, YN, estimates, rtol, atol, E, ESQ, ERR):  # type: ignore[no-untyped-def]  # pragma: no cover
    r"""Weighted RMS error of every lane's step into ``ERR`` (Hairer's DOP853 norm for two estimates).

    Estimate :math:`e = \sum_j E_j K_j`, scale :math:`s_i = rtol\max(|y_i|, |y_{new,i}|) + atol`;
    one estimate: :math:`\sqrt{\sum_i (e_i/s_i)^2 / d}`; two (:math:`e`, :math:`e'`):
    :math:`\sum (e_i/s_i)^2 / \sqrt{d(\sum (e_i/s_i)^2 + 0.01\sum (e'_i/s_i)^2)}`.
    Row ``q`` of ``estimates`` (:func:`_nonzero_rows`) lists estimate ``q``'s nonzero weights; ``E`` (shape
    (2, d, k)) and ``ESQ`` are scratch. Each lane's sums run in the order of one step alone.
    """
    d, lanes = Y.shape
    js, cs, counts = estimates
    n_estimates = counts.size
    for q in range(n_estimates):  # (loops, not slice assignments: those compile numba's shape errors)
        for i in range(d):
            for lane in range(lanes):
                E[q, i, lane] = 0.0
        _add_terms(E[q], K, js, cs, counts, q)
        for lane in range(lanes):
            ESQ[q, lane] = 0.0
    two = n_estimates == 2
    for i in range(d):
        for lane in range(lanes):
            scale = rtol * max(abs(Y[i, lane]), abs(YN[i, lane])) + atol
            v = E[0, i, lane] / scale
            ESQ[0, lane] += v * v
            if two:
                v = E[1, i, lane] / scale
                ESQ[1, lane] += v * v
    for lane in range(lanes):
        e_sq = ESQ[0, lane]
        if n_estimates == 1:
            ERR[lane] = math.sqrt(e_sq / d)
            continue
        low_sq = ESQ[1, lane] * 0.01 + e_sq
        ERR[lane] = 0.0 if low_sq == 0.0 else e_sq / math.sqrt(low_sq * d)


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
def _spacing(t, bits, real):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Distance from ``|t|`` to the next larger double, ``nextafter(|t|, inf) - |t|``, by adding one to its
    bit pattern (``bits`` and ``real``: one-element int64 and float64 views of one buffer; NaN at inf and NaN)."""
    at = abs(t)
    real[0] = at
    bits[0] += 1
    return real[0] - at


@_inline
def _control(err, h_abs, rejected_last, safety, exponent, min_factor, max_factor):  # type: ignore[no-untyped-def]  # pragma: no cover
    r"""Accept (``err <= 1``), whether ``err`` is finite, and the next step
    :math:`h\min(f_{max}, \max(f_{min}, s\,err^{exponent}))` (at most ``h`` after a rejection)."""
    if math.isnan(err):
        err = math.inf
    accept = err <= 1.0
    factor = safety * err**exponent if err > 0 else math.inf
    factor = min(max(factor, min_factor), max_factor)
    if accept and rejected_last:
        factor = min(factor, 1.0)
    return accept, math.isfinite(err), h_abs * factor


@_inline
def _any_crossed(G, GN, lane, n_events, directions, n_user):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Whether some event changes sign (in its direction) between ``G`` and ``GN`` in ``lane``."""
    for k in range(n_events):  # noqa: SIM110 - a loop numba compiles
        if _crossed(G[k, lane], GN[k, lane], directions[k] if k < n_user else 0.0):
            return True
    return False


@_jit
def _interpolate(  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    rhs, events, lane, row, t, hs, t_new, ptr, direction, t_eval, y_out, Y, YN, K, G, GN, n_events, directions, n_user,
    a, c, n_stages, dense, weights, work, slope, y_at, g_work,
):
    """An accepted step of ``lane`` that crosses an event or passes samples: the dense-output stages,
    the first event (its state written to ``YN``) and the samples before it; ``(t_new, ptr, stop_event)``."""
    y_lane, K_lane = Y[:, lane], K[:, lane :: Y.shape[1]]  # K[s, i*k + lane] for i < d
    _extra_stages(rhs, t, hs, y_lane, K_lane, a, c, n_stages, work, slope)
    stop_theta = math.inf
    stop_event = -1
    for k in range(n_events):
        if _crossed(G[k, lane], GN[k, lane], directions[k] if k < n_user else 0.0):
            theta = _locate(events, k, t, hs, y_lane, K_lane, dense, G[k, lane], GN[k, lane], weights, y_at, g_work)
            if theta < stop_theta:
                stop_theta, stop_event = theta, k
    stopping = stop_event >= 0
    t_limit = t + stop_theta * hs if stopping else t_new
    m = t_eval.shape[1]
    while ptr < m:
        inside = (t_eval[row, ptr] - t_limit) * direction
        if not (inside < 0 or (inside == 0 and stopping)):
            break
        _dense(y_lane, K_lane, dense, (t_eval[row, ptr] - t) / hs, weights, y_at)
        for i in range(y_at.size):
            y_out[row, ptr, i] = y_at[i]
        ptr += 1
    if stopping:
        t_new = t + stop_theta * hs
        _dense(y_lane, K_lane, dense, stop_theta, weights, YN[:, lane])
    return t_new, ptr, stop_event


@_inline
def _take_accepted(ACCEPTED, YN, FN, Y, F):  # type: ignore[no-untyped-def]  # pragma: no cover
    """``Y, F = YN, FN`` in the lanes whose step was accepted (one masked pass over all lanes)."""
    d, lanes = Y.shape
    for i in range(d):
        for lane in range(lanes):
            if ACCEPTED[lane]:
                Y[i, lane] = YN[i, lane]
                F[i, lane] = FN[i, lane]


@_inline
def _events_per_lane(events, TN, YN, GN, n_events, y, g):  # type: ignore[no-untyped-def]  # pragma: no cover
    """``GN[:, l] = g(TN[l], YN[:, l])`` for every lane, one call of the scalar event function per lane."""
    d, lanes = YN.shape
    for lane in range(lanes):
        for i in range(d):
            y[i] = YN[i, lane]
        events(TN[lane], y, g)
        for k in range(n_events):
            GN[k, lane] = g[k]


_LANES_SIGNATURE = types.void(
    _FUNCTION, _LANES_FUNCTION, _FUNCTION, types.int64, types.int64, types.int64,
    types.float64[:, ::1], types.float64[::1], types.float64[::1], types.float64[:, ::1],
    types.float64[:, ::1], types.float64[::1], types.float64[::1], types.float64[::1], types.float64[:, ::1],
    types.int64[::1], types.float64[::1], types.float64[::1],
    types.float64[:, :, ::1], types.float64[::1], types.float64[:, ::1], types.int8[::1], types.int16[::1],
    types.int64[::1], types.int64[::1], types.int64[::1],
)


@numba.njit(_LANES_SIGNATURE, cache=True, error_model="numpy", nogil=True)
def solve_lanes(  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    rhs, rhs_lanes, events, lo, hi, lanes, y0, t0, t1, t_eval, a, c, error, error_low, dense, ints, reals,
    directions, y_out, t_final, y_final, status, event, n_steps, n_rejected, n_rhs,
):
    """Integrate rows ``lo`` to ``hi - 1`` of ``y0``, ``lanes`` of them stepped together, writing their
    outputs in place (without the GIL).

    A lane whose trajectory ends takes the next row. ``rhs`` (one state) starts a trajectory and
    fills the dense-output stages, ``rhs_lanes`` (every lane) computes the steps; ``a``, ``c``,
    ``error``, ``error_low`` (empty for one estimator) and ``dense`` are the tableau; ``ints`` and
    ``reals`` the settings laid out by the constants of this module (the controller's tolerances,
    exponent and factor limits, or the constant step); ``directions`` the directions of the user's
    events. ``y_out`` must be NaN where no sample is reached. Calls on disjoint row ranges may run
    at once on several threads, and a row's result does not depend on its lane or neighbours.
    """
    n_stages, adaptive, max_steps = ints[N_STAGES], ints[ADAPTIVE] != 0, ints[MAX_STEPS]
    n_events, n_user = ints[N_EVENTS], ints[N_USER_EVENTS]
    rtol, atol, dt, exponent = reals[RTOL], reals[ATOL], reals[DT], reals[EXPONENT]
    safety, min_factor, max_factor = reals[SAFETY], reals[MIN_FACTOR], reals[MAX_FACTOR]
    d = y0.shape[1]
    m = t_eval.shape[1]
    n_all = a.shape[0]
    width = max(n_events, 1)
    Y, YN, W = np.zeros((d, lanes)), np.zeros((d, lanes)), np.zeros((d, lanes))
    F, FN, SL = np.zeros((d, lanes)), np.zeros((d, lanes)), np.zeros((d, lanes))
    K = np.zeros((n_all, d * lanes))  # stage s of lane l, component i at K[s, i * lanes + l]
    G, GN = np.zeros((width, lanes)), np.zeros((width, lanes))
    E, ESQ, ERR, TN = np.zeros((2, d, lanes)), np.zeros((2, lanes)), np.zeros(lanes), np.zeros(lanes)
    stages = _nonzero_rows(a)
    error_weights = np.zeros((2 if error_low.size else 1, error.size))
    for j in range(error.size):
        error_weights[0, j] = error[j]
        if error_low.size:
            error_weights[1, j] = error_low[j]
    estimates = _nonzero_rows(error_weights)
    T, T_END, DIRECTION, FLOOR = np.zeros(lanes), np.zeros(lanes), np.zeros(lanes), np.zeros(lanes)
    H, H_ABS, HS, TL = np.zeros(lanes), np.zeros(lanes), np.zeros(lanes), np.zeros(lanes)
    LAST, ACCEPTED = np.zeros(lanes, dtype=np.bool_), np.zeros(lanes, dtype=np.bool_)
    REJECTED_LAST = np.zeros(lanes, dtype=np.bool_)
    ROW = np.full(lanes, -1, dtype=np.int64)
    PTR, STEPS = np.zeros(lanes, dtype=np.int64), np.zeros(lanes, dtype=np.int64)
    REJECTED, CALLS = np.zeros(lanes, dtype=np.int64), np.zeros(lanes, dtype=np.int64)
    y, f, y1, f1 = np.empty(d), np.empty(d), np.empty(d), np.empty(d)
    work, slope, y_at = np.empty(d), np.empty(d), np.empty(d)
    weights = np.empty(n_all)
    g, g_work = np.empty(width), np.empty(width)
    bits = np.zeros(1, dtype=np.int64)
    real = bits.view(np.float64)
    following = lo
    while True:
        live = 0
        for lane in range(lanes):
            while ROW[lane] < 0 and following < hi:
                row = following
                following += 1
                t = t0[row]
                t_end = t1[row]
                direction = 1.0 if t_end > t else -1.0
                span = abs(t_end - t)
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
                    continue
                if adaptive:
                    H[lane] = _initial_step(rhs, t, y, f, direction, span, -exponent, rtol, atol, y1, f1)
                    calls += 1
                else:
                    H[lane] = dt
                if n_events:
                    events(t, y, g)
                    for k in range(n_events):
                        G[k, lane] = g[k]
                for i in range(d):
                    Y[i, lane] = y[i]
                    F[i, lane] = f[i]
                ROW[lane], T[lane], T_END[lane], DIRECTION[lane] = row, t, t_end, direction
                FLOOR[lane], PTR[lane], CALLS[lane] = _REL_FLOOR * span, ptr, calls
                STEPS[lane], REJECTED[lane], REJECTED_LAST[lane] = 0, 0, False
            if ROW[lane] >= 0:
                live += 1
        if live == 0:
            return
        for lane in range(lanes):
            if ROW[lane] >= 0:
                remaining = abs(T_END[lane] - T[lane])
                LAST[lane] = H[lane] >= remaining
                H_ABS[lane] = remaining if LAST[lane] else H[lane]
                HS[lane] = DIRECTION[lane] * H_ABS[lane]
            else:
                HS[lane] = 0.0
        rk_step(rhs_lanes, T, Y, F, HS, c, n_stages, stages, K, YN, FN, W, SL, TL)
        if adaptive:
            _error_norms(K, Y, YN, estimates, rtol, atol, E, ESQ, ERR)
        if n_events:
            for lane in range(lanes):
                TN[lane] = T_END[lane] if LAST[lane] else T[lane] + HS[lane]
            _events_per_lane(events, TN, YN, GN, n_events, y_at, g_work)
        for lane in range(lanes):
            row = ROW[lane]
            ACCEPTED[lane] = False
            if row < 0:
                continue
            t, t_end, direction, hs, h_abs = T[lane], T_END[lane], DIRECTION[lane], HS[lane], H_ABS[lane]
            ptr = PTR[lane]
            calls = CALLS[lane] + n_stages
            if adaptive:
                accept, finite, h_next = _control(
                    ERR[lane], h_abs, REJECTED_LAST[lane], safety, exponent, min_factor, max_factor
                )
            else:
                finite = _all_finite(FN[:, lane])
                accept = finite
                h_next = H[lane]
            t_new = t_end if LAST[lane] else t + hs
            stop_event = -1
            if accept and (
                _any_crossed(G, GN, lane, n_events, directions, n_user)
                or (ptr < m and (t_eval[row, ptr] - t_new) * direction < 0)
            ):
                t_new, ptr, stop_event = _interpolate(
                    rhs, events, lane, row, t, hs, t_new, ptr, direction, t_eval, y_out, Y, YN, K, G, GN,
                    n_events, directions, n_user, a, c, n_stages, dense, weights, work, slope, y_at, g_work,
                )
                calls += n_all - n_stages - 1
            if m and accept and stop_event < 0:
                while ptr < m and t_eval[row, ptr] == t_new:
                    for i in range(d):
                        y_out[row, ptr, i] = YN[i, lane]
                    ptr += 1

            ACCEPTED[lane] = accept
            if accept:
                t = t_new
                for k in range(n_events):
                    G[k, lane] = GN[k, lane]
                STEPS[lane] += 1
            else:
                REJECTED[lane] += 1
            REJECTED_LAST[lane] = not accept
            H[lane] = h_next
            T[lane], PTR[lane], CALLS[lane] = t, ptr, calls

            hit_event = stop_event >= 0
            finished = accept and LAST[lane] and not hit_event
            too_small = h_next < max(10 * _spacing(t, bits, real), FLOOR[lane])
            collapsed = not finished and not hit_event and too_small if adaptive else not finite
            out_of_steps = STEPS[lane] + REJECTED[lane] >= max_steps and not finished and not hit_event
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
                    y_final[row, i] = YN[i, lane] if accept else Y[i, lane]
                n_steps[row] = STEPS[lane]
                n_rejected[row] = REJECTED[lane]
                n_rhs[row] = calls
                ROW[lane] = -1
        _take_accepted(ACCEPTED, YN, FN, Y, F)
