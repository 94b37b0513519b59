r"""Geodesic equations: the Euler–Lagrange equations of :math:`L = \tfrac12 g_{ij}\dot x^i\dot x^j`."""

from __future__ import annotations

import sympy as sp

from extremal.symbolic._boundary import guarded
from extremal.symbolic._lagrangian import EquationsOfMotion, euler_lagrange
from extremal.symbolic._metric import Metric

__all__ = ["geodesic_equations"]


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
    return euler_lagrange(metric.lagrangian(parameter))
