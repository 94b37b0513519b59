r"""The exponential map: batches of geodesics from initial points and velocities.

Solves :math:`\ddot x^k + \Gamma^k_{ij}\dot x^i\dot x^j = 0`, :math:`x(s_0) = x_0`,
:math:`\dot x(s_0) = v_0` for N initial conditions at once and reports how well the
invariants are kept: :math:`g(\dot x, \dot x)` (constant along any geodesic, negative for
timelike, zero for null, positive for spacelike curves in signature :math:`(-,+,+,+)`) and the
momenta :math:`p_q = g_{qj}\dot x^j` of every coordinate :math:`q` absent from :math:`g`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from extremal.errors import InputError, IntegrationError, SingularMetricError
from extremal.numerics._checks import batch_rows, check_size, flag, samples
from extremal.numerics._chunked import Executor, Progress
from extremal.numerics._compile import Backend, CompiledFunction, NumbaBackend, check_backend, with_backend
from extremal.numerics._events import Event
from extremal.numerics._geodesic_system import GeodesicSystem, geodesic_system
from extremal.numerics._methods import DormandPrince853, Method
from extremal.numerics._metric_function import MetricFunction
from extremal.numerics._runge_kutta import RHS, integrate
from extremal.numerics._status import HasStatus, Status, status_counts
from extremal.symbolic._metric import Metric

__all__ = ["GeodesicBatch", "chart_defects", "geodesics"]

Array = NDArray[np.float64]


class _Lengths(np.ndarray):
    """``GeodesicBatch.length``: an array that may still be called, ``length()``, as before (deprecated)."""

    def __call__(self) -> Array:
        warnings.warn(
            "GeodesicBatch.length is a property now, as GeodesicPath.length; write batch.length without "
            "parentheses. Calling it stops working in the next release.",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.view(np.ndarray)

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """Arithmetic on the lengths gives plain arrays."""
        inputs = tuple(x.view(np.ndarray) if isinstance(x, _Lengths) else x for x in inputs)
        if "out" in kwargs:
            kwargs["out"] = tuple(x.view(np.ndarray) if isinstance(x, _Lengths) else x for x in kwargs["out"])
        return getattr(ufunc, method)(*inputs, **kwargs)


@dataclass(frozen=True, slots=True, eq=False)
class GeodesicBatch(HasStatus):
    """N geodesics sampled at m parameter values, as arrays (batch, sample, component).

    Attributes
    ----------
    coords : tuple of str
        Coordinate names.
    s : ndarray, shape (N, m)
        Affine-parameter samples.
    x, v : ndarray, shape (N, m, n)
        Positions and velocities at ``s``; NaN after a geodesic stopped early.
    s_final : ndarray, shape (N,)
        Where each geodesic stopped.
    x_final, v_final : ndarray, shape (N, n)
        Position and velocity at ``s_final``.
    status : ndarray, shape (N,)
        :class:`Status` codes.
    event : ndarray, shape (N,)
        Index of the event that stopped the geodesic, -1 if none.
    n_steps : ndarray, shape (N,)
        Accepted integration steps.
    norm0 : ndarray, shape (N,)
        :math:`g(v_0, v_0)`.
    conserved_names : tuple of str
        ``"g(v,v)"`` followed by the conserved momenta ``"p_<coord>"``.
    conserved : ndarray, shape (N, m, q)
        The conserved quantities at each sample.
    drift : ndarray, shape (N, q)
        Max over the samples and the end point of :math:`|Q - Q(s_0)|`, per quantity.
    """

    coords: tuple[str, ...]
    s: Array
    x: Array
    v: Array
    s_final: Array
    x_final: Array
    v_final: Array
    status: NDArray[np.int8]
    event: NDArray[np.int16]
    n_steps: NDArray[np.int64]
    norm0: Array
    conserved_names: tuple[str, ...]
    conserved: Array
    drift: Array

    @property
    def length(self) -> _Lengths:
        r"""Length :math:`\sqrt{|g(v_0,v_0)|}\,|s_{\mathrm{final}} - s_0|`, shape (N,), as :attr:`GeodesicPath.length`.

        Calling it, ``batch.length()``, still works for one release, with a :class:`DeprecationWarning`.
        """
        lengths = np.sqrt(np.abs(self.norm0)) * np.abs(self.s_final - self.s[:, 0])
        return lengths.view(_Lengths)

    def causal_character(self, tol: float = 1e-9) -> NDArray[np.str_]:
        """``'timelike'``, ``'null'`` or ``'spacelike'`` from the sign of ``norm0`` (signature -+++).

        ``tol`` is relative to :math:`|v_0|^2`.

        Examples
        --------
        >>> mink = Metric.from_line_element("-dt**2 + dx**2", "t x")
        >>> b = geodesics(mink, [0.0, 0.0], [[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]], 1.0)
        >>> b.causal_character().tolist()
        ['timelike', 'null', 'spacelike']
        """
        scale = np.maximum(np.einsum("...i,...i->...", self.v[:, 0], self.v[:, 0]), np.finfo(float).tiny)
        rel = self.norm0 / scale
        return np.where(rel < -tol, "timelike", np.where(rel > tol, "spacelike", "null"))

    def drift_report(self) -> dict[str, float]:
        """Largest drift of each conserved quantity over the successful geodesics."""
        ok = self.success
        return {
            name: float(np.nanmax(self.drift[ok, i])) if np.any(ok) else float("nan")
            for i, name in enumerate(self.conserved_names)
        }


def chart_defects(system: GeodesicSystem, x: Array) -> NDArray[np.bool_]:
    r"""``True`` for points outside the chart: :math:`\det g` zero (to rounding), NaN or infinite.

    Parameters
    ----------
    system : GeodesicSystem
    x : ndarray, shape (N, n)

    Returns
    -------
    ndarray of bool, shape (N,)

    Examples
    --------
    >>> sphere = geodesic_system(Metric.from_line_element("dth**2 + sin(th)**2*dph**2", "th ph"))
    >>> chart_defects(sphere, np.array([[1.0, 0.0], [0.0, 0.0], [np.pi, 0.0]])).tolist()
    [False, True, True]
    """
    with np.errstate(all="ignore"):
        g = np.moveaxis(system.metric(np.ascontiguousarray(x.T)), -1, 0)
        finite = np.all(np.isfinite(g), axis=(1, 2))
        det = np.linalg.det(np.where(finite[:, None, None], g, 0.0))
        scale = np.max(np.abs(g), axis=(1, 2)) ** system.dim
    return ~finite | (np.abs(det) <= 8 * np.finfo(float).eps * scale)


def chart_boundary_events(system: GeodesicSystem) -> tuple[Event, ...]:
    """The chart's edge as a boundary event of :func:`integrate` on the state ``(x, v)``."""
    return () if system.boundary is None else (Event(system.boundary, name="chart boundary"),)


def _check_symmetric(system: GeodesicSystem, x: Array) -> None:
    g = system.metric(np.ascontiguousarray(x.T))
    if g.shape[:2] != (system.dim, system.dim):
        raise InputError(f"the metric returned shape {g.shape[:2]}; expected ({system.dim}, {system.dim}).")
    asym = np.abs(g - np.swapaxes(g, 0, 1))
    if np.nanmax(asym, initial=0.0) > 1e-12 * max(1.0, float(np.nanmax(np.abs(g), initial=0.0))):
        i, j = np.unravel_index(int(np.nanargmax(np.nanmax(asym, axis=-1))), asym.shape[:2])
        raise InputError(
            f"the metric is not symmetric at the initial point: g[{i},{j}] = {g[i, j, 0]} but "
            f"g[{j},{i}] = {g[j, i, 0]}. A metric function must return a symmetric matrix."
        )


def _conserved(system: GeodesicSystem, x: Array, v: Array) -> Array:
    """Quantities of shape (q, ...) for ``x, v`` of shape (n, ...)."""
    shape = x.shape[1:]
    xf, vf = x.reshape(system.dim, -1), v.reshape(system.dim, -1)
    with np.errstate(all="ignore"):
        values = [system.norm(xf, vf)] + [p(xf, vf) for _, p in system.momenta]
    return np.stack(values).reshape((len(values), *shape))


def _rhs_for(system: GeodesicSystem, backend: Backend | None) -> RHS:
    """What ``integrate`` gets: the compiled expressions for the compiled integrator, else for ``backend``."""
    if backend is not None:
        check_backend(backend)
    if isinstance(system.rhs, CompiledFunction):
        return system.rhs if backend is None or isinstance(backend, NumbaBackend) else with_backend(system.rhs, backend)
    if backend is not None and not backend.runs_python_functions:
        raise InputError(
            f"backend={backend!r} needs the geodesic equations as expressions, but this metric function is "
            "differentiated numerically (it does not trace symbolically); use NumPyBackend(), or write it "
            "with NumPy functions that SymPy can trace."
        )
    return system.rhs


def geodesics(
    metric: Metric | MetricFunction,
    x0: ArrayLike,
    v0: ArrayLike,
    s: ArrayLike,
    *,
    method: Method | None = None,
    events: Sequence[Event] = (),
    strict: bool = False,
    backend: Backend | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> GeodesicBatch:
    r"""Integrate N geodesics :math:`\ddot x^k = -\Gamma^k_{ij}\dot x^i\dot x^j` at once (the exponential map).

    Parameters
    ----------
    metric : Metric or MetricFunction
        Symbolic metric (numeric parameters only) or metric function.
    x0, v0 : array_like, shape (n,) or (N, n)
        Initial points and velocities; a single row is broadcast against the other.
    s : float or array_like, shape (m,)
        The samples of the affine parameter, starting at the first; or the end parameter (start 0),
        which gives 101 evenly spaced samples on :math:`[0, s]`, read from the dense output of the
        integrator (no extra steps), enough to plot the geodesics as smooth curves.
    method : DormandPrince54, DormandPrince853 or FixedStep
        Default ``DormandPrince853(rtol=1e-10, atol=1e-12)``.
    events : sequence of Event
        Terminal events on the state ``y = (x, v)`` of shape (2n, k).
    strict : bool
        Raise instead of flagging failed geodesics in ``status``.
    backend : Backend or None
        Where the step loop runs (see :func:`integrate`). The default chooses the compiled
        integrator (extra ``fast``: every geodesic integrated in compiled code, on all cores)
        for a symbolic metric or one that traces symbolically, with :func:`crossing` events, and
        the whole-array NumPy loop otherwise; ``NumbaBackend(threads=k)`` or ``NumPyBackend()``
        choose explicitly.
    executor : executor or None
        Run the batch in chunks on this executor's workers, e.g. ``dask.distributed.Client(...)``
        for a cluster (see :func:`integrate`); the result equals the one-process result.
    progress : callable or None
        ``progress(done, total)`` as chunks of geodesics finish.

    Returns
    -------
    GeodesicBatch
        ``status`` per geodesic: ``SUCCESS``, ``EVENT``; ``OUTSIDE_CHART`` where ``x0`` is outside
        the chart or the geodesic left it (it then stops on the edge: a zero of a factor of
        :math:`\det g` or of a denominator of ``g``, e.g. ``r = 0`` or a pole ``theta = 0``);
        ``NONFINITE`` where ``x0`` or ``v0`` is not finite or the equations became NaN or infinite;
        ``STEP_TOO_SMALL`` before a singularity; ``MAX_STEPS``. One bad row never stops the others.

    Raises
    ------
    InputError
        If ``x0`` or ``v0`` has the wrong shape or is not real numbers, ``s`` is zero, not finite
        or not monotonic, the metric is complex or not symmetric at ``x0``, or an option is
        out of range.
    LimitError
        If N × m × 2n values would exceed ``extremal.limits(max_size=...)``.
    SingularMetricError
        If ``strict`` and an initial point is outside the chart.
    IntegrationError
        If ``strict`` and a geodesic failed.

    Examples
    --------
    Along the equator of the unit sphere, a quarter turn:

    >>> sphere = Metric.from_line_element("dth**2 + sin(th)**2*dph**2", "th ph")
    >>> b = geodesics(sphere, [np.pi / 2, 0.0], [0.0, 1.0], np.pi / 2)
    >>> bool(np.allclose(b.x_final, np.pi / 2, atol=1e-10)), b.drift_report()["g(v,v)"] < 1e-12
    (True, True)
    """
    system = geodesic_system(metric)
    rhs = _rhs_for(system, backend)
    strict = flag("strict", strict)
    n = system.dim
    X0, V0 = batch_rows(n, system.coords, x0=x0, v0=v0)
    N = X0.shape[0]
    sampled = samples("s", s, "parameter")
    m = sampled.size
    check_size("geodesics", rows=N, samples=m, components=2 * n + len(system.momenta) + 1)
    method = DormandPrince853(rtol=1e-10, atol=1e-12) if method is None else method

    nonfinite = ~np.all(np.isfinite(X0), axis=1) | ~np.all(np.isfinite(V0), axis=1)
    outside = chart_defects(system, X0) & ~nonfinite
    if strict and np.any(nonfinite):
        first = int(np.flatnonzero(nonfinite)[0])
        raise InputError(
            f"x0[{first}] = {X0[first].tolist()}, v0[{first}] = {V0[first].tolist()} is not finite; pass finite "
            "numbers, or strict=False to get Status.NONFINITE for that row."
        )
    if strict and np.any(outside):
        first = int(np.flatnonzero(outside)[0])
        raise SingularMetricError(
            f"x0[{first}] = {X0[first].tolist()} is outside the chart of {system.coords}: det g is zero, NaN or "
            "infinite there. Move the point inside the chart or change coordinates."
        )
    good = np.flatnonzero(~outside & ~nonfinite)
    if good.size:
        _check_symmetric(system, X0[good[:1]])

    y = np.full((N, m, 2 * n), np.nan)
    y_final = np.concatenate([X0, V0], axis=1)
    s_final = np.full(N, sampled[0])
    status = np.where(nonfinite, Status.NONFINITE, Status.OUTSIDE_CHART).astype(np.int8)
    event = np.full(N, -1, dtype=np.int16)
    n_steps = np.zeros(N, dtype=np.int64)
    if good.size:
        sol = integrate(
            rhs, y_final[good], (sampled[0], sampled[-1]), method, t_eval=sampled, events=events,
            boundaries=chart_boundary_events(system), backend=backend, executor=executor, progress=progress,
        )
        y[good], y_final[good], s_final[good] = sol.y, sol.y_final, sol.t_final
        status[good], event[good], n_steps[good] = sol.status, sol.event, sol.n_steps

    x, v = y[..., :n], y[..., n:]
    q0 = _conserved(system, X0.T, V0.T)
    along = _conserved(system, np.moveaxis(x, -1, 0), np.moveaxis(v, -1, 0))
    at_end = _conserved(system, y_final[:, :n].T, y_final[:, n:].T)
    with np.errstate(invalid="ignore"):
        drift = np.fmax(np.nanmax(np.abs(along - q0[:, :, None]), axis=2, initial=0.0), np.abs(at_end - q0)).T
    names = ("g(v,v)", *(name for name, _ in system.momenta))
    batch = GeodesicBatch(
        coords=system.coords,
        s=np.broadcast_to(sampled, (N, m)).copy(),
        x=x,
        v=v,
        s_final=s_final,
        x_final=y_final[:, :n].copy(),
        v_final=y_final[:, n:].copy(),
        status=status,
        event=event,
        n_steps=n_steps,
        norm0=q0[0],
        conserved_names=names,
        conserved=np.moveaxis(along, 0, -1),
        drift=drift,
    )
    if strict and not np.all(batch.success):
        first = int(np.flatnonzero(~batch.success)[0])
        raise IntegrationError(
            f"{int(np.sum(~batch.success))} of {N} geodesics failed ({status_counts(status)}); geodesic {first} "
            f"stopped at s = {s_final[first]} with status {Status(int(status[first])).name}, at "
            f"x = {batch.x_final[first].tolist()}. Add an Event before the singularity, shorten s, or pass "
            "strict=False to keep the other geodesics."
        )
    return batch
