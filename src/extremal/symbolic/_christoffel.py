r"""Christoffel symbols of the second kind, two independent ways [1]_.

``method="formula"`` evaluates eq. (20),

.. math:: \Gamma^k_{ij} = \tfrac12 g^{kl}(\partial_i g_{lj} + \partial_j g_{li} - \partial_l g_{ij}),

and ``method="variational"`` reads them off the Euler–Lagrange equations of
:math:`S = \tfrac12\int g_{ij}\dot x^i\dot x^j\,ds` (eqs. (22)–(27)): solved for the
accelerations these read :math:`\ddot x^k = -\Gamma^k_{ij}\dot x^i\dot x^j`.

Components are computed as exact rational functions (see :mod:`._algebra`) and turned
into readable SymPy expressions once, at the end.

References
----------
.. [1] Su Jianlin, "Understanding Riemannian geometry, 3: Geodesics", https://kexue.fm/archives/3977,
   eqs. (20) and (22)–(27).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sympy as sp

from extremal.errors import InputError
from extremal.symbolic._algebra import algebra_for
from extremal.symbolic._boundary import guarded
from extremal.symbolic._components import Components
from extremal.symbolic._lagrangian import euler_lagrange
from extremal.symbolic._metric import Metric
from extremal.symbolic._rational import Unsupported, field_for
from extremal.symbolic._simplification import canonical, readable

__all__ = ["Christoffel", "christoffel"]

METHODS = ("formula", "variational")


@dataclass(frozen=True)
class Christoffel(Components):
    r"""Christoffel symbols ``gamma[k, i, j]`` = :math:`\Gamma^k_{ij}`, symmetric in ``i, j``."""

    def is_representative(self, index: tuple[int, ...]) -> bool:
        """Show :math:`\\Gamma^k_{ij}` with ``i <= j`` only."""
        return index[1] <= index[2]


@lru_cache(maxsize=64)
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


@lru_cache(maxsize=64)
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
    accelerations = euler_lagrange(L).accelerations
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


@guarded("the Christoffel symbols")
def christoffel(metric: Metric, method: str = "formula") -> Christoffel:
    r"""Christoffel symbols of the second kind of ``metric``.

    .. math:: \Gamma^k_{ij} = \tfrac12 g^{kl}(\partial_i g_{lj} + \partial_j g_{li} - \partial_l g_{ij})

    Parameters
    ----------
    metric : Metric
        Coordinates and non-degenerate components.
    method : {"formula", "variational"}
        Textbook formula (eq. (20) of the reference), or read off the geodesic Euler–Lagrange
        equations (eqs. (22)–(27)). Both give the same symbols.

    Returns
    -------
    Christoffel
        ``gamma[k, i, j]``, symmetric in ``i, j``.

    Raises
    ------
    InputError
        If ``method`` is not one of the two above.

    References
    ----------
    Su Jianlin, "Understanding Riemannian geometry, 3: Geodesics", https://kexue.fm/archives/3977,
    eqs. (20) and (22)–(27).

    Examples
    --------
    >>> m = Metric.from_line_element("dtheta**2 + sin(theta)**2*dphi**2", "theta phi")
    >>> christoffel(m, method="variational")[0, 1, 1]
    -sin(theta)*cos(theta)
    >>> christoffel(m)[1, 0, 1]
    cos(theta)/sin(theta)
    """
    if method not in METHODS:
        raise InputError(f"method must be one of {METHODS}; got {method!r}.")
    n = metric.dim
    table = _by_formula(metric) if method == "formula" else _by_variation(metric)
    array = sp.ImmutableDenseNDimArray(
        [[[table[k][min(i, j)][max(i, j)] for j in range(n)] for i in range(n)] for k in range(n)]
    )
    return Christoffel(metric.coords, array, r"\Gamma", (True, False, False))
