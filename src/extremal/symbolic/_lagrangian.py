r"""Point-particle Lagrangians and their Euler–Lagrange equations.

A Lagrangian :math:`L(q, \dot q, t)` is held with plain symbols: each coordinate ``q`` has
a velocity symbol ``qdot`` and an acceleration symbol ``qddot`` (SymPy prints them as
:math:`\dot q` and :math:`\ddot q`). The total time derivative is then the chain rule

.. math:: \frac{d f}{dt} = \partial_t f + \dot q^i \partial_{q^i} f + \ddot q^i \partial_{\dot q^i} f,

so no ``Function`` objects or ``Derivative`` bookkeeping are needed.

:func:`euler_lagrange_sides` is the one Euler–Lagrange engine of the package: particles
call it with this chain rule, field densities (:mod:`._field`) with SymPy's ``diff`` on
``Derivative`` objects.
"""

from __future__ import annotations

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


def velocity_symbol(q: sp.Symbol) -> sp.Symbol:
    """The velocity symbol of coordinate ``q``: ``x -> xdot`` (printed as ẋ); real if ``q`` is.

    A velocity keeps no sign assumption of its coordinate: ``r > 0`` does not make ``ṙ > 0``.
    """
    return sp.Symbol(f"{q.name}dot", real=True) if q.is_real else sp.Symbol(f"{q.name}dot")


def acceleration_symbol(q: sp.Symbol) -> sp.Symbol:
    """The acceleration symbol of coordinate ``q``: ``x -> xddot`` (printed as ẍ); real if ``q`` is."""
    return sp.Symbol(f"{q.name}ddot", real=True) if q.is_real else sp.Symbol(f"{q.name}ddot")


@dataclass(frozen=True)
class Lagrangian:
    r"""A Lagrangian :math:`L(q, \dot q, t)` in plain symbols.

    Parameters
    ----------
    expr : sympy.Expr
        The Lagrangian, written with the coordinates, the velocity symbols ``qdot`` and
        the time.
    coords : str or sequence of Symbol
        Generalised coordinates, e.g. ``"r theta"``.
    time : str or Symbol
        The independent variable (default ``t``).

    Examples
    --------
    >>> L = Lagrangian.parse("xdot**2/2 - k*x**2/2", "x")
    >>> L.velocities
    (xdot,)
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
        velocities = {velocity_symbol(q).name: velocity_symbol(q) for q in coords}
        expr = expr.xreplace({s: velocities[s.name] for s in free if s.name in velocities})
        object.__setattr__(self, "expr", expr)
        object.__setattr__(self, "coords", coords)
        object.__setattr__(self, "time", time)
        known = {s.name for s in (*self.velocities, *self.accelerations)}
        stray = sorted(
            s.name for s in self.expr.free_symbols
            if s.name.endswith("dot") and s.name not in known and s.name not in {q.name for q in coords}
        )
        if stray:
            raise InputError(
                f"the Lagrangian uses {stray[0]}, a velocity of no coordinate in {tuple(q.name for q in coords)}; "
                "add that coordinate to coords."
            )
        if not any(self.expr.has(v) for v in self.velocities):
            names = ", ".join(v.name for v in self.velocities)
            raise InputError(
                f"the Lagrangian {self.expr} contains no velocity ({names}); write velocities "
                "as the coordinate name followed by 'dot', e.g. 'xdot**2/2 - x**2/2'."
            )

    @classmethod
    def parse(
        cls, text: str, coords: str | Iterable[str | sp.Symbol], time: str | sp.Symbol = "t"
    ) -> Lagrangian:
        """Read a Lagrangian from a string; velocities are written ``xdot``.

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
        """Build from an expression in applied functions ``x(t)`` and their derivatives.

        Examples
        --------
        >>> t = sp.Symbol("t"); x = sp.Function("x")(t)
        >>> Lagrangian.from_functions(x.diff(t)**2/2 - x**2/2, [x], t).expr
        -x**2/2 + xdot**2/2
        """
        coords, replace = [], {}
        for f in functions:
            if not (isinstance(f, sp.core.function.AppliedUndef) and f.args == (time,)):
                raise InputError(f"functions must be applied functions of {time} like x({time}); got {f}.")
            q = sp.Symbol(f.func.__name__)
            coords.append(q)
            replace[f.diff(time)] = velocity_symbol(q)
        replace.update({f: q for f, q in zip(functions, coords, strict=True)})
        return cls(parse(expr, {}, "expr").subs(replace), tuple(coords), time)

    @property
    def velocities(self) -> tuple[sp.Symbol, ...]:
        """Velocity symbols ``qdot``, one per coordinate."""
        return tuple(velocity_symbol(q) for q in self.coords)

    @property
    def accelerations(self) -> tuple[sp.Symbol, ...]:
        """Acceleration symbols ``qddot``, one per coordinate."""
        return tuple(acceleration_symbol(q) for q in self.coords)

    def _repr_latex_(self) -> str:
        return f"$L = {sp.latex(self.expr)}$"

    def __str__(self) -> str:
        return f"L = {self.expr}"


@guarded("the total derivative")
def total_derivative(expr: sp.Expr, lagrangian: Lagrangian) -> sp.Expr:
    r"""Total time derivative along a trajectory, by the chain rule.

    .. math:: \frac{d f}{dt} = \partial_t f + \dot q^i \partial_{q^i} f + \ddot q^i \partial_{\dot q^i} f

    Examples
    --------
    >>> L = Lagrangian.parse("xdot**2/2", "x")
    >>> total_derivative(L.expr, L)
    xddot*xdot
    """
    L = lagrangian
    result = diff_real(expr, L.time)
    for q, v, a in zip(L.coords, L.velocities, L.accelerations, strict=True):
        result += v * diff_real(expr, q) + a * diff_real(expr, v)
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

    For a particle the only jet is the velocity, :math:`u_t = \dot q`, and the left side is
    :math:`\frac{d}{dt}\partial L/\partial\dot q`; for a field density it is
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
    M*rdot**2/(r*(-2*M + r)) + tdot**2*(2*M**2 - M*r)/r**3
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


@dataclass(frozen=True)
class EquationsOfMotion:
    r"""Euler–Lagrange equations :math:`\frac{d}{dt}\partial_{\dot q}L = \partial_q L`.

    ``equations`` are the raw equations; ``accelerations`` solves them for
    :math:`\ddot q` (linear in the accelerations, with the velocity Hessian as matrix).
    """

    lagrangian: Lagrangian

    @cached_property
    @guarded("the momenta")
    def momenta(self) -> tuple[sp.Expr, ...]:
        r"""Canonical momenta :math:`p_i = \partial L/\partial \dot q^i`."""
        L = self.lagrangian
        return tuple(diff_real(L.expr, v) for v in L.velocities)

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
            euler_lagrange_sides(L.expr, q, [(v, (L.time,))], total, diff_real)
            for q, v in zip(L.coords, L.velocities, strict=True)
        )

    @cached_property
    @guarded("the Euler-Lagrange equations")
    def equations(self) -> tuple[sp.Eq, ...]:
        r"""The equations :math:`\dot p_i = \partial L / \partial q^i`, expanded."""
        return tuple(sp.Eq(sp.expand(rate), force) for rate, force in self._sides)

    @cached_property
    @guarded("the Euler-Lagrange equations")
    def conservation_form(self) -> tuple[sp.Eq, ...]:
        r"""The equations as :math:`\frac{d}{dt}(p_i) = \partial L / \partial q^i`, unexpanded."""
        t = self.lagrangian.time
        return tuple(sp.Eq(TotalDerivative(p, t), f) for p, f in zip(self.momenta, self.forces, strict=True))

    @cached_property
    @guarded("the mass matrix")
    def mass_matrix(self) -> sp.Matrix:
        r"""Velocity Hessian :math:`M_{ij} = \partial^2 L/\partial\dot q^i\partial\dot q^j`."""
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
        """
        velocities = self.lagrangian.velocities
        return tuple(by_velocity_monomial(a, velocities) for a in self.solved_accelerations)

    @cached_property
    @guarded("the accelerations")
    def solved_accelerations(self) -> tuple[sp.Expr, ...]:
        r""":math:`\ddot q = M^{-1}(\partial_q L - \dots)` as the linear solve gives it, one canonical
        fraction each; computations (the Christoffel symbols read off them) use this form."""
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

    def _repr_latex_(self) -> str:
        rows = r" \\ ".join(sp.latex(eq) for eq in self.solved())
        return rf"$\begin{{cases}} {rows} \end{{cases}}$"

    def __str__(self) -> str:
        return "\n".join(sp.pretty(eq, use_unicode=True) for eq in self.solved())


@guarded("the Euler-Lagrange equations")
def euler_lagrange(lagrangian: Lagrangian) -> EquationsOfMotion:
    r"""Euler–Lagrange equations of a point-particle Lagrangian.

    .. math:: \frac{d}{dt}\frac{\partial L}{\partial \dot q^i} - \frac{\partial L}{\partial q^i} = 0

    References
    ----------
    Su Jianlin, "Changing coordinates with the calculus of variations", https://kexue.fm/archives/3181, eqs. (3)–(4).

    Examples
    --------
    The planar two-body problem in polar coordinates, eq. (4) of the reference:

    >>> L = Lagrangian.parse("(rdot**2 + r**2*thetadot**2)/2 + mu/r", "r theta")
    >>> euler_lagrange(L).accelerations
    (-mu/r**2 + r*thetadot**2, -2*rdot*thetadot/r)
    """
    return EquationsOfMotion(lagrangian)


@guarded("the energy")
def energy(lagrangian: Lagrangian) -> sp.Expr:
    r"""The energy function :math:`H = \dot q^i\,\partial L/\partial \dot q^i - L`.

    Examples
    --------
    >>> energy(Lagrangian.parse("m*xdot**2/2 - k*x**2/2", "x"))
    k*x**2/2 + m*xdot**2/2
    """
    L = lagrangian
    return sp.expand(sum(v * diff_real(L.expr, v) for v in L.velocities) - L.expr)


@guarded("the conserved momenta")
def conserved_momenta(lagrangian: Lagrangian) -> dict[sp.Symbol, sp.Expr]:
    r"""Momenta :math:`\partial L/\partial\dot q` of the cyclic coordinates (absent from ``L``).

    Examples
    --------
    >>> conserved_momenta(Lagrangian.parse("(rdot**2 + r**2*thetadot**2)/2 + mu/r", "r theta"))
    {theta: r**2*thetadot}
    """
    L = lagrangian
    return {
        q: diff_real(L.expr, v)
        for q, v in zip(L.coords, L.velocities, strict=True)
        if not L.expr.has(q)
    }
