r"""Field Lagrangian densities :math:`\mathcal L(u, \partial u, x)` and their Euler–Lagrange PDEs.

.. math:: \frac{\partial\mathcal L}{\partial u} - \sum_i \partial_i \frac{\partial\mathcal L}{\partial u_i} = 0

Fields are SymPy applied functions ``u(x, y)``; their derivatives are ``Derivative``
objects. In strings, ``u_x`` means ∂u/∂x and ``u_xy`` means ∂²u/∂x∂y. The equations come
from the particles' engine, :func:`~._lagrangian.euler_lagrange_sides`, with ``sympy.diff``
as the total derivative :math:`D_i` (it follows ``u(x, y)`` by the chain rule).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sympy as sp

from extremal.errors import InputError
from extremal.symbolic._boundary import guarded
from extremal.symbolic._lagrangian import euler_lagrange_sides
from extremal.symbolic._parsing import as_symbols, check_name_clashes, parse
from extremal.symbolic._simplification import readable

__all__ = ["FieldLagrangian", "field_equations"]


@dataclass(frozen=True)
class FieldLagrangian:
    r"""A Lagrangian density over several independent variables.

    Parameters
    ----------
    density : sympy.Expr
        :math:`\mathcal L` in the fields ``u(x, ...)``, their derivatives and the variables.
    fields : sequence of applied functions
        E.g. ``(u(x, y),)``; each must depend on exactly ``variables``.
    variables : sequence of Symbol
        The independent variables.

    Examples
    --------
    >>> L = FieldLagrangian.parse("(u_x**2 + u_y**2)/2 + F*u", "u", "x y")
    >>> L.fields
    (u(x, y),)
    """

    density: sp.Expr
    fields: tuple[sp.Expr, ...]
    variables: tuple[sp.Symbol, ...]

    @guarded("the field Lagrangian")
    def __post_init__(self) -> None:
        variables = as_symbols(self.variables, "variables")
        object.__setattr__(self, "variables", variables)
        fields = tuple(self.fields)
        for u in fields:
            if not isinstance(u, sp.core.function.AppliedUndef) or u.args != variables:
                raise InputError(
                    f"each field must be an undefined function of {variables}, like "
                    f"u({', '.join(v.name for v in variables)}); got {u}."
                )
        object.__setattr__(self, "fields", fields)
        if not isinstance(self.density, sp.Expr) or not any(
            d.expr in fields for d in self.density.atoms(sp.Derivative)
        ):
            raise InputError(
                f"the density {self.density} contains no derivative of the fields; write "
                "derivatives as Derivative(u(x, y), x), or u_x in strings."
            )

    @classmethod
    def parse(
        cls,
        text: str,
        fields: str | Iterable[str],
        variables: str | Iterable[str | sp.Symbol],
    ) -> FieldLagrangian:
        """Read a density; ``u_x`` is ∂u/∂x and ``u_xy`` is ∂²u/∂x∂y.

        Examples
        --------
        >>> FieldLagrangian.parse("u_t**2/2 - c**2*u_x**2/2", "u", "t x").density
        -c**2*Derivative(u(t, x), x)**2/2 + Derivative(u(t, x), t)**2/2
        """
        xs = as_symbols(variables, "variables")
        field_names = as_symbols(fields, "fields")
        names: dict[str, sp.Basic] = {v.name: v for v in xs}
        meaning = {v.name: f"the variable {v.name}" for v in xs}
        generated: list[tuple[str, str]] = []
        funcs = []
        for name in field_names:
            u = sp.Function(name.name)(*xs)
            funcs.append(u)
            names[name.name] = u
            generated.append((name.name, f"the field {name.name}"))
            for a in xs:
                names[f"{name.name}_{a.name}"] = sp.Derivative(u, a)
                generated.append((f"{name.name}_{a.name}", f"∂{name.name}/∂{a.name}"))
                for b in xs:
                    names[f"{name.name}_{a.name}{b.name}"] = sp.Derivative(u, a, b)
                    generated.append((f"{name.name}_{a.name}{b.name}", f"∂²{name.name}/∂{a.name}∂{b.name}"))
        check_name_clashes(meaning, generated)
        return cls(parse(text, names, "Lagrangian density"), tuple(funcs), xs)

    def _repr_latex_(self) -> str:
        return rf"$\mathcal{{L}} = {sp.latex(self.density)}$"

    def __str__(self) -> str:
        return f"L = {self.density}"


@guarded("the field equations")
def field_equations(lagrangian: FieldLagrangian) -> tuple[sp.Eq, ...]:
    r"""Euler–Lagrange PDEs of a field density, one per field, as ``Eq(expr, 0)``.

    .. math:: \frac{\partial\mathcal L}{\partial u} - \sum_i \partial_i \frac{\partial\mathcal L}{\partial u_i} = 0

    Examples
    --------
    The wave equation:

    >>> field_equations(FieldLagrangian.parse("u_t**2/2 - c**2*u_x**2/2", "u", "t x"))
    (Eq(c**2*Derivative(u(t, x), (x, 2)) - Derivative(u(t, x), (t, 2)), 0),)
    """
    L = lagrangian
    derivatives = sorted(L.density.atoms(sp.Derivative), key=sp.default_sort_key)
    equations = []
    for u in L.fields:
        jets = [(d, d.variables) for d in derivatives if d.expr == u]
        lhs, rhs = euler_lagrange_sides(L.density, u, jets, sp.diff)
        equations.append(sp.Eq(readable(rhs - lhs), 0))
    return tuple(equations)
