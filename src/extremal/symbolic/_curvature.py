r"""Curvature of a metric: Riemann, Ricci, scalar, Einstein, Weyl, Kretschmann, Gaussian.

Conventions (MTW, eqs. 8.44 and 14.7):

.. math::
    R^a{}_{bcd} = \partial_c\Gamma^a_{db} - \partial_d\Gamma^a_{cb}
                + \Gamma^a_{ce}\Gamma^e_{db} - \Gamma^a_{de}\Gamma^e_{cb},\qquad
    R_{bd} = R^a{}_{bad},\qquad R = g^{bd}R_{bd},\qquad G_{ab} = R_{ab} - \tfrac12 R g_{ab}.

Only the independent components of the all-lower tensor are computed,

.. math::
    R_{abcd} = \tfrac12(\partial_b\partial_c g_{ad} + \partial_a\partial_d g_{bc}
             - \partial_a\partial_c g_{bd} - \partial_b\partial_d g_{ac})
             + \Gamma_{e,bc}\Gamma^e_{ad} - \Gamma_{e,bd}\Gamma^e_{ac},

for pairs ``a < b``, ``c < d``, ``(a, b) <= (c, d)``; the rest follow from
:math:`R_{abcd} = -R_{bacd} = -R_{abdc} = R_{cdab}`. Ricci is contracted from them
directly. Components stay exact rational functions until they are returned (see
:mod:`._algebra`). Results are cached per metric (metrics are immutable and hashable).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import sympy as sp

from extremal.errors import InputError
from extremal.symbolic._algebra import algebra_for, per_algebra
from extremal.symbolic._boundary import guarded
from extremal.symbolic._christoffel import first_kind_table, second_kind_table
from extremal.symbolic._components import Components
from extremal.symbolic._metric import Metric, cached_by_metric, require_metric

__all__ = [
    "Ricci",
    "Riemann",
    "Weyl",
    "einstein_tensor",
    "gaussian_curvature",
    "kretschmann_scalar",
    "ricci_scalar",
    "ricci_tensor",
    "riemann_tensor",
    "weyl_tensor",
]

Pair = tuple[int, int]


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


@dataclass(frozen=True)
class Weyl(Components):
    r"""``C[a, b, c, d]`` = :math:`C_{abcd}`, all indices lower, with the symmetries of :math:`R_{abcd}`."""

    def is_representative(self, index: tuple[int, ...]) -> bool:
        """Show ``a < b``, ``c < d``, ``(a, b) <= (c, d)`` only."""
        a, b, c, d = index
        return a < b and c < d and (a, b) <= (c, d)


def _pairs(n: int) -> list[Pair]:
    return list(itertools.combinations(range(n), 2))


@per_algebra
def lowered_riemann_table(metric: Metric) -> dict[tuple[Pair, Pair], Any]:
    """Independent :math:`R_{abcd}` keyed by ``((a, b), (c, d))``, ``a < b``, ``c < d``."""
    alg, n = algebra_for(metric), metric.dim
    first, second = first_kind_table(metric), second_kind_table(metric)
    d1: dict[tuple[int, int, int], Any] = {}
    d2: dict[tuple[int, int, int, int], Any] = {}

    def dd(i: int, j: int, k: int, l: int) -> Any:
        i, j = min(i, j), max(i, j)
        k, l = min(k, l), max(k, l)
        if (i, j, k, l) not in d2:
            if (i, j, k) not in d1:
                d1[i, j, k] = alg.diff(alg.g[i][j], k)
            d2[i, j, k, l] = alg.diff(d1[i, j, k], l)
        return d2[i, j, k, l]

    def quadratic(e: int, b: int, c: int, a: int, d: int) -> Any:
        x, y = first[e][b][c], second[e][a][d]
        return alg.zero if alg.is_zero(x) or alg.is_zero(y) else x * y

    out = {}
    pairs = _pairs(n)
    for p, (a, b) in enumerate(pairs):
        for c, d in pairs[p:]:
            terms = [
                dd(a, d, b, c), dd(b, c, a, d), -dd(b, d, a, c), -dd(a, c, b, d),
            ]
            value = alg.scale(alg.sum(terms), sp.Rational(1, 2))
            value = alg.sum([value, *(
                quadratic(e, b, c, a, d) - quadratic(e, b, d, a, c) for e in range(n)
            )])
            out[(a, b), (c, d)] = alg.normal(value)
    return out


def _lower(metric: Metric, a: int, b: int, c: int, d: int) -> Any:
    """:math:`R_{abcd}` for any indices, from the independent components."""
    alg = algebra_for(metric)
    if a == b or c == d:
        return alg.zero
    sign = (-1 if a > b else 1) * (-1 if c > d else 1)
    key = ((min(a, b), max(a, b)), (min(c, d), max(c, d)))
    if key[0] > key[1]:
        key = (key[1], key[0])
    value = lowered_riemann_table(metric)[key]
    return value if sign > 0 else -value


@cached_by_metric
@guarded("the Riemann tensor")
def riemann_tensor(metric: Metric) -> Riemann:
    r"""The Riemann tensor :math:`R^a{}_{bcd} = g^{ae} R_{ebcd}` of ``metric``.

    Parameters
    ----------
    metric : Metric
        Coordinates and non-degenerate components.

    Returns
    -------
    Riemann
        ``R[a, b, c, d]``, antisymmetric in ``c, d``.

    Examples
    --------
    >>> m = Metric.from_line_element("dtheta**2 + sin(theta)**2*dphi**2", "theta phi")
    >>> riemann_tensor(m)[0, 1, 0, 1]
    sin(theta)**2
    """
    alg, n = algebra_for(metric), metric.dim
    ginv = alg.inverse
    R = sp.MutableDenseNDimArray.zeros(n, n, n, n)
    for a, b, c, d in itertools.product(range(n), range(n), range(n), range(n)):
        if c >= d:
            continue
        value = alg.normal(alg.sum(
            ginv[a][e] * _lower(metric, e, b, c, d)
            for e in range(n)
            if not alg.is_zero(ginv[a][e])
        ))
        if not alg.is_zero(value):
            expr = alg.to_sympy(value)
            R[a, b, c, d], R[a, b, d, c] = expr, -expr
    return Riemann(metric.coords, sp.ImmutableDenseNDimArray(R), "R", (True, False, False, False))


@per_algebra
def ricci_table(metric: Metric) -> list[list[Any]]:
    r"""``ric[b][d]`` = :math:`R_{bd} = g^{ac}R_{abcd}` as elements of ``algebra_for(metric)``."""
    alg, n = algebra_for(metric), metric.dim
    ginv = alg.inverse
    table: list[list[Any]] = [[alg.zero] * n for _ in range(n)]
    for b in range(n):
        for d in range(b, n):
            table[b][d] = table[d][b] = alg.normal(alg.sum(
                ginv[a][c] * _lower(metric, a, b, c, d)
                for a in range(n) for c in range(n)
                if not alg.is_zero(ginv[a][c])
            ))
    return table


@per_algebra
def ricci_scalar_element(metric: Metric) -> Any:
    r""":math:`R = g^{bd}R_{bd}` as an element of ``algebra_for(metric)``."""
    alg, n = algebra_for(metric), metric.dim
    ginv, ric = alg.inverse, ricci_table(metric)
    return alg.normal(alg.sum(
        ginv[a][b] * ric[a][b] for a in range(n) for b in range(n) if not alg.is_zero(ginv[a][b])
    ))


@cached_by_metric
@guarded("the Ricci tensor")
def ricci_tensor(metric: Metric) -> Ricci:
    r"""The Ricci tensor :math:`R_{bd} = R^a{}_{bad} = g^{ac} R_{abcd}`.

    Examples
    --------
    >>> m = Metric.from_line_element("dtheta**2 + sin(theta)**2*dphi**2", "theta phi")
    >>> ricci_tensor(m)[1, 1]
    sin(theta)**2
    """
    alg, n, ric = algebra_for(metric), metric.dim, ricci_table(metric)
    rows = [[alg.to_sympy(ric[b][d]) for d in range(n)] for b in range(n)]
    return Ricci(metric.coords, sp.ImmutableDenseNDimArray(rows), "R", (False, False))


@cached_by_metric
@guarded("the Ricci scalar")
def ricci_scalar(metric: Metric) -> sp.Expr:
    r"""The Ricci scalar :math:`R = g^{ab}R_{ab}`.

    Examples
    --------
    >>> ricci_scalar(Metric.from_line_element("(dx**2 + dy**2)/y**2", "x y"))
    -2
    """
    return algebra_for(metric).to_sympy(ricci_scalar_element(metric))


@guarded("the Einstein tensor")
def einstein_tensor(metric: Metric) -> Ricci:
    r"""The Einstein tensor :math:`G_{ab} = R_{ab} - \tfrac12 R\,g_{ab}`.

    Examples
    --------
    >>> m = Metric.from_line_element("dtheta**2 + sin(theta)**2*dphi**2", "theta phi")
    >>> einstein_tensor(m).is_zero()
    True
    """
    require_metric(metric, "metric")
    alg, n = algebra_for(metric), metric.dim
    ric, half_r = ricci_table(metric), alg.scale(ricci_scalar_element(metric), sp.Rational(-1, 2))
    rows = [
        [alg.to_sympy(alg.normal(ric[a][b] + half_r * alg.g[a][b])) for b in range(n)]
        for a in range(n)
    ]
    return Ricci(metric.coords, sp.ImmutableDenseNDimArray(rows), "G", (False, False))


@cached_by_metric
@guarded("the Weyl tensor")
def weyl_tensor(metric: Metric) -> Weyl:
    r"""The Weyl (conformal curvature) tensor, all indices lower, of a metric of dimension ``n >= 3``.

    .. math::
        C_{abcd} = R_{abcd} - \frac{1}{n-2}\left(g_{ac}R_{bd} - g_{ad}R_{bc} - g_{bc}R_{ad} + g_{bd}R_{ac}\right)
                 + \frac{R}{(n-1)(n-2)}\left(g_{ac}g_{bd} - g_{ad}g_{bc}\right)

    It vanishes identically for ``n = 3`` and, for ``n >= 4``, exactly when the metric is
    conformally flat.

    Raises
    ------
    InputError
        If ``metric`` has fewer than three coordinates (the Weyl tensor is not defined).

    References
    ----------
    R. M. Wald, *General Relativity* (1984), eq. (3.2.28).

    Examples
    --------
    >>> m = Metric.from_line_element("(dx**2 + dy**2 + dz**2)*exp(2*x*y)", "x y z")
    >>> weyl_tensor(m).is_zero()
    True
    """
    n = metric.dim
    if n < 3:
        raise InputError(
            f"the Weyl tensor needs a metric of dimension 3 or more; this one has {n} coords. "
            "In 2-D all curvature is in ricci_scalar (or gaussian_curvature)."
        )
    alg, g, ric = algebra_for(metric), algebra_for(metric).g, ricci_table(metric)
    scalar = ricci_scalar_element(metric)

    def product(x: Any, y: Any) -> Any:
        return alg.zero if alg.is_zero(x) or alg.is_zero(y) else x * y

    independent = {}
    pairs = _pairs(n)
    for p, (a, b) in enumerate(pairs):
        for c, d in pairs[p:]:
            ricci_part = alg.sum([
                product(g[a][c], ric[b][d]), -product(g[a][d], ric[b][c]),
                -product(g[b][c], ric[a][d]), product(g[b][d], ric[a][c]),
            ])
            metric_part = alg.sum([product(g[a][c], g[b][d]), -product(g[a][d], g[b][c])])
            independent[(a, b), (c, d)] = alg.normal(alg.sum([
                _lower(metric, a, b, c, d),
                alg.scale(ricci_part, sp.Rational(-1, n - 2)),
                alg.scale(product(scalar, metric_part), sp.Rational(1, (n - 1) * (n - 2))),
            ]))
    C = sp.MutableDenseNDimArray.zeros(n, n, n, n)
    for (a, b), (c, d) in independent:
        value = independent[(a, b), (c, d)]
        if alg.is_zero(value):
            continue
        expr = alg.to_sympy(value)
        for (i, j), (k, l) in (((a, b), (c, d)), ((c, d), (a, b))):
            C[i, j, k, l] = C[j, i, l, k] = expr
            C[j, i, k, l] = C[i, j, l, k] = -expr
    return Weyl(metric.coords, sp.ImmutableDenseNDimArray(C), "C", (False, False, False, False))


@guarded("the Kretschmann scalar")
def kretschmann_scalar(metric: Metric) -> sp.Expr:
    r"""The Kretschmann scalar :math:`K = R_{abcd}R^{abcd}`.

    Indices are raised pairwise with :math:`G^{(ab)(ef)} = g^{ae}g^{bf} - g^{af}g^{be}`
    over pairs ``a < b``, so :math:`K = 4\sum_{P,Q} R_{PQ}\,G^{PP'}G^{QQ'}R_{P'Q'}`.

    Examples
    --------
    >>> m = Metric.from_line_element("dtheta**2 + sin(theta)**2*dphi**2", "theta phi")
    >>> kretschmann_scalar(m)
    4
    """
    require_metric(metric, "metric")
    alg = algebra_for(metric)
    ginv, pairs = alg.inverse, _pairs(metric.dim)

    def nonzero(items: list[Any]) -> list[Any]:
        return [x for x in items if not alg.is_zero(x)]

    G = {
        (P, Q): alg.normal(alg.sum(nonzero([
            ginv[P[0]][Q[0]] * ginv[P[1]][Q[1]], -(ginv[P[0]][Q[1]] * ginv[P[1]][Q[0]])
        ])))
        for P in pairs for Q in pairs
    }
    G = {key: value for key, value in G.items() if not alg.is_zero(value)}
    lower = {(P, Q): _lower(metric, *P, *Q) for P in pairs for Q in pairs}
    half = {
        (P, Q): alg.normal(alg.sum(G[P, S] * lower[S, Q] for S in pairs
                                   if (P, S) in G and not alg.is_zero(lower[S, Q])))
        for P in pairs for Q in pairs
    }
    total = alg.sum(
        lower[P, Q] * G[Q, S] * half[P, S]
        for P in pairs for Q in pairs for S in pairs
        if (Q, S) in G and not alg.is_zero(lower[P, Q]) and not alg.is_zero(half[P, S])
    )
    return alg.to_sympy(alg.normal(alg.scale(total, 4)))


@guarded("the Gaussian curvature")
def gaussian_curvature(metric: Metric) -> sp.Expr:
    r"""Gaussian curvature :math:`K = R_{1212}/\det g` of a 2-D metric.

    Raises
    ------
    InputError
        If ``metric`` is not two-dimensional.

    Examples
    --------
    >>> gaussian_curvature(Metric.from_embedding(
    ...     ["a*sin(u)*cos(v)", "a*sin(u)*sin(v)", "a*cos(u)"], "u v"))
    a**(-2)
    """
    require_metric(metric, "metric")
    if metric.dim != 2:
        raise InputError(
            f"Gaussian curvature needs a 2-D metric; this one has {metric.dim} coords. "
            "Use ricci_scalar for higher dimensions (K = R/2 in 2-D)."
        )
    alg = algebra_for(metric)
    g = alg.g
    det = alg.normal(alg.sum([g[0][0] * g[1][1], -(g[0][1] * g[1][0])]))
    return alg.to_sympy(alg.normal(_lower(metric, 0, 1, 0, 1) * alg.reciprocal(det)))
