r"""Field Lagrangian densities :math:`\mathcal L(u, \partial u, \partial^2 u, \dots, x)` and their Euler–Lagrange PDEs.

.. math:: \sum_\alpha (-1)^{|\alpha|} D_\alpha \frac{\partial\mathcal L}{\partial u_\alpha}
          = \frac{\partial\mathcal L}{\partial u} - \sum_i D_i \frac{\partial\mathcal L}{\partial u_i}
          + \sum_{i \le j} D_iD_j \frac{\partial\mathcal L}{\partial u_{ij}} - \dots = 0

Fields are SymPy applied functions ``u(x, y)``; their derivatives, of any order, are
``Derivative`` objects. In strings, ``u_x`` means ∂u/∂x, ``u_xy`` means ∂²u/∂x∂y and
``u_xxy`` means ∂³u/∂x²∂y. The equations come from the particles' engine,
:func:`~._lagrangian.euler_lagrange_sides`, with ``sympy.diff`` as the total derivative
:math:`D_i` (it follows ``u(x, y)`` by the chain rule).

References
----------
"Euler–Lagrange equation", Wikipedia, section "Single function of several variables with
higher derivatives", https://en.wikipedia.org/wiki/Euler%E2%80%93Lagrange_equation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

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
        """Read a density; ``u_x`` is ∂u/∂x, ``u_xy`` is ∂²u/∂x∂y, ``u_xxx`` is ∂³u/∂x³, and so on.

        Examples
        --------
        >>> FieldLagrangian.parse("u_t**2/2 - c**2*u_x**2/2", "u", "t x").density
        -c**2*Derivative(u(t, x), x)**2/2 + Derivative(u(t, x), t)**2/2
        >>> FieldLagrangian.parse("u_xxx**2/2", "u", "x").density
        Derivative(u(x), (x, 3))**2/2
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
        for u in funcs:
            for name in names:
                if name.startswith(f"{u.func.__name__}_"):
                    _reading(name, u, xs)
        density = parse(text, names, "Lagrangian density")
        return cls(density.xreplace(_higher_derivatives(density, funcs, xs)), tuple(funcs), xs)

    def _repr_latex_(self) -> str:
        return rf"$\mathcal{{L}} = {sp.latex(self.density)}$"

    def __str__(self) -> str:
        return f"L = {self.density}"


def _higher_derivatives(
    density: sp.Expr, fields: Sequence[sp.Expr], variables: Sequence[sp.Symbol]
) -> dict[sp.Symbol, sp.Expr]:
    """Each symbol ``u_<variables>`` of order three or more in ``density`` to its ``Derivative``.

    Raises
    ------
    InputError
        If the name splits into variable names in two ways (``u_xxx`` with variables ``x, xx``).
    """
    replace = {}
    for s in density.free_symbols:
        for u in fields:
            derivative = _reading(s.name, u, variables)
            if derivative is not None:
                replace[s] = derivative
    return replace


def _reading(name: str, u: sp.Expr, variables: Sequence[sp.Symbol]) -> sp.Expr | None:
    """The derivative of ``u`` that ``name`` (``u_xxy``) stands for, or None if it names none.

    Raises
    ------
    InputError
        If the name splits into variable names in two ways (``u_xyx`` with variables ``x, y, xyx``).
    """
    prefix = f"{u.func.__name__}_"
    if not name.startswith(prefix):
        return None
    by_name = {v.name: v for v in variables}
    splits = _splits(name.removeprefix(prefix), tuple(by_name))
    if len(splits) > 1:
        first, second = sorted(splits)[:2]
        raise InputError(
            f"the name {name!r} is both the derivative of {u.func.__name__} by {', '.join(first)} and "
            f"by {', '.join(second)}; rename one of the variables."
        )
    return sp.Derivative(u, *(by_name[v] for v in next(iter(splits)))) if splits else None


@lru_cache(maxsize=256)
def _splits(suffix: str, names: tuple[str, ...]) -> frozenset[tuple[str, ...]]:
    """The ways to write ``suffix`` as a product of ``names``, each as a sorted tuple (a multi-index).

    Examples
    --------
    >>> sorted(_splits("xxy", ("x", "y")))
    [('x', 'x', 'y')]
    """
    if not suffix:
        return frozenset({()})
    return frozenset(
        tuple(sorted((name, *rest)))
        for name in names if suffix.startswith(name)
        for rest in _splits(suffix[len(name):], names)
    )


@guarded("the field equations")
def field_equations(lagrangian: FieldLagrangian) -> tuple[sp.Eq, ...]:
    r"""Euler–Lagrange PDEs of a field density, one per field, as ``Eq(expr, 0)``.

    .. math:: \sum_\alpha (-1)^{|\alpha|} D_\alpha \frac{\partial\mathcal L}{\partial u_\alpha} = 0,

    summed over the derivatives :math:`u_\alpha` in :math:`\mathcal L`, of any order (with
    :math:`u_\emptyset = u`).

    Examples
    --------
    The wave equation:

    >>> field_equations(FieldLagrangian.parse("u_t**2/2 - c**2*u_x**2/2", "u", "t x"))
    (Eq(c**2*Derivative(u(t, x), (x, 2)) - Derivative(u(t, x), (t, 2)), 0),)

    The Euler–Bernoulli beam, :math:`EI\,u_{xxxx} + \rho\,u_{tt} = 0`:

    >>> field_equations(FieldLagrangian.parse("EI*u_xx**2/2 - rho*u_t**2/2", "u", "t x"))
    (Eq(EI*Derivative(u(t, x), (x, 4)) + rho*Derivative(u(t, x), (t, 2)), 0),)
    """
    L = lagrangian
    derivatives = sorted(L.density.atoms(sp.Derivative), key=sp.default_sort_key)
    equations = []
    for u in L.fields:
        jets = [(d, d.variables) for d in derivatives if d.expr == u]
        lhs, rhs = euler_lagrange_sides(L.density, u, jets, sp.diff)
        equations.append(sp.Eq(readable(rhs - lhs), 0))
    return tuple(equations)
