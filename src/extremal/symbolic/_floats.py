r"""Floating-point coefficients as exact parameters, evaluated once at the end.

Physicists write constants as floats (:math:`\hbar = 1.0546\times10^{-34}`,
:math:`G = 6.674\times10^{-11}`). Rounding them to "nice" rationals loses everything
below about :math:`10^{-32}`, and computing in floating point turns exact cancellations
into noise. Instead each distinct magnitude becomes a positive symbol (a *parameter*),
the computation runs exactly in those symbols, and the result is evaluated at the end:

* every float is the exact binary rational it stands for, so no magnitude is lost;
* SymPy evaluates products of floats while parsing (``2*G*M/c**2`` becomes one float),
  so a float that equals :math:`q\,p_1^{e_1}p_2^{e_2}` (small integers :math:`e_i`, a
  small rational :math:`q`) to within a few units in the last place is written that way,
  which restores the exact relations the writer meant (Schwarzschild stays Ricci-flat);
* a float that is a whole number (``2.0``) is that integer, exactly, and a float whose square
  is a small rational times an earlier one (``a = 0.9`` beside ``a**2 = 0.81``) becomes the
  parameter, the earlier one its square, so :math:`(2a)^2 = 4a^2` holds exactly (Kerr with
  ``a = 0.9`` keeps its closed-form Kretschmann scalar);
* a sum whose terms cancel to within the rounding of its own terms,
  :math:`|\sum_i t_i| \le \epsilon\sum_i|t_i|`, is zero: every threshold is relative to
  the scale of the input (Higham, *Accuracy and Stability of Numerical Algorithms*,
  2nd ed., §4.2, for the bound on a rounded sum).

Numbers that involve a float come back as floats at the precision of the input floats;
exact parts stay exact (``1.0546e-34*xdot**2/2 - 1.0546e-34*x**2/2`` gives ``-x``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from fractions import Fraction
from functools import cached_property

import sympy as sp

from extremal.symbolic._values import as_sympy

__all__ = ["Magnitudes", "floats_in"]

_EXPONENTS = (1, -1, 2, -2)
_MAX_RATIO_TERM = 12
_RELATION_SLACK_BITS = 8
_ZERO_SLACK_BITS = 10
_PAIR_LIMIT = 40
_DOUBLE = 53
_MAX_WHOLE = 2**20


def floats_in(expr: sp.Basic) -> set[sp.Float]:
    """The floats in ``expr`` (zero excluded).

    Examples
    --------
    >>> x = sp.Symbol("x")
    >>> sorted(floats_in(2.5*x**2 + 1e-40*x))
    [1.00000000000000e-40, 2.50000000000000]
    """
    return {f for f in expr.atoms(sp.Float) if f != 0}


def _precision(value: sp.Float) -> int:
    """Bits a float carries: its precision, but no more than its written digits need.

    SymPy gives ``Float("1e150")`` 505 bits (every digit of the integer); it means one
    significant digit, so double precision is enough.
    """
    mantissa = str(value).split("e")[0].lstrip("-").replace(".", "").strip("0")
    needed = math.ceil(len(mantissa) * math.log2(10)) + 1
    return min(int(value._prec), max(_DOUBLE, needed))


def _exact(value: sp.Float) -> Fraction:
    rational = sp.Rational(value)
    return Fraction(int(rational.p), int(rational.q))


def _log(value: Fraction) -> float:
    return math.log(value.numerator) - math.log(value.denominator)


class Magnitudes:
    r"""One positive parameter per independent float magnitude of some expressions.

    :meth:`hide` replaces each float by its parameter expression (sign, small rational,
    monomial in the parameters); :meth:`restore` evaluates the parameters again, dropping
    sums that cancel to rounding level. ``tolerance`` is :math:`2^{10-p}` for input floats
    of ``p`` bits (about ``2.3e-13`` for double precision).

    Examples
    --------
    >>> r = sp.Symbol("r")
    >>> m = Magnitudes([sp.Float(2953.8), sp.Float(8.988e16), sp.Float(2953.8*8.988e16)])
    >>> len(m.symbols), m.restore(m.hide(sp.Float(2953.8*8.988e16)/r))
    (2, 2.65487544e+20/r)
    """

    def __init__(self, floats: Iterable[sp.Float]) -> None:
        floats = [f for f in set(floats) if _exact(f) != 0]
        self.precision = min((_precision(f) for f in floats), default=_DOUBLE)
        self.tolerance = Fraction(2) ** (_ZERO_SLACK_BITS - self.precision)
        relation_tolerance = Fraction(2) ** (_RELATION_SLACK_BITS - self.precision)
        magnitudes = sorted({abs(_exact(f)) for f in floats})
        self.symbols: list[sp.Dummy] = []
        self.values: dict[sp.Symbol, Fraction] = {}
        logs: list[float] = []
        by_value: dict[Fraction, sp.Expr] = {}
        for v in magnitudes:
            if v.denominator == 1 and v <= _MAX_WHOLE:  # 2.0 is exactly 2, not 10/9 of 1.8
                by_value[v] = sp.Integer(v.numerator)
                continue
            root = self._square_of(v, relation_tolerance)
            found = None if root is not None else self._relation(v, logs, relation_tolerance)
            if found is None:
                p = sp.Dummy(f"p{len(self.symbols)}", positive=True)
                if root is not None:
                    i, q = root
                    square = {self.symbols[i]: p**2 / q}
                    by_value = {k: e.xreplace(square) for k, e in by_value.items()}
                    del self.values[self.symbols[i]], self.symbols[i], logs[i]
                self.symbols.append(p)
                self.values[p] = v
                logs.append(_log(v))
                found = p
            by_value[v] = found
        self.substitution: dict[sp.Float, sp.Expr] = {}
        for f in floats:
            exact = _exact(f)
            self.substitution[f] = by_value[abs(exact)] * (1 if exact > 0 else -1)

    def _square_of(self, v: Fraction, tol: Fraction) -> tuple[int, Fraction] | None:
        """``(i, q)`` when an earlier parameter is :math:`p_i = v^2/q` to within ``tol`` (``a**2`` written
        before ``a``): ``p_i`` is then rewritten through a new parameter for ``v``, so that
        :math:`(2a)^2 = 4a^2` holds exactly."""
        for i, p in enumerate(self.symbols):
            ratio = v * v / self.values[p]
            q = ratio.limit_denominator(_MAX_RATIO_TERM)
            if 0 < q.numerator <= _MAX_RATIO_TERM and abs(ratio / q - 1) <= tol:
                return i, q
        return None

    def _relation(self, v: Fraction, logs: list[float], tol: Fraction) -> sp.Expr | None:
        """``v`` as ``q * p_i**e_i (* p_j**e_j)`` to within ``tol``, or None."""
        n = len(self.symbols)
        target = _log(v)
        bound = math.log(_MAX_RATIO_TERM) + 1e-9
        supports: Iterable[tuple[int, ...]] = [(i,) for i in range(n)]
        if n <= _PAIR_LIMIT:
            supports = itertools.chain(supports, itertools.combinations(range(n), 2))
        for support in supports:
            for exps in itertools.product(_EXPONENTS, repeat=len(support)):
                if abs(target - sum(e * logs[i] for i, e in zip(support, exps, strict=True))) > bound:
                    continue
                base = Fraction(1)
                for i, e in zip(support, exps, strict=True):
                    base *= self.values[self.symbols[i]] ** e
                ratio = v / base
                q = ratio.limit_denominator(_MAX_RATIO_TERM)
                if 0 < q.numerator <= _MAX_RATIO_TERM and abs(ratio / q - 1) <= tol:
                    monomial = sp.Mul(*[self.symbols[i] ** e for i, e in zip(support, exps, strict=True)])
                    return sp.Rational(q.numerator, q.denominator) * monomial
        return None

    @cached_property
    def symbol_set(self) -> frozenset[sp.Symbol]:
        """The parameters, as a set."""
        return frozenset(self.symbols)

    def hide(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` with every float replaced by its parameter expression."""
        return as_sympy(expr).xreplace(self.substitution)

    def value(self, exponents: Iterable[tuple[sp.Symbol, int]]) -> Fraction:
        """Exact value of the parameter monomial :math:`\\prod p^e`."""
        out = Fraction(1)
        for p, e in exponents:
            out *= self.values[p] ** e
        return out

    def negligible(self, total: Fraction, scale: Fraction) -> bool:
        """True when ``total`` is rounding noise of terms whose magnitudes add to ``scale``."""
        return abs(total) <= self.tolerance * scale

    def number(self, value: Fraction, inexact: bool) -> sp.Expr:
        """``value`` as a float of the input precision when ``inexact``, else exactly."""
        rational = sp.Rational(value.numerator, value.denominator)
        return sp.Float(rational, precision=self.precision) if inexact else rational

    def split(self, term: sp.Expr) -> tuple[Fraction, bool, sp.Expr] | None:
        """``term = c * (parameter monomial) * rest``: ``(value, has parameters, rest)``.

        None when a parameter appears other than as a factor of integer power.
        """
        coeff, rest = term.as_coeff_Mul()
        if not coeff.is_Rational:
            return None
        value = Fraction(int(coeff.p), int(coeff.q))
        inexact = False
        others = []
        for factor in sp.Mul.make_args(rest):
            base, e = factor.as_base_exp()
            if base in self.symbol_set and e.is_Integer:
                value *= self.values[base] ** int(e)
                inexact = True
            elif factor.has(*self.symbols):
                return None
            else:
                others.append(factor)
        return value, inexact, sp.Mul(*others)

    def restore(self, expr: sp.Expr) -> sp.Expr:
        """Evaluate the parameters in ``expr``; sums that cancel to rounding level vanish."""
        expr = as_sympy(expr)
        if not self.symbols or not expr.has(*self.symbols):
            return expr
        if expr.is_Add:
            groups: dict[sp.Expr, list] = {}
            loose = []
            for term in expr.args:
                parts = self.split(term)
                if parts is None:
                    loose.append(self.restore(term))
                    continue
                value, inexact, rest = parts
                group = groups.setdefault(rest, [Fraction(0), Fraction(0), False])
                group[0] += value
                group[1] += abs(value)
                group[2] = group[2] or inexact
            kept = [
                self.number(total, inexact) * rest
                for rest, (total, scale, inexact) in groups.items()
                if not (total == 0 or (inexact and self.negligible(total, scale)))
            ]
            return sp.Add(*kept, *loose)
        parts = self.split(expr)
        if parts is not None:
            value, inexact, rest = parts
            return self.number(value, inexact) * rest
        if expr.is_Mul:
            return sp.Mul(*[self.restore(a) for a in expr.args])
        if expr.is_Pow:
            return self.restore(expr.base) ** self.restore(expr.exp)
        return expr.func(*[self.restore(a) if isinstance(a, sp.Expr) else a for a in expr.args])
