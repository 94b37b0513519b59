"""Zero tests and readable forms, all through one exact field (:mod:`._rational`).

:func:`canonical` writes an expression in the field's canonical form, :func:`zero_test`
decides whether it is identically zero, and :func:`readable` picks the shortest of a few
exact forms for display. The field brings trigonometric, hyperbolic and exponential
functions of any arguments to a minimal set of generators (:mod:`._generators`) and
treats radicals as algebraic extensions, so an identically zero expression has the
numerator 0. Where the field cannot prove independence of its generators (several or
nested radicals, ``log``, ``atan``, ...) a nonzero verdict is checked numerically, and
:func:`zero_test` says which method decided.

Floats become exact parameters and are evaluated once, at the end (:mod:`._floats`), so
no magnitude is rounded away and every zero test is relative to the scale of the input.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Literal, NamedTuple

import mpmath
import sympy as sp

from extremal.symbolic._boundary import guarded
from extremal.symbolic._floats import Magnitudes, floats_in
from extremal.symbolic._parsing import parse
from extremal.symbolic._rational import RationalField, Unsupported, canonical_form, determinant, inverse
from extremal.symbolic._values import as_sympy

__all__ = [
    "ZeroTest", "canonical", "is_zero", "matrix_determinant", "matrix_inverse", "probably_nonzero", "readable",
    "zero_test",
]

_DIGITS = 30
_CERTIFICATE_TRIALS = 8


def canonical(expr: sp.Expr) -> sp.Expr:
    """The canonical form of ``expr``: one ratio in the field's generators; zero is ``0``.

    Floats keep their magnitude; terms that cancel to within their rounding vanish.
    Expressions outside the field come back unchanged.

    Examples
    --------
    >>> th, r = sp.symbols("theta r")
    >>> canonical(r*sp.sin(th)**2 + r*sp.cos(th)**2 - r)
    0
    >>> canonical(2*sp.sin(th)*sp.cos(th) - sp.sin(2*th))
    0
    >>> canonical(sp.sin(th)*sp.cos(th)/sp.sin(th)**2)
    cos(theta)/sin(theta)
    >>> canonical(1e-300*r*(sp.sin(th)**2 + sp.cos(th)**2))
    1.0e-300*r
    >>> canonical(sp.log(sp.sin(th)**2 + sp.cos(th)**2 + r))
    log(r + 1)
    """
    return canonical_form(as_sympy(expr))


class ZeroTest(NamedTuple):
    """The verdict of :func:`zero_test` and how it was reached: ``"exact"`` or ``"numeric"``."""

    zero: bool
    method: Literal["exact", "numeric"]


def zero_test(expr: sp.Expr | str) -> ZeroTest:
    """Whether ``expr`` is identically zero (floats: to within their rounding), and how that was decided.

    ``"exact"``: the canonical numerator in the field of :mod:`._rational` is (or is not)
    the zero polynomial. ``"numeric"``: the field could not prove its generators
    independent (or does not model some atom), and ``expr`` was evaluated at
    several random points to 30 digits, every symbol in :math:`(0.3, 1.3)` (where square
    roots and logarithms are real); it counts as zero when every value vanishes relative
    to the size of its terms. Strings are read with :func:`extremal.parse`.

    Examples
    --------
    >>> zero_test("cosh(x)**2 - sinh(x)**2 - 1")
    ZeroTest(zero=True, method='exact')
    >>> zero_test("sin(3*x) - 3*sin(x) + 4*sin(x)**3")
    ZeroTest(zero=True, method='exact')
    >>> x = sp.Symbol("x", positive=True)
    >>> zero_test(sp.atan(x) + sp.atan(1/x) - sp.pi/2)
    ZeroTest(zero=True, method='numeric')
    """
    return _zero_test(parse(expr, {}, "expr"))


@guarded("the zero test")
def _zero_test(expr: sp.Expr) -> ZeroTest:
    try:
        field = RationalField([expr], (), 0)
        value = field.element(expr)
    except Unsupported:
        return ZeroTest(_numerically_zero(expr), "numeric")
    if field.negligible(value):
        return ZeroTest(True, "exact")
    if field.certain:
        return ZeroTest(False, "exact")
    return ZeroTest(_numerically_zero(expr), "numeric")


def is_zero(expr: sp.Expr) -> bool:
    """True when ``expr`` is identically zero (floats: to within their rounding); see :func:`zero_test`.

    Examples
    --------
    >>> x = sp.Symbol("x")
    >>> is_zero(sp.sin(x)**2 + sp.cos(x)**2 - 1), is_zero(x), is_zero(sp.Float("1e-300"))
    (True, False, False)
    >>> is_zero(sp.exp(2*x) + 2*sp.exp(x) + 1 - (sp.exp(x) + 1)**2)
    True
    """
    return _zero_test(as_sympy(expr)).zero


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
    tolerance = _tolerance(expr)
    return any(_stands_out(value, scale, tolerance) for value, scale in _samples(expr, trials, seed))


def _numerically_zero(expr: sp.Expr) -> bool:
    """True when ``expr`` vanishes at each of several random points (and at least one evaluates)."""
    samples = list(_samples(expr, _CERTIFICATE_TRIALS, seed=1))
    tolerance = _tolerance(expr)
    return bool(samples) and not any(_stands_out(value, scale, tolerance) for value, scale in samples)


def _tolerance(expr: sp.Expr) -> float:
    """Relative size below which a value is rounding: that of the input floats, else 30-digit arithmetic's."""
    floats = floats_in(expr)
    return float(Magnitudes(floats).tolerance) if floats else 10.0 ** (10 - _DIGITS)


def _stands_out(value: mpmath.mpc, scale: mpmath.mpf, tolerance: float) -> bool:
    return bool(value != 0 and abs(value) > tolerance * scale)


def _samples(expr: sp.Expr, trials: int, seed: int) -> Iterator[tuple[mpmath.mpc, mpmath.mpf]]:
    """``(value, scale)`` of ``expr`` at ``trials`` random points, skipping points where it is not finite."""
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
                yield _value_and_scale(reduced, values)
            except (TypeError, ValueError, ZeroDivisionError):
                continue


def readable(expr: sp.Expr) -> sp.Expr:
    """The shortest of the field's exact forms of ``expr``: as held, expanded, factored, exponentials combined.

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
    try:
        field = RationalField([expr], (), 0)
        form = field.to_sympy(field.element(expr))
    except Unsupported:
        form = expr
    candidates = [form, sp.expand(form)]
    if sp.count_ops(form) <= _FACTOR_LIMIT and _degree(form) <= _FACTOR_DEGREE:
        candidates.append(sp.factor(form))
    if form.has(sp.exp):
        candidates.append(sp.powsimp(form, combine="exp"))
    if magnitudes is not None:
        candidates = [magnitudes.restore(c) for c in candidates]
    return min(candidates, key=lambda e: (sp.count_ops(e), sp.default_sort_key(e)))


_FACTOR_LIMIT = 60
_FACTOR_DEGREE = 24  # factoring x**1000 - E takes minutes (Wang's algorithm); no readable form needs it


def _degree(expr: sp.Expr) -> int:
    """The largest integer exponent in ``expr`` (0 if none)."""
    return max((abs(int(p.exp)) for p in expr.atoms(sp.Pow) if p.exp.is_Integer), default=0)


def matrix_determinant(matrix: sp.MatrixBase) -> sp.Expr:
    """``det matrix``, exact in the field (:func:`._rational.determinant`), else SymPy's made readable.

    Examples
    --------
    >>> th = sp.Symbol("theta")
    >>> matrix_determinant(sp.Matrix([[1, sp.sin(2*th)], [sp.sin(th), 2*sp.cos(th)]]))
    2*cos(theta)**3
    """
    try:
        return determinant(matrix)
    except Unsupported:
        return readable(matrix.det(method="berkowitz"))


def matrix_inverse(matrix: sp.MatrixBase) -> sp.ImmutableMatrix:
    """``matrix**-1``, exact in the field (:func:`._rational.inverse`), else SymPy's with each entry readable.

    Examples
    --------
    >>> r = sp.Symbol("r")
    >>> matrix_inverse(sp.Matrix([[1, r], [0, r**2]]))
    Matrix([
    [1,     -1/r],
    [0, r**(-2)]])
    """
    try:
        return inverse(matrix)
    except Unsupported:
        return sp.ImmutableMatrix(matrix.inv(method="LU").applyfunc(readable))
