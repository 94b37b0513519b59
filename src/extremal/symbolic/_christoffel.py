r"""Christoffel symbols of the second kind, two independent ways [1]_.

:class:`Formula` evaluates eq. (20),

.. math:: \Gamma^k_{ij} = \tfrac12 g^{kl}(\partial_i g_{lj} + \partial_j g_{li} - \partial_l g_{ij}),

and :class:`Variational` reads them off the Euler–Lagrange equations of
:math:`S = \tfrac12\int g_{ij}\dot x^i\dot x^j\,ds` (eqs. (22)–(27)): solved for the
accelerations these read :math:`\ddot x^k = -\Gamma^k_{ij}\dot x^i\dot x^j`.
:func:`christoffel` is the one place that chooses between the two; the geodesic equations
used for numbers (:func:`~._geodesic.geodesic_accelerations`) and the curvature tensors
(:mod:`._curvature`, through the tables below) all get :math:`\Gamma` from here.

Components are computed as exact rational functions (see :mod:`._algebra`) and turned
into readable SymPy expressions once, at the end.

References
----------
.. [1] Su Jianlin, "Understanding Riemannian geometry, 3: Geodesics", https://kexue.fm/archives/3977,
   eqs. (20) and (22)–(27).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import sympy as sp

from extremal.errors import InputError
from extremal.symbolic._algebra import algebra_for, per_algebra
from extremal.symbolic._boundary import guarded
from extremal.symbolic._components import Components
from extremal.symbolic._lagrangian import euler_lagrange
from extremal.symbolic._metric import Metric, require_metric
from extremal.symbolic._rational import Unsupported, field_for
from extremal.symbolic._simplification import canonical, readable

__all__ = ["Christoffel", "ChristoffelMethod", "Formula", "Variational", "christoffel"]


@dataclass(frozen=True, slots=True)
class Formula:
    r"""Christoffel symbols by the textbook sum, eq. (20) of the reference; the default.

    .. math:: \Gamma^k_{ij} = \tfrac12 g^{kl}(\partial_i g_{lj} + \partial_j g_{li} - \partial_l g_{ij})

    It differentiates :math:`g` once and multiplies by :math:`g^{-1}`, whereas
    :class:`Variational` first solves the Euler–Lagrange equations of
    :math:`\tfrac12 g\dot x\dot x` (a linear system whose right-hand side is a polynomial in
    the velocities) and then splits the accelerations into velocity monomials. Both give the
    same symbols, but for the Kerr metric this sum takes about 0.07 s against 0.5 s, a fresh
    process each, which is why it is the default everywhere.

    References
    ----------
    Su Jianlin, "Understanding Riemannian geometry, 3: Geodesics", https://kexue.fm/archives/3977, eq. (20).

    Examples
    --------
    >>> Formula()
    Formula()
    """


@dataclass(frozen=True, slots=True)
class Variational:
    r"""Christoffel symbols read off the Euler–Lagrange equations of :math:`\tfrac12 g\dot x\dot x`.

    These are the geodesic equations; solved for the accelerations, those equations read
    :math:`\ddot x^k = -\Gamma^k_{ij}\dot x^i\dot x^j`; the coefficient of
    :math:`\dot x^i\dot x^j` is :math:`-\Gamma^k_{ij}` (:math:`-2\Gamma^k_{ij}` for
    :math:`i \ne j`). Slower than :class:`Formula` and kept as its independent cross-check:
    the same symbols by the action principle alone.

    References
    ----------
    Su Jianlin, "Understanding Riemannian geometry, 3: Geodesics", https://kexue.fm/archives/3977,
    eqs. (22)–(27).

    Examples
    --------
    >>> Variational()
    Variational()
    """


ChristoffelMethod = Formula | Variational
"""How :func:`christoffel` computes the symbols: :class:`Formula` or :class:`Variational`."""

_BY_NAME: dict[str, ChristoffelMethod] = {"formula": Formula(), "variational": Variational()}


@dataclass(frozen=True)
class Christoffel(Components):
    r"""Christoffel symbols ``gamma[k, i, j]`` = :math:`\Gamma^k_{ij}`, symmetric in ``i, j``."""

    def is_representative(self, index: tuple[int, ...]) -> bool:
        """Show :math:`\\Gamma^k_{ij}` with ``i <= j`` only."""
        return index[1] <= index[2]


@per_algebra
def first_kind_table(metric: Metric) -> list[list[list[Any]]]:
    r"""First kind, as elements of ``algebra_for(metric)``: ``first[l][i][j]`` =

    .. math:: \Gamma_{l,ij} = \tfrac12(\partial_j g_{li} + \partial_i g_{lj} - \partial_l g_{ij})
    """
    alg, n = algebra_for(metric), metric.dim
    dg = [[[alg.diff(alg.g[i][j], k) for k in range(n)] for j in range(n)] for i in range(n)]
    return [
        [
            [alg.scale(alg.sum([dg[l][i][j], dg[l][j][i], -dg[i][j][l]]), sp.Rational(1, 2))
             for j in range(n)]
            for i in range(n)
        ]
        for l in range(n)
    ]


@per_algebra
def second_kind_table(metric: Metric) -> list[list[list[Any]]]:
    r"""``gamma[k][i][j]`` = :math:`\Gamma^k_{ij} = g^{kl}\Gamma_{l,ij}` as algebra elements."""
    alg, n = algebra_for(metric), metric.dim
    ginv, first = alg.inverse, first_kind_table(metric)
    table: list[list[list[Any]]] = [[[alg.zero] * n for _ in range(n)] for _ in range(n)]
    for k in range(n):
        for i in range(n):
            for j in range(i, n):
                value = alg.normal(alg.sum(
                    ginv[k][l] * first[l][i][j]
                    for l in range(n)
                    if not (alg.is_zero(ginv[k][l]) or alg.is_zero(first[l][i][j]))
                ))
                table[k][i][j] = table[k][j][i] = value
    return table


def _by_formula(metric: Metric) -> list[list[list[sp.Expr]]]:
    alg, n, gamma = algebra_for(metric), metric.dim, second_kind_table(metric)
    return [[[alg.to_sympy(gamma[k][i][j]) if i <= j else None for j in range(n)]
             for i in range(n)] for k in range(n)]


def _pair(monomial: tuple[int, ...]) -> tuple[int, int]:
    """The velocity indices ``(i, j)``, ``i <= j``, of a quadratic monomial's exponents."""
    indices = [m for m, p in enumerate(monomial) for _ in range(p)]
    if len(indices) != 2:
        raise RuntimeError(
            f"the geodesic accelerations should be quadratic in the velocities; found a term of "
            f"degree {len(indices)}. Please report this metric."
        )
    return indices[0], indices[1]


def _by_variation(metric: Metric) -> list[list[list[sp.Expr]]]:
    L = metric.lagrangian()
    n, velocities = metric.dim, L.velocities
    accelerations = euler_lagrange(L).solved_accelerations
    gamma: list[list[list[sp.Expr]]] = [[[sp.S.Zero] * n for _ in range(n)] for _ in range(n)]
    try:
        field = field_for(accelerations, metric.coords + velocities, 0)
    except Unsupported:
        for k, acceleration in enumerate(accelerations):
            num, den = sp.fraction(canonical(acceleration))
            for monomial, coeff in sp.Poly(num, *velocities).terms():
                if coeff == 0:
                    continue
                i, j = _pair(monomial)
                gamma[k][i][j] = readable(-coeff / den / (1 if i == j else 2))
        return gamma
    slots = [field.atoms.index(v) for v in velocities]
    for k, acceleration in enumerate(accelerations):
        value = field.element(acceleration)
        terms: dict[tuple[int, int], dict] = {}
        for monomial, coeff in value.num.items():
            i, j = _pair(tuple(monomial[s] for s in slots))
            key = tuple(0 if p in slots else e for p, e in enumerate(monomial))
            terms.setdefault((i, j), {})[key] = coeff * (-1 if i == j else sp.Rational(-1, 2))
        for (i, j), coeffs in terms.items():
            coeff = type(value)(field, field.ring(coeffs), value.den)
            gamma[k][i][j] = field.to_sympy(coeff)
    return gamma


def christoffel(metric: Metric, method: ChristoffelMethod | str = Formula()) -> Christoffel:
    r"""Christoffel symbols of the second kind of ``metric``.

    .. math:: \Gamma^k_{ij} = \tfrac12 g^{kl}(\partial_i g_{lj} + \partial_j g_{li} - \partial_l g_{ij})

    This is the one place where the route to :math:`\Gamma` is chosen. :class:`Formula` (the
    default) is the sum above; :class:`Variational` reads the symbols off the geodesic
    Euler–Lagrange equations. Both give the same symbols; the formula is several times faster
    (see :class:`Formula`), so it is the default here and in everything built on this
    function, and the variational route is kept as its tested cross-check.

    Parameters
    ----------
    metric : Metric
        Coordinates and non-degenerate components.
    method : Formula or Variational
        The route. The strings ``"formula"`` and ``"variational"`` are deprecated (a
        :class:`DeprecationWarning`) and stop working in the next release.

    Returns
    -------
    Christoffel
        ``gamma[k, i, j]``, symmetric in ``i, j``.

    Raises
    ------
    InputError
        If ``method`` is neither :class:`Formula` nor :class:`Variational`.

    References
    ----------
    Su Jianlin, "Understanding Riemannian geometry, 3: Geodesics", https://kexue.fm/archives/3977,
    eqs. (20) and (22)–(27).

    Examples
    --------
    >>> m = Metric.from_line_element("dtheta**2 + sin(theta)**2*dphi**2", "theta phi")
    >>> christoffel(m, method=Variational())[0, 1, 1]
    -sin(theta)*cos(theta)
    >>> christoffel(m)[1, 0, 1]
    cos(theta)/sin(theta)
    """
    require_metric(metric, "metric")
    if isinstance(method, str) and method in _BY_NAME:
        chosen = _BY_NAME[method]
        warnings.warn(
            f"christoffel(metric, method={method!r}) is deprecated; pass method={chosen!r} "
            f"(from extremal.symbolic import {type(chosen).__name__}). Strings stop working in the next release.",
            DeprecationWarning,
            stacklevel=2,
        )
        method = chosen
    if not isinstance(method, Formula | Variational):
        raise InputError(f"method must be Formula() or Variational() (from extremal.symbolic); got {method!r}.")
    return _christoffel(metric, method)


@guarded("the Christoffel symbols")
def _christoffel(metric: Metric, method: ChristoffelMethod) -> Christoffel:
    n = metric.dim
    table = _by_formula(metric) if isinstance(method, Formula) else _by_variation(metric)
    array = sp.ImmutableDenseNDimArray(
        [[[table[k][min(i, j)][max(i, j)] for j in range(n)] for i in range(n)] for k in range(n)]
    )
    return Christoffel(metric.coords, array, r"\Gamma", (True, False, False))
