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

__all__ = ["ShootingResult", "along", "conjugate_points", "shoot", "variational_rhs"]

Array = NDArray[np.float64]

# Newton iterations, and the smallest damping factor, at an intermediate target and at the end point.
_CORRECTOR_ITERATIONS, _CORRECTOR_ALPHA = 8, 1.0
_FINAL_ITERATIONS, _FINAL_ALPHA = 40, 2.0**-10
# Intermediate targets of the continuation are solved to this relative residual only.
_INTERMEDIATE_TOL = 1e-8
# The continuation gives up on a pair whose stride fell below this.
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
    system: GeodesicSystem, x0: Array, v0: Array, duration: float, method: Method, *, full: bool,
    s: Array | None = None,
) -> tuple[Array, Array, NDArray[np.bool_]]:
    r"""Geodesics from ``(x0, v0)`` for ``k`` rows at once, and their derivative with respect to the start.

    Returns the states ``y = (x, v)`` of shape (k, m, 2n) at the ``m`` times ``s`` (``[duration]``
    when ``None``), :math:`M = \partial y / \partial (x_0, v_0)` of shape (k, m, 2n, 2n) when ``full``,
    else :math:`\partial y / \partial v_0` of shape (k, m, 2n, n), and whether each integration
    reached ``duration`` inside the chart.
    """
    k, n = x0.shape
    cols = 2 * n if full else n
    method = replace(method, max_steps=min(method.max_steps, _TRIAL_STEPS))
    t_eval = np.array([duration]) if s is None else s
    boundaries = chart_boundary_events(system)
    variational = variational_rhs(system.rhs, cols) if isinstance(system.rhs, CompiledFunction) else None
    if variational is not None:
        start = np.zeros((k, 2 * n + 2 * n * cols))
        start[:, :n], start[:, n : 2 * n] = x0, v0
        Y0 = np.zeros((2, n, cols))
        Y0[0, :, : cols - n] = np.eye(n)[:, : cols - n]
        Y0[1, :, cols - n :] = np.eye(n)
        start[:, 2 * n :] = Y0.ravel()
        sol = integrate(variational, start, (0.0, duration), method, t_eval=t_eval, boundaries=boundaries)
        M = sol.y[..., 2 * n :].reshape(k, -1, 2 * n, cols)
        return sol.y[..., : 2 * n], M, sol.status == Status.SUCCESS
    y0 = np.concatenate([x0, v0], axis=1)
    h = _FD_STEP * np.maximum(1.0, np.abs(y0[:, 2 * n - cols :]))
    shifts = np.zeros((2 * cols + 1, k, 2 * n))
    for c in range(cols):
        shifts[1 + c, :, 2 * n - cols + c] = h[:, c]
        shifts[1 + cols + c, :, 2 * n - cols + c] = -h[:, c]
    Y = (y0[None] + shifts).reshape(-1, 2 * n)
    sol = integrate(system.rhs, Y, (0.0, duration), method, t_eval=t_eval, boundaries=boundaries)
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


def shoot(
    system: GeodesicSystem,
    x_a: Array,
    x_b: Array,
    guess: Array | None,
    *,
    tol: float,
    max_iterations: int,
    method: Method,
) -> ShootingResult:
    """Damped Newton on the initial velocity with continuation in the end point, every row at once.

    Each loop integrates the current trial velocity of every unfinished row, with its variational
    equations, in one call. A row starts from ``guess`` (the chord ``x_b - x_a`` when ``None``)
    aimed at ``x_b``. A Newton step is halved until the residual falls by a factor
    :math:`1 - \alpha/4` (Armijo's rule); when the halvings or the iterations at one target run
    out, the row returns to the last solved target and aims at a nearer one. It stops converged
    when ``|F| <= tol (1 + |x_b|)``, or after ``max_iterations`` integrations, or when the stride
    of the continuation collapses.
    """
    k, n = x_a.shape
    scale = tol * (1.0 + np.linalg.norm(x_b, axis=1))
    chord = x_b - x_a
    lam, stride, target = np.zeros(k), np.ones(k), np.ones(k)
    v_solved, J_solved = np.zeros((k, n)), np.broadcast_to(np.eye(n), (k, n, n)).copy()
    v = chord.copy() if guess is None else guess.copy()
    base, base_size, step, alpha = v.copy(), np.full(k, np.inf), np.zeros((k, n)), np.ones(k)
    J_base = np.broadcast_to(np.eye(n), (k, n, n)).copy()
    tries = np.zeros(k, dtype=np.int64)
    iterations = np.zeros(k, dtype=np.int64)
    best_v, best_norm, best_J = v.copy(), np.full(k, np.inf), np.full((k, n, n), np.nan)
    running = np.all(np.isfinite(v), axis=1)
    while running.any():
        rows = np.flatnonzero(running)
        x, Y, ok = along(system, x_a[rows], v[rows], method)
        end, J = x[:, -1], Y[:, -1]
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
        accept = hit & ~full
        # Deuflhard's natural monotonicity test: the simplified Newton correction J_base^-1 F must shrink.
        simplified = np.linalg.norm(_solve(J_base[rows], F), axis=1)
        decrease = ~hit & np.isfinite(norm) & (simplified <= (1.0 - alpha[rows] / 2.0) * base_size[rows])
        newton = decrease & (tries[rows] < np.where(full, _FINAL_ITERATIONS, _CORRECTOR_ITERATIONS))
        smallest = np.where(full, _FINAL_ALPHA, _CORRECTOR_ALPHA)
        halve = ~hit & ~decrease & (alpha[rows] / 2.0 >= smallest)
        fail = ~hit & ~newton & ~halve
        # A Newton step from the new iterate; the step grows back after a halving.
        r = rows[newton]
        base[r], J_base[r], tries[r] = v[r], J[newton], tries[r] + 1
        step[r] = -_solve(J[newton], F[newton])
        base_size[r] = np.linalg.norm(step[r], axis=1)
        alpha[r] = np.minimum(1.0, 2.0 * alpha[r])
        v[r] = base[r] + alpha[r, None] * step[r]
        r = rows[halve]
        alpha[r] /= 2.0
        v[r] = base[r] + alpha[r, None] * step[r]
        # A solved intermediate target: longer stride. A failure: back to the last solved target, shorter stride.
        r = rows[accept]
        lam[r], v_solved[r], J_solved[r], stride[r] = target[r], v[r], J[accept], 2.0 * stride[r]
        r = rows[fail]
        stride[r] /= 4.0
        running[r[stride[r] < _MIN_STRIDE]] = False
        moved = rows[(accept | fail)]
        moved = moved[running[moved]]
        if moved.size:
            new = np.minimum(1.0, lam[moved] + stride[moved])
            target[moved] = new
            v[moved] = v_solved[moved] + _solve(J_solved[moved], (new - lam[moved])[:, None] * chord[moved])
            base_size[moved], alpha[moved], tries[moved] = np.inf, 1.0, 0
        running &= iterations < max_iterations
    return ShootingResult(best_v, best_norm, best_J, best_norm <= scale, iterations)


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


def _segment_residual(
    system: GeodesicSystem, x_a: Array, x_b: Array, z: Array, segments: int, method: Method
) -> tuple[Array, Array]:
    """Residual (P, D) and Jacobian (P, D, D) of multiple shooting at the unknowns ``z`` (P, D)."""
    P, n = x_a.shape
    K = segments
    starts = np.empty((P, K, 2 * n))
    starts[:, 0, :n], starts[:, 0, n:] = x_a, z[:, :n]
    starts[:, 1:] = z[:, n:].reshape(P, K - 1, 2 * n)
    y, M, ok = flow(system, starts[..., :n].reshape(-1, n), starts[..., n:].reshape(-1, n), 1.0 / K, method, full=True)
    ends = y[:, -1].reshape(P, K, 2 * n)
    M = M[:, -1].reshape(P, K, 2 * n, 2 * n)
    D = (2 * K - 1) * n
    r = np.empty((P, D))
    r[:, : 2 * n * (K - 1)] = (ends[:, :-1] - starts[:, 1:]).reshape(P, -1)
    r[:, 2 * n * (K - 1) :] = ends[:, -1, :n] - x_b
    A = np.zeros((P, D, D))
    A[:, : 2 * n, :n] = M[:, 0, :, n:]
    for k in range(1, K):
        col = n + 2 * n * (k - 1)
        rows = slice(2 * n * k, min(D, 2 * n * (k + 1)))
        A[:, 2 * n * (k - 1) : 2 * n * k, col : col + 2 * n] = -np.eye(2 * n)
        A[:, rows, col : col + 2 * n] = M[:, k, : rows.stop - rows.start]
    failed = ~ok.reshape(P, K).all(axis=1)
    r[failed] = np.inf
    return r, A


def multiple_shoot(
    system: GeodesicSystem, x_a: Array, x_b: Array, *, segments: int, tol: float, max_iterations: int,
    method: Method,
) -> tuple[Array, NDArray[np.bool_]]:
    r"""Multiple shooting from the chord: ``segments`` pieces of the geodesic, matched in position and velocity.

    The unknowns are the initial velocity and the states at the inner nodes
    :math:`s_k = k/K` (Stoer & Bulirsch, *Introduction to Numerical Analysis*, §7.3.5), started on
    the chord with velocity :math:`x_b - x_a`; damped Newton halves its step until the residual
    falls. Returns the initial velocities and whether each row's residual fell below ``tol (1 + |x_b|)``.
    """
    P, n = x_a.shape
    K = segments
    chord = x_b - x_a
    nodes = np.arange(1, K) / K
    inner = np.concatenate(
        [x_a[:, None] + nodes[None, :, None] * chord[:, None], np.repeat(chord[:, None], K - 1, axis=1)], axis=2
    )
    z = np.concatenate([chord, inner.reshape(P, -1)], axis=1)
    scale = tol * (1.0 + np.linalg.norm(x_b, axis=1))
    r, A = _segment_residual(system, x_a, x_b, z, K, method)
    with np.errstate(all="ignore"):
        norm = np.where(np.all(np.isfinite(r), axis=1), np.linalg.norm(r, axis=1), np.inf)
    running = np.isfinite(norm) & (norm > scale)
    calls = np.ones(P, dtype=np.int64)
    step = np.zeros_like(z)
    alpha = np.full(P, 0.5)
    size = np.full(P, np.inf)
    fresh = running.copy()
    while running.any():
        rows = np.flatnonzero(running)
        new = rows[fresh[rows]]
        if new.size:
            step[new] = -_solve(A[new], r[new])
            size[new] = np.linalg.norm(step[new], axis=1)
            alpha[new] = np.minimum(1.0, 2.0 * alpha[new])
            fresh[new] = False
        trial = z[rows] + alpha[rows, None] * step[rows]
        r_t, A_t = _segment_residual(system, x_a[rows], x_b[rows], trial, K, method)
        calls[rows] += 1
        with np.errstate(all="ignore"):
            n_t = np.linalg.norm(_solve(A[rows], r_t), axis=1)
            n_t = np.where(np.all(np.isfinite(r_t), axis=1) & np.isfinite(n_t), n_t, np.inf)
        good = n_t <= (1.0 - alpha[rows] / 2.0) * size[rows]
        g = rows[good]
        z[g], r[g], A[g] = trial[good], r_t[good], A_t[good]
        norm[g] = np.linalg.norm(r_t[good], axis=1)
        fresh[g] = True
        b = rows[~good]
        alpha[b] /= 2.0
        running[b[alpha[b] < 2.0**-10]] = False
        running &= (norm > scale) & (calls < max_iterations)
    return z[:, :n], norm <= scale
