r"""Geodesic equations of a metric: the Euler–Lagrange equations of :math:`L = \tfrac12 g_{ij}\dot x^i\dot x^j`.

:func:`geodesic_equations` gives them as Euler–Lagrange equations; :func:`geodesic_accelerations`
gives them as right-hand sides :math:`\ddot x^k = -\Gamma^k_{ij}\dot x^i\dot x^j`, with
:math:`\Gamma` from :func:`~._christoffel.christoffel` (by the formula or read off these same
equations). Everything that integrates geodesics numerically starts from the latter.
"""

from __future__ import annotations

import sympy as sp

from extremal.symbolic._boundary import guarded
from extremal.symbolic._christoffel import ChristoffelMethod, Formula, christoffel
from extremal.symbolic._lagrangian import EquationsOfMotion, euler_lagrange, velocity_symbol
from extremal.symbolic._metric import Metric, require_metric

__all__ = ["geodesic_equations"]

_FORMULA = Formula()


@guarded("the geodesic equations")
def geodesic_equations(metric: Metric, parameter: str | sp.Symbol = "s") -> EquationsOfMotion:
    r"""Geodesic equations :math:`\ddot x^k = -\Gamma^k_{ij}\dot x^i\dot x^j` of ``metric``.

    They are the Euler–Lagrange equations of the metric's Lagrangian;
    ``.conservation_form`` shows them as :math:`\frac{d}{ds}(g_{kj}\dot x^j) = \dots`.

    References
    ----------
    Su Jianlin, "Understanding Riemannian geometry, 3: Geodesics", https://kexue.fm/archives/3977, eqs. (24)–(26).

    Examples
    --------
    >>> m = Metric.from_line_element("dr**2 + r**2*dtheta**2", "r theta")
    >>> geodesic_equations(m).accelerations
    (r*thetadot**2, -2*rdot*thetadot/r)
    """
    require_metric(metric, "metric")
    return euler_lagrange(metric.lagrangian(parameter))


@guarded("the geodesic accelerations")
def geodesic_accelerations(metric: Metric, method: ChristoffelMethod = _FORMULA) -> tuple[sp.Expr, ...]:
    r"""The geodesic equations of ``metric`` as right-hand sides, one per coordinate.

    .. math:: \ddot x^k = -\Gamma^k_{ij}\dot x^i\dot x^j
              = -\sum_{i\le j} (2 - \delta_{ij})\,\Gamma^k_{ij}\dot x^i\dot x^j

    in the coordinates and their velocity symbols ``qdot``. Numerical geodesics compile
    these. :math:`\Gamma` is :func:`~._christoffel.christoffel` of ``method``: the
    :class:`~._christoffel.Formula` by default, because it is several times faster than
    reading the symbols off :func:`geodesic_equations` (:class:`~._christoffel.Variational`),
    which gives the same right-hand sides.

    Parameters
    ----------
    metric : Metric
        Coordinates and non-degenerate components.
    method : Formula or Variational
        How the Christoffel symbols are computed.

    Returns
    -------
    tuple of sympy.Expr
        :math:`\ddot x^k`, quadratic in the velocities.

    References
    ----------
    Su Jianlin, "Understanding Riemannian geometry, 3: Geodesics", https://kexue.fm/archives/3977, eqs. (24)–(27).

    Examples
    --------
    >>> m = Metric.from_line_element("dr**2 + r**2*dtheta**2", "r theta")
    >>> geodesic_accelerations(m)
    (r*thetadot**2, -2*rdot*thetadot/r)
    """
    require_metric(metric, "metric")
    gamma, n = christoffel(metric, method).array, metric.dim
    v = tuple(velocity_symbol(q) for q in metric.coords)
    return tuple(
        -sum(
            (gamma[k, i, j] * (1 if i == j else 2)) * v[i] * v[j]
            for i in range(n)
            for j in range(i, n)
        )
        for k in range(n)
    )
