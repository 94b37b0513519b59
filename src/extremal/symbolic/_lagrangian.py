r"""Point-particle Lagrangians and their Euler–Lagrange (and Euler–Poisson) equations.

A Lagrangian :math:`L(q, \dot q, t)` is held with plain symbols: each coordinate ``q`` has
a velocity symbol ``qdot`` and an acceleration symbol ``qddot`` (SymPy prints them as
:math:`\dot q` and :math:`\ddot q`); the k-th derivative :math:`q^{(k)}` is ``q``, k − 1
letters ``d`` and ``dot`` (``qdddot`` is :math:`\dddot q`). The total time derivative is then
the chain rule

.. math:: \frac{d f}{dt} = \partial_t f + \sum_{k \ge 0} q^{i\,(k+1)} \partial_{q^{i\,(k)}} f,

so no ``Function`` objects or ``Derivative`` bookkeeping are needed. A Lagrangian
:math:`L(t, q, \dot q, \ddot q, \dots)` with higher derivatives gets its Euler–Poisson
equations of order :math:`2n`; those cannot be solved for :math:`\ddot q`.

:func:`euler_lagrange_sides` is the one Euler–Lagrange engine of the package: particles
call it with this chain rule, field densities (:mod:`._field`) with SymPy's ``diff`` on
``Derivative`` objects.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import sympy as sp
from sympy.printing.pretty.stringpict import prettyForm

from extremal.errors import InputError, SingularMetricError
from extremal.symbolic._boundary import guarded
from extremal.symbolic._calculus import diff_real
from extremal.symbolic._parsing import as_symbols, check_name_clashes, check_same_symbols, parse
from extremal.symbolic._rational import Unsupported, solve_linear
from extremal.symbolic._simplification import is_zero, probably_nonzero, readable

__all__ = [
    "EquationsOfMotion",
    "Lagrangian",
    "conserved_momenta",
    "energy",
    "euler_lagrange",
    "total_derivative",
]


_GENERATED = (("dot", "velocity"), ("ddot", "acceleration"))


_DERIVATIVE_SUFFIX = re.compile(r"(d*)dot")


def derivative_symbol(q: sp.Symbol, k: int) -> sp.Symbol:
    """The symbol of :math:`q^{(k)}`, the k-th time derivative of ``q`` (``q`` itself for k = 0).

    ``x, 1 -> xdot``, ``x, 2 -> xddot``, ``x, 3 -> xdddot`` (printed ẋ, ẍ, x⃛); real if ``q``
    is, and without its sign assumptions: ``r > 0`` does not make ``ṙ > 0``.

    Examples
    --------
    >>> derivative_symbol(sp.Symbol("x", real=True), 3)
    xdddot
    """
    if k == 0:
        return q
    name = f"{q.name}{'d' * (k - 1)}dot"
    return sp.Symbol(name, real=True) if q.is_real else sp.Symbol(name)


def derivative_order(name: str, q: sp.Symbol) -> int:
    """k if ``name`` is the name of :math:`q^{(k)}` (k ≥ 1), else 0.

    Examples
    --------
    >>> derivative_order("xdddot", sp.Symbol("x")), derivative_order("ydot", sp.Symbol("x"))
    (3, 0)
    """
    match = _DERIVATIVE_SUFFIX.fullmatch(name[len(q.name):]) if name.startswith(q.name) else None
    return len(match.group(1)) + 1 if match else 0


def velocity_symbol(q: sp.Symbol) -> sp.Symbol:
    """The velocity symbol of coordinate ``q``: ``x -> xdot`` (printed as ẋ); real if ``q`` is.

    A velocity keeps no sign assumption of its coordinate: ``r > 0`` does not make ``ṙ > 0``.
    """
    return derivative_symbol(q, 1)


def acceleration_symbol(q: sp.Symbol) -> sp.Symbol:
    """The acceleration symbol of coordinate ``q``: ``x -> xddot`` (printed as ẍ); real if ``q`` is."""
    return derivative_symbol(q, 2)


def orders_in(expr: sp.Expr, coords: Sequence[sp.Symbol]) -> tuple[int, ...]:
    """The highest time derivative of each coordinate that ``expr`` contains, 1 at least.

    Examples
    --------
    >>> x, y = sp.symbols("x y")
    >>> orders_in(sp.Symbol("xdot")**2 + sp.Symbol("ydddot"), (x, y))
    (1, 3)
    """
    free = expr.free_symbols
    return tuple(
        max((k for s in free if (k := derivative_order(getattr(s, "name", ""), q)) and s == derivative_symbol(q, k)),
            default=1)
        for q in coords
    )


@dataclass(frozen=True)
class Lagrangian:
    r"""A Lagrangian :math:`L(q, \dot q, t)`, or :math:`L(t, q, \dot q, \ddot q, \dots)`, in plain symbols.

    Parameters
    ----------
    expr : sympy.Expr
        The Lagrangian, written with the coordinates, the velocity symbols ``qdot``, the
        time and, for a higher-derivative Lagrangian, ``qddot``, ``qdddot``, ...
    coords : str or sequence of Symbol
        Generalised coordinates, e.g. ``"r theta"``.
    time : str or Symbol
        The independent variable (default ``t``).

    Examples
    --------
    >>> L = Lagrangian.parse("xdot**2/2 - k*x**2/2", "x")
    >>> L.velocities, L.order
    ((xdot,), 1)
    >>> Lagrangian.parse("xddot**2/2", "x").order
    2
    """

    expr: sp.Expr
    coords: tuple[sp.Symbol, ...]
    time: sp.Symbol = field(default=sp.Symbol("t"))

    @guarded("the Lagrangian")
    def __post_init__(self) -> None:
        if not isinstance(self.expr, sp.Expr):
            raise InputError(
                f"expr must be a SymPy expression; got {type(self.expr).__name__}. "
                "Use Lagrangian.parse(text, coords) for strings."
            )
        expr = parse(self.expr, {}, "Lagrangian")
        free = expr.free_symbols
        coords = as_symbols(self.coords, "coords", within=free)
        raw_time = "t" if self.time == sp.Symbol("t") else self.time
        time = as_symbols([raw_time], "time", within=free)[0]
        if time in coords:
            raise InputError(f"time {time} is also listed in coords {coords}; pick another name.")
        check_name_clashes(
            {q.name: "a coordinate" for q in coords} | {time.name: "the time"},
            [(f"{q.name}{suffix}", f"the {kind} of {q.name}") for q in coords for suffix, kind in _GENERATED],
        )
        check_same_symbols((*coords, time), expr, "Lagrangian")
        expr = expr.xreplace(_derivatives_by_name(free, coords))
        object.__setattr__(self, "expr", expr)
        object.__setattr__(self, "coords", coords)
        object.__setattr__(self, "time", time)
        names = {q.name for q in coords}
        stray = sorted(
            s.name for s in self.expr.free_symbols
            if s.name.endswith("dot") and s.name not in names
            and not any(derivative_order(s.name, q) for q in coords)
        )
        if stray:
            raise InputError(
                f"the Lagrangian uses {stray[0]}, a velocity of no coordinate in {tuple(q.name for q in coords)}; "
                "add that coordinate to coords."
            )
        if not any(derivative_order(s.name, q) for s in self.expr.free_symbols for q in coords):
            listed = ", ".join(v.name for v in self.velocities)
            raise InputError(
                f"the Lagrangian {self.expr} contains no velocity ({listed}); write velocities "
                "as the coordinate name followed by 'dot', e.g. 'xdot**2/2 - x**2/2'."
            )

    @classmethod
    def parse(
        cls, text: str, coords: str | Iterable[str | sp.Symbol], time: str | sp.Symbol = "t"
    ) -> Lagrangian:
        """Read a Lagrangian from a string; velocities are written ``xdot``, higher derivatives
        ``xddot``, ``xdddot``, ...

        Examples
        --------
        >>> Lagrangian.parse("(rdot**2 + r**2*thetadot**2)/2 + mu/r", "r theta").expr
        mu/r + r**2*thetadot**2/2 + rdot**2/2
        """
        symbols = as_symbols(coords, "coords")
        t = as_symbols([time], "time")[0]
        names = {q.name: q for q in symbols} | {t.name: t}
        names |= {velocity_symbol(q).name: velocity_symbol(q) for q in symbols}
        return cls(parse(text, names, "Lagrangian"), symbols, t)

    @classmethod
    def from_functions(
        cls, expr: sp.Expr, functions: Sequence[sp.Expr], time: sp.Symbol
    ) -> Lagrangian:
        """Build from an expression in applied functions ``x(t)`` and their time derivatives
        of any order (``x(t).diff(t, 2)`` becomes ``xddot``).

        Examples
        --------
        >>> t = sp.Symbol("t"); x = sp.Function("x")(t)
        >>> Lagrangian.from_functions(x.diff(t)**2/2 - x**2/2, [x], t).expr
        -x**2/2 + xdot**2/2
        >>> Lagrangian.from_functions(x.diff(t, 2)**2/2, [x], t).expr
        xddot**2/2
        """
        coords = []
        for f in functions:
            if not (isinstance(f, sp.core.function.AppliedUndef) and f.args == (time,)):
                raise InputError(f"functions must be applied functions of {time} like x({time}); got {f}.")
            coords.append(sp.Symbol(f.func.__name__))
        as_coord = dict(zip(functions, coords, strict=True))
        expr = parse(expr, {}, "expr")
        replace: dict[sp.Basic, sp.Basic] = dict(as_coord)
        for d in expr.atoms(sp.Derivative):
            if d.expr in as_coord and set(d.variables) == {time}:
                replace[d] = derivative_symbol(as_coord[d.expr], len(d.variables))
            elif d.has(*as_coord):
                raise InputError(
                    f"expr contains {d}, which is not a time derivative of one of the functions; "
                    "evaluate it first (expr.doit())."
                )
        return cls(expr.xreplace(replace), tuple(coords), time)

    @property
    def velocities(self) -> tuple[sp.Symbol, ...]:
        """Velocity symbols ``qdot``, one per coordinate."""
        return tuple(velocity_symbol(q) for q in self.coords)

    @property
    def accelerations(self) -> tuple[sp.Symbol, ...]:
        """Acceleration symbols ``qddot``, one per coordinate."""
        return tuple(acceleration_symbol(q) for q in self.coords)

    @cached_property
    def orders(self) -> tuple[int, ...]:
        """The highest time derivative of each coordinate in ``L``: 1 for :math:`L(q, \\dot q, t)`."""
        return orders_in(self.expr, self.coords)

    @property
    def order(self) -> int:
        """The highest time derivative in ``L``; its Euler–Poisson equations have order twice that."""
        return max(self.orders)

    def _repr_latex_(self) -> str:
        return f"$L = {sp.latex(self.expr)}$"

    def __str__(self) -> str:
        return f"L = {self.expr}"


def _derivatives_by_name(free: Iterable[sp.Basic], coords: Sequence[sp.Symbol]) -> dict[sp.Basic, sp.Symbol]:
    """Each symbol named like a time derivative of a coordinate (``xdot``, ``xddot``, ...) to that derivative.

    Raises
    ------
    InputError
        If a name is a derivative of two coordinates (``xdddot`` of ``x`` and of ``xdd``).
    """
    replace = {}
    for s in sorted(free, key=sp.default_sort_key):
        name = getattr(s, "name", "")
        meanings = [(q, k) for q in coords if (k := derivative_order(name, q))]
        if len(meanings) > 1:
            (q1, k1), (q2, k2) = meanings[:2]
            raise InputError(
                f"the name {name!r} is both the derivative of order {k1} of {q1.name} and the derivative "
                f"of order {k2} of {q2.name}; rename one of them."
            )
        if meanings:
            replace[s] = derivative_symbol(*meanings[0])
    return replace


@guarded("the total derivative")
def total_derivative(expr: sp.Expr, lagrangian: Lagrangian) -> sp.Expr:
    r"""Total time derivative along a trajectory, by the chain rule.

    .. math:: \frac{d f}{dt} = \partial_t f + \sum_{k=0}^{n} q^{i\,(k+1)} \partial_{q^{i\,(k)}} f,

    with :math:`n \ge 1` the highest derivative of :math:`q^i` in :math:`f`.

    Examples
    --------
    >>> L = Lagrangian.parse("xdot**2/2", "x")
    >>> total_derivative(L.expr, L)
    xddot*xdot
    >>> total_derivative(sp.Symbol("xddot")**2, L)
    2*xdddot*xddot
    """
    L = lagrangian
    result = diff_real(expr, L.time)
    for q, n in zip(L.coords, orders_in(expr, L.coords), strict=True):
        for k in range(n + 1):
            result += derivative_symbol(q, k + 1) * diff_real(expr, derivative_symbol(q, k))
    return result


def euler_lagrange_sides(
    density: sp.Expr,
    value: sp.Expr,
    jets: Iterable[tuple[sp.Expr, tuple[sp.Symbol, ...]]],
    total: Callable[[sp.Expr, sp.Symbol], sp.Expr],
    partial: Callable[[sp.Expr, sp.Expr], sp.Expr] = sp.diff,
) -> tuple[sp.Expr, sp.Expr]:
    r"""The two sides of the Euler–Lagrange equation of ``value``, for particles and fields alike.

    .. math:: \sum_\alpha (-1)^{|\alpha|+1} D_\alpha \frac{\partial\mathcal L}{\partial u_\alpha}
              = \frac{\partial\mathcal L}{\partial u}

    For a particle the jets are the derivatives :math:`q^{(k)}`, multi-index :math:`(t, \dots, t)`
    (k times), and the left side is :math:`\sum_k (-1)^{k+1}\frac{d^k}{dt^k}\partial L/\partial q^{(k)}`,
    the Euler–Poisson equation (just :math:`\frac{d}{dt}\partial L/\partial\dot q` when the velocity
    is the only jet); for a field density it is
    :math:`D_i\,\partial\mathcal L/\partial u_i - D_iD_j\,\partial\mathcal L/\partial u_{ij} + \dots`,
    summed over the derivatives that occur in :math:`\mathcal L` (each one once).

    Parameters
    ----------
    density : sympy.Expr
        The Lagrangian :math:`L` or density :math:`\mathcal L`.
    value : sympy.Expr
        The varied quantity :math:`u`: a coordinate symbol or an applied function ``u(x, y)``.
    jets : iterable of (sympy.Expr, tuple of Symbol)
        Each derivative :math:`u_\alpha` as it appears in ``density``, with its multi-index
        :math:`\alpha` (the variables it differentiates by, repeated for higher order).
    total : callable
        ``total(expr, x)``, the total derivative :math:`D_x`: the chain rule in plain
        symbols (:func:`total_derivative`) or ``sympy.diff`` on applied functions.
    partial : callable
        ``partial(expr, u)``, the partial derivative by ``value`` or a jet.

    Returns
    -------
    tuple of sympy.Expr
        ``(lhs, rhs)``, unexpanded; the equation is ``lhs = rhs``.

    References
    ----------
    "Euler–Lagrange equation", Wikipedia, sections "Several functions of several variables" and
    "Single function of single variable with higher derivatives",
    https://en.wikipedia.org/wiki/Euler%E2%80%93Lagrange_equation.

    Examples
    --------
    A particle, with the chain rule as total derivative:

    >>> L = Lagrangian.parse("xdot**2/2 - x**2/2", "x")
    >>> euler_lagrange_sides(L.expr, L.coords[0], [(L.velocities[0], (L.time,))],
    ...                      lambda e, _: total_derivative(e, L))
    (xddot, -x)

    A second-derivative Lagrangian, :math:`L = \ddot x^2/2`, gives :math:`x^{(4)} = 0`:

    >>> L = Lagrangian.parse("xddot**2/2", "x"); x, = L.coords
    >>> euler_lagrange_sides(L.expr, x, [(derivative_symbol(x, k), (L.time,) * k) for k in (1, 2)],
    ...                      lambda e, _: total_derivative(e, L))
    (-xddddot, 0)

    The wave equation, with ``sympy.diff`` on an applied function:

    >>> t, x = sp.symbols("t x"); u = sp.Function("u")(t, x)
    >>> euler_lagrange_sides(u.diff(t)**2/2 - u.diff(x)**2/2, u, [(u.diff(t), (t,)), (u.diff(x), (x,))], sp.diff)
    (Derivative(u(t, x), (t, 2)) - Derivative(u(t, x), (x, 2)), 0)
    """
    lhs = sp.S.Zero
    for jet, index in jets:
        term = partial(density, jet)
        for variable in index:
            term = total(term, variable)
        lhs += -term if len(index) % 2 == 0 else term
    return lhs, partial(density, value)


def _nonsingular(matrix: sp.Matrix) -> bool:
    det = matrix.det(method="berkowitz")
    return probably_nonzero(det) or not is_zero(det)


def by_velocity_monomial(expr: sp.Expr, velocities: Sequence[sp.Symbol]) -> sp.Expr:
    r"""``expr`` as :math:`\sum c_\alpha \dot q^\alpha` with each coefficient simplified, if that is shorter.

    Geodesic accelerations then read as a textbook writes them, one term per velocity pair,
    instead of one fraction over a common denominator.

    Examples
    --------
    >>> r, M, rdot, tdot = sp.symbols("r M rdot tdot")
    >>> by_velocity_monomial((M*rdot**2*r**2 - M*tdot**2*(r - 2*M)**2)/(r**3*(r - 2*M)), (rdot, tdot))
    M*rdot**2/(r*(-2*M + r)) + M*tdot**2*(2*M - r)/r**3
    """
    numerator, denominator = sp.fraction(sp.together(expr))
    if denominator.has(*velocities) or sp.count_ops(numerator) > _COLLECT_OPS:
        return expr
    try:
        poly = sp.Poly(sp.expand(numerator), *velocities)
    except sp.PolynomialError:
        return expr
    terms = [readable(c / denominator) * sp.Mul(*(v**k for v, k in zip(velocities, m, strict=True)))
             for m, c in poly.terms()]
    collected = sp.Add(*terms)
    return collected if sp.count_ops(collected) < sp.count_ops(expr) else expr


_COLLECT_OPS = 3000


class TotalDerivative(sp.Expr):
    r"""The total derivative :math:`\frac{d}{dt}(p)` of an expression in plain symbols, unevaluated.

    Printed as a textbook writes it (``d/dt``, never ``∂/∂t``); ``expr`` and ``variable`` are
    as in ``sympy.Derivative``. :func:`total_derivative` evaluates it by the chain rule.

    Examples
    --------
    >>> r, w, t = sp.symbols("r thetadot t")
    >>> sp.latex(TotalDerivative(r**2*w, t))
    '\\frac{d}{dt}\\left(r^{2} \\dot{\\theta}\\right)'
    """

    @property
    def expr(self) -> sp.Expr:
        """The differentiated expression."""
        return self.args[0]

    @property
    def variable(self) -> sp.Symbol:
        """The independent variable."""
        return self.args[1]

    def _latex(self, printer: Any) -> str:
        return rf"\frac{{d}}{{d{printer._print(self.variable)}}}\left({printer._print(self.expr)}\right)"

    def _pretty(self, printer: Any) -> prettyForm:
        inner = printer._print(self.expr)
        fraction = prettyForm("d") / prettyForm("d" + sp.pretty(self.variable, use_unicode=True))
        return prettyForm(*fraction.right(prettyForm(*inner.parens())))

    def _sympystr(self, printer: Any) -> str:
        return f"Dt({printer._print(self.expr)}, {printer._print(self.variable)})"


def ostrogradsky_momenta(lagrangian: Lagrangian, i: int) -> tuple[sp.Expr, ...]:
    r"""Ostrogradsky's momenta :math:`p_1, \dots, p_n` of coordinate ``i``, n its highest derivative in L.

    .. math:: p_n = \frac{\partial L}{\partial q^{(n)}}, \qquad
              p_k = \frac{\partial L}{\partial q^{(k)}} - \frac{d}{dt} p_{k+1}

    For :math:`L(q, \dot q, t)` this is only :math:`p_1 = \partial L/\partial\dot q`; in general
    :math:`\frac{d}{dt}p_1 = \partial L/\partial q` is the Euler–Poisson equation.

    References
    ----------
    "Ostrogradsky instability", Wikipedia, section "Outline of derivation",
    https://en.wikipedia.org/wiki/Ostrogradsky_instability.

    Examples
    --------
    >>> ostrogradsky_momenta(Lagrangian.parse("xddot**2/2 - xdot**2/2", "x"), 0)
    (-xdddot - xdot, xddot)
    """
    L = lagrangian
    q, n = L.coords[i], L.orders[i]
    momenta = [diff_real(L.expr, derivative_symbol(q, n))]
    for k in range(n - 1, 0, -1):
        momenta.append(diff_real(L.expr, derivative_symbol(q, k)) - total_derivative(momenta[-1], L))
    return tuple(reversed(momenta))


@dataclass(frozen=True)
class EquationsOfMotion:
    r"""Euler–Lagrange equations :math:`\frac{d}{dt}\partial_{\dot q}L = \partial_q L`.

    ``equations`` are the raw equations; ``accelerations`` solves them for
    :math:`\ddot q` (linear in the accelerations, with the velocity Hessian as matrix).
    For a Lagrangian with higher derivatives, ``equations`` are the Euler–Poisson equations

    .. math:: \sum_{k=0}^{n} (-1)^k \frac{d^k}{dt^k}\frac{\partial L}{\partial q^{(k)}} = 0,

    of order :attr:`order` = 2n in time, which have no accelerations to solve for: asking for
    them raises :class:`~extremal.errors.InputError`.

    References
    ----------
    "Euler–Lagrange equation", Wikipedia, section "Single function of single variable with
    higher derivatives", https://en.wikipedia.org/wiki/Euler%E2%80%93Lagrange_equation.
    """

    lagrangian: Lagrangian

    @property
    def order(self) -> int:
        """The order of the equations in time: 2 for :math:`L(q, \\dot q, t)`, 2n with :math:`q^{(n)}` in L."""
        return 2 * self.lagrangian.order

    @cached_property
    @guarded("the momenta")
    def momenta(self) -> tuple[sp.Expr, ...]:
        r"""Canonical momenta :math:`p_i = \partial L/\partial \dot q^i`; with higher derivatives in L,
        Ostrogradsky's :math:`p_i = \sum_{k \ge 1} (-\frac{d}{dt})^{k-1}\,\partial L/\partial q^{i\,(k)}`."""
        return tuple(ostrogradsky_momenta(self.lagrangian, i)[0] for i in range(len(self.lagrangian.coords)))

    @cached_property
    @guarded("the generalised forces")
    def forces(self) -> tuple[sp.Expr, ...]:
        r"""Generalised forces :math:`\partial L/\partial q^i`."""
        L = self.lagrangian
        return tuple(diff_real(L.expr, q) for q in L.coords)

    @cached_property
    def _sides(self) -> tuple[tuple[sp.Expr, sp.Expr], ...]:
        r"""``(dp_i/dt, ∂L/∂q^i)`` per coordinate, from :func:`euler_lagrange_sides`."""
        L = self.lagrangian

        def total(expr: sp.Expr, _: sp.Symbol) -> sp.Expr:
            return total_derivative(expr, L)

        return tuple(
            euler_lagrange_sides(
                L.expr, q, [(derivative_symbol(q, k), (L.time,) * k) for k in range(1, n + 1)], total, diff_real
            )
            for q, n in zip(L.coords, L.orders, strict=True)
        )

    @cached_property
    @guarded("the Euler-Lagrange equations")
    def equations(self) -> tuple[sp.Eq, ...]:
        r"""The equations :math:`\dot p_i = \partial L / \partial q^i`, expanded.

        With higher derivatives in L these are the Euler–Poisson equations, each written with a
        left side that does not start with a minus sign.

        Examples
        --------
        >>> euler_lagrange(Lagrangian.parse("xddot**2/2", "x")).equations
        (Eq(xddddot, 0),)
        """
        equations = tuple(sp.Eq(sp.expand(rate), force) for rate, force in self._sides)
        if self.lagrangian.order == 1:
            return equations
        return tuple(
            sp.Eq(-eq.lhs, -eq.rhs) if isinstance(eq, sp.Eq) and eq.lhs.could_extract_minus_sign() else eq
            for eq in equations
        )

    @cached_property
    @guarded("the Euler-Lagrange equations")
    def conservation_form(self) -> tuple[sp.Eq, ...]:
        r"""The equations as :math:`\frac{d}{dt}(p_i) = \partial L / \partial q^i`, unexpanded."""
        t = self.lagrangian.time
        return tuple(sp.Eq(TotalDerivative(p, t), f) for p, f in zip(self.momenta, self.forces, strict=True))

    def _second_order(self, what: str) -> None:
        """Refuse ``what`` (accelerations, mass matrix) for a Lagrangian with higher derivatives."""
        L = self.lagrangian
        if L.order == 1:
            return
        i = L.orders.index(L.order)
        jet = derivative_symbol(L.coords[i], L.order)
        raise InputError(
            f"{what} need a Lagrangian L(q, qdot, t); the Lagrangian {L.expr} contains {jet.name}, the "
            f"derivative of order {L.order} of {L.coords[i].name}, so its Euler-Poisson equations are of "
            f"order {self.order} and have no accelerations to solve for (nor trajectories to compile). "
            f"Use euler_lagrange(L).equations for them, or rewrite L without {jet.name} "
            "(a term linear in it integrates by parts)."
        )

    @cached_property
    @guarded("the mass matrix")
    def mass_matrix(self) -> sp.Matrix:
        r"""Velocity Hessian :math:`M_{ij} = \partial^2 L/\partial\dot q^i\partial\dot q^j`."""
        self._second_order("the mass matrix and the accelerations")
        L = self.lagrangian
        return sp.Matrix(sp.hessian(L.expr, L.velocities))

    @cached_property
    @guarded("the accelerations")
    def accelerations(self) -> tuple[sp.Expr, ...]:
        r"""The equations solved for :math:`\ddot q`, each written one term per velocity monomial
        when that is shorter than :attr:`solved_accelerations` (as a textbook writes them).

        Raises
        ------
        SingularMetricError
            If the velocity Hessian is singular (a degenerate Lagrangian).
        InputError
            If the Lagrangian has higher derivatives (equations of order > 2).
        """
        velocities = self.lagrangian.velocities
        return tuple(by_velocity_monomial(a, velocities) for a in self.solved_accelerations)

    @cached_property
    @guarded("the accelerations")
    def solved_accelerations(self) -> tuple[sp.Expr, ...]:
        r""":math:`\ddot q = M^{-1}(\partial_q L - \dots)` as the linear solve gives it, one canonical
        fraction each; computations (the Christoffel symbols read off them) use this form."""
        self._second_order("the accelerations")
        L = self.lagrangian
        M = self.mass_matrix
        if not _nonsingular(M):
            raise SingularMetricError(
                f"the Lagrangian {L.expr} is degenerate: its velocity Hessian {M.tolist()} is "
                "singular, so its equations cannot be solved for the accelerations. "
                "A Lagrangian must be quadratic (non-degenerate) in the velocities."
            )
        zero_acc = dict.fromkeys(L.accelerations, 0)
        rest = sp.Matrix([force - rate.subs(zero_acc) for rate, force in self._sides])
        try:
            return solve_linear(M, rest)
        except Unsupported:
            return tuple(readable(a) for a in M.LUsolve(rest))

    def solved(self) -> tuple[sp.Eq, ...]:
        """The equations ``qddot = ...`` as SymPy equalities."""
        return tuple(
            sp.Eq(a, rhs)
            for a, rhs in zip(self.lagrangian.accelerations, self.accelerations, strict=True)
        )

    def display(self) -> tuple[sp.Eq, ...]:
        """The equations as shown: :meth:`solved` for :math:`L(q, \\dot q, t)`, else :attr:`equations`.

        Examples
        --------
        >>> euler_lagrange(Lagrangian.parse("xdot**2/2 - x**2/2", "x")).display()
        (Eq(xddot, -x),)
        """
        return self.solved() if self.lagrangian.order == 1 else self.equations

    def _repr_latex_(self) -> str:
        rows = r" \\ ".join(sp.latex(eq) for eq in self.display())
        return rf"$\begin{{cases}} {rows} \end{{cases}}$"

    def __str__(self) -> str:
        return "\n".join(sp.pretty(eq, use_unicode=True) for eq in self.display())


@guarded("the Euler-Lagrange equations")
def euler_lagrange(lagrangian: Lagrangian) -> EquationsOfMotion:
    r"""Euler–Lagrange equations of a point-particle Lagrangian.

    .. math:: \frac{d}{dt}\frac{\partial L}{\partial \dot q^i} - \frac{\partial L}{\partial q^i} = 0

    With higher derivatives in L, the Euler–Poisson equations
    :math:`\sum_k (-1)^k \frac{d^k}{dt^k}\,\partial L/\partial q^{i\,(k)} = 0` (see :class:`EquationsOfMotion`).

    References
    ----------
    Su Jianlin, "Changing coordinates with the calculus of variations", https://kexue.fm/archives/3181, eqs. (3)–(4).

    Examples
    --------
    The planar two-body problem in polar coordinates, eq. (4) of the reference:

    >>> L = Lagrangian.parse("(rdot**2 + r**2*thetadot**2)/2 + mu/r", "r theta")
    >>> euler_lagrange(L).accelerations
    (-mu/r**2 + r*thetadot**2, -2*rdot*thetadot/r)

    A higher-derivative Lagrangian:

    >>> euler_lagrange(Lagrangian.parse("xdot**2/2 + xddot**2/2", "x")).equations
    (Eq(xddddot - xddot, 0),)
    """
    return EquationsOfMotion(lagrangian)


@guarded("the energy")
def energy(lagrangian: Lagrangian) -> sp.Expr:
    r"""The energy function :math:`H = \dot q^i\,\partial L/\partial \dot q^i - L`.

    With higher derivatives in L, Ostrogradsky's :math:`H = \sum_{k \ge 1} p_{i,k}\,q^{i\,(k)} - L`
    (see :func:`ostrogradsky_momenta`); either is conserved when L does not depend on t.

    Examples
    --------
    >>> energy(Lagrangian.parse("m*xdot**2/2 - k*x**2/2", "x"))
    k*x**2/2 + m*xdot**2/2
    >>> energy(Lagrangian.parse("xddot**2/2", "x"))
    -xdddot*xdot + xddot**2/2
    """
    L = lagrangian
    return sp.expand(sum(
        derivative_symbol(q, k) * p
        for i, q in enumerate(L.coords)
        for k, p in enumerate(ostrogradsky_momenta(L, i), start=1)
    ) - L.expr)


@guarded("the conserved momenta")
def conserved_momenta(lagrangian: Lagrangian) -> dict[sp.Symbol, sp.Expr]:
    r"""Momenta :math:`\partial L/\partial\dot q` of the cyclic coordinates (absent from ``L``);
    Ostrogradsky's :math:`p_1` with higher derivatives in L.

    Examples
    --------
    >>> conserved_momenta(Lagrangian.parse("(rdot**2 + r**2*thetadot**2)/2 + mu/r", "r theta"))
    {theta: r**2*thetadot}
    """
    L = lagrangian
    momenta = euler_lagrange(L).momenta
    return {q: p for q, p in zip(L.coords, momenta, strict=True) if not L.expr.has(q)}
