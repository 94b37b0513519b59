r"""A metric compiled to numbers: the geodesic right-hand side, :math:`g(x)` and conserved momenta.

The geodesic equations :math:`\ddot x^k = -\Gamma^k_{ij}\dot x^i\dot x^j` become the
first-order system for :math:`y = (x, v)`,

.. math:: \dot x = v, \qquad \dot v^k = -\Gamma^k_{ij}(x)\,v^i v^j .

For a symbolic :class:`~extremal.symbolic.Metric` the right-hand side is generated code
(CSE over all components); for a :class:`MetricFunction` that cannot be traced it solves
:math:`g\,a = -(\partial_i g_{lj} - \tfrac12\partial_l g_{ij})v^iv^j` with numeric derivatives.
Coordinates absent from :math:`g` are Killing directions; their momenta
:math:`p_k = g_{kj}v^j` are conserved and reported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy as sp
from numpy.typing import NDArray

from extremal.errors import InputError
from extremal.numerics.compile import compile_function, compile_rhs
from extremal.numerics.metric_function import (
    MetricFunction,
    SymbolicTrace,
    TorchAutodiff,
    TraceError,
    metric_jet,
    trace_metric,
)
from extremal.symbolic.christoffel import christoffel
from extremal.symbolic.lagrangian import velocity_symbol
from extremal.symbolic.metric import Metric

__all__ = ["GeodesicSystem", "geodesic_system"]

Array = NDArray[np.float64]


@dataclass(frozen=True, slots=True, eq=False)
class GeodesicSystem:
    r"""Numeric callables for the geodesics of one metric.

    Attributes
    ----------
    coords : tuple of str
        Coordinate names.
    rhs : callable
        ``rhs(s, y)`` with ``y = (x, v)`` of shape (2n, k); returns shape (2n, k).
    metric : callable
        ``metric(x)`` with ``x`` of shape (n, k); returns ``g`` of shape (n, n, k).
    jet : callable
        ``jet(x)`` with ``x`` of shape (n, k); returns ``g`` of shape (n, n, k) and
        ``dg[i, j, l]`` :math:`= \partial_l g_{ij}` of shape (n, n, n, k).
    momenta : tuple of (str, callable)
        Conserved momenta ``p_q(x, v)`` of the coordinates ``q`` absent from ``g``; each
        callable takes ``x, v`` of shape (n, k) and returns shape (k,).
    """

    coords: tuple[str, ...]
    rhs: Callable[[Array, Array], Array]
    metric: Callable[[Array], Array]
    jet: Callable[[Array], tuple[Array, Array]]
    momenta: tuple[tuple[str, Callable[[Array, Array], Array]], ...]

    @property
    def dim(self) -> int:
        """Number of coordinates ``n``."""
        return len(self.coords)

    def norm(self, x: Array, v: Array) -> Array:
        r""":math:`g_{ij}(x)v^iv^j` for ``x, v`` of shape (n, k); returns shape (k,)."""
        return np.einsum("ijk,ik,jk->k", self.metric(x), v, v)


def _symbolic(metric: Metric) -> GeodesicSystem:
    n = metric.dim
    x = metric.coords
    v = tuple(velocity_symbol(q) for q in x)
    gamma = christoffel(metric).array
    acceleration = [
        -sum(
            (gamma[k, i, j] * (1 if i == j else 2)) * v[i] * v[j]
            for i in range(n)
            for j in range(i, n)
        )
        for k in range(n)
    ]
    s = sp.Dummy("s")
    rhs = compile_rhs((*x, *v), (*v, *acceleration), s)
    g = compile_function(x, list(metric.g), s)

    derivatives = [sp.diff(metric.g[i, j], q) for i in range(n) for j in range(n) for q in x]
    dg = compile_function(x, [*metric.g, *derivatives], s)

    def metric_at(points: Array) -> Array:
        return g(0.0, points).reshape((n, n, *np.shape(points)[1:]))

    def jet(points: Array) -> tuple[Array, Array]:
        values = dg(0.0, points)
        k = np.shape(points)[1:]
        return values[: n * n].reshape((n, n, *k)), values[n * n :].reshape((n, n, n, *k))

    momenta = []
    for k, q in enumerate(x):
        if not metric.g.has(q):
            p = compile_function((*x, *v), [sum(metric.g[k, j] * v[j] for j in range(n))], s)
            momenta.append((f"p_{q.name}", lambda xx, vv, p=p: p(0.0, np.concatenate([xx, vv]))[0]))
    return GeodesicSystem(tuple(q.name for q in x), rhs, metric_at, jet, tuple(momenta))


def _numeric(metric: MetricFunction) -> GeodesicSystem:
    n = metric.dim

    def metric_at(points: Array) -> Array:
        flat = points.reshape(n, -1)
        return metric_jet(metric, flat)[0].reshape((n, n, *points.shape[1:]))

    def rhs(s: Array, y: Array) -> Array:
        x, v = y[:n], y[n:]
        g, dg = metric_jet(metric, x)
        w = np.einsum("ljik,ik,jk->lk", dg, v, v) - 0.5 * np.einsum("ijlk,ik,jk->lk", dg, v, v)
        G = np.moveaxis(g, -1, 0).copy()
        with np.errstate(invalid="ignore", over="ignore"):
            det = np.linalg.det(G)
        bad = ~np.isfinite(det) | (det == 0) | ~np.all(np.isfinite(w), axis=0)
        G[bad] = np.eye(n)
        a = -np.linalg.solve(G, np.where(bad, 0.0, w).T[..., None])[..., 0].T
        a[:, bad] = np.nan
        return np.concatenate([v, a])

    def jet(points: Array) -> tuple[Array, Array]:
        return metric_jet(metric, points)

    return GeodesicSystem(tuple(f"x{i}" for i in range(n)), rhs, metric_at, jet, ())


@lru_cache(maxsize=64)
def geodesic_system(metric: Metric | MetricFunction) -> GeodesicSystem:
    """Compile ``metric`` for numerical geodesics (cached per metric).

    Parameters
    ----------
    metric : Metric or MetricFunction
        A symbolic metric with numeric parameters only, or a metric function.

    Returns
    -------
    GeodesicSystem

    Raises
    ------
    InputError
        If the metric has free parameters, or a metric function cannot be differentiated.

    Examples
    --------
    >>> sphere = Metric.from_line_element("dth**2 + sin(th)**2*dph**2", "th ph")
    >>> system = geodesic_system(sphere)
    >>> system.rhs(0.0, np.array([[np.pi / 2], [0.0], [0.0], [1.0]])).ravel().round(12) + 0.0
    array([0., 1., 0., 0.])
    >>> [name for name, _ in system.momenta]
    ['p_ph']
    """
    if isinstance(metric, Metric):
        parameters = sorted(s.name for s in metric.g.free_symbols if s not in metric.coords)
        if parameters:
            raise InputError(
                f"the metric has free parameters {', '.join(parameters)}; numerical geodesics need numbers. "
                f"Substitute them first, e.g. Metric(m.coords, m.g.subs({{'{parameters[0]}': 1}}))."
            )
        return _symbolic(metric)
    if not isinstance(metric, MetricFunction):
        raise InputError(
            f"metric must be a Metric or a MetricFunction; got {type(metric).__name__}. "
            "Build one with Metric.from_line_element(...) or MetricFunction(f, dim)."
        )
    strategy = metric.differentiation
    if strategy is None or isinstance(strategy, SymbolicTrace):
        try:
            return geodesic_system(trace_metric(metric))
        except TraceError:
            if strategy is not None:
                raise
        metric = MetricFunction(metric.function, metric.dim, TorchAutodiff())
    return _numeric(metric)
