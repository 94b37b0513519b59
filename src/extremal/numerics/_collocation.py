r"""Boundary-value geodesics by Chebyshev collocation: Newton on the node values of the path.

The path :math:`x(s)`, :math:`s \in [0, 1]`, is the polynomial through its values at the
Chebyshev–Lobatto nodes :math:`s_j = (1 - \cos(\pi j/(N-1)))/2`; with the differentiation
matrix :math:`D` (Trefethen, *Spectral Methods in MATLAB*, ch. 6) the geodesic equation at the
interior nodes becomes the algebraic system

.. math:: R_i = (D^2 X)_i - a\big(X_i, (DX)_i\big) = 0, \qquad X_0 = x_a,\ X_{N-1} = x_b,

with :math:`a(x, v) = -\Gamma(x)(v, v)`, solved by Newton's method for all pairs at once
(the partial derivatives of :math:`a` by central differences; they only steer Newton, the
residual itself is exact). Convergence is certified by three checks: the Newton update
vanishes, the trailing Chebyshev coefficients are at rounding level (the polynomial resolves
the path), and :math:`g(\dot x, \dot x)` is the same at every node (a geodesic has constant
speed).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from extremal.errors import InputError
from extremal.numerics._checks import count, positive
from extremal.numerics._geodesic_system import GeodesicSystem

__all__ = ["Collocation"]

Array = NDArray[np.float64]

_HALVINGS = 6
_CONTINUATION_SOLVES = 8


@dataclass(frozen=True, slots=True)
class Collocation:
    """Chebyshev collocation with Newton's method, tried before shooting.

    Parameters
    ----------
    nodes : tuple of int
        Node counts tried in turn for the pairs not yet resolved.
    tol : float
        Converged when the Newton update and the trailing Chebyshev coefficients are below
        ``tol * (1 + |x|)`` and the speed varies by less than ``sqrt(tol)`` relative.
    max_iterations : int
        Newton iterations per node count.

    Examples
    --------
    >>> Collocation().nodes
    (40, 80)
    """

    nodes: tuple[int, ...] = (40, 80)
    tol: float = 1e-13
    max_iterations: int = 16

    def __post_init__(self) -> None:
        if (
            not isinstance(self.nodes, tuple)
            or not self.nodes
            or not all(not isinstance(m, bool) and isinstance(m, int) and 4 <= m <= 400 for m in self.nodes)
        ):
            raise InputError(
                f"nodes must be a tuple of node counts (ints) between 4 and 400, e.g. (40, 80); got {self.nodes!r}."
            )
        positive("tol", self.tol, "A typical value is 1e-13.", at_most=0.5)
        count("max_iterations", self.max_iterations, "A typical value is 16.")


@dataclass(frozen=True, slots=True)
class _Grid:
    s: Array
    D: Array
    D2: Array
    to_coefficients: Array
    weights: Array


@lru_cache(maxsize=16)
def _grid(m: int) -> _Grid:
    """Nodes on [0, 1], differentiation matrices, Chebyshev transform, Clenshaw–Curtis weights."""
    j = np.arange(m)
    theta = np.pi * j / (m - 1)
    s = 0.5 * (1.0 - np.cos(theta))
    w = np.where((j == 0) | (j == m - 1), 0.5, 1.0) * (-1.0) ** j
    diff = s[:, None] - s[None, :]
    np.fill_diagonal(diff, 1.0)
    D = (w[None, :] / w[:, None]) / diff
    np.fill_diagonal(D, 0.0)
    np.fill_diagonal(D, -D.sum(axis=1))
    T = np.cos(np.outer(theta, j))
    k = np.arange(0, m, 2)
    moments = np.zeros(m)
    moments[::2] = 1.0 / (1.0 - k**2)
    weights = np.linalg.solve(T.T, moments)
    return _Grid(s, D, D @ D, np.linalg.inv(T), weights)


def interpolation_matrix(m: int, s: Array) -> Array:
    """Values at ``s`` (in [0, 1]) of the polynomial through ``m`` node values (barycentric formula)."""
    nodes = _grid(m).s
    j = np.arange(m)
    w = np.where((j == 0) | (j == m - 1), 0.5, 1.0) * (-1.0) ** j
    diff = s[:, None] - nodes[None, :]
    exact = diff == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = w / diff
        P = terms / terms.sum(axis=1, keepdims=True)
    hit = exact.any(axis=1)
    P[hit] = exact[hit].astype(float)
    return P


def _acceleration_jet(system: GeodesicSystem, X: Array, V: Array) -> tuple[Array, Array, Array]:
    """``a(x, v)`` and its partial derivatives (central differences) at points of shape (n, k)."""
    n, k = X.shape
    y = np.concatenate([X, V])
    h = 1e-6 * np.maximum(1.0, np.abs(y))
    probes = np.repeat(y[None], 4 * n + 1, axis=0)
    for c in range(2 * n):
        probes[1 + c, c] += h[c]
        probes[1 + 2 * n + c, c] -= h[c]
    with np.errstate(all="ignore"):
        flat = np.moveaxis(probes, 0, 1).reshape(2 * n, -1)
        out = system.rhs(np.zeros(flat.shape[1]), flat)[n:].reshape(n, 4 * n + 1, k)
        dA = (out[:, 1 : 1 + 2 * n] - out[:, 1 + 2 * n :]) / (2 * h[None])
    return out[:, 0], dA[:, :n], dA[:, n:]


def _linear_operator(grid: _Grid, Ax: Array, Av: Array) -> Array:
    """``L[b, i, k, j, l]`` of the linearised geodesic equation (shape (B, m, n, m, n))."""
    _, m, n, _ = Ax.shape
    eye = np.eye(n)
    L = grid.D2[None, :, None, :, None] * eye[None, None, :, None, :]
    L = L - Av[:, :, :, None, :] * grid.D[None, :, None, :, None]
    idx = np.arange(m)
    L[:, idx, :, idx, :] -= np.moveaxis(Ax, 1, 0)
    return L


def _jets(system: GeodesicSystem, grid: _Grid, X: Array) -> tuple[Array, Array, Array, Array]:
    B, m, n = X.shape
    V = grid.D @ X
    a, Ax, Av = _acceleration_jet(system, X.reshape(-1, n).T, V.reshape(-1, n).T)
    R = grid.D2 @ X - a.T.reshape(B, m, n)
    return R, V, np.moveaxis(Ax, -1, 0).reshape(B, m, n, n), np.moveaxis(Av, -1, 0).reshape(B, m, n, n)


def _residual_norm(system: GeodesicSystem, grid: _Grid, X: Array) -> Array:
    """Largest collocation residual at the interior nodes of each path (inf if not finite)."""
    B, m, n = X.shape
    V = grid.D @ X
    with np.errstate(all="ignore"):
        y = np.concatenate([X.reshape(-1, n).T, V.reshape(-1, n).T])
        a = system.rhs(np.zeros(y.shape[1]), y)[n:]
        R = (grid.D2 @ X)[:, 1:-1] - a.T.reshape(B, m, n)[:, 1:-1]
        norm = np.abs(R).max(axis=(1, 2))
    return np.where(np.isfinite(norm), norm, np.inf)


def _solve_rows(M: Array, rhs: Array) -> Array:
    with np.errstate(all="ignore"):
        try:
            return np.asarray(np.linalg.solve(M, rhs), dtype=np.float64)
        except np.linalg.LinAlgError:
            out = np.full(rhs.shape, np.nan)
            for b in range(M.shape[0]):
                with contextlib.suppress(np.linalg.LinAlgError):
                    out[b] = np.linalg.solve(M[b], rhs[b])
            return out


def collocate(
    system: GeodesicSystem, x_a: Array, x_b: Array, opts: Collocation, m: int, guess: Array | None = None
) -> tuple[Array, NDArray[np.bool_], Array]:
    """Solve on ``m`` nodes; returns node values (B, m, n), convergence and residual."""
    grid = _grid(m)
    B, n = x_a.shape
    X = x_a[:, None, :] + grid.s[None, :, None] * (x_b - x_a)[:, None, :] if guess is None else guess.copy()
    inner = slice(1, m - 1)
    active = np.ones(B, dtype=bool)
    settled = np.zeros(B, dtype=bool)
    for _ in range(opts.max_iterations):
        rows = np.flatnonzero(active)
        if rows.size == 0:
            break
        R, _, Ax, Av = _jets(system, grid, X[rows])
        L = _linear_operator(grid, Ax, Av)[:, inner, :, inner, :].reshape(rows.size, (m - 2) * n, (m - 2) * n)
        step = _solve_rows(L, -R[:, inner].reshape(rows.size, -1, 1))[..., 0].reshape(rows.size, m - 2, n)
        bad = ~np.all(np.isfinite(step), axis=(1, 2))
        step[bad] = 0.0
        size = np.abs(step).max(axis=(1, 2), initial=0.0)
        before = np.abs(R[:, inner]).max(axis=(1, 2))
        alpha = np.ones(rows.size)
        for _ in range(_HALVINGS):
            trial = X[rows].copy()
            trial[:, inner] += alpha[:, None, None] * step
            worse = _residual_norm(system, grid, trial) > before
            if not np.any(worse):
                break
            alpha = np.where(worse, alpha / 2, alpha)
        step *= alpha[:, None, None]
        X[rows, inner] += step
        scale = 1.0 + np.abs(X[rows]).max(axis=(1, 2))
        settled[rows] = ~bad & (size <= opts.tol * scale)
        active[rows[bad | settled[rows]]] = False
    R, V, _, _ = _jets(system, grid, X)
    scale = 1.0 + np.abs(X).max(axis=(1, 2))
    coefficients = np.einsum("ij,bjn->bin", grid.to_coefficients, X)
    tail = np.abs(coefficients[:, -3:]).max(axis=(1, 2))
    with np.errstate(all="ignore"):
        speed = np.einsum("ijk,ik,jk->k", system.metric(X.reshape(-1, n).T), V.reshape(-1, n).T, V.reshape(-1, n).T)
        speed = speed.reshape(B, m)
        spread = np.abs(speed - speed[:, :1]).max(axis=1) / np.maximum(np.abs(speed).max(axis=1), np.finfo(float).tiny)
        residual = np.abs(R[:, inner]).max(axis=(1, 2)) / np.maximum(1.0, np.abs(grid.D2 @ X).max(axis=(1, 2)))
    converged = (
        settled
        & np.all(np.isfinite(X), axis=(1, 2))
        & (tail <= 10 * opts.tol * scale)
        & (spread <= np.sqrt(opts.tol))
    )
    return X, converged, residual


def collocate_by_continuation(
    system: GeodesicSystem, x_a: Array, x_b: Array, opts: Collocation, m: int
) -> tuple[Array, NDArray[np.bool_], Array]:
    r"""Like :func:`collocate`, walking the end point from ``x_a`` to ``x_b``.

    Solves for :math:`x_\lambda = x_a + \lambda(x_b - x_a)` with :math:`\lambda` growing
    per pair (doubling its stride after a success, halving it after a failure, at most
    ``_CONTINUATION_SOLVES`` solves); each solution, shifted by :math:`s\,\Delta x_\lambda`,
    is the next guess. This reaches long geodesics that bend far from the straight line
    (half-plane semicircles) where Newton from the straight line fails.
    """
    grid = _grid(m)
    B, n = x_a.shape
    lam, stride = np.zeros(B), np.full(B, 0.5)
    X = np.repeat(x_a[:, None, :], m, axis=1)
    result = (np.full((B, m, n), np.nan), np.zeros(B, dtype=bool), np.full(B, np.inf))
    for _ in range(_CONTINUATION_SOLVES):
        rows = np.flatnonzero((lam < 1) & (stride > 1 / 64))
        if rows.size == 0:
            break
        target = np.minimum(1.0, lam[rows] + stride[rows])
        delta = (target - lam[rows])[:, None] * (x_b[rows] - x_a[rows])
        guess = X[rows] + grid.s[None, :, None] * delta[:, None, :]
        end = x_a[rows] + target[:, None] * (x_b[rows] - x_a[rows])
        Xr, ok, res = collocate(system, x_a[rows], end, opts, m, guess)
        won = rows[ok]
        X[won], lam[won], stride[rows] = Xr[ok], target[ok], np.where(ok, 2 * stride[rows], stride[rows] / 2)
        last = ok & (target == 1.0)
        for full, part in zip(result, (Xr, ok, res), strict=True):
            full[rows[last]] = part[last]
    return result


def length_and_velocity(system: GeodesicSystem, X: Array) -> tuple[Array, Array]:
    """Clenshaw–Curtis length of the paths (B, m, n) and their velocity at ``s = 0``."""
    B, m, n = X.shape
    grid = _grid(m)
    V = grid.D @ X
    with np.errstate(all="ignore"):
        g = system.metric(X.reshape(-1, n).T)
        speed = np.sqrt(np.abs(np.einsum("ijk,ik,jk->k", g, V.reshape(-1, n).T, V.reshape(-1, n).T)))
    return speed.reshape(B, m) @ grid.weights, V[:, 0]
