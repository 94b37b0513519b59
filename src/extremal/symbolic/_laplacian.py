r"""The Laplace–Beltrami operator, by its formula and through the action.

.. math:: \Delta f = \frac{1}{\sqrt{|g|}}\,\partial_i\!\left(\sqrt{|g|}\,g^{ij}\,\partial_j f\right)
          = g^{ij}\left(\partial_i\partial_j f - \Gamma^k_{ij}\,\partial_k f\right)

The second form is computed: its coefficients are exact elements of the metric's field
(no :math:`\sqrt{|g|}`, whose sign would have to be carried), each made readable on its own.

The same operator follows without the formula [1]_: write the action
:math:`\int(\tfrac12|\nabla u|^2 + F u)\,dx` in the new coordinates (volume element
included) and vary it; the Euler–Lagrange equation reads :math:`\Delta u = F`.

References
----------
.. [1] Su Jianlin, "Changing coordinates with the calculus of variations", https://kexue.fm/archives/3181, eqs. (5)–(8).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import sympy as sp

from extremal.errors import InputError
from extremal.symbolic._algebra import algebra_for
from extremal.symbolic._boundary import guarded
from extremal.symbolic._calculus import diff_real
from extremal.symbolic._christoffel import second_kind_table
from extremal.symbolic._coordinates import (
    CoordinateMap,
    change_field_coordinates,
    jacobian_determinant,
    point_transformation,
)
from extremal.symbolic._field import FieldLagrangian, field_equations
from extremal.symbolic._metric import Metric, require_metric
from extremal.symbolic._parsing import as_symbols
from extremal.symbolic._simplification import readable

__all__ = ["laplace_beltrami", "laplacian_from_action"]

_SOURCE = sp.Symbol("F")


@guarded("the Laplace-Beltrami operator")
def laplace_beltrami(metric: Metric, f: sp.Expr | None = None) -> sp.Expr:
    r"""Apply the Laplace–Beltrami operator of ``metric`` to ``f`` (default: a field ``u(coords)``).

    .. math:: \Delta f = g^{ij}\partial_i\partial_j f - g^{ij}\Gamma^k_{ij}\,\partial_k f

    Examples
    --------
    >>> polar = Metric.from_line_element("dr**2 + r**2*dtheta**2", "r theta")
    >>> laplace_beltrami(polar, sp.Symbol("r")**2)
    4
    >>> laplace_beltrami(polar)
    Derivative(u(r, theta), (r, 2)) + Derivative(u(r, theta), r)/r + Derivative(u(r, theta), (theta, 2))/r**2
    """
    require_metric(metric, "metric")
    x, n = metric.coords, metric.dim
    alg, gamma = algebra_for(metric), second_kind_table(metric)
    ginv = alg.inverse
    field = sp.Function("u")(*x) if f is None else f
    terms = []
    for i in range(n):
        for j in range(i, n):
            if not alg.is_zero(ginv[i][j]):
                coefficient = alg.to_sympy(alg.scale(ginv[i][j], 1 if i == j else 2))
                terms.append(coefficient * diff_real(diff_real(field, x[i]), x[j]))
    for k in range(n):
        drift = alg.normal(alg.sum(
            -(ginv[i][j] * gamma[k][i][j])
            for i in range(n) for j in range(n)
            if not (alg.is_zero(ginv[i][j]) or alg.is_zero(gamma[k][i][j]))
        ))
        if not alg.is_zero(drift):
            terms.append(alg.to_sympy(drift) * diff_real(field, x[k]))
    return sp.Add(*terms) if f is None else readable(sp.Add(*terms))


def by_derivatives(expr: sp.Expr, u: sp.Expr, divisor: sp.Expr = sp.S.One) -> sp.Expr:
    r""":math:`\sum_\alpha c_\alpha\,\partial^\alpha u` for an ``expr`` linear in ``u`` and its derivatives,
    each coefficient :math:`c_\alpha/\text{divisor}` made readable on its own.

    Examples
    --------
    >>> r = sp.Symbol("r")
    >>> u = sp.Function("u")(r)
    >>> by_derivatives(r*u.diff(r, 2) + u.diff(r) + r**2*u.diff(r), u, r)
    (r + 1/r)*Derivative(u(r), r) + Derivative(u(r), (r, 2))
    """
    atoms = sorted({d for d in expr.atoms(sp.Derivative) if d.expr == u} | {u}, key=sp.default_sort_key)
    slots = {a: sp.Dummy() for a in atoms}
    linear = expr.xreplace(slots)
    return sp.Add(*[readable(sp.diff(linear, slot) / divisor) * a for a, slot in slots.items()])


@guarded("the Laplacian from the action")
def laplacian_from_action(
    mapping: CoordinateMap,
    new_coords: str | Iterable[str | sp.Symbol],
    old_coords: str | Iterable[str | sp.Symbol] | None = None,
) -> sp.Expr:
    r"""The flat Laplacian in new coordinates, by varying the transformed action.

    The density :math:`\tfrac12|\nabla u|^2 + F u` in Cartesian ``old_coords`` is rewritten
    with :func:`change_field_coordinates` and varied; its equation
    :math:`F\,|\det J| - D(u) = 0` gives :math:`\Delta u = D(u)/|\det J|`.

    Parameters
    ----------
    mapping : dict or sequence
        Cartesian coordinates as functions of the new ones.
    new_coords : str or sequence of Symbol
        The new coordinates.
    old_coords : str or sequence, optional
        Names of the Cartesian coordinates; taken from ``mapping``'s keys when it is a dict,
        else ``x y z`` (first n).

    Returns
    -------
    sympy.Expr
        :math:`\Delta u` for the field ``u(new_coords)``.

    References
    ----------
    Su Jianlin, "Changing coordinates with the calculus of variations", https://kexue.fm/archives/3181, eqs. (6)–(8).

    Examples
    --------
    Polar coordinates, eq. (8) of the article divided by :math:`r`:

    >>> laplacian_from_action({"x": "r*cos(theta)", "y": "r*sin(theta)"}, "r theta")
    Derivative(u(r, theta), (r, 2)) + Derivative(u(r, theta), r)/r + Derivative(u(r, theta), (theta, 2))/r**2
    """
    new = as_symbols(new_coords, "new_coords")
    if old_coords is None:
        if isinstance(mapping, Mapping):
            old_coords = [getattr(k, "name", k) for k in mapping]
        elif len(new) <= 3:
            old_coords = ["x", "y", "z"][: len(new)]
        else:
            raise InputError("old_coords is required for more than three dimensions; name them.")
    old = as_symbols(old_coords, "old_coords")
    if _SOURCE in old or _SOURCE in new:
        raise InputError("the name F is reserved for the source term; rename that coordinate.")
    u = sp.Function("u")(*old)
    density = sum(sp.Derivative(u, x) ** 2 for x in old) / 2 + _SOURCE * u
    transformed = change_field_coordinates(FieldLagrangian(density, (u,), old), mapping, new)
    volume = jacobian_determinant(sp.Matrix(point_transformation(old, mapping, new)).jacobian(new), new)
    (equation,) = field_equations(transformed)
    return by_derivatives(-equation.lhs.subs(_SOURCE, 0), transformed.fields[0], volume)
