r"""Batched explicit Runge–Kutta integration with per-trajectory step control.

Every trajectory of the batch has its own time, step size, error estimate and status; one
pass of the loop attempts one step for every unfinished trajectory with whole-batch NumPy
operations, and finished trajectories are dropped from the working arrays. The state is kept
component-major, shape (d, k), so each stage combination

.. math:: Y_s = y_n + h \sum_{j<s} a_{sj} k_j

is a single matrix-vector product over the stored stages. For a second-order system
:math:`\dot x = v,\ \dot v = a(t, x, v)` compiled for NumPy only :math:`a` is generated code;
the position stages :math:`h k^x_s = h V_s` are one product with the velocity half of the
stage state (a numba-compiled right-hand side writes both halves in its one pass).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from extremal.errors import InputError, IntegrationError
from extremal.numerics._checks import check_size, flag, real_array, sequence_of
from extremal.numerics._chunked import (
    Executor,
    Progress,
    check_executor,
    check_progress,
    concatenate,
    in_chunks,
    row_chunks,
)
from extremal.numerics._compile import (
    Backend,
    CompiledFunction,
    NumbaBackend,
    NumPyBackend,
    check_backend,
    second_order_part,
)
from extremal.numerics._events import Crossing, Event
from extremal.numerics._methods import DormandPrince54, DormandPrince853, FixedStep, Method
from extremal.numerics._native import NativeSystem, native_system, solve, why_not_native
from extremal.numerics._status import HasStatus, Status, status_counts
from extremal.numerics._tableaux import ButcherTableau

__all__ = ["ODESolution", "integrate"]

RHS = Callable[[NDArray[np.float64], NDArray[np.float64]], NDArray[np.float64]]

_SAFETY, _MIN_FACTOR, _MAX_FACTOR = 0.9, 0.2, 10.0
_ROOT_ITERATIONS = 80
# An adaptive step below this fraction of the span means a singularity ahead (STEP_TOO_SMALL).
_REL_FLOOR = 2.0**-40
_WORKING_SET = 12288
_REFILL = 0.75


@dataclass(frozen=True, slots=True, eq=False)
class ODESolution(HasStatus):
    """A batch of integrated trajectories, as arrays.

    Attributes
    ----------
    t : ndarray, shape (N, m)
        Output times (``t_eval`` broadcast per trajectory); ``m = 0`` without ``t_eval``.
    y : ndarray, shape (N, m, d)
        States at ``t``; NaN after a trajectory stopped early.
    t_final : ndarray, shape (N,)
        Where each trajectory stopped (the end of its interval unless it failed or hit an event).
    y_final : ndarray, shape (N, d)
        State at ``t_final``.
    status : ndarray of Status codes, shape (N,)
        See :class:`Status`.
    event : ndarray of int, shape (N,)
        Index into ``events`` of the event that stopped the trajectory, ``-1`` if none.
    n_steps, n_rejected : ndarray of int, shape (N,)
        Accepted and rejected steps per trajectory.
    n_rhs : int
        Right-hand-side evaluations, counted per trajectory (one call on k rows counts k).
    """

    t: NDArray[np.float64]
    y: NDArray[np.float64]
    t_final: NDArray[np.float64]
    y_final: NDArray[np.float64]
    status: NDArray[np.int8]
    event: NDArray[np.int16]
    n_steps: NDArray[np.int64]
    n_rejected: NDArray[np.int64]
    n_rhs: int


def _as_states(y0: ArrayLike) -> NDArray[np.float64]:
    arr = real_array("y0", y0, "shape (d,) or (N, d)")
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] == 0 or arr.shape[0] == 0:
        raise InputError(f"y0 must have shape (d,) or (N, d) with N, d >= 1; got shape {np.shape(arr)}.")
    return arr


def _as_span(t_span: Sequence[ArrayLike], n: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    hint = f"pass t_span=(t0, t1) with numbers or arrays of shape (N,), N={n}, and t1 != t0"
    if (
        isinstance(t_span, str | bytes)
        or not isinstance(t_span, Sequence | np.ndarray)
        or (isinstance(t_span, np.ndarray) and t_span.ndim == 0)
        or len(t_span) != 2
    ):
        raise InputError(f"t_span must be a pair (t0, t1); got {t_span!r}; {hint}.")
    ends = []
    for name, value in zip(("t_span[0]", "t_span[1]"), t_span, strict=True):
        arr = real_array(name, value, f"a number or shape ({n},)")
        try:
            ends.append(np.broadcast_to(arr, (n,)).copy())
        except ValueError:
            raise InputError(f"{name} has shape {arr.shape}; {hint}.") from None
    t0, t1 = ends
    if not (np.all(np.isfinite(t0)) and np.all(np.isfinite(t1))):
        raise InputError(f"t_span must be finite; got {t_span!r}; {hint}.")
    empty = np.flatnonzero(t0 == t1)
    if empty.size:
        raise InputError(
            f"t_span has zero length (t0 = t1 = {float(t0[empty[0]])!r}) for {empty.size} of {n} rows, the first row "
            f"{int(empty[0])}: there is nothing to integrate; {hint}."
        )
    return t0, t1


def _as_t_eval(
    t_eval: ArrayLike | None, t0: NDArray[np.float64], t1: NDArray[np.float64], d: int
) -> NDArray[np.float64]:
    n = t0.size
    if t_eval is None:
        return np.empty((n, 0))
    te = real_array("t_eval", t_eval, f"shape (m,) or (N, m) with N={n}")
    if te.ndim == 1:
        check_size("the output", rows=n, samples=te.size, components=d)
        te = np.broadcast_to(te, (n, te.size))
    if te.ndim != 2 or te.shape[0] != n:
        raise InputError(f"t_eval must have shape (m,) or (N, m) with N={n}; got shape {te.shape}.")
    check_size("the output", rows=n, samples=te.shape[1], components=d)
    direction = np.sign(t1 - t0)[:, None]
    steps = np.diff(te, axis=1) * direction
    lo, hi = np.minimum(t0, t1)[:, None], np.maximum(t0, t1)[:, None]
    tol = 1e-12 * np.maximum(1.0, np.abs(hi))
    if np.any(steps < 0) or np.any(te < lo - tol) or np.any(te > hi + tol) or not np.all(np.isfinite(te)):
        raise InputError(
            "t_eval must be finite, inside t_span and ordered in the direction of integration; "
            f"got values in [{np.nanmin(te) if te.size else 'none'}, {np.nanmax(te) if te.size else 'none'}] "
            f"for spans from {t0.min()} to {t1.max()}."
        )
    return np.ascontiguousarray(te)


class _Counter:
    __slots__ = ("rows",)

    def __init__(self) -> None:
        self.rows = 0


def _call(
    rhs: RHS, t: NDArray[np.float64], y: NDArray[np.float64], counter: _Counter,
    out: NDArray[np.float64] | None = None, scale: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """``rhs(t, y)``, written to ``out`` and multiplied by ``scale`` when given."""
    counter.rows += y.shape[1]
    if isinstance(rhs, CompiledFunction):
        return rhs(t, y, out, scale)
    value = rhs(t, y)
    if out is None:
        return value * scale if scale is not None else value
    if scale is None:
        out[...] = value
    else:
        np.multiply(value, scale, out=out)
    return out


def _working_set(n: int, d: int) -> int:
    """Rows integrated together: enough to amortise NumPy's per-call cost, few enough to stay in cache."""
    return max(1, min(n, _WORKING_SET))


def _rms(x: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.sqrt(np.einsum("ij,ij->j", x, x) / x.shape[0])


def _initial_step(
    rhs: RHS, t: NDArray[np.float64], y: NDArray[np.float64], f: NDArray[np.float64],
    direction: NDArray[np.float64], span: NDArray[np.float64], method: Method, counter: _Counter,
) -> NDArray[np.float64]:
    """Hairer–Wanner's starting step (Solving ODEs I, Sec. II.4), one value per trajectory."""
    if isinstance(method, FixedStep):
        return np.full(t.shape, method.dt)
    scale = method.atol + np.abs(y) * method.rtol
    d0, d1 = _rms(y / scale), _rms(f / scale)
    with np.errstate(divide="ignore", invalid="ignore"):
        h0 = np.where((d0 < 1e-5) | (d1 < 1e-5), 1e-6, 0.01 * d0 / d1)
    h0 = np.minimum(h0, span)
    f1 = _call(rhs, t + h0 * direction, y + (h0 * direction) * f, counter)
    d2 = _rms((f1 - f) / scale) / h0
    big = np.maximum(d1, d2)
    with np.errstate(divide="ignore"):
        h1 = (0.01 / big) ** (1.0 / (method.tableau.error_order + 1))
    h1 = np.where(big <= 1e-15, np.maximum(1e-6, h0 * 1e-3), h1)
    return np.minimum(np.minimum(100 * h0, h1), span)


class _Workspace:
    """Preallocated buffers for up to ``capacity`` rows: scaled stages and per-step scratch.

    ``Z[0]`` holds the step's start state and ``Z[j + 1] = h k_j`` its scaled stages, so a stage
    state :math:`y_n + h\\sum_j a_{sj}k_j` is one product of the row ``(1, a_{s0}, a_{s1}, \\dots)``
    with the leading rows of ``Z``.
    """

    __slots__ = ("_errors", "_scratch", "_stages", "d", "rows")

    def __init__(self, n_stages: int, d: int, capacity: int) -> None:
        self.d, self.rows = d, n_stages + 1
        self._stages = np.empty(self.rows * d * capacity)
        self._scratch = np.empty((4, d * capacity))
        self._errors = np.empty(2 * d * capacity)

    def stages(self, k: int) -> NDArray[np.float64]:
        return self._stages[: self.rows * self.d * k].reshape(self.rows, self.d, k)

    def scratch(self, i: int, k: int) -> NDArray[np.float64]:
        return self._scratch[i, : self.d * k].reshape(self.d, k)

    def errors(self, k: int) -> NDArray[np.float64]:
        """Room for the two error estimates of a step, shape (2, d, k)."""
        return self._errors[: 2 * self.d * k].reshape(2, self.d, k)


def _combine(
    coef: NDArray[np.float64], Z: NDArray[np.float64], out: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``out = sum_j coef[j] * Z[j]`` over the leading ``len(coef)`` rows of ``Z`` (one BLAS call)."""
    rows, d, k = Z.shape
    with np.errstate(invalid="ignore", over="ignore"):
        np.matmul(coef, Z.reshape(rows, d * k)[: coef.size], out=out.reshape(d * k))
    return out


def _stage_coefficients(tab: ButcherTableau) -> NDArray[np.float64]:
    """Rows ``(1, a_{s0}, ..., a_{s,s-1})`` acting on ``(y, h k_0, h k_1, ...)``."""
    coef = np.zeros((tab.n_dense_stages, tab.n_dense_stages + 1))
    coef[:, 0] = 1.0
    coef[:, 1:] = tab.a
    return coef


def _error_norm(
    tab: ButcherTableau, Z: NDArray[np.float64], scale: NDArray[np.float64], work: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Weighted RMS error of the step from the scaled stages ``Z`` (Hairer's DOP853 norm when it has two estimators)."""
    d = scale.shape[0]
    stages = Z[1 : tab.n_stages + 2]
    if tab.error_low is None:
        e = _combine(tab.error, stages, work[0])
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


def _extra_stages(
    tab: ButcherTableau, coef: NDArray[np.float64], rhs: RHS, t: NDArray[np.float64],
    hs: NDArray[np.float64], Z: NDArray[np.float64], counter: _Counter,
) -> None:
    """Fill the dense-output-only rows of the scaled stages ``Z`` (shape (S + 1, d, k)) in place."""
    ys = np.empty(Z.shape[1:])
    for s in range(tab.n_stages + 1, tab.n_dense_stages):
        _combine(coef[s, : s + 1], Z, ys)
        _call(rhs, t + tab.c[s] * hs, ys, counter, Z[s + 1], hs)


def _dense(tab: ButcherTableau, Z: NDArray[np.float64], theta: NDArray[np.float64]) -> NDArray[np.float64]:
    """Interpolant at ``theta`` (shape (k,)) from the scaled stages ``Z`` (shape (S + 1, d, k))."""
    powers = theta[None, :] ** np.arange(1, tab.dense.shape[1] + 1)[:, None]
    weights = tab.dense @ powers
    return Z[0] + np.einsum("sk,sdk->dk", weights, Z[1:])


def _locate(
    event: Event, tab: ButcherTableau, t: NDArray[np.float64], h: NDArray[np.float64],
    Z: NDArray[np.float64], g0: NDArray[np.float64], g1: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Root ``theta`` in [0, 1] of the event along the interpolant (Illinois regula falsi)."""
    a, b = np.zeros_like(t), np.ones_like(t)
    ga, gb = g0.copy(), g1.copy()
    side = np.zeros(t.shape, dtype=np.int8)
    for _ in range(_ROOT_ITERATIONS):
        denom = gb - ga
        with np.errstate(invalid="ignore", divide="ignore"):
            c = np.where(denom != 0, b - gb * (b - a) / denom, 0.5 * (a + b))
        c = np.where((c > a) & (c < b), c, 0.5 * (a + b))
        gc = np.asarray(event.function(t + c * h, _dense(tab, Z, c)), dtype=np.float64)
        left = np.sign(gc) == np.sign(ga)
        a, ga, b, gb = np.where(left, c, a), np.where(left, gc, ga), np.where(left, b, c), np.where(left, gb, gc)
        gb = np.where(left & (side == 1), gb / 2, gb)
        ga = np.where(~left & (side == -1), ga / 2, ga)
        side = np.where(left, 1, -1).astype(np.int8)
        if np.all((b - a) <= 4 * np.finfo(float).eps) or np.all(gc == 0):
            break
    return np.where(np.abs(ga) < np.abs(gb), a, b)


def _crossed(g0: NDArray[np.float64], g1: NDArray[np.float64], direction: float) -> NDArray[np.bool_]:
    up = (g0 < 0) & (g1 >= 0)
    down = (g0 > 0) & (g1 <= 0)
    if direction > 0:
        return up
    if direction < 0:
        return down
    return up | down


def _real(value: ArrayLike) -> NDArray[np.float64]:
    """``value`` as a float64 array; TypeError for complex values, which must not be cut to their real part."""
    if np.iscomplexobj(value):
        raise TypeError("complex values")
    return np.asarray(value, dtype=np.float64)


def _eval_events(events: Sequence[Event], t: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    out = np.empty((len(events), t.size))
    for i, ev in enumerate(events):
        raw = ev.function(t, y)
        try:
            value = _real(raw)
        except (TypeError, ValueError) as exc:
            raise InputError(
                f"event {ev.name!r} must return real numbers, one per trajectory; got {type(raw).__name__} ({exc})."
            ) from None
        if value.shape != t.shape:
            raise InputError(
                f"event {ev.name!r} returned shape {value.shape}; it must return one value per "
                f"trajectory, shape {t.shape}."
            )
        out[i] = value
    return out


def _drop_columns(state: tuple[NDArray, ...], done: NDArray[np.bool_]) -> tuple[NDArray, ...]:
    """The working arrays without the ``done`` columns: the live columns at the end move into the
    gaps, so only as many columns are copied as there are gaps (the order of rows changes)."""
    gone = np.flatnonzero(done)
    kept = done.size - gone.size
    gaps = gone[gone < kept]
    movers = np.flatnonzero(~done[kept:]) + kept
    for a in state:
        a[..., gaps] = a[..., movers]
    return tuple(a[..., :kept] for a in state)


def integrate(
    rhs: RHS,
    y0: ArrayLike,
    t_span: Sequence[ArrayLike],
    method: Method | None = None,
    *,
    t_eval: ArrayLike | None = None,
    events: Sequence[Event] = (),
    boundaries: Sequence[Event] = (),
    strict: bool = False,
    backend: Backend | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> ODESolution:
    r"""Integrate :math:`\dot y = f(t, y)` for a batch of initial states at once.

    Each trajectory ``i`` runs from ``t_span[0][i]`` to ``t_span[1][i]`` with its own adaptive
    step (or ``FixedStep``); dense output fills ``t_eval``; an :class:`Event` stops a
    trajectory at the first root of its function.

    An adaptive step that falls below :math:`2^{-40}\,|t_1 - t_0|` (about ``1e-12`` of the span)
    or below 10 units in the last place of ``t`` ends the trajectory with ``STEP_TOO_SMALL``
    (``NONFINITE`` if the right-hand side was not finite there): the solution has a singularity
    ahead, and a step that small would need far more than ``max_steps`` steps to go on.

    Parameters
    ----------
    rhs : callable
        ``rhs(t, y) -> dy`` with ``t`` shape (k,), ``y`` and ``dy`` shape (d, k): component-major,
        as SciPy's ``solve_ivp(..., vectorized=True)``. Compiled right-hand sides from
        :func:`compile_rhs` have this form.
    y0 : array_like, shape (d,) or (N, d)
        Initial states.
    t_span : pair of float or of arrays with shape (N,)
        Start and end of each trajectory; ``t1 < t0`` integrates backwards.
    method : DormandPrince54, DormandPrince853 or FixedStep
        Default ``DormandPrince853()``.
    t_eval : array_like, shape (m,) or (N, m), optional
        Output times, inside the span and ordered in the direction of integration.
    events : sequence of Event
        Terminal events.
    boundaries : sequence of Event
        Functions whose sign change marks the edge of the domain (a chart boundary): a
        trajectory reaching one stops there with ``Status.OUTSIDE_CHART``; ``direction`` is ignored.
    strict : bool
        Raise :class:`IntegrationError` if any trajectory did not succeed.
    backend : NumbaBackend, NumPyBackend or None
        Where the step loop runs. ``None`` (the default) chooses: the compiled integrator when
        numba (extra ``fast``) is installed, ``rhs`` comes from :func:`compile_rhs` and every
        event is a :func:`crossing` (or a chart's edge); else the whole-array NumPy loop.
        ``NumbaBackend(threads=k)`` asks for the compiled integrator on ``k`` threads (default
        all cores) and says why when it cannot run; ``NumPyBackend()`` asks for the NumPy loop.
        Both give the same steps and results to round-off; the compiled one gives the same bits
        on any number of threads.
    executor : executor or None
        Run the batch in chunks of rows on this executor's workers: anything with
        ``submit(fn, *args)``, e.g. ``dask.distributed.Client(...)`` for a cluster or
        ``concurrent.futures.ProcessPoolExecutor()``. The chunks do not depend on the executor, and
        with the compiled integrator the result equals the one-process result bit for bit.
    progress : callable or None
        ``progress(done, total)`` is called as chunks of rows finish (e.g. to drive a progress bar).

    Returns
    -------
    ODESolution

    Raises
    ------
    InputError
        For inputs of the wrong shape, type or value (a zero-length span, non-finite times,
        strings, booleans), or an ``rhs`` returning the wrong shape or complex values.
    LimitError
        If the output, N × m × d values, would exceed ``extremal.limits(max_size=...)``.
    IntegrationError
        If ``strict`` and a trajectory failed.

    Examples
    --------
    Two harmonic oscillators, :math:`\ddot x = -x`, integrated to :math:`t = \pi`:

    >>> sol = integrate(lambda t, y: np.stack([y[1], -y[0]]), [[1.0, 0.0], [0.0, 1.0]], (0.0, np.pi))
    >>> np.round(sol.y_final, 8) + 0.0
    array([[-1.,  0.],
           [ 0., -1.]])
    """
    method = DormandPrince853() if method is None else method
    if backend is not None:
        check_backend(backend)
    if not isinstance(method, DormandPrince54 | DormandPrince853 | FixedStep):
        raise InputError(
            f"method must be DormandPrince54(...), DormandPrince853(...) or FixedStep(...); got {method!r}."
        )
    if not callable(rhs):
        raise InputError(f"rhs must be callable as rhs(t, y) -> dy; got {type(rhs).__name__}.")
    strict = flag("strict", strict)
    Y0 = _as_states(y0)
    n, d = Y0.shape
    if isinstance(rhs, CompiledFunction) and d != len(rhs.inputs):
        raise InputError(
            f"y0 has {d} components but rhs takes {len(rhs.inputs)} ({', '.join(q.name for q in rhs.inputs)}); "
            f"pass y0 of shape ({len(rhs.inputs)},) or (N, {len(rhs.inputs)})."
        )
    t0, t1 = _as_span(t_span, n)
    te = _as_t_eval(t_eval, t0, t1, d)
    example = "[crossing(0, 1.0)]; wrap functions in Event(f)"
    n_user = len(sequence_of("events", events, Event, example))
    events = (*sequence_of("events", events, Event, example), *sequence_of("boundaries", boundaries, Event, example))
    _check_crossings(events, d)
    check_executor(executor)
    check_progress(progress)
    if executor is not None or progress is not None:
        parts = in_chunks(
            _integrate_rows, row_chunks(n, progress is not None),
            lambda r: (rhs, Y0[r], t0[r], t1[r], te[r], method, events[:n_user], events[n_user:], backend),
            executor, progress,
        )
        solution = concatenate(parts, ODESolution)
    else:
        native = _native_system(rhs, events, d, backend)
        if native is not None:
            solution = _compiled_loop(native, method, Y0, t0, t1, te, events, n_user, backend)
        else:
            solution = _whole_array_loop(rhs, method, Y0, t0, t1, te, events, n_user)
    if strict and not np.all(solution.success):
        first = int(np.flatnonzero(~solution.success)[0])
        status = solution.status
        raise IntegrationError(
            f"{int(np.sum(~solution.success))} of {n} trajectories failed ({status_counts(status)}); the first, "
            f"row {first}, stopped at t = {solution.t_final[first]} with status {Status(int(status[first])).name}. "
            "Loosen the tolerances, shorten the interval, add an Event before the singularity, or pass "
            "strict=False to keep the others."
        )
    return solution


def _integrate_rows(
    rhs: RHS, y0: NDArray[np.float64], t0: NDArray[np.float64], t1: NDArray[np.float64], t_eval: NDArray[np.float64],
    method: Method, events: tuple[Event, ...], boundaries: tuple[Event, ...], backend: Backend | None,
) -> ODESolution:
    """One chunk of rows of a batch (the task sent to an executor)."""
    return integrate(rhs, y0, (t0, t1), method, t_eval=t_eval, events=events, boundaries=boundaries, backend=backend)


def _check_crossings(events: tuple[Event, ...], d: int) -> None:
    for ev in events:
        if isinstance(ev.function, Crossing) and ev.function.index >= d:
            raise InputError(
                f"event {ev.name!r} watches y[{ev.function.index}], but the state has {d} components "
                f"(y[0] to y[{d - 1}]); pass an index below {d}."
            )


def _native_system(rhs: RHS, events: tuple[Event, ...], d: int, backend: Backend | None) -> NativeSystem | None:
    """The compiled system when the compiled integrator runs this call (see ``backend`` of :func:`integrate`)."""
    if isinstance(backend, NumPyBackend) or (backend is not None and not isinstance(backend, NumbaBackend)):
        return None
    reason = why_not_native(rhs, events, d)
    if reason is None:
        assert isinstance(rhs, CompiledFunction)
        try:
            return native_system(rhs, events)
        except InputError as exc:
            if backend is not None:
                raise
            reason = str(exc)
    if backend is not None:
        raise InputError(
            f"backend=NumbaBackend() runs the compiled integrator, but {reason}. Pass backend=NumPyBackend(), "
            "or build the right-hand side with compile_rhs and the events with crossing."
        )
    return None


def _compiled_loop(
    system: NativeSystem, method: Method, Y0: NDArray[np.float64], t0: NDArray[np.float64],
    t1: NDArray[np.float64], te: NDArray[np.float64], events: tuple[Event, ...], n_user: int,
    backend: Backend | None,
) -> ODESolution:
    """Every trajectory integrated start to finish in compiled code, over all cores."""
    if isinstance(method, FixedStep):
        adaptive, rtol, atol, dt = False, 0.0, 0.0, method.dt
    else:
        adaptive, rtol, atol, dt = True, method.rtol, method.atol, 0.0
    out = solve(
        system, method.tableau, Y0, t0, t1, np.ascontiguousarray(te), adaptive=adaptive, rtol=rtol, atol=atol, dt=dt,
        max_steps=method.max_steps,
        n_user_events=n_user,
        directions=np.array([ev.direction for ev in events], dtype=np.float64),
        threads=backend.threads if isinstance(backend, NumbaBackend) else None,
    )
    return ODESolution(
        t=te, y=out["y"], t_final=out["t_final"], y_final=out["y_final"], status=out["status"],
        event=out["event"], n_steps=out["n_steps"], n_rejected=out["n_rejected"], n_rhs=int(out["n_rhs"].sum()),
    )


def _whole_array_loop(
    rhs: RHS, method: Method, Y0: NDArray[np.float64], t0: NDArray[np.float64], t1: NDArray[np.float64],
    te: NDArray[np.float64], events: tuple[Event, ...], n_user: int,
) -> ODESolution:
    """The batch stepped together with whole-array NumPy operations (any Python right-hand side and events)."""
    n, d = Y0.shape
    m = te.shape[1]
    te_pad = np.concatenate([te, np.full((n, 1), np.nan)], axis=1)
    floor_all = _REL_FLOOR * np.abs(t1 - t0)

    tab = method.tableau
    coef = _stage_coefficients(tab)
    adaptive = not isinstance(method, FixedStep)
    rtol, atol = (0.0, 0.0) if isinstance(method, FixedStep) else (method.rtol, method.atol)
    S, n_total = tab.n_stages, tab.n_dense_stages
    exponent = -1.0 / (tab.error_order + 1)
    autonomous = isinstance(rhs, CompiledFunction) and not any(e.has(rhs.time) for e in rhs.expressions)
    split = isinstance(rhs, CompiledFunction) and rhs.backend.splits_second_order
    acceleration = second_order_part(rhs) if split else None
    half = d // 2
    counter = _Counter()

    y_out = np.full((n, m, d), np.nan)
    t_final, y_final = t0.copy(), Y0.copy()
    status = np.full(n, Status.SUCCESS, dtype=np.int8)
    event_index = np.full(n, -1, dtype=np.int16)
    n_steps = np.zeros(n, dtype=np.int64)
    n_rejected = np.zeros(n, dtype=np.int64)

    direction_all = np.sign(t1 - t0)
    at_start = (te - t0[:, None]) * direction_all[:, None] <= 0
    y_out[at_start] = np.broadcast_to(Y0[:, None, :], (n, m, d))[at_start]
    ptr_all = at_start.sum(axis=1)
    capacity = _working_set(n, d)

    def start(rows: NDArray[np.int64]) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
        y_start = np.ascontiguousarray(Y0[rows].T)
        try:
            value = _call(rhs, t0[rows], y_start, counter)
        except (IndexError, ValueError, TypeError) as exc:
            raise InputError(
                f"rhs(t, y) failed on the initial states, y of shape {y_start.shape} (d = {d} components, "
                f"component-major): {type(exc).__name__}: {exc}. Check that y0 has one value per state "
                "component, of shape (d,) or (N, d)."
            ) from None
        try:
            f_start = _real(value)
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

    h_all = np.empty(n)
    f_all = np.empty((d, n))
    for lo in range(0, n, capacity):
        rows = np.arange(lo, min(n, lo + capacity))
        with np.errstate(all="ignore"):
            y_start, f_start, bad = start(rows)
            f_all[:, rows] = f_start
            status[rows[bad]] = Status.NONFINITE
            span = np.abs(t1[rows] - t0[rows])
            h_all[rows] = _initial_step(rhs, t0[rows], y_start, f_start, direction_all[rows], span, method, counter)
        h_all[rows[bad | (span == 0)]] = np.inf
    order = np.argsort(h_all / np.maximum(np.abs(t1 - t0), np.finfo(float).tiny), kind="stable")
    order = order[np.isfinite(h_all[order])]

    def admit(rows: NDArray[np.int64]) -> tuple[NDArray, ...]:
        """Working arrays for new rows, admitted longest expected integration first."""
        y_start = np.ascontiguousarray(Y0[rows].T)
        return (
            rows, t0[rows], t1[rows], direction_all[rows], h_all[rows], ptr_all[rows], te_pad[rows, ptr_all[rows]],
            y_start, f_all[:, rows],
            _eval_events(events, t0[rows], y_start), np.zeros(rows.size, dtype=bool),
        )

    queued = 0
    state: tuple[NDArray, ...] = (
        np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int64),
        np.zeros(0), np.zeros((d, 0)), np.zeros((d, 0)), np.zeros((len(events), 0)), np.zeros(0, dtype=bool),
    )
    work = _Workspace(n_total, d, min(n, capacity))
    done = np.zeros(0, dtype=bool)

    while True:
        if np.any(done):
            state = _drop_columns(state, done)
        if state[0].size <= _REFILL * capacity and queued < order.size:
            rows = order[queued : queued + capacity - state[0].size]
            queued += rows.size
            fresh = admit(rows)
            state = tuple(
                np.concatenate([old, new], axis=-1) for old, new in zip(state, fresh, strict=True)
            )
            done = np.zeros(state[0].size, dtype=bool)
            continue
        idx, t, t_end, direction, h, ptr, t_next, y, f, g_prev, rejected_last = state
        k = idx.size
        if k == 0:
            break
        Z = work.stages(k)
        ys, y_new, f_new, scale = (work.scratch(i, k) for i in range(4))
        remaining = np.abs(t_end - t)
        last = h >= remaining
        h_abs = np.where(last, remaining, h)
        hs = direction * h_abs
        Z[0] = y
        np.multiply(f, hs, out=Z[1])
        for s in range(1, S):
            _combine(coef[s, : s + 1], Z, ys)
            t_s = t if autonomous else t + tab.c[s] * hs
            if acceleration is None:
                _call(rhs, t_s, ys, counter, Z[s + 1], hs)
            else:
                _call(acceleration, t_s, ys, counter, Z[s + 1, half:], hs)
                np.multiply(ys[half:], hs, out=Z[s + 1, :half])
        _combine(coef[S, : S + 1], Z, y_new)
        t_s = t if autonomous else t + tab.c[S] * hs
        if acceleration is None:
            _call(rhs, t_s, y_new, counter, f_new)
        else:
            _call(acceleration, t_s, y_new, counter, f_new[half:])
            f_new[:half] = y_new[half:]
        np.multiply(f_new, hs, out=Z[S + 1])
        if adaptive:
            np.abs(y, out=scale)
            np.maximum(scale, np.abs(y_new, out=ys), out=scale)
            scale *= rtol
            scale += atol
            err = _error_norm(tab, Z, scale, work.errors(k))
            err[np.isnan(err)] = np.inf
            finite = np.isfinite(err)
            accept = err <= 1.0
            with np.errstate(divide="ignore"):
                factor = np.clip(_SAFETY * err**exponent, _MIN_FACTOR, _MAX_FACTOR)
            factor = np.where(accept & rejected_last, np.minimum(factor, 1.0), factor)
            h_next = h_abs * factor
        else:
            finite = np.all(np.isfinite(f_new), axis=0)
            accept = finite
            h_next = h
        t_new = np.where(last, t_end, t + hs)

        stop_theta = np.full(k, np.inf)
        stop_event = np.full(k, -1, dtype=np.int16)
        if events:
            g_new = _eval_events(events, t_new, y_new)
            crossed = np.stack(
                [_crossed(g_prev[i], g_new[i], ev.direction if i < n_user else 0) for i, ev in enumerate(events)]
            ) & accept
            dense_rows = crossed.any(axis=0)
        else:
            dense_rows = np.zeros(k, dtype=bool)
        if m:
            ahead = (t_next - t_new) * direction
            dense_rows |= accept & (ahead < 0)
        if np.any(dense_rows):
            r = np.flatnonzero(dense_rows)
            Zsub = np.ascontiguousarray(Z[:, :, r])
            _extra_stages(tab, coef, rhs, t[r], hs[r], Zsub, counter)
            if events:
                for i, ev in enumerate(events):
                    hit = crossed[i, r]
                    if np.any(hit):
                        rr = r[hit]
                        theta = _locate(ev, tab, t[rr], hs[rr], Zsub[:, :, hit], g_prev[i, rr], g_new[i, rr])
                        earlier = theta < stop_theta[rr]
                        stop_theta[rr[earlier]] = theta[earlier]
                        stop_event[rr[earlier]] = i
            stopping = np.isfinite(stop_theta[r])
            t_limit = np.where(stopping, t[r] + stop_theta[r] * hs[r], t_new[r])
            pos = np.arange(r.size)
            while True:
                rows = r[pos]
                inside = (t_next[rows] - t_limit[pos]) * direction[rows]
                pos = pos[(inside < 0) | ((inside == 0) & stopping[pos])]
                if pos.size == 0:
                    break
                rows = r[pos]
                theta = (t_next[rows] - t[rows]) / hs[rows]
                y_out[idx[rows], ptr[rows]] = _dense(tab, Zsub[:, :, pos], theta).T
                ptr[rows] += 1
                t_next[rows] = te_pad[idx[rows], ptr[rows]]
            stopped = np.flatnonzero(stopping)
            if stopped.size:
                rows = r[stopped]
                t_new[rows] = t[rows] + stop_theta[rows] * hs[rows]
                y_new[:, rows] = _dense(tab, Zsub[:, :, stopped], stop_theta[rows])
        if m:
            at_end = accept & (stop_event < 0)
            while True:
                rows = np.flatnonzero(at_end & (t_next == t_new))
                if rows.size == 0:
                    break
                y_out[idx[rows], ptr[rows]] = y_new[:, rows].T
                ptr[rows] += 1
                t_next[rows] = te_pad[idx[rows], ptr[rows]]

        np.copyto(y, y_new, where=accept)
        np.copyto(f, f_new, where=accept)
        t = np.where(accept, t_new, t)
        if events:
            g_prev = np.where(accept, g_new, g_prev)
        n_steps[idx] += accept
        n_rejected[idx] += ~accept
        rejected_last = ~accept
        h = h_next

        hit_event = stop_event >= 0
        finished = accept & last & ~hit_event
        min_step = np.maximum(10 * np.abs(np.spacing(t)), floor_all[idx])
        collapsed = ~finished & ~hit_event & (h < min_step) if adaptive else ~finite
        out_of_steps = (n_steps[idx] + n_rejected[idx] >= method.max_steps) & ~finished & ~hit_event
        done = finished | hit_event | collapsed | out_of_steps
        if np.any(done):
            rows = np.flatnonzero(done)
            code = np.full(rows.size, Status.MAX_STEPS, dtype=np.int8)
            code[collapsed[rows]] = Status.STEP_TOO_SMALL
            code[collapsed[rows] & ~finite[rows]] = Status.NONFINITE
            code[hit_event[rows]] = Status.EVENT
            code[finished[rows]] = Status.SUCCESS
            boundary = stop_event[rows] >= n_user
            code[boundary] = Status.OUTSIDE_CHART
            status[idx[rows]] = code
            event_index[idx[rows]] = np.where(boundary, -1, stop_event[rows])
            t_final[idx[rows]] = t[rows]
            y_final[idx[rows]] = y[:, rows].T
        state = (idx, t, t_end, direction, h, ptr, t_next, y, f, g_prev, rejected_last)

    return ODESolution(
        t=te, y=y_out, t_final=t_final, y_final=y_final, status=status, event=event_index,
        n_steps=n_steps, n_rejected=n_rejected, n_rhs=counter.rows,
    )
