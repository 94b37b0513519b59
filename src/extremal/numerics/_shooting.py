r"""Shooting for boundary-value geodesics: Newton on the exponential map, with its derivative integrated alongside.

The geodesic from :math:`x_a` with initial velocity :math:`v` ends at :math:`\exp_{x_a}(v)`.
Its derivative :math:`Y(s) = \partial x(s)/\partial v` (an :math:`n \times n` matrix of Jacobi
fields) obeys the variational equations of :math:`\ddot x = a(x, \dot x)`,

.. math:: \ddot Y = \partial_x a\,Y + \partial_{\dot x} a\,\dot Y, \qquad Y(0) = 0,\ \dot Y(0) = I,

integrated with the geodesic as one state of :math:`2n + 2n^2` components
(Hairer, Nørsett & Wanner, *Solving ODEs I*, §I.14). For a symbolic metric these equations are
differentiated symbolically and compiled, so a whole Newton iteration for every pair of a batch is
one call of the compiled integrator; for a metric function that does not trace, :math:`Y` comes
from central differences of :math:`2n` perturbed geodesics integrated in the same call.

Newton's method on :math:`F(v) = \exp_{x_a}(v) - x_b` converges only from a guess near the
solution. Pairs whose Newton iterations stop contracting are continued in the end point
(Allgower & Georg, *Introduction to Numerical Continuation Methods*, ch. 2): the targets
:math:`x_\lambda = x_a + \lambda(x_b - x_a)` are solved for growing :math:`\lambda`, each from the
Euler predictor :math:`v_{\lambda'} = v_\lambda + Y_\lambda(1)^{-1}(x_{\lambda'} - x_\lambda)`,
the stride doubling after a success and quartered after a failure.

Along the converged geodesic, :math:`\det Y(s)` vanishes exactly at the points conjugate to
:math:`x_a`; a sign change of it inside :math:`(0, 1]` means the geodesic passed one, so it is not
the shortest path between its end points (do Carmo, *Riemannian Geometry*, ch. 11, Jacobi's theorem).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import sympy as sp
from numpy.typing import NDArray

from extremal.numerics._compile import CompiledFunction, compile_rhs
from extremal.numerics._geodesic_ivp import chart_boundary_events
from extremal.numerics._geodesic_system import GeodesicSystem
from extremal.numerics._methods import Method
from extremal.numerics._runge_kutta import integrate
from extremal.numerics._status import Status

__all__ = ["ShootingResult", "along", "conjugate_points", "shoot", "solve_pairs", "variational_rhs"]

Array = NDArray[np.float64]

# Newton iterations at one target before the continuation falls back to a nearer one.
_CORRECTOR_ITERATIONS = 8
# Multiple shooting halves a Newton step at most until it is this fraction of the full step.
_MIN_DAMPING = 1.0 / 16.0
# Intermediate targets of the continuation are solved to this relative residual only.
_INTERMEDIATE_TOL = 1e-4
# The stride of the continuation grows by _GROW after a solved target and shrinks by _SHRINK after a failure;
# it gives up on a pair whose stride fell below _MIN_STRIDE.
_GROW, _SHRINK = 2.0, 4.0
_MIN_STRIDE = 2.0**-14
# Steps allowed to one trial geodesic: a wild Newton iterate stops there instead of costing seconds.
_TRIAL_STEPS = 20_000
# Relative step of the central differences used when the variational equations are not compiled.
_FD_STEP = 1e-6


@lru_cache(maxsize=64)
def variational_rhs(rhs: CompiledFunction, columns: int) -> CompiledFunction | None:
    r"""The geodesic equations with ``columns`` variational columns, or ``None`` when they cannot be compiled.

    The state is :math:`(x, v, Y, \dot Y)`, :math:`Y` of shape (n, ``columns``) stored row-major:
    ``y[2n + columns*i + c]`` is :math:`Y^i_c` and ``y[2n + n*columns + columns*i + c]`` is
    :math:`\dot Y^i_c`. With ``columns = n`` the columns are the derivatives with respect to the
    initial velocity; with ``columns = 2n``, with respect to the initial position, then velocity.
    """
    d = len(rhs.inputs)
    n = d // 2
    if d == 0 or d % 2 or len(rhs.expressions) != d or tuple(rhs.expressions[:n]) != tuple(rhs.inputs[n:]):
        return None
    x, v = rhs.inputs[:n], rhs.inputs[n:]
    taken = {q.name for q in rhs.inputs} | {rhs.time.name}
    prefix = "_Y"
    while any(name.startswith(prefix) for name in taken):
        prefix += "_"
    Y = [[sp.Symbol(f"{prefix}{i}_{c}") for c in range(columns)] for i in range(n)]
    W = [[sp.Symbol(f"{prefix}d{i}_{c}") for c in range(columns)] for i in range(n)]
    acceleration = rhs.expressions[n:]
    da_dx = [[sp.diff(a, q) for q in x] for a in acceleration]
    da_dv = [[sp.diff(a, q) for q in v] for a in acceleration]
    cells = [(i, c) for i in range(n) for c in range(columns)]
    derivatives = [*v, *acceleration, *(W[i][c] for i, c in cells)]
    derivatives += [sum(da_dx[i][j] * Y[j][c] + da_dv[i][j] * W[j][c] for j in range(n)) for i, c in cells]
    if any(e.has(sp.Derivative, sp.Subs) for e in derivatives):
        return None
    states = [*x, *v, *(Y[i][c] for i, c in cells), *(W[i][c] for i, c in cells)]
    return compile_rhs(states, derivatives, rhs.time)


def flow(
    system: GeodesicSystem, x0: Array, v0: Array, duration: float | Array, method: Method, *, full: bool,
    s: Array | None = None,
) -> tuple[Array, Array, NDArray[np.bool_]]:
    r"""Geodesics from ``(x0, v0)`` for ``k`` rows at once, and their derivative with respect to the start.

    Returns the states ``y = (x, v)`` of shape (k, m, 2n) at the ``m`` times ``s`` (the end,
    ``duration`` (a number or one per row), when ``None``); their derivative ``M`` with respect to
    :math:`(x_0, v_0)`, shape (k, m, 2n, 2n), when ``full``, else with respect to :math:`v_0`,
    shape (k, m, 2n, n); and whether each integration reached its end inside the chart.
    """
    k, n = x0.shape
    cols = 2 * n if full else n
    method = replace(method, max_steps=min(method.max_steps, _TRIAL_STEPS))
    end = np.broadcast_to(np.asarray(duration, dtype=np.float64), (k,))
    t_eval = end[:, None] if s is None else s
    boundaries = chart_boundary_events(system)
    variational = variational_rhs(system.rhs, cols) if isinstance(system.rhs, CompiledFunction) else None
    if variational is not None:
        start = np.zeros((k, 2 * n + 2 * n * cols))
        start[:, :n], start[:, n : 2 * n] = x0, v0
        Y0 = np.zeros((2, n, cols))
        Y0[0, :, : cols - n] = np.eye(n)[:, : cols - n]
        Y0[1, :, cols - n :] = np.eye(n)
        start[:, 2 * n :] = Y0.ravel()
        sol = integrate(variational, start, (np.zeros(k), end), method, t_eval=t_eval, boundaries=boundaries)
        M = sol.y[..., 2 * n :].reshape(k, -1, 2 * n, cols)
        return sol.y[..., : 2 * n], M, sol.status == Status.SUCCESS
    y0 = np.concatenate([x0, v0], axis=1)
    h = _FD_STEP * np.maximum(1.0, np.abs(y0[:, 2 * n - cols :]))
    shifts = np.zeros((2 * cols + 1, k, 2 * n))
    for c in range(cols):
        shifts[1 + c, :, 2 * n - cols + c] = h[:, c]
        shifts[1 + cols + c, :, 2 * n - cols + c] = -h[:, c]
    Y = (y0[None] + shifts).reshape(-1, 2 * n)
    sol = integrate(system.rhs, Y, (np.zeros(Y.shape[0]), np.tile(end, 2 * cols + 1)), method,
                    t_eval=np.tile(t_eval, (2 * cols + 1, 1)) if s is None else t_eval, boundaries=boundaries)
    paths = sol.y.reshape(2 * cols + 1, k, -1, 2 * n)
    ok = np.all((sol.status == Status.SUCCESS).reshape(2 * cols + 1, k), axis=0)
    M = np.moveaxis((paths[1 : 1 + cols] - paths[1 + cols :]) / (2 * h.T[:, :, None, None]), 0, -1)
    return paths[0], M, ok


def along(
    system: GeodesicSystem, x_a: Array, v: Array, method: Method, s: Array | None = None
) -> tuple[Array, Array, NDArray[np.bool_]]:
    r"""Geodesics :math:`\exp_{x_a}(s v)` and :math:`Y(s) = \partial x(s)/\partial v`, for ``k`` rows at once.

    Returns ``x`` of shape (k, m, n) and ``Y`` of shape (k, m, n, n) at the ``m`` values of ``s``
    (``s = [1]`` when ``None``), and whether each integration reached ``s = 1`` inside the chart.
    """
    n = x_a.shape[1]
    y, M, ok = flow(system, x_a, v, 1.0, method, full=False, s=s)
    return y[..., :n], M[..., :n, :], ok


def _solve(J: Array, F: Array) -> Array:
    """Least-squares solution of ``J x = F`` per row (robust where ``J`` is nearly singular)."""
    with np.errstate(all="ignore"):
        U, sv, Vt = np.linalg.svd(np.where(np.isfinite(J), J, 0.0))
        cutoff = 1e-12 * sv[:, :1]
        inv = np.where(sv > cutoff, 1.0 / np.where(sv > cutoff, sv, 1.0), 0.0)
        return np.einsum("kji,kj,klj,kl->ki", Vt, inv, U, F)


@dataclass(frozen=True, slots=True)
class ShootingResult:
    """What :func:`shoot` found for each row: ``v``, ``|F(v)|``, ``dexp/dv`` at ``v``, convergence, iterations."""

    v: Array
    residual: Array
    jacobian: Array
    converged: NDArray[np.bool_]
    iterations: NDArray[np.int64]


Request = tuple[NDArray[np.int64], Array, Array, Array]
"""What a solver asks to integrate: its pair indices, start points, start velocities and durations."""
Reply = tuple[Array, Array, NDArray[np.bool_]]
"""The end states (R, 2n), their derivatives with respect to the start (R, 2n, 2n), and success."""
Solver = Generator[Request, Reply, ShootingResult]


def _drive(system: GeodesicSystem, method: Method, solvers: list[Solver]) -> list[ShootingResult]:
    """Run ``solvers`` in lockstep: the geodesics all of them ask for in one round are one integration call."""
    results: dict[int, ShootingResult] = {}
    pending: dict[int, Request] = {}
    for i, solver in enumerate(solvers):
        try:
            pending[i] = next(solver)
        except StopIteration as done:
            results[i] = done.value
    while pending:
        order = list(pending)
        requests = [pending[i] for i in order]
        x0 = np.concatenate([r[1] for r in requests])
        v0 = np.concatenate([r[2] for r in requests])
        duration = np.concatenate([r[3] for r in requests])
        y, M, ok = flow(system, x0, v0, duration, method, full=True)
        lo = 0
        for i, request in zip(order, requests, strict=True):
            hi = lo + request[0].size
            try:
                pending[i] = solvers[i].send((y[lo:hi, -1], M[lo:hi, -1], ok[lo:hi]))
            except StopIteration as done:
                results[i] = done.value
                del pending[i]
            lo = hi
    return [results[i] for i in range(len(solvers))]


def _single(
    x_a: Array, x_b: Array, guess: Array | None, solved: NDArray[np.bool_], *, tol: float, max_iterations: int,
    continuation: bool,
) -> Solver:
    """Newton on the initial velocity with continuation in the end point (see :func:`shoot`)."""
    k, n = x_a.shape
    scale = tol * (1.0 + np.linalg.norm(x_b, axis=1))
    chord = x_b - x_a
    lam, stride, target = np.zeros(k), np.ones(k), np.ones(k)
    v_solved, J_solved = np.zeros((k, n)), np.broadcast_to(np.eye(n), (k, n, n)).copy()
    v = chord.copy() if guess is None else guess.copy()
    step_size, J_base = np.full(k, np.inf), np.broadcast_to(np.eye(n), (k, n, n)).copy()
    tries = np.zeros(k, dtype=np.int64)
    iterations = np.zeros(k, dtype=np.int64)
    best_v, best_norm, best_J = v.copy(), np.full(k, np.inf), np.full((k, n, n), np.nan)
    running = np.all(np.isfinite(v), axis=1) & ~solved
    while running.any():
        rows = np.flatnonzero(running)
        y, M, ok = yield rows, x_a[rows], v[rows], np.ones(rows.size)
        end, J = y[:, :n], M[:, :n, n:]
        iterations[rows] += 1
        goal = x_a[rows] + target[rows, None] * chord[rows]
        with np.errstate(all="ignore"):
            F = end - goal
            norm = np.where(ok & np.all(np.isfinite(J), axis=(1, 2)), np.linalg.norm(F, axis=1), np.inf)
        norm = np.where(np.isfinite(norm), norm, np.inf)
        full = target[rows] == 1.0
        better = full & (norm < best_norm[rows])
        best_v[rows[better]], best_norm[rows[better]], best_J[rows[better]] = v[rows[better]], norm[better], J[better]
        intermediate = np.maximum(scale[rows], _INTERMEDIATE_TOL * (1.0 + np.linalg.norm(goal, axis=1)))
        hit = norm <= np.where(full, scale[rows], intermediate)
        running[rows[hit & full]] = False
        solved[rows[hit & full]] = True
        accept = hit & ~full
        # Deuflhard's natural monotonicity test: the simplified Newton correction J_old^-1 F(new) must be at
        # most half the last step.
        simplified = np.linalg.norm(_solve(J_base[rows], F), axis=1)
        newton = ~hit & np.isfinite(norm) & (simplified <= 0.5 * step_size[rows])
        newton &= tries[rows] < _CORRECTOR_ITERATIONS
        fail = ~hit & ~newton
        r = rows[newton]
        J_base[r], tries[r] = J[newton], tries[r] + 1
        step = -_solve(J[newton], F[newton])
        step_size[r] = np.linalg.norm(step, axis=1)
        v[r] += step
        # A solved intermediate target: longer stride. A failure: back to the last solved target, shorter stride.
        r = rows[accept]
        lam[r], v_solved[r], J_solved[r], stride[r] = target[r], v[r], J[accept], _GROW * stride[r]
        r = rows[fail]
        stride[r] /= _SHRINK
        running[r[(stride[r] < _MIN_STRIDE) | (not continuation)]] = False
        moved = rows[(accept | fail)]
        moved = moved[running[moved]]
        if moved.size:
            new = np.minimum(1.0, lam[moved] + stride[moved])
            target[moved] = new
            v[moved] = v_solved[moved] + _solve(J_solved[moved], (new - lam[moved])[:, None] * chord[moved])
            step_size[moved], tries[moved] = np.inf, 0
        running &= (iterations < max_iterations) & ~solved
    return ShootingResult(best_v, best_norm, best_J, best_norm <= scale, iterations)


def shoot(
    system: GeodesicSystem,
    x_a: Array,
    x_b: Array,
    guess: Array | None,
    *,
    tol: float,
    max_iterations: int,
    method: Method,
    continuation: bool = True,
) -> ShootingResult:
    """Newton on the initial velocity with continuation in the end point, every row at once.

    Each loop integrates the current iterate of every unfinished row, with its variational
    equations, in one call. A row starts from ``guess`` (the chord ``x_b - x_a`` when ``None``)
    aimed at ``x_b``. A Newton step is kept while Deuflhard's natural monotonicity test holds
    (the simplified correction at the new iterate at most half the step), for up to 8 steps per
    target; otherwise the row returns to the last solved target and aims at a nearer one. It stops
    converged when ``|F| <= tol (1 + |x_b|)``, or after ``max_iterations`` integrations, or when the
    stride of the continuation collapses (at the first failure when not ``continuation``: a
    polish of ``guess``).
    """
    solved = np.zeros(x_a.shape[0], dtype=bool)
    solver = _single(x_a, x_b, guess, solved, tol=tol, max_iterations=max_iterations, continuation=continuation)
    return _drive(system, method, [solver])[0]


def _multiple(
    x_a: Array, x_b: Array, solved: NDArray[np.bool_], *, segments: int, tol: float, max_iterations: int
) -> Solver:
    """Multiple shooting (see :func:`solve_pairs`); marks the rows it brought below ``tol`` in ``solved``."""
    P, n = x_a.shape
    K = segments
    D = (2 * K - 1) * n
    chord = x_b - x_a
    nodes = np.arange(1, K) / K
    inner = np.concatenate(
        [x_a[:, None] + nodes[None, :, None] * chord[:, None], np.repeat(chord[:, None], K - 1, axis=1)], axis=2
    )
    z = np.concatenate([chord, inner.reshape(P, -1)], axis=1)
    scale = tol * (1.0 + np.linalg.norm(x_b, axis=1))
    r, A = np.full((P, D), np.inf), np.zeros((P, D, D))
    norm, step_size = np.full(P, np.inf), np.full(P, np.inf)
    calls = np.zeros(P, dtype=np.int64)
    trial, step, alpha = z.copy(), np.zeros_like(z), np.ones(P)
    running = ~solved.copy()
    while running.any():
        rows = np.flatnonzero(running)
        starts = np.empty((rows.size, K, 2 * n))
        starts[:, 0, :n], starts[:, 0, n:] = x_a[rows], trial[rows, :n]
        starts[:, 1:] = trial[rows, n:].reshape(rows.size, K - 1, 2 * n)
        y, M, ok = yield (
            np.repeat(rows, K), starts[..., :n].reshape(-1, n), starts[..., n:].reshape(-1, n),
            np.full(rows.size * K, 1.0 / K),
        )
        calls[rows] += 1
        ends, M = y.reshape(rows.size, K, 2 * n), M.reshape(rows.size, K, 2 * n, 2 * n)
        r_t = np.empty((rows.size, D))
        r_t[:, : 2 * n * (K - 1)] = (ends[:, :-1] - starts[:, 1:]).reshape(rows.size, -1)
        r_t[:, 2 * n * (K - 1) :] = ends[:, -1, :n] - x_b[rows]
        A_t = np.zeros((rows.size, D, D))
        A_t[:, : 2 * n, :n] = M[:, 0, :, n:]
        for k in range(1, K):
            col = n + 2 * n * (k - 1)
            block = slice(2 * n * k, min(D, 2 * n * (k + 1)))
            A_t[:, 2 * n * (k - 1) : 2 * n * k, col : col + 2 * n] = -np.eye(2 * n)
            A_t[:, block, col : col + 2 * n] = M[:, k, : block.stop - block.start]
        with np.errstate(all="ignore"):
            finite = ok.reshape(rows.size, K).all(axis=1) & np.all(np.isfinite(r_t), axis=1)
            simplified = np.linalg.norm(_solve(A[rows], np.where(finite[:, None], r_t, 0.0)), axis=1)
        # The natural monotonicity test with damping: a trial that fails it halves the step (Deuflhard's
        # damped Newton); the first call only sets the base.
        good = finite & ((calls[rows] == 1) | (simplified <= (1.0 - alpha[rows] / 2.0) * step_size[rows]))
        g = rows[good]
        z[g], r[g], A[g] = trial[g], r_t[good], A_t[good]
        norm[g] = np.linalg.norm(r_t[good], axis=1)
        step[g] = -_solve(A[g], r[g])
        step_size[g] = np.linalg.norm(step[g], axis=1)
        alpha[g] = np.where(calls[g] == 1, 1.0, np.minimum(1.0, 2.0 * alpha[g]))
        b = rows[~good]
        alpha[b] /= 2.0
        running[b[alpha[b] < _MIN_DAMPING]] = False
        trial[rows] = z[rows] + alpha[rows, None] * step[rows]
        solved[g[norm[g] <= scale[g]]] = True
        running &= (norm > scale) & (calls < max_iterations) & ~solved
    converged = norm <= scale
    return ShootingResult(z[:, :n], norm, np.full((P, n, n), np.nan), converged, calls)


def multiple_shoot(
    system: GeodesicSystem, x_a: Array, x_b: Array, *, segments: int, tol: float, max_iterations: int,
    method: Method,
) -> ShootingResult:
    """Multiple shooting alone (see :func:`solve_pairs`): initial velocities, residuals, convergence to ``tol``."""
    solved = np.zeros(x_a.shape[0], dtype=bool)
    solver = _multiple(x_a, x_b, solved, segments=segments, tol=tol, max_iterations=max_iterations)
    return _drive(system, method, [solver])[0]


def solve_pairs(
    system: GeodesicSystem, x_a: Array, x_b: Array, *, tol: float, max_iterations: int, method: Method,
    segments: int, multiple_tol: float, multiple_iterations: int,
) -> ShootingResult:
    r"""Single and multiple shooting side by side, their geodesics integrated in the same calls.

    Multiple shooting (Stoer & Bulirsch, *Introduction to Numerical Analysis*, §7.3.5) splits
    the geodesic into ``segments`` pieces, its unknowns the initial velocity and the states at
    the inner nodes :math:`s_k = k/K`, started on the chord with velocity :math:`x_b - x_a`; it
    suits pairs whose single shooting is badly conditioned (near-conjugate end points), single
    shooting with continuation the others. A pair stops in both once either solved it; those
    multiple shooting solved to ``multiple_tol`` are polished by single shooting to ``tol``.
    """
    k = x_a.shape[0]
    solved = np.zeros(k, dtype=bool)
    single, multiple = _drive(system, method, [
        _single(x_a, x_b, None, solved, tol=tol, max_iterations=max_iterations, continuation=True),
        _multiple(x_a, x_b, solved, segments=segments, tol=multiple_tol, max_iterations=multiple_iterations),
    ])
    rows = np.flatnonzero(multiple.converged & ~single.converged)
    if rows.size == 0:
        return single
    polished = shoot(system, x_a[rows], x_b[rows], multiple.v[rows], tol=tol, max_iterations=max_iterations,
                     method=method, continuation=False)
    take = polished.converged | (polished.residual < single.residual[rows])
    r = rows[take]
    v, residual, J = single.v.copy(), single.residual.copy(), single.jacobian.copy()
    v[r], residual[r], J[r] = polished.v[take], polished.residual[take], polished.jacobian[take]
    converged = single.converged.copy()
    converged[r] = polished.converged[take]
    return ShootingResult(v, residual, J, converged, single.iterations + multiple.iterations)


def conjugate_points(s: Array, Y: Array) -> Array:
    r"""The first :math:`s \in (0, 1]` where :math:`\det Y(s)` changed sign, per row (NaN where it did not).

    ``Y`` has shape (k, m, n, n) at the ``m`` increasing values ``s`` (``s[0] = 0`` is skipped:
    :math:`Y(0) = 0`); the crossing is located by linear interpolation between samples.
    """
    with np.errstate(all="ignore"):
        det = np.linalg.det(np.where(np.isfinite(Y), Y, 0.0))[:, s > 0]
    t = s[s > 0]
    sign = np.sign(det)
    changed = (sign[:, 1:] != sign[:, :1]) & (sign[:, 1:] != 0)
    first = np.where(changed.any(axis=1), changed.argmax(axis=1), -1)
    out = np.full(Y.shape[0], np.nan)
    rows = np.flatnonzero(first >= 0)
    j = first[rows]
    d0, d1 = det[rows, j], det[rows, j + 1]
    with np.errstate(all="ignore"):
        frac = np.where(d0 != d1, d0 / (d0 - d1), 0.5)
    out[rows] = t[j] + np.clip(frac, 0.0, 1.0) * (t[j + 1] - t[j])
    return out

