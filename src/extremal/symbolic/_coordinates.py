r"""Coordinate changes through the action [1]_.

Instead of transforming equations of motion, transform the action and vary again:

* a Lagrangian :math:`L(x, \dot x)` with :math:`x = X(q)` becomes
  :math:`L(X(q), J\dot q)`, :math:`J = \partial X/\partial q`;
* a field density becomes :math:`\mathcal L(u, J^{-T}\partial_q u)\,|\det J|` — the
  volume element :math:`dx\,dy = |\det J|\,dq^1dq^2` must not be forgotten (eq. (7) of [1]_).

The coordinates that ``det J`` depends on are taken positive, as in the textbook charts
(``r > 0``, ``0 < θ < π``), so ``sqrt(r**2)`` simplifies to ``r``; any other coordinate keeps
its sign (``sqrt(q**2)`` stays ``|q|``).

References
----------
.. [1] Su Jianlin, "Changing coordinates with the calculus of variations", https://kexue.fm/archives/3181.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import sympy as sp

from extremal.errors import InputError, SingularMetricError
from extremal.symbolic._boundary import guarded
from extremal.symbolic._field import FieldLagrangian
from extremal.symbolic._lagrangian import Lagrangian, velocity_symbol
from extremal.symbolic._parsing import as_symbols, parse
from extremal.symbolic._simplification import is_zero, matrix_determinant, matrix_inverse, probably_nonzero, readable

__all__ = ["change_coordinates", "change_field_coordinates", "simplify_in_chart"]

CoordinateMap = Mapping[sp.Symbol | str, sp.Expr | str] | Sequence[sp.Expr | str]
"""Old coordinates as functions of the new ones: ``{"x": "r*cos(theta)", "y": "r*sin(theta)"}``,
or a sequence of expressions in the order of the old coordinates."""


def point_transformation(old: Sequence[sp.Symbol], mapping: CoordinateMap, new: Sequence[sp.Symbol]) -> list[sp.Expr]:
    """The old coordinates as expressions in the new ones, checked for completeness."""
    names = {q.name: q for q in new}
    if isinstance(mapping, Mapping):
        by_name = {str(getattr(k, "name", k)): v for k, v in mapping.items()}
        missing = [q.name for q in old if q.name not in by_name]
        extra = sorted(set(by_name) - {q.name for q in old})
        if missing or extra:
            raise InputError(
                f"the coordinate change must give every old coordinate {[q.name for q in old]} "
                f"as a function of the new ones; missing {missing}, unknown {extra}."
            )
        exprs = [by_name[q.name] for q in old]
    else:
        exprs = list(mapping)
        if len(exprs) != len(old):
            raise InputError(
                f"the coordinate change gives {len(exprs)} expressions for {len(old)} old coords."
            )
    parsed = [parse(e, names, "coordinate change") for e in exprs]
    leftover = {s.name for e in parsed for s in e.free_symbols} & {q.name for q in old} - set(names)
    if leftover:
        raise InputError(
            f"the coordinate change still uses old coordinates {sorted(leftover)}; write the old "
            "coordinates as functions of the new ones only."
        )
    return parsed


def jacobian_determinant(jacobian: sp.Matrix, new: Sequence[sp.Symbol]) -> sp.Expr:
    """``det J`` of a coordinate change; raise if the change is not invertible."""
    if jacobian.shape[0] != jacobian.shape[1]:
        raise InputError(
            f"the coordinate change maps {jacobian.shape[1]} new coords to {jacobian.shape[0]} "
            "old ones; a change of coordinates needs as many new coords as old."
        )
    det = matrix_determinant(jacobian)
    if not probably_nonzero(det) and is_zero(det):
        raise SingularMetricError(
            f"the coordinate change is not invertible: its Jacobian determinant in "
            f"{tuple(q.name for q in new)} is identically zero. The new coordinates must be "
            "independent."
        )
    return -det if leading_sign(det) < 0 else det


def leading_sign(expr: sp.Expr) -> int:
    """Sign of the numeric factor of ``expr`` (``-1`` for ``-r**2*sin(theta)``).

    Examples
    --------
    >>> r = sp.Symbol("r")
    >>> leading_sign(-r**2), leading_sign(1/sp.sqrt(r))
    (-1, 1)
    """
    coeff, _ = sp.factor_terms(expr).as_coeff_Mul()
    return -1 if coeff.is_negative else 1


@guarded("the simplification")
def simplify_in_chart(expr: sp.Expr | str, coords: str | Iterable[str | sp.Symbol]) -> sp.Expr:
    """Simplify, taking ``coords`` positive: roots are simplified inside, then the whole.

    Examples
    --------
    >>> r, th = sp.symbols("r theta")
    >>> simplify_in_chart(1/sp.sqrt(r**2*sp.cos(th)**2 + r**2*sp.sin(th)**2), (r, th))
    1/r
    """
    coords = as_symbols(coords, "coords", within=expr.free_symbols if isinstance(expr, sp.Basic) else ())
    expr = parse(expr, {q.name: q for q in coords}, "expr")
    expr = expr.replace(
        lambda e: e.is_Pow and not e.exp.is_Integer,
        lambda e: readable(e.base) ** e.exp,
    )
    positive = {q: sp.Dummy(q.name, positive=True) for q in coords}
    expr = expr.xreplace(positive).xreplace({v: k for k, v in positive.items()})
    return readable(expr)


def _chart_coords(jacobian_det: sp.Expr, new: Sequence[sp.Symbol]) -> tuple[sp.Symbol, ...]:
    """The new coordinates that ``det J`` depends on: those taken positive (r > 0, 0 < θ < π).

    A coordinate the Jacobian does not involve keeps its sign, so ``sqrt(q**2)`` stays ``|q|``.
    """
    return tuple(q for q in new if jacobian_det.has(q))


@guarded("the coordinate change")
def change_coordinates(
    lagrangian: Lagrangian, mapping: CoordinateMap, new_coords: str | Iterable[str | sp.Symbol]
) -> Lagrangian:
    r"""Rewrite a Lagrangian in new coordinates: :math:`L'(q, \dot q) = L(X(q), J\dot q)`.

    Parameters
    ----------
    lagrangian : Lagrangian
        The Lagrangian in the old coordinates.
    mapping : dict or sequence
        Each old coordinate as an expression in the new ones, e.g.
        ``{"x": "r*cos(theta)", "y": "r*sin(theta)"}``.
    new_coords : str or sequence of Symbol
        The new coordinates.

    Raises
    ------
    SingularMetricError
        If the change is not invertible.

    References
    ----------
    Su Jianlin, "Changing coordinates with the calculus of variations", https://kexue.fm/archives/3181, eqs. (2)–(3).

    Examples
    --------
    The planar two-body problem, eq. (2) of the reference into eq. (3):

    >>> L = Lagrangian.parse("(xdot**2 + ydot**2)/2 + mu/sqrt(x**2 + y**2)", "x y")
    >>> change_coordinates(L, {"x": "r*cos(theta)", "y": "r*sin(theta)"}, "r theta").expr
    mu/r + r**2*thetadot**2/2 + rdot**2/2
    """
    if lagrangian.order > 1:
        raise InputError(
            f"change_coordinates handles Lagrangians L(q, qdot, t); this one has derivatives of order "
            f"{lagrangian.order}. Take its Euler-Poisson equations with euler_lagrange(L).equations, or "
            "rewrite L without the higher derivatives first."
        )
    new = as_symbols(new_coords, "new_coords")
    X = point_transformation(lagrangian.coords, mapping, new)
    J = sp.Matrix(X).jacobian(new)
    chart = _chart_coords(jacobian_determinant(J, new), new)
    new_velocities = sp.Matrix([velocity_symbol(q) for q in new])
    old_velocities = J * new_velocities
    replace = dict(zip(lagrangian.coords, X, strict=True))
    replace |= dict(zip(lagrangian.velocities, old_velocities, strict=True))
    expr = lagrangian.expr.subs(replace, simultaneous=True)
    return Lagrangian(simplify_in_chart(expr, chart) if chart else readable(expr), new, lagrangian.time)


@guarded("the coordinate change of the density")
def change_field_coordinates(
    lagrangian: FieldLagrangian, mapping: CoordinateMap, new_variables: str | Iterable[str | sp.Symbol]
) -> FieldLagrangian:
    r"""Rewrite a field density in new coordinates, volume element included.

    .. math:: \mathcal L'(u, \partial_q u) = \mathcal L(u, J^{-T}\partial_q u)\,|\det J|

    Only first derivatives of the fields may appear in the density.

    References
    ----------
    Su Jianlin, "Changing coordinates with the calculus of variations", https://kexue.fm/archives/3181, eqs. (6)–(7).

    Examples
    --------
    The Poisson action, eq. (6) of the reference into eq. (7):

    >>> L = FieldLagrangian.parse("(u_x**2 + u_y**2)/2 + F*u", "u", "x y")
    >>> change_field_coordinates(L, {"x": "r*cos(theta)", "y": "r*sin(theta)"}, "r theta").density
    F*r*u(r, theta) + r*Derivative(u(r, theta), r)**2/2 + Derivative(u(r, theta), theta)**2/(2*r)
    """
    new = as_symbols(new_variables, "new_variables")
    old = lagrangian.variables
    X = point_transformation(old, mapping, new)
    J = sp.Matrix(X).jacobian(new)
    volume = jacobian_determinant(J, new)
    chart = _chart_coords(volume, new)
    inverse = matrix_inverse(J).applyfunc(lambda e: simplify_in_chart(e, chart) if chart else e)
    replace: dict[sp.Expr, sp.Expr] = {}
    new_fields = []
    for u in lagrangian.fields:
        U = u.func(*new)
        new_fields.append(U)
        for i, x in enumerate(old):
            replace[sp.Derivative(u, x)] = sum(
                sp.Derivative(U, q) * inverse[a, i] for a, q in enumerate(new)
            )
        replace[u] = U
    higher = [d for d in lagrangian.density.atoms(sp.Derivative) if d not in replace]
    if higher:
        raise InputError(
            f"change_field_coordinates handles first derivatives only; the density has {higher[0]}. "
            "Integrate by parts to a first-order density first."
        )
    density = lagrangian.density.xreplace(replace).subs(dict(zip(old, X, strict=True)))
    density = sp.expand(simplify_in_chart(density * volume, chart) if chart else readable(density * volume))
    return FieldLagrangian(density, tuple(new_fields), new)
