r"""The whole-array loop: the unfinished trajectories of a batch step together, with NumPy operations.

Every trajectory has its own time, step size, error estimate and status; one pass of the loop
attempts one step (:func:`rk_step`) for every row of the working set (:class:`_Rows`) with
whole-batch NumPy operations, the method's controller accepts or rejects each, dense output
(:mod:`._dense_output`) fills ``t_eval`` and locates events (:mod:`._events`), and finished
rows leave the working set while queued ones join it. The state is component-major, shape
(d, k). For a second-order system :math:`\dot x = v,\ \dot v = a(t, x, v)` compiled for NumPy
only :math:`a` is evaluated; the position stages :math:`h k^x_s = h V_s` are one product.

This loop runs any Python right-hand side and event functions; compiled systems run in
:mod:`._native` instead, with the same arithmetic.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from extremal.errors import InputError
from extremal.numerics._compile import CompiledFunction, second_order_part
from extremal.numerics._controller import ErrorController
from extremal.numerics._dense_output import combine, extra_stages, interpolate, stage_coefficients
from extremal.numerics._events import Event, crossed, event_values, locate, real_values
from extremal.numerics._methods import Method
from extremal.numerics._status import Status
from extremal.numerics._tableaux import ButcherTableau

__all__ = ["RHS", "WholeArrayLoop", "rk_step"]

Array = NDArray[np.float64]
RHS = Callable[[Array, Array], Array]

# An adaptive step below this fraction of the span means a singularity ahead (STEP_TOO_SMALL).
REL_FLOOR = 2.0**-40
_WORKING_SET = 12288
_REFILL = 0.75


class _Evaluator:
    """The right-hand side as the loop calls it: counted per row, and for a second-order system
    compiled for NumPy only its acceleration half is evaluated."""

    __slots__ = ("acceleration", "autonomous", "half", "rhs", "rows")

    def __init__(self, rhs: RHS, d: int) -> None:
        self.rhs, self.rows, self.half = rhs, 0, d // 2
        self.autonomous, self.acceleration = False, None
        if isinstance(rhs, CompiledFunction):
            self.autonomous = not any(e.has(rhs.time) for e in rhs.expressions)
            self.acceleration = second_order_part(rhs) if rhs.backend.splits_second_order else None

    def value(self, t: Array, y: Array) -> Any:
        """``rhs(t, y)`` as the user's function returns it (checked by the caller)."""
        self.rows += y.shape[1]
        return self.rhs(t, y)

    def __call__(self, t: Array, y: Array, out: Array, scale: Array | None = None) -> Array:
        """``scale * rhs(t, y)`` into ``out`` (shape (d, k))."""
        self.rows += y.shape[1]
        if self.acceleration is not None:
            half = self.half
            self.acceleration(t, y, out[half:], scale)
            if scale is None:
                out[:half] = y[half:]
            else:
                np.multiply(y[half:], scale, out=out[:half])
            return out
        if isinstance(self.rhs, CompiledFunction):
            return self.rhs(t, y, out, scale)
        value = self.rhs(t, y)
        if scale is None:
            out[...] = value
        else:
            np.multiply(value, scale, out=out)
        return out


def rk_step(
    evaluate: _Evaluator, tab: ButcherTableau, coef: Array, t: Array, hs: Array, Z: Array,
    y_new: Array, f_new: Array, ys: Array,
) -> None:
    r"""One explicit Runge–Kutta step of size ``hs`` for every column, as ``scipy.integrate``'s ``rk_step``.

    ``Z[0]`` holds :math:`y_n` and ``Z[1]`` :math:`h f(t_n, y_n)` on entry; on return
    ``Z[s + 1] = h k_s`` for every main stage and the FSAL stage, ``y_new`` :math:`= y_{n+1}`
    and ``f_new`` :math:`= f(t_n + h, y_{n+1})` (``ys`` is scratch).
    """
    S = tab.n_stages
    for s in range(1, S):
        combine(coef[s, : s + 1], Z, ys)
        evaluate(t if evaluate.autonomous else t + tab.c[s] * hs, ys, Z[s + 1], hs)
    combine(coef[S, : S + 1], Z, y_new)
    evaluate(t if evaluate.autonomous else t + tab.c[S] * hs, y_new, f_new)
    np.multiply(f_new, hs, out=Z[S + 1])


def error_norm(tab: ButcherTableau, Z: Array, scale: Array, work: Array) -> Array:
    """Weighted RMS error of the step from the scaled stages (Hairer's DOP853 norm when it has two estimators)."""
    d = scale.shape[0]
    stages = Z[1 : tab.n_stages + 2]
    if tab.error_low is None:
        e = combine(tab.error, stages, work[0])
        e /= scale
        e_sq = np.einsum("ij,ij->j", e, e)
        e_sq /= d
        return np.sqrt(e_sq, out=e_sq)
    rows, _, k = stages.shape
    with np.errstate(invalid="ignore", over="ignore"):
        np.matmul(np.stack([tab.error, tab.error_low]), stages.reshape(rows, d * k), out=work.reshape(2, d * k))
    work /= scale
    e, low = work
    e_sq = np.einsum("ij,ij->j", e, e)
    low_sq = np.einsum("ij,ij->j", low, low)
    low_sq *= 0.01
    low_sq += e_sq
    with np.errstate(invalid="ignore", divide="ignore"):
        err = e_sq / np.sqrt(low_sq * d)
    err[low_sq == 0] = 0.0
    return err


def _rms(x: Array) -> Array:
    return np.sqrt(np.einsum("ij,ij->j", x, x) / x.shape[0])


def initial_step(
    evaluate: _Evaluator, controller: ErrorController, t: Array, y: Array, f: Array, direction: Array,
    span: Array,
) -> Array:
    """Hairer–Wanner's starting step (Solving ODEs I, Sec. II.4), one value per trajectory."""
    scale = controller.atol + np.abs(y) * controller.rtol
    d0, d1 = _rms(y / scale), _rms(f / scale)
    with np.errstate(divide="ignore", invalid="ignore"):
        h0 = np.where((d0 < 1e-5) | (d1 < 1e-5), 1e-6, 0.01 * d0 / d1)
    h0 = np.minimum(h0, span)
    f1 = evaluate(t + h0 * direction, y + (h0 * direction) * f, np.empty_like(y))
    d2 = _rms((f1 - f) / scale) / h0
    big = np.maximum(d1, d2)
    with np.errstate(divide="ignore"):
        h1 = (0.01 / big) ** (1.0 / (controller.error_order + 1))
    h1 = np.where(big <= 1e-15, np.maximum(1e-6, h0 * 1e-3), h1)
    return np.minimum(np.minimum(100 * h0, h1), span)


class _Workspace:
    """Preallocated buffers for up to ``capacity`` rows: scaled stages and per-step scratch."""

    __slots__ = ("_errors", "_scratch", "_stages", "d", "rows")

    def __init__(self, n_stages: int, d: int, capacity: int) -> None:
        self.d, self.rows = d, n_stages + 1
        self._stages = np.empty(self.rows * d * capacity)
        self._scratch = np.empty((5, d * capacity))
        self._errors = np.empty(2 * d * capacity)

    def stages(self, k: int) -> Array:
        return self._stages[: self.rows * self.d * k].reshape(self.rows, self.d, k)

    def scratch(self, i: int, k: int) -> Array:
        return self._scratch[i, : self.d * k].reshape(self.d, k)

    def errors(self, k: int) -> Array:
        """Room for the two error estimates of a step, shape (2, d, k)."""
        return self._errors[: 2 * self.d * k].reshape(2, self.d, k)


@dataclass(slots=True)
class _Rows:
    """The working set: one column per trajectory being integrated (``y``, ``f``: shape (d, k))."""

    index: NDArray[np.int64]
    t: Array
    t_end: Array
    direction: Array
    h: Array
    ptr: NDArray[np.int64]
    t_next: Array
    y: Array
    f: Array
    g: Array
    rejected: NDArray[np.bool_]

    @property
    def size(self) -> int:
        return int(self.index.size)

    def without(self, done: NDArray[np.bool_]) -> _Rows:
        """The rows that are not ``done``: the live columns at the end move into the gaps, so only as
        many columns are copied as there are gaps (the order of rows changes)."""
        gone = np.flatnonzero(done)
        kept = done.size - gone.size
        gaps = gone[gone < kept]
        movers = np.flatnonzero(~done[kept:]) + kept
        arrays = [getattr(self, f.name) for f in dataclasses.fields(self)]
        for a in arrays:
            a[..., gaps] = a[..., movers]
        return _Rows(*(a[..., :kept] for a in arrays))

    def joined(self, other: _Rows) -> _Rows:
        return _Rows(*(
            np.concatenate([getattr(self, f.name), getattr(other, f.name)], axis=-1) for f in dataclasses.fields(self)
        ))


class WholeArrayLoop:
    """Integrate the rows ``Y0`` from ``t0`` to ``t1`` (sampling ``te``) with whole-array steps.

    ``events[:n_user]`` are the user's events, the rest chart boundaries. Call :meth:`run`; the
    outputs are the attributes named like :class:`ODESolution`'s fields.
    """

    def __init__(
        self, rhs: RHS, method: Method, Y0: Array, t0: Array, t1: Array, te: Array,
        events: Sequence[Event], n_user: int,
    ) -> None:
        n, d = Y0.shape
        self.method, self.Y0, self.t0, self.t1, self.events, self.n_user = method, Y0, t0, t1, tuple(events), n_user
        self.tab = method.tableau
        self.coef = stage_coefficients(self.tab)
        self.controller = method.controller
        self.evaluate = _Evaluator(rhs, d)
        self.te = te
        self.te_pad = np.concatenate([te, np.full((n, 1), np.nan)], axis=1)
        self.floor = REL_FLOOR * np.abs(t1 - t0)
        self.direction = np.sign(t1 - t0)
        self.y = np.full((n, te.shape[1], d), np.nan)
        self.t_final, self.y_final = t0.copy(), Y0.copy()
        self.status = np.full(n, Status.SUCCESS, dtype=np.int8)
        self.event = np.full(n, -1, dtype=np.int16)
        self.n_steps = np.zeros(n, dtype=np.int64)
        self.n_rejected = np.zeros(n, dtype=np.int64)
        self.capacity = max(1, min(n, _WORKING_SET))
        self.work = _Workspace(self.tab.n_dense_stages, d, self.capacity)

    @property
    def n_rhs(self) -> int:
        """Right-hand-side evaluations so far, counted per row."""
        return self.evaluate.rows

    # ------------------------------------------------------------------ start

    def _first_slopes(self, rows: NDArray[np.int64]) -> tuple[Array, Array, NDArray[np.bool_]]:
        """``f(t0, y0)`` of ``rows`` (checked: it must be real with the state's shape), and which are not finite."""
        d = self.Y0.shape[1]
        y_start = np.ascontiguousarray(self.Y0[rows].T)
        try:
            value = self.evaluate.value(self.t0[rows], y_start)
        except (IndexError, ValueError, TypeError) as exc:
            raise InputError(
                f"rhs(t, y) failed on the initial states, y of shape {y_start.shape} (d = {d} components, "
                f"component-major): {type(exc).__name__}: {exc}. Check that y0 has one value per state "
                "component, of shape (d,) or (N, d)."
            ) from None
        try:
            f_start = real_values(value)
        except (TypeError, ValueError) as exc:
            raise InputError(
                f"rhs(t, y) must return real numbers, an array of shape {y_start.shape}; got "
                f"{type(value).__name__} ({exc}). A compiled or hand-written right-hand side must be real-valued."
            ) from None
        if f_start.shape != y_start.shape:
            raise InputError(
                f"rhs(t, y) returned shape {f_start.shape} for y of shape {y_start.shape}; it must return the "
                "derivative with the same (d, k) shape (component-major, like vectorized=True in SciPy)."
            )
        bad = ~(np.all(np.isfinite(f_start), axis=0) & np.all(np.isfinite(y_start), axis=0))
        return y_start, np.where(bad, 0.0, f_start), bad

    def _start(self) -> tuple[Array, Array, NDArray[np.int64], NDArray[np.int64]]:
        """First slopes and steps of every row, the samples already reached, and the order of admission."""
        n, d = self.Y0.shape
        at_start = (self.te - self.t0[:, None]) * self.direction[:, None] <= 0
        self.y[at_start] = np.broadcast_to(self.Y0[:, None, :], self.y.shape)[at_start]
        ptr = at_start.sum(axis=1)
        h = np.empty(n)
        f = np.empty((d, n))
        for lo in range(0, n, self.capacity):
            rows = np.arange(lo, min(n, lo + self.capacity))
            with np.errstate(all="ignore"):
                y_start, f_start, bad = self._first_slopes(rows)
                f[:, rows] = f_start
                self.status[rows[bad]] = Status.NONFINITE
                span = np.abs(self.t1[rows] - self.t0[rows])
                if isinstance(self.controller, ErrorController):
                    h[rows] = initial_step(self.evaluate, self.controller, self.t0[rows], y_start, f_start,
                                           self.direction[rows], span)
                else:
                    h[rows] = self.controller.dt
            h[rows[bad | (span == 0)]] = np.inf
        order = np.argsort(h / np.maximum(np.abs(self.t1 - self.t0), np.finfo(float).tiny), kind="stable")
        return h, f, ptr, order[np.isfinite(h[order])]

    def _admit(self, rows: NDArray[np.int64], h: Array, f: Array, ptr: NDArray[np.int64]) -> _Rows:
        """Working columns for new rows, admitted longest expected integration first."""
        y_start = np.ascontiguousarray(self.Y0[rows].T)
        return _Rows(
            rows, self.t0[rows], self.t1[rows], self.direction[rows], h[rows], ptr[rows],
            self.te_pad[rows, ptr[rows]], y_start, f[:, rows], event_values(self.events, self.t0[rows], y_start),
            np.zeros(rows.size, dtype=bool),
        )

    # ------------------------------------------------------------------ loop

    def run(self) -> WholeArrayLoop:
        """Integrate every row; the outputs are then in the attributes."""
        d = self.Y0.shape[1]
        h0, f0, ptr0, order = self._start()
        queued = 0
        rows = _Rows(
            np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0),
            np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros((d, 0)), np.zeros((d, 0)),
            np.zeros((len(self.events), 0)), np.zeros(0, dtype=bool),
        )
        while True:
            if rows.size <= _REFILL * self.capacity and queued < order.size:
                fresh = order[queued : queued + self.capacity - rows.size]
                queued += fresh.size
                rows = rows.joined(self._admit(fresh, h0, f0, ptr0))
                continue
            if rows.size == 0:
                return self
            done = self._step(rows)
            if np.any(done):
                rows = rows.without(done)

    def _step(self, w: _Rows) -> NDArray[np.bool_]:
        """One step attempt for every working row (updated in place); which rows are now done."""
        tab, k, adaptive = self.tab, w.size, self.controller.adaptive
        Z = self.work.stages(k)
        ys, y_new, f_new, scale, scratch = (self.work.scratch(i, k) for i in range(5))
        remaining = np.abs(w.t_end - w.t)
        last = w.h >= remaining
        h_abs = np.where(last, remaining, w.h)
        hs = w.direction * h_abs
        Z[0] = w.y
        np.multiply(w.f, hs, out=Z[1])
        rk_step(self.evaluate, tab, self.coef, w.t, hs, Z, y_new, f_new, ys)
        if isinstance(self.controller, ErrorController):
            err = error_norm(tab, Z, self.controller.scale(w.y, y_new, scale, scratch), self.work.errors(k))
            err[np.isnan(err)] = np.inf
            finite = np.isfinite(err)
            accept, h_next = self.controller.propose(err, h_abs, w.rejected)
        else:
            finite = np.all(np.isfinite(f_new), axis=0)
            accept, h_next = self.controller.propose(finite, w.h, w.rejected)
        t_new = np.where(last, w.t_end, w.t + hs)
        stop_event, g_new = self._dense_and_events(w, Z, hs, accept, t_new, y_new)

        np.copyto(w.y, y_new, where=accept)
        np.copyto(w.f, f_new, where=accept)
        w.t[...] = np.where(accept, t_new, w.t)
        if self.events:
            w.g[...] = np.where(accept, g_new, w.g)
        self.n_steps[w.index] += accept
        self.n_rejected[w.index] += ~accept
        w.rejected[...] = ~accept
        w.h[...] = h_next

        hit_event = stop_event >= 0
        finished = accept & last & ~hit_event
        min_step = np.maximum(10 * np.abs(np.spacing(w.t)), self.floor[w.index])
        collapsed = ~finished & ~hit_event & (w.h < min_step) if adaptive else ~finite
        out_of_steps = (self.n_steps[w.index] + self.n_rejected[w.index] >= self.method.max_steps)
        done = finished | hit_event | collapsed | (out_of_steps & ~finished & ~hit_event)
        if np.any(done):
            self._finish(w, np.flatnonzero(done), finished, hit_event, collapsed, finite, stop_event)
        return done

    def _dense_and_events(
        self, w: _Rows, Z: Array, hs: Array, accept: NDArray[np.bool_], t_new: Array, y_new: Array,
    ) -> tuple[NDArray[np.int16], Array]:
        """Locate events and fill ``t_eval`` samples inside the step; shorten stopped steps (in place).

        Returns the index of the event that stops each row (-1: none) and the events' values at the step's end.
        """
        k, m, tab = w.size, self.te.shape[1], self.tab
        stop_theta = np.full(k, np.inf)
        stop_event = np.full(k, -1, dtype=np.int16)
        g_new = w.g
        if self.events:
            g_new = event_values(self.events, t_new, y_new)
            hits = np.stack([
                crossed(w.g[i], g_new[i], ev.direction if i < self.n_user else 0) for i, ev in enumerate(self.events)
            ]) & accept
            dense_rows = hits.any(axis=0)
        else:
            dense_rows = np.zeros(k, dtype=bool)
        if m:
            dense_rows |= accept & ((w.t_next - t_new) * w.direction < 0)
        if np.any(dense_rows):
            r = np.flatnonzero(dense_rows)
            Zsub = np.ascontiguousarray(Z[:, :, r])
            extra_stages(tab, self.coef, self.evaluate, w.t[r], hs[r], Zsub)
            for i, ev in enumerate(self.events):
                hit = hits[i, r]
                if np.any(hit):
                    rr = r[hit]
                    theta = locate(ev, tab, w.t[rr], hs[rr], Zsub[:, :, hit], w.g[i, rr], g_new[i, rr])
                    earlier = theta < stop_theta[rr]
                    stop_theta[rr[earlier]] = theta[earlier]
                    stop_event[rr[earlier]] = i
            stopping = np.isfinite(stop_theta[r])
            t_limit = np.where(stopping, w.t[r] + stop_theta[r] * hs[r], t_new[r])
            pos = np.arange(r.size)
            while True:
                rows = r[pos]
                inside = (w.t_next[rows] - t_limit[pos]) * w.direction[rows]
                pos = pos[(inside < 0) | ((inside == 0) & stopping[pos])]
                if pos.size == 0:
                    break
                rows = r[pos]
                theta = (w.t_next[rows] - w.t[rows]) / hs[rows]
                self.y[w.index[rows], w.ptr[rows]] = interpolate(tab, Zsub[:, :, pos], theta).T
                self._advance(w, rows)
            stopped = np.flatnonzero(stopping)
            if stopped.size:
                rows = r[stopped]
                t_new[rows] = w.t[rows] + stop_theta[rows] * hs[rows]
                y_new[:, rows] = interpolate(tab, Zsub[:, :, stopped], stop_theta[rows])
        if m:
            at_end = accept & (stop_event < 0)
            while True:
                rows = np.flatnonzero(at_end & (w.t_next == t_new))
                if rows.size == 0:
                    break
                self.y[w.index[rows], w.ptr[rows]] = y_new[:, rows].T
                self._advance(w, rows)
        return stop_event, g_new

    def _advance(self, w: _Rows, rows: NDArray[np.int64]) -> None:
        """The next ``t_eval`` sample of ``rows``."""
        w.ptr[rows] += 1
        w.t_next[rows] = self.te_pad[w.index[rows], w.ptr[rows]]

    def _finish(
        self, w: _Rows, rows: NDArray[np.int64], finished: NDArray[np.bool_], hit_event: NDArray[np.bool_],
        collapsed: NDArray[np.bool_], finite: NDArray[np.bool_], stop_event: NDArray[np.int16],
    ) -> None:
        """Status, event, end time and state of the finished ``rows``."""
        code = np.full(rows.size, Status.MAX_STEPS, dtype=np.int8)
        code[collapsed[rows]] = Status.STEP_TOO_SMALL
        code[collapsed[rows] & ~finite[rows]] = Status.NONFINITE
        code[hit_event[rows]] = Status.EVENT
        code[finished[rows]] = Status.SUCCESS
        boundary = stop_event[rows] >= self.n_user
        code[boundary] = Status.OUTSIDE_CHART
        self.status[w.index[rows]] = code
        self.event[w.index[rows]] = np.where(boundary, -1, stop_event[rows])
        self.t_final[w.index[rows]] = w.t[rows]
        self.y_final[w.index[rows]] = w.y[:, rows].T
