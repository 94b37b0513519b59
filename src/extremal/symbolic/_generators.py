r"""The generators an exact field needs for some expressions, chosen so that zero has one form.

Every elementary function is brought to a minimal set of generators before any arithmetic:

* the argument of a trigonometric, hyperbolic or exponential function is split into terms
  with rational coefficients, :math:`u = \sum_i k_i t_i`; for each term the *unit* is
  :math:`g\,t`, with :math:`g` the greatest common divisor of the coefficients that term
  carries anywhere, so :math:`\sin 2\theta` and :math:`\sin\theta` share the unit
  :math:`\theta` and :math:`e^{2x}`, :math:`e^{-x}` share :math:`x`;
* :math:`\sin, \cos, \tan, \cot, \sec, \csc` of a unit are written with the pair
  :math:`(\cos u, \sin u)`, :math:`\sin^2 u = 1 - \cos^2 u`; the hyperbolic functions with
  :math:`(\cosh u, \sinh u)`, :math:`\sinh^2 u = \cosh^2 u - 1`, and :math:`e^{ku}` by
  :math:`(\cosh u + \sinh u)^k` when the unit also appears in a hyperbolic function,
  otherwise by the single generator :math:`e^u`;
* radicals :math:`b^{p/q}` of one base share :math:`\rho = D\,b^{1/L}` (``L`` the least
  common multiple of the ``q``, ``b = N/D``), with :math:`\rho^L = N D^{L-1}`;
* rational multiples of :math:`\pi` with denominators 1, 2, 3, 4 or 6 inside a sine or
  cosine are evaluated (addition formulas);
* an unknown function of expressions, :math:`f(u(x))`, has generators for
  :math:`f^{(\alpha)}(u)` and the chain rule (SymPy shows them as ``Subs``);
* :math:`|w| = w\,\operatorname{sign} w` for real ``w`` (every symbol is real here), with
  :math:`\operatorname{sign}^2 w = 1` and derivative 0 away from :math:`w = 0`;
* other functions (``log``, ``atan``, Bessel functions, ``x**y``, ...) are generators of
  their own, differentiated by SymPy; non-smooth ones (``Heaviside``, ``floor``, ...) cannot
  be differentiated.

References: Davenport, Siret & Tournier, *Computer Algebra*, §2.4 (the structure theorem:
exponentials and trigonometric functions of linearly independent arguments are
algebraically independent).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import sympy as sp
from sympy.core.function import AppliedUndef

__all__ = ["HYPERBOLIC", "TRIG", "Scan", "Unsupported", "linear_terms", "pi_part_evaluates"]

TRIG = (sp.sin, sp.cos, sp.tan, sp.cot, sp.sec, sp.csc)
HYPERBOLIC = (sp.sinh, sp.cosh, sp.tanh, sp.coth, sp.sech, sp.csch)
_NON_SMOOTH = (sp.Heaviside, sp.DiracDelta, sp.floor, sp.ceiling, sp.Min, sp.Max, sp.Piecewise)
_MAX_ROOT = 12
_MAX_MULTIPLE = 240
_MAX_DYADIC = 64


class Unsupported(Exception):
    """An expression holds something the exact field cannot model."""


def pi_part_evaluates(c: sp.Rational) -> bool:
    """True when SymPy writes :math:`\\cos c\\pi` and :math:`\\sin c\\pi` as square roots of rationals."""
    return int((2 * c).q) in (1, 2, 3, 4, 6) or int(c.q) in (1, 2, 3, 4, 6)


def linear_terms(arg: sp.Expr, split_pi: bool) -> tuple[list[tuple[sp.Rational, sp.Expr]], sp.Rational]:
    r"""``arg`` as :math:`\sum_i c_i t_i + c_\pi\pi`: the terms with rational coefficients, and :math:`c_\pi`.

    :math:`c_\pi` is split off only when ``split_pi`` and :func:`pi_part_evaluates`.

    Examples
    --------
    >>> x, y = sp.symbols("x y")
    >>> linear_terms(2*(x + y) + sp.pi/4 + 1, True)
    ([(1, 1), (2, x), (2, y)], 1/4)
    """
    if arg.has(sp.I):
        raise Unsupported(f"complex argument {arg}")
    terms: dict[sp.Expr, sp.Rational] = defaultdict(lambda: sp.S.Zero)
    for term in sp.Add.make_args(sp.expand(arg)):
        c, t = term.as_coeff_Mul()
        if c.is_Float and sp.Rational(c).q <= _MAX_DYADIC:
            c = sp.Rational(c)
        if not c.is_Rational:
            c, t = sp.S.One, term
        terms[t] += c
    pi = terms.pop(sp.pi, sp.S.Zero)
    if pi and not (split_pi and pi_part_evaluates(pi)):
        terms[sp.pi] = pi
        pi = sp.S.Zero
    return sorted(((c, t) for t, c in terms.items() if c), key=lambda ct: sp.default_sort_key(ct[1])), pi


def _gcd(values: Iterable[sp.Rational]) -> sp.Rational:
    values = list(values)
    num = math.gcd(*(int(v.p) for v in values))
    den = math.lcm(*(int(v.q) for v in values))
    sign = -1 if all(v < 0 for v in values) else 1
    return sp.Rational(sign * num, den)


@dataclass
class Scan:
    """What some expressions need: symbols, constants, floats, units, radicals, functions, opaque atoms."""

    symbols: set[sp.Symbol] = field(default_factory=set)
    constants: set[sp.Expr] = field(default_factory=set)
    floats: set[sp.Float] = field(default_factory=set)
    imaginary: bool = False
    coefficients: dict[str, dict[sp.Expr, set[sp.Rational]]] = field(
        default_factory=lambda: {"trig": defaultdict(set), "hyp": defaultdict(set), "exp": defaultdict(set)}
    )
    roots: dict[sp.Expr, int] = field(default_factory=dict)
    functions: set[tuple[sp.Expr, tuple[int, ...]]] = field(default_factory=set)
    signs: dict[sp.Expr, None] = field(default_factory=dict)
    composites: dict[sp.Expr, None] = field(default_factory=dict)
    opaque: dict[sp.Expr, None] = field(default_factory=dict)

    def visit(self, expr: sp.Expr) -> None:
        """Record the generators ``expr`` needs."""
        if expr.is_Rational:
            return
        if expr.is_Float:
            self.floats.add(expr)
        elif expr.is_Symbol:
            self.symbols.add(expr)
        elif expr is sp.E:
            self.coefficients["exp"][sp.S.One].add(sp.S.One)
        elif expr is sp.I:
            self.imaginary = True
        elif isinstance(expr, sp.NumberSymbol):
            self.constants.add(expr)
        elif expr.is_Add or expr.is_Mul:
            for arg in expr.args:
                self.visit(arg)
        elif expr.is_Pow:
            self._power(expr)
        elif isinstance(expr, TRIG):
            self._elementary("trig", expr.args[0], split_pi=True)
        elif isinstance(expr, HYPERBOLIC):
            self._elementary("hyp", expr.args[0], split_pi=False)
        elif isinstance(expr, sp.exp):
            self._elementary("exp", expr.args[0], split_pi=False)
        elif isinstance(expr, sp.Abs | sp.sign) and not expr.args[0].has(sp.I):
            self.signs.setdefault(expr.args[0])
            self.visit(expr.args[0])
        elif isinstance(expr, AppliedUndef) and _plain_arguments(expr):
            self.functions.add((expr, ()))
        elif isinstance(expr, AppliedUndef):
            self.composites.setdefault(expr)
            for arg in expr.args:
                self.visit(arg)
        elif isinstance(expr, sp.Derivative) and isinstance(expr.expr, AppliedUndef) and _plain_arguments(expr.expr):
            counts = dict(expr.variable_count)
            self.functions.add((expr.expr, tuple(int(counts.get(v, 0)) for v in expr.expr.args)))
        elif isinstance(expr, sp.Expr) and expr.args and all(isinstance(a, sp.Expr) for a in expr.args):
            self.opaque.setdefault(expr)
            for arg in expr.args:
                self.visit(arg)
        else:
            raise Unsupported(f"atom {expr}")

    def _power(self, expr: sp.Pow) -> None:
        base, exp = expr.base, expr.exp
        if exp.is_Float and sp.Rational(exp).q <= _MAX_ROOT:
            exp = sp.Rational(exp)
        if exp.is_Integer:
            self.visit(base)
        elif exp.is_Rational and exp.q <= _MAX_ROOT:
            self.roots[base] = math.lcm(self.roots.get(base, 1), int(exp.q))
            self.visit(base)
        else:
            self.opaque.setdefault(expr)
            self.visit(base)
            self.visit(exp)

    def _elementary(self, family: str, arg: sp.Expr, split_pi: bool) -> None:
        terms, pi = linear_terms(arg, split_pi)
        if pi:
            self.visit(sp.cos(pi * sp.pi))
            self.visit(sp.sin(pi * sp.pi))
        for c, t in terms:
            if abs(c) > _MAX_MULTIPLE:
                raise Unsupported(f"multiple {c} of {t} in {arg}")
            self.coefficients[family][t].add(c)
            self.visit(t)

    def units(self) -> dict[str, dict[sp.Expr, sp.Rational]]:
        """For each family, each term's scale :math:`g` (the unit is :math:`g\\,t`).

        A term that appears in a hyperbolic function takes its exponentials into the
        hyperbolic family.
        """
        hyp = self.coefficients["hyp"]
        for t in list(self.coefficients["exp"]):
            if t in hyp:
                hyp[t] |= self.coefficients["exp"].pop(t)
        return {family: {t: _gcd(cs) for t, cs in table.items()} for family, table in self.coefficients.items()}


def _plain_arguments(f: sp.Expr) -> bool:
    return all(a.is_Symbol for a in f.args) and len(set(f.args)) == len(f.args)


def non_smooth(atom: sp.Expr) -> bool:
    """True for atoms without a derivative in the field (``Heaviside``, ``floor``, ``Piecewise``, ...)."""
    return isinstance(atom, _NON_SMOOTH) or atom.has(*_NON_SMOOTH)
