r"""Boundary-value geodesics (the logarithm map): the geodesic from :math:`x_a` to :math:`x_b`.

Chebyshev collocation (:mod:`extremal.numerics`) is tried first: Newton on the
node values of the whole path, certified by its trailing coefficients. Pairs it does not
resolve go to shooting, which solves :math:`F(v) = \exp_{x_a}(v) - x_b = 0` by damped Newton iterations, all pairs
of the batch at once; the Jacobian :math:`\partial\exp_{x_a}(v)/\partial v` comes from central
differences of the exponential map (the 2n perturbed geodesics are integrated in the same
batch). When Newton fails, the discrete path energy

.. math:: E[x_0, \dots, x_M] = M \sum_{k=0}^{M-1} g_{ij}\big(\tfrac{x_k + x_{k+1}}{2}\big)\,
          \Delta x_k^i \Delta x_k^j, \qquad \Delta x_k = x_{k+1} - x_k,

is minimised with L-BFGS over the interior points (a discretisation of
:math:`\tfrac12\int g(\dot x,\dot x)\,ds`, whose minimisers are geodesics), and its path
seeds a second round of shooting, unless it ran into a degenerate point of the chart.
A small singular value of the converged Jacobian means the end points are (nearly)
conjugate along the geodesic; that is reported, not hidden.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.optimize
from numpy.typing import ArrayLike, NDArray

from extremal.errors import InputError, IntegrationError
from extremal.numerics._checks import batch_rows, check_size, count, flag, positive
from extremal.numerics._collocation import (
    Collocation,
    collocate,
    collocate_by_continuation,
    interpolation_matrix,
    length_and_velocity,
)
from extremal.numerics._geodesic_ivp import chart_boundary_events, chart_defects
from extremal.numerics._geodesic_system import GeodesicSystem, geodesic_system
from extremal.numerics._methods import DormandPrince54, DormandPrince853, FixedStep, Method
from extremal.numerics._metric_function import MetricFunction
from extremal.numerics._runge_kutta import integrate
from extremal.numerics._status import HasStatus, Status, status_counts
from extremal.symbolic._metric import Metric

__all__ = ["GeodesicPath", "PathEnergy", "Shooting", "geodesic_between"]

Array = NDArray[np.float64]

_SHOOTING_METHOD = DormandPrince853(rtol=1e-13, atol=1e-13)
# Newton stops for a pair whose residual fell by less than this factor over the last iterations.
_STALL_WINDOW, _STALL_FACTOR = 5, 0.9
# Pairs collocated together: their Newton matrices, (m n)^2 values each, stay below this many values.
_COLLOCATION_VALUES = 2**22


@dataclass(frozen=True, slots=True)
class Shooting:
    """Newton's method on the exponential map.

    Parameters
    ----------
    tol : float
        Converged when :math:`|\\exp_{x_a}(v) - x_b| \\le \\mathrm{tol}\\,(1 + |x_b|)`.
    max_iterations : int
        Newton iterations (each with up to 8 step halvings); a pair stops earlier once its residual
        has fallen by less than 10 % over 5 iterations.
    method : DormandPrince54, DormandPrince853 or FixedStep
        Integrator for the exponential map.
    conjugate_tol : float
        End points count as conjugate when the smallest singular value of the Jacobian,
        relative to the largest, is below this.

    Raises
    ------
    InputError
        For a tolerance outside (0, 1), a count below 1 or a method of the wrong type.

    Examples
    --------
    >>> Shooting().tol
    1e-11
    """

    tol: float = 1e-11
    max_iterations: int = 40
    method: Method = _SHOOTING_METHOD
    conjugate_tol: float = 1e-6

    def __post_init__(self) -> None:
        positive("tol", self.tol, "A typical value is 1e-11.", at_most=0.5)
        count("max_iterations", self.max_iterations, "A typical value is 40.")
        positive("conjugate_tol", self.conjugate_tol, "A typical value is 1e-6.", at_most=0.5)
        if not isinstance(self.method, DormandPrince54 | DormandPrince853 | FixedStep):
            raise InputError(
                f"method must be DormandPrince54(...), DormandPrince853(...) or FixedStep(...); got {self.method!r}."
            )


@dataclass(frozen=True, slots=True)
class PathEnergy:
    """Minimise the discrete path energy over ``points`` interior points (the fallback).

    Parameters
    ----------
    points : int
        Interior points of the discrete path (at least 1).
    max_iterations : int
        L-BFGS iterations (at least 1).

    Raises
    ------
    InputError
        For a count that is not an int >= 1.

    Examples
    --------
    >>> PathEnergy(points=32).points
    32
    """

    points: int = 48
    max_iterations: int = 500

    def __post_init__(self) -> None:
        count("points", self.points, "A typical value is 48.")
        count("max_iterations", self.max_iterations, "A typical value is 500.")


@dataclass(frozen=True, slots=True, eq=False)
class GeodesicPath(HasStatus):
    """Geodesics joining N pairs of points, as arrays.

    Attributes
    ----------
    coords : tuple of str
    v0 : ndarray, shape (N, n)
        Initial velocity; the geodesic is :math:`\\exp_{x_a}(s v_0)`, :math:`s \\in [0, 1]`.
    length : ndarray, shape (N,)
        :math:`\\int_0^1\\sqrt{|g(\\dot x, \\dot x)|}\\,ds` (:math:`= \\sqrt{|g(v_0, v_0)|}`).
    s : ndarray, shape (m,)
    x : ndarray, shape (N, m, n)
        Points along the geodesic (the discrete minimiser where shooting failed).
    residual : ndarray, shape (N,)
        :math:`|\\exp_{x_a}(v_0) - x_b|` after shooting; after collocation, the largest
        residual of the collocation equations relative to :math:`|\\ddot x|`.
    status : ndarray, shape (N,)
        ``SUCCESS``, ``CONJUGATE`` (converged, end points nearly conjugate),
        ``NOT_CONVERGED`` or ``OUTSIDE_CHART``.
    fallback_used : ndarray of bool, shape (N,)
        Whether the path-energy fallback was needed.
    collocated : ndarray of bool, shape (N,)
        Whether collocation solved the pair (else shooting did, or nothing did).
    """

    coords: tuple[str, ...]
    v0: Array
    length: Array
    s: Array
    x: Array
    residual: Array
    status: NDArray[np.int8]
    fallback_used: NDArray[np.bool_]
    collocated: NDArray[np.bool_]


def _endpoints(system: GeodesicSystem, x_a: Array, v: Array, method: Method) -> tuple[Array, NDArray[np.bool_]]:
    y0 = np.concatenate([x_a, v], axis=1)
    sol = integrate(system.rhs, y0, (0.0, 1.0), method, boundaries=chart_boundary_events(system))
    return sol.y_final[:, : system.dim], sol.status == Status.SUCCESS


def _residual_and_jacobian(
    system: GeodesicSystem, x_a: Array, x_b: Array, v: Array, method: Method
) -> tuple[Array, Array, NDArray[np.bool_]]:
    k, n = v.shape
    h = 1e-6 * np.maximum(1.0, np.abs(v))
    shifts = np.zeros((2 * n + 1, k, n))
    for i in range(n):
        shifts[1 + i, :, i] = h[:, i]
        shifts[1 + n + i, :, i] = -h[:, i]
    V = (v[None] + shifts).reshape(-1, n)
    X = np.broadcast_to(x_a, (2 * n + 1, k, n)).reshape(-1, n)
    flat_ends, flat_ok = _endpoints(system, X, V, method)
    ends = flat_ends.reshape(2 * n + 1, k, n)
    ok = np.all(flat_ok.reshape(2 * n + 1, k), axis=0)
    J = np.moveaxis((ends[1 : 1 + n] - ends[1 + n :]) / (2 * h.T[:, :, None]), 0, -1)
    return ends[0] - x_b, J, ok


def _shoot(
    system: GeodesicSystem, x_a: Array, x_b: Array, v: Array, opts: Shooting
) -> tuple[Array, Array, Array, NDArray[np.bool_]]:
    """Damped Newton for every row; returns v, residual norm, Jacobian and convergence flags."""
    v = v.copy()
    scale = opts.tol * (1.0 + np.linalg.norm(x_b, axis=1))
    F, J, ok = _residual_and_jacobian(system, x_a, x_b, v, opts.method)
    norm = np.where(ok, np.linalg.norm(F, axis=1), np.inf)
    active = ok & (norm > scale)
    history = [norm.copy()]
    for _ in range(opts.max_iterations):
        if len(history) > _STALL_WINDOW:
            active &= norm < _STALL_FACTOR * history[-_STALL_WINDOW - 1]
        history.append(norm.copy())
        rows = np.flatnonzero(active)
        if rows.size == 0:
            break
        Jr = J[rows]
        with np.errstate(all="ignore"):
            step = -_solve(Jr, F[rows])
        alpha = np.ones(rows.size)
        improved = np.zeros(rows.size, dtype=bool)
        for _ in range(8):
            trial = np.where(improved[:, None], v[rows], v[rows] + alpha[:, None] * step)
            todo = ~improved
            ends, good = _endpoints(system, x_a[rows][todo], trial[todo], opts.method)
            trial_norm = np.full(rows.size, np.inf)
            trial_norm[todo] = np.where(good, np.linalg.norm(ends - x_b[rows][todo], axis=1), np.inf)
            better = todo & (trial_norm < norm[rows])
            v[rows[better]] = trial[better]
            improved |= better
            alpha = np.where(improved, alpha, alpha / 2)
            if improved.all():
                break
        stuck = rows[~improved]
        active[stuck] = False
        moved = rows[improved]
        if moved.size:
            F_m, J_m, ok_m = _residual_and_jacobian(system, x_a[moved], x_b[moved], v[moved], opts.method)
            F[moved], J[moved] = F_m, J_m
            norm[moved] = np.where(ok_m, np.linalg.norm(F_m, axis=1), np.inf)
            active[moved] = ok_m & (norm[moved] > scale[moved])
    return v, norm, J, norm <= scale


def _solve(J: Array, F: Array) -> Array:
    """Least-squares Newton step per row (robust where ``J`` is nearly singular)."""
    U, sv, Vt = np.linalg.svd(J)
    cutoff = 1e-12 * sv[:, :1]
    inv = np.where(sv > cutoff, 1.0 / np.where(sv > cutoff, sv, 1.0), 0.0)
    return np.einsum("kji,kj,klj,kl->ki", Vt, inv, U, F)


def _path_energy(system: GeodesicSystem, x_a: Array, x_b: Array, opts: PathEnergy) -> Array:
    """Minimise the discrete path energy for all rows jointly; returns paths of shape (k, M+1, n)."""
    k, n = x_a.shape
    M = opts.points + 1
    s = np.linspace(0.0, 1.0, M + 1)
    start = x_a[:, None, :] + s[None, :, None] * (x_b - x_a)[:, None, :]

    def unpack(z: Array) -> Array:
        path = start.copy()
        path[:, 1:-1] = z.reshape(k, M - 1, n)
        return path

    def energy(z: Array) -> tuple[float, Array]:
        path = unpack(z)
        d = np.diff(path, axis=1)
        mid = 0.5 * (path[:, 1:] + path[:, :-1])
        g, dg = system.jet(np.moveaxis(mid, -1, 0).reshape(n, -1))
        g = g.reshape(n, n, k, M)
        dg = dg.reshape(n, n, n, k, M)
        with np.errstate(all="ignore"):
            value = M * np.einsum("ijkm,kmi,kmj->", g, d, d)
            gd = np.einsum("ijkm,kmj->kmi", g, d)
            ddg = 0.5 * np.einsum("ijlkm,kmi,kmj->kml", dg, d, d)
        grad = M * (2 * (gd[:, :-1] - gd[:, 1:]) + ddg[:, :-1] + ddg[:, 1:])
        if not (np.isfinite(value) and np.all(np.isfinite(grad))):
            return np.inf, np.zeros_like(z)
        return float(value), grad.ravel()

    result = scipy.optimize.minimize(
        energy, start[:, 1:-1].ravel(), jac=True, method="L-BFGS-B",
        options={"maxiter": opts.max_iterations, "ftol": 1e-15, "gtol": 1e-12},
    )
    return unpack(result.x)


def geodesic_between(
    metric: Metric | MetricFunction,
    x_a: ArrayLike,
    x_b: ArrayLike,
    *,
    collocation: Collocation | None = None,
    shooting: Shooting | None = None,
    fallback: PathEnergy | None = None,
    samples: int = 33,
    strict: bool = False,
) -> GeodesicPath:
    r"""The geodesic from ``x_a`` to ``x_b`` and its length, for N pairs at once.

    Parameters
    ----------
    metric : Metric or MetricFunction
    x_a, x_b : array_like, shape (n,) or (N, n)
        End points.
    collocation : Collocation, optional
        Options of the first attempt (default ``Collocation()``).
    shooting : Shooting, optional
        Newton options (default ``Shooting()``).
    fallback : PathEnergy, optional
        Options of the path-energy fallback (default ``PathEnergy()``).
    samples : int
        Number of points returned along each geodesic.
    strict : bool
        Raise :class:`IntegrationError` unless every pair converged.

    Returns
    -------
    GeodesicPath
        A pair with a non-finite end point gets ``Status.NONFINITE``, one with an end point outside
        the chart ``Status.OUTSIDE_CHART``; the other pairs are solved as usual.

    Raises
    ------
    InputError
        For wrongly shaped or non-numeric end points, ``samples`` not an int >= 2, or options of
        the wrong type.
    LimitError
        If N × ``samples`` × n values, or the path-energy fallback's N × ``points`` × n, would
        exceed ``extremal.limits(max_size=...)``.
    IntegrationError
        If ``strict`` and a pair did not converge or lies outside the chart.

    Examples
    --------
    A quarter of a great circle on the unit sphere:

    >>> sphere = Metric.from_line_element("dth**2 + sin(th)**2*dph**2", "th ph")
    >>> p = geodesic_between(sphere, [np.pi / 2, 0.0], [np.pi / 2, np.pi / 2])
    >>> bool(abs(p.length[0] - np.pi / 2) < 1e-10), Status(int(p.status[0])).name
    (True, 'SUCCESS')
    """
    system = geodesic_system(metric)
    n = system.dim
    collocation = Collocation() if collocation is None else collocation
    shooting = Shooting() if shooting is None else shooting
    fallback = PathEnergy() if fallback is None else fallback
    for name, value, kind in (
        ("collocation", collocation, Collocation), ("shooting", shooting, Shooting), ("fallback", fallback, PathEnergy)
    ):
        if not isinstance(value, kind):
            raise InputError(f"{name} must be {kind.__name__}(...) or None; got {value!r}.")
    strict = flag("strict", strict)
    A, B = batch_rows(n, system.coords, x_a=x_a, x_b=x_b)
    samples = count("samples", samples, "Pass the number of points returned along each geodesic, e.g. 33.", minimum=2)
    N = A.shape[0]
    check_size("geodesic_between", rows=N, samples=samples, components=n)
    check_size("the path-energy fallback", rows=N, points=fallback.points + 2, components=n)

    status = np.full(N, Status.NOT_CONVERGED, dtype=np.int8)
    nonfinite = ~np.all(np.isfinite(A), axis=1) | ~np.all(np.isfinite(B), axis=1)
    outside = chart_defects(system, A) | chart_defects(system, B) | nonfinite
    status[outside] = np.where(nonfinite[outside], Status.NONFINITE, Status.OUTSIDE_CHART)
    v = B - A
    residual = np.full(N, np.inf)
    J = np.full((N, n, n), np.nan)
    converged = np.zeros(N, dtype=bool)
    fallback_used = np.zeros(N, dtype=bool)
    collocated = np.zeros(N, dtype=bool)
    s = np.linspace(0.0, 1.0, samples)
    paths = np.full((N, samples, n), np.nan)
    length = np.full(N, np.nan)
    attempts = [(collocate, m) for m in collocation.nodes] + [(collocate_by_continuation, collocation.nodes[0])]
    for solve, m in attempts:
        pending = np.flatnonzero(~outside & ~collocated)
        chunk = max(1, _COLLOCATION_VALUES // (m * n) ** 2)
        for lo in range(0, pending.size, chunk):
            rows = pending[lo : lo + chunk]
            X, ok, res, Jc = solve(system, A[rows], B[rows], collocation, m)
            done = rows[ok]
            length[done], v[done] = length_and_velocity(system, X[ok])
            paths[done] = interpolation_matrix(m, s) @ X[ok]
            residual[done], J[done], collocated[done] = res[ok], Jc[ok], True
    converged |= collocated
    inside = np.flatnonzero(~outside & ~collocated)
    if inside.size:
        v[inside], residual[inside], J[inside], converged[inside] = _shoot(
            system, A[inside], B[inside], v[inside], shooting
        )
    retry = np.flatnonzero(~outside & ~converged)
    if retry.size:
        fallback_used[retry] = True
        path = _path_energy(system, A[retry], B[retry], fallback)
        M = path.shape[1] - 1
        in_chart = ~chart_defects(system, path.reshape(-1, n)).reshape(retry.size, M + 1).any(axis=1)
        polish = retry[in_chart]
        if polish.size:
            p = path[in_chart]
            guess = M * (-1.5 * p[:, 0] + 2 * p[:, 1] - 0.5 * p[:, 2])
            v2, r2, J2, c2 = _shoot(system, A[polish], B[polish], guess, shooting)
            take = r2 < residual[polish]
            v[polish[take]], residual[polish[take]], J[polish[take]] = v2[take], r2[take], J2[take]
            converged[polish] = c2
        fine = np.linspace(0.0, 1.0, samples)
        coarse = np.linspace(0.0, 1.0, M + 1)
        paths[retry] = np.stack(
            [np.stack([np.interp(fine, coarse, p[:, i]) for i in range(n)], axis=-1) for p in path]
        )

    good = np.flatnonzero(converged & ~collocated)
    if good.size:
        sol = integrate(
            system.rhs, np.concatenate([A[good], v[good]], axis=1), (0.0, 1.0), shooting.method, t_eval=s,
            boundaries=chart_boundary_events(system),
        )
        paths[good] = sol.y[..., :n]
    with np.errstate(all="ignore"):
        sv = np.linalg.svd(np.where(np.isfinite(J), J, 0.0), compute_uv=False)
        degenerate = sv[:, -1] <= shooting.conjugate_tol * sv[:, 0]
    status[converged] = np.where(degenerate[converged], Status.CONJUGATE, Status.SUCCESS)
    near = ~converged & ~outside & degenerate & (residual <= 1e-6 * (1 + np.linalg.norm(B, axis=1)))
    status[near] = Status.CONJUGATE
    shot = ~collocated
    length[shot] = np.sqrt(np.abs(system.norm(A[shot].T, v[shot].T)))
    result = GeodesicPath(system.coords, v, length, s, paths, residual, status, fallback_used, collocated)
    if strict and not np.all(result.success):
        first = int(np.flatnonzero(~result.success)[0])
        raise IntegrationError(
            f"{int(np.sum(~result.success))} of {N} boundary-value problems failed "
            f"({status_counts(status)}); pair {first} from {A[first].tolist()} to {B[first].tolist()} ended "
            f"with status {Status(int(status[first])).name} (residual {residual[first]:.3g}). Points may be "
            "conjugate, outside the chart, or joined by no geodesic in this chart; pass strict=False to inspect."
        )
    return result
