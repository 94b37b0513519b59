r"""Boundary-value geodesics (the logarithm map): the geodesic from :math:`x_a` to :math:`x_b`.

Shooting comes first: damped Newton on :math:`F(v) = \exp_{x_a}(v) - x_b` for all pairs of the
batch at once, the derivative :math:`\partial\exp_{x_a}(v)/\partial v` integrated with each
geodesic (its variational equations, compiled with it), with continuation in the end point for
pairs whose Newton iterations do not contract; beside it, in the same integration calls,
multiple shooting from the chord, which suits nearly conjugate end points
(:mod:`extremal.numerics._shooting`). A pair solved only by a geodesic through a conjugate
point is tried again, for a shorter geodesic without one: from the velocity the other way
round, by multiple shooting run to its end, and from a coarse path-energy minimum started on
a bowed chord. Pairs still unsolved go to Chebyshev collocation (Newton on the node values of
the whole path, :mod:`extremal.numerics._collocation`). When all fail, the discrete path energy

.. math:: E[x_0, \dots, x_M] = M \sum_{k=0}^{M-1} g_{ij}\big(\tfrac{x_k + x_{k+1}}{2}\big)\,
          \Delta x_k^i \Delta x_k^j, \qquad \Delta x_k = x_{k+1} - x_k,

is minimised with L-BFGS over the interior points (a discretisation of
:math:`\tfrac12\int g(\dot x,\dot x)\,ds`, whose minimisers are geodesics), and its path
seeds a last round of shooting, unless it ran into a degenerate point of the chart.

Every converged geodesic is checked for conjugate points: :math:`\det Y(s)`, with
:math:`Y = \partial x(s)/\partial v` the Jacobi fields, is sampled along it; a sign change in
:math:`(0, 1]`, or a nearly singular :math:`Y(1)`, gives ``Status.CONJUGATE``: for a Riemannian
metric such a geodesic is not the shortest path between its end points (Jacobi's theorem). The
chart is taken as it is: identifications such as a periodic angle are not known, so a pair is
joined by the geodesics that reach its end point in the chart's own coordinates.
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
from extremal.numerics._geodesic_ivp import chart_defects
from extremal.numerics._geodesic_system import GeodesicSystem, geodesic_system
from extremal.numerics._methods import DormandPrince54, DormandPrince853, FixedStep, Method
from extremal.numerics._metric_function import MetricFunction
from extremal.numerics._shooting import (
    ShootingResult,
    along,
    conjugate_points,
    multiple_shoot,
    shoot,
    solve_pairs,
)
from extremal.numerics._status import HasStatus, Status, status_counts
from extremal.symbolic._metric import Metric

__all__ = ["GeodesicPath", "PathEnergy", "Shooting", "geodesic_between"]

Array = NDArray[np.float64]

_SHOOTING_METHOD = DormandPrince853(rtol=1e-13, atol=1e-13)
# Pairs collocated together: their Newton matrices, (m n)^2 values each, stay below this many values.
_COLLOCATION_VALUES = 2**22
# Samples of det Y(s) along each converged geodesic, looking for conjugate points.
_CONJUGATE_SAMPLES = 129
# Multiple shooting: integrations per pair, and the residual it hands to single shooting.
_MULTIPLE_ITERATIONS, _MULTIPLE_TOL = 30, 1e-8


@dataclass(frozen=True, slots=True)
class Shooting:
    """Newton's method on the exponential map, with continuation in the end point.

    Parameters
    ----------
    tol : float
        Converged when :math:`|\\exp_{x_a}(v) - x_b| \\le \\mathrm{tol}\\,(1 + |x_b|)`.
    max_iterations : int
        Integrations per pair (each one Newton iterate, with its Jacobian), over all targets of
        the continuation.
    method : DormandPrince54, DormandPrince853 or FixedStep
        Integrator for the exponential map and its variational equations.
    conjugate_tol : float
        End points count as conjugate when the smallest singular value of the Jacobian,
        relative to the largest, is below this.
    segments : int
        Pieces of the geodesic in multiple shooting (at least 2), tried for pairs that single
        shooting does not resolve.

    Raises
    ------
    InputError
        For a tolerance outside (0, 1), a count below 1 (``segments`` below 2) or a method of the wrong type.

    Examples
    --------
    >>> Shooting().tol
    1e-11
    """

    tol: float = 1e-11
    max_iterations: int = 80
    method: Method = _SHOOTING_METHOD
    conjugate_tol: float = 1e-6
    segments: int = 4

    def __post_init__(self) -> None:
        positive("tol", self.tol, "A typical value is 1e-11.", at_most=0.5)
        count("max_iterations", self.max_iterations, "A typical value is 80.")
        positive("conjugate_tol", self.conjugate_tol, "A typical value is 1e-6.", at_most=0.5)
        count("segments", self.segments, "A typical value is 4.", minimum=2)
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


# The path energy that seeds a last search for a geodesic without conjugate points; how much its start is bowed.
_SEED_ENERGY, _SEED_BEND = PathEnergy(points=16, max_iterations=200), 0.1


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
        ``SUCCESS``; ``CONJUGATE`` when the geodesic converged but passes a point conjugate to
        :math:`x_a` (see ``conjugate_s``) or ends nearly at one, so that (for a Riemannian metric)
        it is not the shortest path between its end points, and no shorter geodesic without one
        was found; ``NOT_CONVERGED``, ``OUTSIDE_CHART`` or ``NONFINITE``.
    fallback_used : ndarray of bool, shape (N,)
        Whether the path-energy fallback was needed.
    collocated : ndarray of bool, shape (N,)
        Whether collocation solved the pair (else shooting did, or nothing did).
    conjugate_s : ndarray, shape (N,)
        The first :math:`s \\in (0, 1]` where :math:`\\det \\partial x(s)/\\partial v_0` changed
        sign: a point conjugate to :math:`x_a` (NaN where none was found, and for unsolved pairs).
        Sampled at 128 points, so two conjugate points closer than 1/128 apart cancel, and one of
        even multiplicity (possible from dimension 3 on) is not seen.
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
    conjugate_s: Array


def _conjugate_points(system: GeodesicSystem, x_a: Array, v: Array, method: Method) -> Array:
    """The first conjugate point along each geodesic ``exp(s v)`` (NaN where none)."""
    if x_a.shape[0] == 0:
        return np.zeros(0)
    grid = np.linspace(0.0, 1.0, _CONJUGATE_SAMPLES)
    return conjugate_points(grid, along(system, x_a, v, method, grid)[1])


def _retake(
    system: GeodesicSystem, method: Method, x_a: Array, rows: NDArray[np.int64], result: ShootingResult, v: Array,
    residual: Array, converged: NDArray[np.bool_], conjugate: Array,
) -> None:
    """Replace the solutions of ``rows`` by ``result`` where it converged to a geodesic with no conjugate point
    and the old one did not converge, or had one and was longer (in place)."""
    found = np.full(rows.size, np.nan)
    ok = result.converged
    found[ok] = _conjugate_points(system, x_a[ok], result.v[ok], method)
    with np.errstate(all="ignore"):
        shorter = np.abs(system.norm(x_a.T, result.v.T)) < np.abs(system.norm(x_a.T, v[rows].T))
    better = ok & np.isnan(found) & (~converged[rows] | (np.isfinite(conjugate[rows]) & shorter))
    r = rows[better]
    v[r], residual[r], converged[r], conjugate[r] = result.v[better], result.residual[better], True, np.nan


def _path_energy(system: GeodesicSystem, x_a: Array, x_b: Array, opts: PathEnergy, bend: float = 0.0) -> Array:
    """Minimise the discrete path energy for all rows jointly; returns paths of shape (k, M+1, n).

    The start is the chord, bowed by ``bend`` times its length across it (to leave a geodesic that is a saddle).
    """
    k, n = x_a.shape
    M = opts.points + 1
    s = np.linspace(0.0, 1.0, M + 1)
    chord = x_b - x_a
    across = np.zeros_like(chord)
    if n > 1:
        across[:, 0], across[:, 1] = -chord[:, 1], chord[:, 0]
    start = x_a[:, None, :] + s[None, :, None] * chord[:, None, :]
    start += bend * np.sin(np.pi * s)[None, :, None] * across[:, None, :]

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
        Options of collocation, tried for the pairs shooting does not solve (default ``Collocation()``).
    shooting : Shooting, optional
        Options of single and multiple shooting, tried first (default ``Shooting()``).
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
    converged = np.zeros(N, dtype=bool)
    fallback_used = np.zeros(N, dtype=bool)
    collocated = np.zeros(N, dtype=bool)
    s = np.linspace(0.0, 1.0, samples)
    paths = np.full((N, samples, n), np.nan)
    length = np.full(N, np.nan)

    def run(rows: NDArray[np.int64], guess: Array | None) -> ShootingResult:
        return shoot(system, A[rows], B[rows], guess, tol=shooting.tol, max_iterations=shooting.max_iterations,
                     method=shooting.method, continuation=guess is None)

    def take(rows: NDArray[np.int64], result: ShootingResult, replace: NDArray[np.bool_]) -> None:
        """Keep the new solutions of ``rows`` where ``replace``."""
        r = rows[replace]
        v[r], residual[r], converged[r] = result.v[replace], result.residual[replace], result.converged[replace]

    inside = np.flatnonzero(~outside)
    if inside.size:
        initial = solve_pairs(
            system, A[inside], B[inside], tol=shooting.tol, max_iterations=shooting.max_iterations,
            method=shooting.method, segments=shooting.segments, multiple_tol=_MULTIPLE_TOL,
            multiple_iterations=_MULTIPLE_ITERATIONS,
        )
        take(inside, initial, np.ones(inside.size, dtype=bool))
    # A pair solved only by a geodesic through a conjugate point may have a shorter one.
    conjugate = np.full(N, np.nan)
    conjugate[converged] = _conjugate_points(system, A[converged], v[converged], shooting.method)
    # Past a conjugate point at s*, the geodesic the other way round has about the length (2 s* - 1) L
    # (exactly so on a sphere): shoot from that guess.
    rows = np.flatnonzero(converged & (conjugate > 0.5))
    if rows.size:
        _retake(system, shooting.method, A[rows], rows, run(rows, -(2.0 * conjugate[rows, None] - 1.0) * v[rows]),
                v, residual, converged, conjugate)
    # Multiple shooting stopped when single shooting solved the pair; let it run to its end.
    retry = np.flatnonzero(converged & np.isfinite(conjugate))
    if retry.size:
        multiple = multiple_shoot(
            system, A[retry], B[retry], segments=shooting.segments, tol=_MULTIPLE_TOL,
            max_iterations=_MULTIPLE_ITERATIONS, method=shooting.method,
        )
        ok = multiple.converged
        rows = retry[ok]
        if rows.size:
            _retake(system, shooting.method, A[rows], rows, run(rows, multiple.v[ok]), v, residual, converged,
                    conjugate)
    # Last, for those: a coarse path-energy minimum from a bowed chord seeds shooting.
    rows = np.flatnonzero(converged & np.isfinite(conjugate))
    if rows.size:
        path = _path_energy(system, A[rows], B[rows], _SEED_ENERGY, bend=_SEED_BEND)
        M = path.shape[1] - 1
        guess = M * (-1.5 * path[:, 0] + 2 * path[:, 1] - 0.5 * path[:, 2])
        finite = np.all(np.isfinite(guess), axis=1)
        rows, guess = rows[finite], guess[finite]
        if rows.size:
            _retake(system, shooting.method, A[rows], rows, run(rows, guess), v, residual, converged, conjugate)
    pending = np.flatnonzero(~outside & ~converged)
    attempts = [(collocate, m) for m in collocation.nodes] + [(collocate_by_continuation, collocation.nodes[0])]
    for solve, m in attempts:
        chunk = max(1, _COLLOCATION_VALUES // (m * n) ** 2)
        for lo in range(0, pending.size, chunk):
            rows = pending[lo : lo + chunk]
            X, ok, res = solve(system, A[rows], B[rows], collocation, m)
            done = rows[ok]
            length[done], v[done] = length_and_velocity(system, X[ok])
            paths[done] = interpolation_matrix(m, s) @ X[ok]
            residual[done], collocated[done], converged[done] = res[ok], True, True
        pending = np.flatnonzero(~outside & ~converged)
    if pending.size:
        fallback_used[pending] = True
        path = _path_energy(system, A[pending], B[pending], fallback)
        M = path.shape[1] - 1
        in_chart = ~chart_defects(system, path.reshape(-1, n)).reshape(pending.size, M + 1).any(axis=1)
        polish = pending[in_chart]
        if polish.size:
            p = path[in_chart]
            guess = M * (-1.5 * p[:, 0] + 2 * p[:, 1] - 0.5 * p[:, 2])
            polished = run(polish, guess)
            take(polish, polished, polished.residual < residual[polish])
        fine = np.linspace(0.0, 1.0, samples)
        coarse = np.linspace(0.0, 1.0, M + 1)
        paths[pending] = np.stack(
            [np.stack([np.interp(fine, coarse, p[:, i]) for i in range(n)], axis=-1) for p in path]
        )

    good = np.flatnonzero(converged)
    degenerate = np.zeros(N, dtype=bool)
    if good.size:
        grid = np.union1d(s, np.linspace(0.0, 1.0, _CONJUGATE_SAMPLES))
        x, Y, _ = along(system, A[good], v[good], shooting.method, grid)
        conjugate[good] = conjugate_points(grid, Y)
        shot = ~collocated[good]
        paths[good[shot]] = x[shot][:, np.searchsorted(grid, s)]
        with np.errstate(all="ignore"):
            sv = np.linalg.svd(np.where(np.isfinite(Y[:, -1]), Y[:, -1], 0.0), compute_uv=False)
        degenerate[good] = sv[:, -1] <= shooting.conjugate_tol * sv[:, 0]
    conjugate[~converged] = np.nan
    status[converged] = np.where(degenerate[converged] | np.isfinite(conjugate[converged]), Status.CONJUGATE,
                                 Status.SUCCESS)
    shot = ~collocated
    length[shot] = np.sqrt(np.abs(system.norm(A[shot].T, v[shot].T)))
    result = GeodesicPath(
        system.coords, v, length, s, paths, residual, status, fallback_used, collocated, conjugate
    )
    if strict and not np.all(result.success):
        first = int(np.flatnonzero(~result.success)[0])
        raise IntegrationError(
            f"{int(np.sum(~result.success))} of {N} boundary-value problems failed "
            f"({status_counts(status)}); pair {first} from {A[first].tolist()} to {B[first].tolist()} ended "
            f"with status {Status(int(status[first])).name} (residual {residual[first]:.3g}). Points may be "
            "conjugate, outside the chart, or joined by no geodesic in this chart; pass strict=False to inspect."
        )
    return result
