r"""Curvature of a metric: Riemann, Ricci, scalar, Einstein, Kretschmann, Gaussian.

Conventions (MTW):

.. math::
    R^a{}_{bcd} = \partial_c\Gamma^a_{db} - \partial_d\Gamma^a_{cb}
                + \Gamma^a_{ce}\Gamma^e_{db} - \Gamma^a_{de}\Gamma^e_{cb},\qquad
    R_{bd} = R^a{}_{bad},\qquad R = g^{bd}R_{bd},\qquad G_{ab} = R_{ab} - \tfrac12 R g_{ab}.

Only the components with ``c < d`` are computed; the rest follow by antisymmetry.
Results are cached per metric (metrics are immutable and hashable).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from extremal.errors import InputError
from extremal.symbolic.christoffel import christoffel
from extremal.symbolic.components import Components
from extremal.symbolic.metric import Metric
from extremal.symbolic.simplification import readable

__all__ = [
    "Ricci",
    "Riemann",
    "einstein_tensor",
    "gaussian_curvature",
    "kretschmann_scalar",
    "ricci_scalar",
    "ricci_tensor",
    "riemann_tensor",
]


@dataclass(frozen=True)
class Riemann(Components):
    r"""``R[a, b, c, d]`` = :math:`R^a{}_{bcd}`, antisymmetric in ``c, d``."""

    def is_representative(self, index: tuple[int, ...]) -> bool:
        """Show ``c < d`` only."""
        return index[2] < index[3]


@dataclass(frozen=True)
class Ricci(Components):
    r"""A symmetric rank-2 tensor :math:`T_{ab}` (Ricci or Einstein)."""

    def is_representative(self, index: tuple[int, ...]) -> bool:
        """Show ``a <= b`` only."""
        return index[0] <= index[1]


@lru_cache(maxsize=64)
def riemann_tensor(metric: Metric) -> Riemann:
    r"""The Riemann tensor :math:`R^a{}_{bcd}` of ``metric``.

    Examples
    --------
    >>> m = Metric.from_line_element("dtheta**2 + sin(theta)**2*dphi**2", "theta phi")
    >>> riemann_tensor(m)[0, 1, 0, 1]
    sin(theta)**2
    """
    n, x = metric.dim, metric.coords
    gamma = christoffel(metric)
    R = sp.MutableDenseNDimArray.zeros(n, n, n, n)
    for a, b, c, d in itertools.product(range(n), range(n), range(n), range(n)):
        if c >= d:
            continue
        value = sp.diff(gamma[a, d, b], x[c]) - sp.diff(gamma[a, c, b], x[d])
        value += sum(gamma[a, c, e] * gamma[e, d, b] - gamma[a, d, e] * gamma[e, c, b] for e in range(n))
        value = readable(value)
        R[a, b, c, d], R[a, b, d, c] = value, -value
    return Riemann(metric.coords, sp.ImmutableDenseNDimArray(R), "R", (True, False, False, False))


@lru_cache(maxsize=64)
def ricci_tensor(metric: Metric) -> Ricci:
    r"""The Ricci tensor :math:`R_{bd} = R^a{}_{bad}`.

    Examples
    --------
    >>> m = Metric.from_line_element("dtheta**2 + sin(theta)**2*dphi**2", "theta phi")
    >>> ricci_tensor(m)[1, 1]
    sin(theta)**2
    """
    n = metric.dim
    R = riemann_tensor(metric)
    rows = [[readable(sum(R[a, b, a, d] for a in range(n))) for d in range(n)] for b in range(n)]
    return Ricci(metric.coords, sp.ImmutableDenseNDimArray(rows), "R", (False, False))


@lru_cache(maxsize=64)
def ricci_scalar(metric: Metric) -> sp.Expr:
    r"""The Ricci scalar :math:`R = g^{ab}R_{ab}`.

    Examples
    --------
    >>> ricci_scalar(Metric.from_line_element("(dx**2 + dy**2)/y**2", "x y"))
    -2
    """
    n, ginv, Ric = metric.dim, metric.inverse, ricci_tensor(metric)
    return readable(sum(ginv[a, b] * Ric[a, b] for a in range(n) for b in range(n)))


def einstein_tensor(metric: Metric) -> Ricci:
    r"""The Einstein tensor :math:`G_{ab} = R_{ab} - \tfrac12 R\,g_{ab}`.

    Examples
    --------
    >>> m = Metric.from_line_element("dtheta**2 + sin(theta)**2*dphi**2", "theta phi")
    >>> einstein_tensor(m).is_zero()
    True
    """
    n, Ric, R = metric.dim, ricci_tensor(metric), ricci_scalar(metric)
    rows = [[readable(Ric[a, b] - R * metric.g[a, b] / 2) for b in range(n)] for a in range(n)]
    return Ricci(metric.coords, sp.ImmutableDenseNDimArray(rows), "G", (False, False))


def kretschmann_scalar(metric: Metric) -> sp.Expr:
    r"""The Kretschmann scalar :math:`K = R_{abcd}R^{abcd}`.

    Examples
    --------
    >>> m = Metric.from_line_element("dtheta**2 + sin(theta)**2*dphi**2", "theta phi")
    >>> kretschmann_scalar(m)
    4
    """
    n, g, ginv = metric.dim, metric.g, metric.inverse
    R = riemann_tensor(metric)
    idx = range(n)
    lower = {
        (a, b, c, d): sum(g[a, e] * R[e, b, c, d] for e in idx)
        for a, b, c, d in itertools.product(idx, idx, idx, idx)
    }
    upper_rest = {
        (a, b, c, d): sum(
            ginv[b, f] * ginv[c, h] * ginv[d, k] * R[a, f, h, k]
            for f in idx for h in idx for k in idx
        )
        for a, b, c, d in itertools.product(idx, idx, idx, idx)
    }
    return readable(sum(lower[i] * upper_rest[i] for i in lower))


def gaussian_curvature(metric: Metric) -> sp.Expr:
    r"""Gaussian curvature :math:`K = R_{1212}/\det g` of a 2-D metric.

    Examples
    --------
    >>> gaussian_curvature(Metric.from_embedding(
    ...     ["a*sin(u)*cos(v)", "a*sin(u)*sin(v)", "a*cos(u)"], "u v"))
    a**(-2)
    """
    if metric.dim != 2:
        raise InputError(
            f"Gaussian curvature needs a 2-D metric; this one has {metric.dim} coords. "
            "Use ricci_scalar for higher dimensions (K = R/2 in 2-D)."
        )
    R = riemann_tensor(metric)
    lowered = sum(metric.g[0, e] * R[e, 1, 0, 1] for e in range(2))
    return readable(lowered / metric.det)
