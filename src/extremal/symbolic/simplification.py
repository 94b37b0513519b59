"""Canonical forms for component expressions: cheap, exact zero tests.

Components of Christoffel and curvature tensors are rational functions of the
coordinates, of ``sin``/``cos`` of them and of unknown functions. Each trigonometric
pair is replaced by symbols ``S, C`` with ``S**2 -> 1 - C**2``; what is left is put over a
common denominator with ``cancel``. A component is zero exactly when its canonical
numerator is the zero polynomial.
"""

from __future__ import annotations

import sympy as sp

from extremal.symbolic._rational import RationalField, Unsupported

__all__ = ["canonical", "is_zero", "probably_nonzero", "readable"]


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
    ``"cos"`` does the reverse. Either way zero has the unique form ``0``.

    Examples
    --------
    >>> th, r = sp.symbols("theta r")
    >>> canonical(r*sp.sin(th)**2 + r*sp.cos(th)**2 - r)
    0
    >>> canonical(sp.sin(th)*sp.cos(th)/sp.sin(th)**2)
    cos(theta)/sin(theta)
    """
    expr = sp.sympify(expr)
    if expr.is_number:
        return sp.nsimplify(expr) if expr.is_Float else expr
    forward, backward, pairs = _trig_symbols(expr)
    if not pairs:
        return sp.cancel(expr)
    rational = sp.cancel(expr.subs(forward))
    num, den = sp.fraction(rational)
    num = _reduce_pythagoras(sp.expand(num), pairs, eliminate)
    den = _reduce_pythagoras(sp.expand(den), pairs, eliminate)
    if num == 0:
        return sp.S.Zero
    return sp.cancel(num / den).subs(backward)


def is_zero(expr: sp.Expr) -> bool:
    """True when ``expr`` is identically zero (exact).

    Rational functions of symbols, sines, cosines, exponentials and unknown functions are
    tested in the exact representation of :mod:`._rational` (numerator is the zero
    polynomial); anything else goes through :func:`canonical`.

    Examples
    --------
    >>> x = sp.Symbol("x")
    >>> is_zero(sp.sin(x)**2 + sp.cos(x)**2 - 1), is_zero(x)
    (True, False)
    """
    expr = sp.sympify(expr)
    try:
        return not RationalField([expr], (), 0).element(expr)
    except Unsupported:
        return canonical(expr) == 0


def probably_nonzero(expr: sp.Expr, trials: int = 3, seed: int = 0) -> bool:
    """True if ``expr`` is nonzero at a random point (a fast, one-sided zero test).

    Every free symbol, unknown function and derivative is replaced by a random number
    in ``(0.3, 1.3)``. A True answer is certain; False means "call :func:`is_zero`".

    Examples
    --------
    >>> x = sp.Symbol("x")
    >>> probably_nonzero(x**2 - x*x), probably_nonzero(sp.sin(x))
    (False, True)
    """
    import random

    expr = sp.sympify(expr)
    rng = random.Random(seed)
    atoms = sorted(
        expr.atoms(sp.Derivative) | expr.atoms(sp.core.function.AppliedUndef),
        key=lambda a: -sp.count_ops(a),
    )
    for _ in range(trials):
        point = {a: sp.Float(rng.uniform(0.3, 1.3)) for a in atoms}
        value = expr.xreplace(point)
        value = value.xreplace({s: sp.Float(rng.uniform(0.3, 1.3)) for s in value.free_symbols})
        try:
            number = complex(value.evalf(30))
        except (TypeError, ValueError):
            continue
        if abs(number) > 1e-12:
            return True
    return False


def readable(expr: sp.Expr) -> sp.Expr:
    """The shortest of the canonical forms (either Pythagorean reduction, expanded, factored or not).

    Examples
    --------
    >>> r, mu, w, x, y = sp.symbols("r mu w x y")
    >>> readable((r**3*w**2 - mu)/r**2)
    -mu/r**2 + r*w**2
    >>> readable(-mu*x/(x**2*sp.sqrt(x**2 + y**2) + y**2*sp.sqrt(x**2 + y**2)))
    -mu*x/(x**2 + y**2)**(3/2)
    """
    candidates = []
    for form in {canonical(expr, "sin"), canonical(expr, "cos")}:
        candidates += [form, sp.expand(form)]
        if sp.count_ops(form) <= _FACTOR_LIMIT:
            candidates.append(sp.factor(form))
    return min(candidates, key=lambda e: (sp.count_ops(e), sp.default_sort_key(e)))


_FACTOR_LIMIT = 60
