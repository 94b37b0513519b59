"""Reading user input (strings, names, symbols) into SymPy objects with clear errors."""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable, Mapping

import sympy as sp
from sympy.parsing.sympy_parser import (
    convert_xor,
    implicit_multiplication,
    parse_expr,
    standard_transformations,
)

from extremal.errors import InputError, ParseError

__all__ = ["as_symbols", "parse"]

_TRANSFORMS = (*standard_transformations, convert_xor, implicit_multiplication)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_KEEP_AS_SYMPY = {"pi", "oo", "E1"}


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


def parse(text: str | sp.Expr, names: Mapping[str, sp.Basic], what: str = "expression") -> sp.Expr:
    """Parse ``text`` with ``names`` bound; every other bare name becomes a plain Symbol.

    Names that SymPy would read as constants or functions (``E``, ``I``, ``S``, ``beta``,
    ``gamma``, ...) are plain symbols unless followed by ``(``; ``pi`` stays π.
    ``^`` means power and juxtaposition means product (``2r`` is ``2*r``).

    Examples
    --------
    >>> parse("(E - U)*r^2", {})
    r**2*(E - U)
    """
    if isinstance(text, sp.Basic):
        return sp.sympify(text)
    if not isinstance(text, str) or not text.strip():
        raise ParseError(f"{what} must be a non-empty string or SymPy expression; got {text!r}.")
    local = dict(names)
    for match in _IDENTIFIER.finditer(text):
        name = match.group()
        rest = text[match.end():].lstrip()
        if name not in local and name not in _KEEP_AS_SYMPY and not rest.startswith("("):
            local[name] = sp.Symbol(name)
    try:
        expr = parse_expr(text, local_dict=local, transformations=_TRANSFORMS)
    except Exception as exc:  # the parser raises many unrelated types on bad input
        raise ParseError(
            f"could not parse {what} {text!r} ({type(exc).__name__}: {exc}). "
            "Write it in Python syntax, e.g. 'r**2*sin(theta)**2'."
        ) from None
    if not isinstance(expr, sp.Expr):
        raise ParseError(f"{what} {text!r} is not an algebraic expression (got {type(expr).__name__}).")
    return expr
