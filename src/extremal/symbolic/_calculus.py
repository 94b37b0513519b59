"""Derivatives with the variables taken real, as they are in mechanics and geometry."""

from __future__ import annotations

import sympy as sp

__all__ = ["diff_real"]

_NON_ANALYTIC = (sp.Abs, sp.sign, sp.re, sp.im, sp.arg, sp.conjugate)


def diff_real(expr: sp.Expr, var: sp.Symbol) -> sp.Expr:
    r""":math:`\partial e/\partial v` with every symbol taken real.

    SymPy differentiates ``Abs(f(x))`` of a complex ``x`` through its real and imaginary
    parts; for real ``x`` it is :math:`\operatorname{sign}(f)\,f'`, which is what a coordinate needs.

    Examples
    --------
    >>> x = sp.Symbol("x")
    >>> diff_real(sp.Abs(sp.cos(x)), x)
    -sin(x)*sign(cos(x))
    """
    if not expr.has(*_NON_ANALYTIC):
        return sp.diff(expr, var)
    real = {s: sp.Dummy(s.name, real=True) for s in expr.free_symbols | {var} if not s.is_real}
    result = sp.diff(expr.xreplace(real), real.get(var, var))
    return result.xreplace({d: s for s, d in real.items()})
