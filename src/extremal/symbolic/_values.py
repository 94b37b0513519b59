"""SymPy values from Python values, never from strings (those go through the formula grammar)."""

from __future__ import annotations

import numpy as np
import sympy as sp

__all__ = ["as_sympy"]


def as_sympy(value: object) -> sp.Basic:
    """``value`` as a SymPy object: SymPy objects unchanged, numbers converted exactly as given.

    Unlike ``sympy.sympify`` it never parses a string, so no text can reach ``eval`` this way;
    strings are read by :func:`extremal.parse`.

    Raises
    ------
    TypeError
        For a string, a bool or any other object.

    Examples
    --------
    >>> as_sympy(2), as_sympy(0.5), as_sympy(np.float64(1.5))
    (2, 0.500000000000000, 1.50000000000000)
    >>> as_sympy("x")
    Traceback (most recent call last):
    ...
    TypeError: expected a SymPy expression or a number; got str (strings are read with extremal.parse)
    """
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, np.generic) and not isinstance(value, np.bool_):
        value = value.item()
    if isinstance(value, int) and not isinstance(value, bool):
        return sp.Integer(value)
    if isinstance(value, float):
        return sp.Float(value)
    if isinstance(value, complex):
        return sp.Float(value.real) + sp.I * sp.Float(value.imag)
    hint = " (strings are read with extremal.parse)" if isinstance(value, str) else ""
    raise TypeError(f"expected a SymPy expression or a number; got {type(value).__name__}{hint}")
