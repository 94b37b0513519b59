"""Canonical forms for component expressions: cheap, exact zero tests.

Components of Christoffel and curvature tensors are rational functions of the
coordinates, of ``sin``/``cos`` of them and of unknown functions. Each trigonometric
pair is replaced by symbols ``S, C`` with ``S**2 -> 1 - C**2``; what is left is put over a
common denominator with ``cancel``. A component is zero exactly when its canonical
numerator is the zero polynomial.

Other atoms (``log``, ``Abs``, ``sqrt`` of a sine, ...) are held as opaque symbols, their
arguments put in canonical form first; a rational power ``b**(p/q)`` becomes
``b**m * R**k`` with ``R = b**(1/q)``, ``0 <= k < q``. Floats become exact parameters and
are evaluated once, at the end (:mod:`._floats`), so no magnitude is rounded away and
every zero test is relative to the scale of the input.
"""

from __future__ import annotations

import random

import mpmath
import sympy as sp
from sympy.core.function import AppliedUndef

from extremal.symbolic._floats import Magnitudes, floats_in
from extremal.symbolic._rational import RationalField, Unsupported
from extremal.symbolic._values import as_sympy

__all__ = ["canonical", "is_zero", "probably_nonzero", "readable"]

_PAIRED = (sp.sin, sp.cos, sp.tan, sp.cot)
_DIGITS = 30


class _Opaque:
    """Replaces atoms that are not rational in symbols and trigonometric pairs by symbols."""

    def __init__(self, eliminate: str) -> None:
        self.eliminate = eliminate
        self.symbols: dict[sp.Expr, sp.Dummy] = {}
        self.radicals: list[tuple[sp.Dummy, int, sp.Expr]] = []

    def _symbol(self, atom: sp.Expr) -> sp.Dummy:
        if atom not in self.symbols:
            self.symbols[atom] = sp.Dummy(f"A{len(self.symbols)}")
        return self.symbols[atom]

    def hide(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` with every opaque atom replaced by a symbol."""
        if expr.is_Atom:
            return expr
        if expr.is_Add or expr.is_Mul:
            return expr.func(*[self.hide(a) for a in expr.args])
        if expr.is_Pow:
            base, exp = expr.base, expr.exp
            if exp.is_Integer:
                return self.hide(base) ** exp
            if exp.is_Rational and not base.is_number:
                inner = self.hide(canonical(base, self.eliminate))
                m, k = divmod(int(exp.p), int(exp.q))
                atom = canonical(base, self.eliminate) ** sp.Rational(1, exp.q)
                fresh = atom not in self.symbols
                root = self._symbol(atom)
                if fresh:
                    self.radicals.append((root, int(exp.q), inner))
                return inner**m * root**k
        if isinstance(expr, sp.sec | sp.csc):
            paired = sp.cos if isinstance(expr, sp.sec) else sp.sin
            return 1 / self.hide(paired(expr.args[0]))
        if isinstance(expr, (*_PAIRED, sp.exp)):
            arg = self.hide(expr.args[0])
            if not arg.has(*_PAIRED, sp.exp) and not arg.free_symbols & set(self.symbols.values()):
                return expr.func(arg)
        if isinstance(expr, AppliedUndef) and all(a.is_Symbol for a in expr.args):
            return expr
        if isinstance(expr, sp.Derivative) and isinstance(expr.expr, AppliedUndef):
            return expr
        args = [canonical(a, self.eliminate) if isinstance(a, sp.Expr) else a for a in expr.args]
        return self._symbol(expr.func(*args))

    def reduce(self, poly_expr: sp.Expr) -> sp.Expr:
        """Rewrite ``R**k`` with ``k >= q`` as ``b * R**(k - q)`` for each radical ``R = b**(1/q)``."""
        for root, q, base in self.radicals:
            if not poly_expr.has(root):
                continue
            poly = sp.Poly(poly_expr, root)
            poly_expr = sp.expand(sp.Add(*[
                coeff * base ** (k // q) * root ** (k % q) for (k,), coeff in poly.terms()
            ]))
        return poly_expr

    def restore(self, expr: sp.Expr) -> sp.Expr:
        """Put the atoms back."""
        return expr.xreplace({s: a for a, s in self.symbols.items()})


def _trig_symbols(expr: sp.Expr) -> tuple[dict[sp.Expr, sp.Expr], dict[sp.Symbol, sp.Expr], list]:
    args = {f.args[0] for f in expr.atoms(sp.sin, sp.cos, sp.tan, sp.cot)}
    forward: dict[sp.Expr, sp.Expr] = {}
    backward: dict[sp.Symbol, sp.Expr] = {}
    pairs = []
    for k, arg in enumerate(sorted(args, key=sp.default_sort_key)):
        s, c = sp.Dummy(f"S{k}"), sp.Dummy(f"C{k}")
        forward.update({sp.sin(arg): s, sp.cos(arg): c, sp.tan(arg): s / c, sp.cot(arg): c / s})
        backward.update({s: sp.sin(arg), c: sp.cos(arg)})
        pairs.append((s, c))
    return forward, backward, pairs


def _reduce_pythagoras(poly_expr: sp.Expr, pairs: list, eliminate: str) -> sp.Expr:
    """Rewrite a polynomial so each sine (or cosine) symbol has degree at most one."""
    for s, c in pairs:
        high, low = (s, c) if eliminate == "sin" else (c, s)
        poly = sp.Poly(poly_expr, high)
        poly_expr = sp.Add(*[
            coeff * high ** (k % 2) * (1 - low**2) ** (k // 2)
            for (k,), coeff in poly.terms()
        ])
        poly_expr = sp.expand(poly_expr)
    return poly_expr


def canonical(expr: sp.Expr, eliminate: str = "sin") -> sp.Expr:
    """Canonical rational form of ``expr``, with ``sin² + cos² = 1`` applied.

    ``eliminate="sin"`` keeps sines to the first power (``sin² -> 1 - cos²``);
    ``"cos"`` does the reverse. Either way zero has the unique form ``0``. Floats keep
    their magnitude; terms that cancel to within their rounding vanish.

    Examples
    --------
    >>> th, r = sp.symbols("theta r")
    >>> canonical(r*sp.sin(th)**2 + r*sp.cos(th)**2 - r)
    0
    >>> canonical(sp.sin(th)*sp.cos(th)/sp.sin(th)**2)
    cos(theta)/sin(theta)
    >>> canonical(1e-300*r*(sp.sin(th)**2 + sp.cos(th)**2))
    1.0e-300*r
    >>> canonical(sp.log(sp.sin(th)**2 + sp.cos(th)**2 + r))
    log(r + 1)
    """
    expr = as_sympy(expr)
    floats = floats_in(expr)
    if floats:
        magnitudes = Magnitudes(floats)
        return magnitudes.restore(canonical(magnitudes.hide(expr), eliminate))
    if expr.is_number:
        return expr
    opaque = _Opaque(eliminate)
    hidden = opaque.hide(expr)
    forward, backward, pairs = _trig_symbols(hidden)
    rational = sp.cancel(hidden.subs(forward))
    num, den = sp.fraction(rational)
    num = _reduce_pythagoras(opaque.reduce(sp.expand(num)), pairs, eliminate)
    den = _reduce_pythagoras(opaque.reduce(sp.expand(den)), pairs, eliminate)
    if num == 0:
        return sp.S.Zero
    return opaque.restore(sp.cancel(num / den).subs(backward))


def is_zero(expr: sp.Expr) -> bool:
    """True when ``expr`` is identically zero (floats: to within their rounding).

    Rational functions of symbols, floats, sines, cosines, exponentials and unknown
    functions are tested in the exact representation of :mod:`._rational` (numerator is the
    zero polynomial); anything else goes through :func:`canonical`.

    Examples
    --------
    >>> x = sp.Symbol("x")
    >>> is_zero(sp.sin(x)**2 + sp.cos(x)**2 - 1), is_zero(x), is_zero(sp.Float("1e-300"))
    (True, False, False)
    """
    expr = as_sympy(expr)
    try:
        field = RationalField([expr], (), 0)
        return field.negligible(field.element(expr))
    except Unsupported:
        return canonical(expr) == 0


def _number(expr: sp.Expr) -> mpmath.mpc:
    """``expr`` (free of symbols) as a 30-digit complex number; TypeError if it is not finite."""
    re, im = sp.N(expr, _DIGITS).as_real_imag()
    if not (re.is_Number and im.is_Number) or not (re.is_finite and im.is_finite):
        raise TypeError(f"{expr} is not a finite number")
    return mpmath.mpc(mpmath.mpf(re), mpmath.mpf(im))


def _value_and_scale(expr: sp.Expr, point: dict) -> tuple[mpmath.mpc, mpmath.mpf]:
    """Value of ``expr`` at ``point`` and the size of its terms: sums and products of absolute values."""
    if expr.is_Add or expr.is_Mul:
        parts = [_value_and_scale(a, point) for a in expr.args]
        if expr.is_Add:
            return mpmath.fsum(v for v, _ in parts), mpmath.fsum(s for _, s in parts)
        return mpmath.fprod(v for v, _ in parts), mpmath.fprod(s for _, s in parts)
    if expr.is_Pow and expr.exp.is_Integer and expr.exp > 0:
        value, scale = _value_and_scale(expr.base, point)
        return value ** int(expr.exp), scale ** int(expr.exp)
    value = _number(expr.xreplace(point))
    return value, abs(value)


def probably_nonzero(expr: sp.Expr, trials: int = 3, seed: int = 0) -> bool:
    """True if ``expr`` is nonzero at a random point (a fast, one-sided zero test).

    Every free symbol, unknown function and derivative is replaced by a random number
    in ``(0.3, 1.3)``. The value counts as nonzero when it stands out of the rounding of
    its own terms (relative to their magnitudes, never an absolute threshold). A True
    answer is certain; False means "call :func:`is_zero`".

    Examples
    --------
    >>> x = sp.Symbol("x")
    >>> probably_nonzero(x**2 - x*x), probably_nonzero(sp.sin(x)), probably_nonzero(1e-300*x)
    (False, True, True)
    """
    expr = as_sympy(expr)
    floats = floats_in(expr)
    tolerance = float(Magnitudes(floats).tolerance) if floats else 10.0 ** (10 - _DIGITS)
    rng = random.Random(seed)
    atoms = sorted(
        expr.atoms(sp.Derivative) | expr.atoms(sp.core.function.AppliedUndef),
        key=lambda a: -sp.count_ops(a),
    )
    with mpmath.workdps(_DIGITS):
        for _ in range(trials):
            point = {a: sp.Dummy() for a in atoms}
            reduced = expr.xreplace(point)
            values = {s: sp.Float(rng.uniform(0.3, 1.3), _DIGITS) for s in reduced.free_symbols}
            try:
                value, scale = _value_and_scale(reduced, values)
            except (TypeError, ValueError, ZeroDivisionError):
                continue
            if value != 0 and abs(value) > tolerance * scale:
                return True
    return False


def readable(expr: sp.Expr) -> sp.Expr:
    """The shortest of the canonical forms (either Pythagorean reduction, expanded, factored or not).

    Floats are parameters while the forms are built and numbers again in each candidate.

    Examples
    --------
    >>> r, mu, w, x, y = sp.symbols("r mu w x y")
    >>> readable((r**3*w**2 - mu)/r**2)
    -mu/r**2 + r*w**2
    >>> readable(-mu*x/(x**2*sp.sqrt(x**2 + y**2) + y**2*sp.sqrt(x**2 + y**2)))
    -mu*x/(x**2 + y**2)**(3/2)
    >>> readable(1e300*x**2 + 1e300*x*y)
    1.0e+300*x*(x + y)
    """
    expr = as_sympy(expr)
    floats = floats_in(expr)
    magnitudes = Magnitudes(floats) if floats else None
    if magnitudes is not None:
        expr = magnitudes.hide(expr)
    candidates = []
    for form in {canonical(expr, "sin"), canonical(expr, "cos")}:
        candidates += [form, sp.expand(form)]
        if sp.count_ops(form) <= _FACTOR_LIMIT and _degree(form) <= _FACTOR_DEGREE:
            candidates.append(sp.factor(form))
    if magnitudes is not None:
        candidates = [magnitudes.restore(c) for c in candidates]
    return min(candidates, key=lambda e: (sp.count_ops(e), sp.default_sort_key(e)))


_FACTOR_LIMIT = 60
_FACTOR_DEGREE = 24  # factoring x**1000 - E takes minutes (Wang's algorithm); no readable form needs it


def _degree(expr: sp.Expr) -> int:
    """The largest integer exponent in ``expr`` (0 if none)."""
    return max((abs(int(p.exp)) for p in expr.atoms(sp.Pow) if p.exp.is_Integer), default=0)
