"""Reading user input (strings, names, symbols) into SymPy objects with clear errors."""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Iterable, Mapping

import numpy as np
import sympy as sp

from extremal.errors import InputError, ParseError
from extremal.symbolic._grammar import read_formula

__all__ = ["as_symbols", "parse"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def as_symbols(names: str | Iterable[str | sp.Symbol], what: str = "coords") -> tuple[sp.Symbol, ...]:
    """Turn ``"r theta"`` or ``[r, "theta"]`` into a tuple of distinct real-valued SymPy Symbols.

    Examples
    --------
    >>> as_symbols("r theta")
    (r, theta)
    """
    items = names.replace(",", " ").split() if isinstance(names, str) else list(names)
    if not items:
        raise InputError(f"{what} is empty; pass at least one name, e.g. {what}='x y'.")
    symbols: list[sp.Symbol] = []
    for item in items:
        if isinstance(item, sp.Symbol):
            symbols.append(item)
        elif isinstance(item, str) and _IDENTIFIER.fullmatch(item) and not keyword.iskeyword(item):
            symbols.append(sp.Symbol(item))
        else:
            raise InputError(
                f"{what} must be names or SymPy Symbols; got {item!r} ({type(item).__name__}). "
                f"Pass sympy.symbols('r theta') or the string 'r theta'."
            )
    names_seen = [s.name for s in symbols]
    repeated = sorted({n for n in names_seen if names_seen.count(n) > 1})
    if repeated:
        raise InputError(f"{what} repeats {', '.join(repeated)}; each name may appear once.")
    return tuple(symbols)


def parse(text: str | sp.Expr | int | float, names: Mapping[str, sp.Basic], what: str = "expression") -> sp.Expr:
    """Read ``text`` with ``names`` bound; every other bare name becomes a plain Symbol.

    Strings are read by a grammar that knows only numbers, names, ``+ - * / ** ^``,
    parentheses and calls, and never runs code (see :func:`extremal.limits` for the size
    bounds). ``name(...)`` is always a call: an elementary function (``sin``, ``exp``,
    ``sqrt``, ``besselj``, ...) or else an undefined function, so ``a(t)`` is a scale factor
    and ``U(x, y)`` a potential. ``E``, ``I``, ``S``, ``beta``, ``gamma`` are plain symbols
    unless called; ``pi`` is π; ``^`` means power and juxtaposition a product (``2r``).
    SymPy expressions and Python numbers pass through unchanged.

    Raises
    ------
    ParseError
        If ``text`` is not a formula (attribute access, strings, keywords, ``1/0``, ...);
        the message names ``what`` and the offending part.
    LimitError
        If ``text`` is longer, deeper or has larger numbers than :func:`extremal.limits` allows.

    Examples
    --------
    >>> parse("(E - U(r))*r^2", {})
    r**2*(E - U(r))
    """
    if isinstance(text, sp.Basic):
        if not isinstance(text, sp.Expr):
            raise ParseError(
                f"{what} must be a SymPy expression; got a {type(text).__name__} ({_clip(str(text))})."
            )
        if text.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            raise ParseError(f"{what} {_clip(str(text))} is infinite or undefined somewhere; pass a finite expression.")
        return text
    if isinstance(text, bool) or not isinstance(text, str | int | float | np.number) or \
            isinstance(text, np.bool_ | np.complexfloating):
        raise ParseError(
            f"{what} must be a string, a SymPy expression or a real number; got {type(text).__name__}."
        )
    if not isinstance(text, str):
        value = float(text) if isinstance(text, float | np.floating) else int(text)
        if not math.isfinite(value):
            raise ParseError(f"{what} must be finite; got {text!r}.")
        return sp.Float(value) if isinstance(value, float) else sp.Integer(value)
    if not text.strip():
        raise ParseError(f"{what} is empty; write a formula, e.g. 'r**2*sin(theta)**2'.")
    return read_formula(text, names, what)


def _clip(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."
