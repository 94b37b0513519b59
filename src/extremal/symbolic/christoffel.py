r"""Christoffel symbols of the second kind, two independent ways (seed 001).

``method="formula"`` evaluates eq. (20),

.. math:: \Gamma^k_{ij} = \tfrac12 g^{kl}(\partial_i g_{lj} + \partial_j g_{li} - \partial_l g_{ij}),

and ``method="variational"`` reads them off the Euler–Lagrange equations of
:math:`S = \tfrac12\int g_{ij}\dot x^i\dot x^j\,ds` (eqs. 22–27): solved for the
accelerations these read :math:`\ddot x^k = -\Gamma^k_{ij}\dot x^i\dot x^j`.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from extremal.errors import InputError
from extremal.symbolic.components import Components
from extremal.symbolic.lagrangian import euler_lagrange
from extremal.symbolic.metric import Metric
from extremal.symbolic.simplification import canonical, readable

__all__ = ["Christoffel", "christoffel"]

METHODS = ("formula", "variational")


@dataclass(frozen=True)
class Christoffel(Components):
    r"""Christoffel symbols ``gamma[k, i, j]`` = :math:`\Gamma^k_{ij}`, symmetric in ``i, j``."""

    def is_representative(self, index: tuple[int, ...]) -> bool:
        """Show :math:`\\Gamma^k_{ij}` with ``i <= j`` only."""
        return index[1] <= index[2]


def _first_kind(metric: Metric) -> list[list[list[sp.Expr]]]:
    g, x, n = metric.g, metric.coords, metric.dim
    dg = [[[sp.diff(g[i, j], x[k]) for k in range(n)] for j in range(n)] for i in range(n)]
    return [
        [[(dg[l][j][i] + dg[l][i][j] - dg[i][j][l]) / 2 for j in range(n)] for i in range(n)]
        for l in range(n)
    ]


def _by_formula(metric: Metric) -> list:
    n, ginv = metric.dim, metric.inverse
    first = _first_kind(metric)
    return [
        [
            [readable(sum(ginv[k, l] * first[l][i][j] for l in range(n))) if i <= j else None
             for j in range(n)]
            for i in range(n)
        ]
        for k in range(n)
    ]


def _by_variation(metric: Metric) -> list:
    L = metric.lagrangian()
    velocities = L.velocities
    n = metric.dim
    gamma: list = [[[sp.S.Zero] * n for _ in range(n)] for _ in range(n)]
    for k, acceleration in enumerate(euler_lagrange(L).accelerations):
        num, den = sp.fraction(canonical(acceleration))
        for monomial, coeff in sp.Poly(num, *velocities).terms():
            i, j = (m for m, p in enumerate(monomial) for _ in range(p))
            gamma[k][i][j] = readable(-coeff / den / (1 if i == j else 2))
    return gamma


def christoffel(metric: Metric, method: str = "formula") -> Christoffel:
    r"""Christoffel symbols of the second kind of ``metric``.

    .. math:: \Gamma^k_{ij} = \tfrac12 g^{kl}(\partial_i g_{lj} + \partial_j g_{li} - \partial_l g_{ij})

    Parameters
    ----------
    metric : Metric
        Coordinates and non-degenerate components.
    method : {"formula", "variational"}
        Textbook formula (seed 001, eq. 20), or read off the geodesic Euler–Lagrange
        equations (eqs. 22–27). Both give the same symbols.

    Returns
    -------
    Christoffel
        ``gamma[k, i, j]``, symmetric in ``i, j``.

    Examples
    --------
    >>> m = Metric.from_line_element("dtheta**2 + sin(theta)**2*dphi**2", "theta phi")
    >>> christoffel(m, method="variational")[0, 1, 1]
    -sin(theta)*cos(theta)
    """
    if method not in METHODS:
        raise InputError(f"method must be one of {METHODS}; got {method!r}.")
    n = metric.dim
    table = _by_formula(metric) if method == "formula" else _by_variation(metric)
    array = sp.ImmutableDenseNDimArray(
        [[[table[k][min(i, j)][max(i, j)] for j in range(n)] for i in range(n)] for k in range(n)]
    )
    return Christoffel(metric.coords, array, r"\Gamma", (True, False, False))
