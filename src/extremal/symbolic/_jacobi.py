r"""Geometrised mechanics [1]_: the Jacobi metric and its time reparametrisation.

A conservative system :math:`L = \tfrac12 g_{ij}\dot x^i\dot x^j - U(x)` moving with energy
:math:`E` follows the geodesics of the Jacobi metric (eq. (84))

.. math:: d\tilde s^2 = (E - U)\,g_{ij}\,dx^i dx^j .

With the time parameter :math:`dt = d\tilde s / (\sqrt2\,(E-U))` (eq. (76)) those geodesic
equations become Newton's equations (eq. (71)). Read backwards (eqs. (85)–(86)), the geodesics of
a conformally flat metric :math:`f\,(dx^2+dy^2)` are the paths at :math:`E = 0` of the
system with potential :math:`U = -f`. Equation numbers are those of the reference.

References
----------
.. [1] Su Jianlin, "Understanding Riemannian geometry, 8: Geometry everywhere (mechanics made
   geometric)", https://kexue.fm/archives/4046.
"""

from __future__ import annotations

import sympy as sp

from extremal.errors import InputError
from extremal.symbolic._boundary import guarded
from extremal.symbolic._geodesic import geodesic_equations
from extremal.symbolic._lagrangian import Lagrangian
from extremal.symbolic._metric import Metric, require_metric
from extremal.symbolic._parsing import parse
from extremal.symbolic._simplification import readable

__all__ = [
    "conformal_mechanics",
    "jacobi_metric",
    "jacobi_newton_equations",
    "mechanical_lagrangian",
]


def _potential(kinetic: Metric, potential: str | sp.Expr) -> sp.Expr:
    names = {q.name: q for q in kinetic.coords}
    U = parse(potential, names, "potential")
    velocity_names = {v.name for v in kinetic.lagrangian().velocities}
    foreign = sorted(s.name for s in U.free_symbols if s.name in velocity_names)
    if foreign:
        raise InputError(f"the potential may not depend on velocities; it uses {foreign}.")
    if U.free_symbols and not any(U.has(q) for q in kinetic.coords):
        raise InputError(
            f"the potential {U} depends on none of the coords "
            f"{tuple(q.name for q in kinetic.coords)}; it uses {sorted(s.name for s in U.free_symbols)}. "
            "Write the potential in the metric's coordinates."
        )
    return U


@guarded("the mechanical Lagrangian")
def mechanical_lagrangian(kinetic: Metric, potential: str | sp.Expr, time: str | sp.Symbol = "t") -> Lagrangian:
    r"""The Lagrangian :math:`L = \tfrac12 g_{ij}\dot x^i\dot x^j - U`.

    References
    ----------
    Su Jianlin, "Understanding Riemannian geometry, 8: Geometry everywhere (mechanics made
    geometric)", https://kexue.fm/archives/4046, eq. (83).

    Examples
    --------
    >>> flat = Metric.from_line_element("dx**2 + dy**2", "x y")
    >>> mechanical_lagrangian(flat, "(x**2 + y**2)/2").expr
    -x**2/2 + xdot**2/2 - y**2/2 + ydot**2/2
    """
    require_metric(kinetic, "kinetic")
    U = _potential(kinetic, potential)
    return Lagrangian(kinetic.lagrangian(time).expr - U, kinetic.coords, time)


@guarded("the Jacobi metric")
def jacobi_metric(kinetic: Metric, potential: str | sp.Expr, energy: str | sp.Expr = "E") -> Metric:
    r"""The Jacobi metric :math:`(E - U)\,g`.

    Parameters
    ----------
    kinetic : Metric
        The kinetic-energy metric :math:`g` (:math:`T = \tfrac12 g\dot x\dot x`).
    potential : str or sympy.Expr
        :math:`U(x)` in the metric's coordinates.
    energy : str or sympy.Expr
        The energy :math:`E` (a symbol by default).

    References
    ----------
    Su Jianlin, "Understanding Riemannian geometry, 8: Geometry everywhere (mechanics made
    geometric)", https://kexue.fm/archives/4046, eq. (84) (the first equation with that number).

    Examples
    --------
    >>> flat = Metric.from_line_element("dx**2 + dy**2", "x y")
    >>> jacobi_metric(flat, "-(x**2 + y**2)/2", 0).g
    Matrix([
    [(x**2 + y**2)/2,               0],
    [              0, (x**2 + y**2)/2]])
    """
    require_metric(kinetic, "kinetic")
    U = _potential(kinetic, potential)
    E = parse(energy, {}, "energy")
    return Metric(kinetic.coords, (kinetic.g * (E - U)).applyfunc(readable))


@guarded("the Jacobi-Newton equations")
def jacobi_newton_equations(kinetic: Metric, potential: str | sp.Expr) -> tuple[sp.Expr, ...]:
    r"""Geodesic equations of the Jacobi metric, rewritten in the time :math:`t`.

    With :math:`h = ds/dt = \sqrt2(E-U)` and the geodesic equations :math:`x'' = A(x, x')`
    (quadratic in :math:`x'`), the chain rule gives
    :math:`\ddot x = A(x, \dot x) + \dot x\,(\dot x\cdot\nabla\ln h)`; energy conservation
    :math:`E = \tfrac12 g\dot x\dot x + U` then removes :math:`E`. The result equals Newton's
    equations :math:`\ddot x = -\Gamma\dot x\dot x - g^{-1}\nabla U`.

    Returns
    -------
    tuple of sympy.Expr
        :math:`\ddot x^k` in terms of :math:`x, \dot x`, one per coordinate.

    References
    ----------
    Su Jianlin, "Understanding Riemannian geometry, 8: Geometry everywhere (mechanics made
    geometric)", https://kexue.fm/archives/4046, eqs. (80)–(82).

    Examples
    --------
    >>> flat = Metric.from_line_element("dx**2 + dy**2", "x y")
    >>> jacobi_newton_equations(flat, "k*(x**2 + y**2)/2")
    (-k*x, -k*y)
    """
    require_metric(kinetic, "kinetic")
    U = _potential(kinetic, potential)
    E = sp.Dummy("E")
    jacobi = jacobi_metric(kinetic, U, E)
    geodesics = geodesic_equations(jacobi, "t")
    velocities = geodesics.lagrangian.velocities
    log_speed_rate = sum(v * sp.diff(sp.log(E - U), q) for q, v in zip(kinetic.coords, velocities, strict=True))
    kinetic_energy = kinetic.lagrangian("t").expr
    return tuple(
        readable((a + v * log_speed_rate).subs(E, kinetic_energy + U))
        for a, v in zip(geodesics.solved_accelerations, velocities, strict=True)
    )


@guarded("the conformal mechanics Lagrangian")
def conformal_mechanics(metric: Metric, time: str | sp.Symbol = "t") -> Lagrangian:
    r"""The mechanical system whose :math:`E = 0` paths are the geodesics of :math:`f\,\delta_{ij}dx^idx^j`.

    With :math:`dt = \sqrt{(dx^2+dy^2)/(2f)}` the geodesics of the
    conformally flat metric obey :math:`\ddot x = \partial_x f`, the motion in the potential
    :math:`U = -f` at energy :math:`E = 0`.

    Raises
    ------
    InputError
        If ``metric`` is not a multiple of the identity matrix in its coordinates.

    References
    ----------
    Su Jianlin, "Understanding Riemannian geometry, 8: Geometry everywhere (mechanics made
    geometric)", https://kexue.fm/archives/4046, eqs. (85)–(86).

    Examples
    --------
    >>> m = Metric.from_line_element("(x**2 + y**2)/2*(dx**2 + dy**2)", "x y")
    >>> from extremal.symbolic import euler_lagrange
    >>> euler_lagrange(conformal_mechanics(m)).accelerations
    (x, y)
    """
    require_metric(metric, "metric")
    f = metric.g[0, 0]
    if any(readable(metric.g[i, j] - (f if i == j else 0)) != 0 for i in range(metric.dim) for j in range(metric.dim)):
        raise InputError(
            f"the metric {metric} is not conformally flat in {metric.coords}: g must be f times "
            "the identity matrix. Use jacobi_newton_equations for a general kinetic metric."
        )
    flat = Metric(metric.coords, sp.eye(metric.dim), constant=True)
    return mechanical_lagrangian(flat, -f, time)
