r"""Batched explicit Runge–Kutta integration with per-trajectory step control: :func:`integrate`.

Every trajectory of the batch has its own time, step size, error estimate and status. This
module checks the inputs and hands the batch to one of two loops with the same arithmetic:
the compiled integrator (:mod:`._native`: each trajectory start to finish in compiled code,
on all cores) when the system is compiled expressions, or the whole-array NumPy loop
(:mod:`._whole_array`) for Python functions; :mod:`._chunked` splits a batch over an
executor's workers. The method supplies the tableau (:mod:`._tableaux`) and the step-size
controller (:mod:`._controller`); dense output and events live in :mod:`._dense_output` and
:mod:`._events`.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    check_backend,
)
from extremal.numerics._events import Crossing, Event
from extremal.numerics._methods import DormandPrince54, DormandPrince853, FixedStep, Method
from extremal.numerics._native import NativeSystem, native_system, solve, why_not_native
from extremal.numerics._status import HasStatus, Status, status_counts
from extremal.numerics._whole_array import RHS, WholeArrayLoop

__all__ = ["ODESolution", "integrate"]



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
        ``submit(fn, *args)``, e.g. ``concurrent.futures.ProcessPoolExecutor()`` or a Dask client,
        ``dask.distributed.Client("tcp://scheduler:8786")`` for a cluster (extra ``distributed``;
        every worker needs extremal installed). The chunks do not depend on the executor, and with
        the compiled integrator the result equals the one-process result bit for bit.
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
        native = _native_system(rhs, events, backend)
        if native is not None:
            solution = _compiled_loop(native, method, Y0, t0, t1, te, events, n_user, backend)
        else:
            loop = WholeArrayLoop(rhs, method, Y0, t0, t1, te, events, n_user).run()
            solution = ODESolution(
                t=te, y=loop.y, t_final=loop.t_final, y_final=loop.y_final, status=loop.status, event=loop.event,
                n_steps=loop.n_steps, n_rejected=loop.n_rejected, n_rhs=loop.n_rhs,
            )
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


def _native_system(rhs: RHS, events: tuple[Event, ...], backend: Backend | None) -> NativeSystem | None:
    """The compiled system when the compiled integrator runs this call (see ``backend`` of :func:`integrate`)."""
    if backend is not None and not isinstance(backend, NumbaBackend):
        return None
    reason = why_not_native(rhs, events)
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
    out = solve(
        system, method.tableau, method.controller, method.max_steps, Y0, t0, t1, np.ascontiguousarray(te),
        n_user_events=n_user,
        directions=np.array([ev.direction for ev in events], dtype=np.float64),
        threads=backend.threads if isinstance(backend, NumbaBackend) else None,
    )
    return ODESolution(
        t=te, y=out["y"], t_final=out["t_final"], y_final=out["y_final"], status=out["status"],
        event=out["event"], n_steps=out["n_steps"], n_rejected=out["n_rejected"], n_rhs=int(out["n_rhs"].sum()),
    )

