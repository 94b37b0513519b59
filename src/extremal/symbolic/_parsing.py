"""Reading user input (strings, names, symbols) into SymPy objects with clear errors."""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Iterable, Mapping

import numpy as np
import sympy as sp

from extremal._limits import current_limits
from extremal.errors import InputError, ParseError
from extremal.symbolic._boundary import guarded
from extremal.symbolic._grammar import check_magnitudes, read_formula

__all__ = ["as_symbols", "parse"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def as_symbols(
    names: str | Iterable[str | sp.Symbol], what: str = "coords", within: Iterable[sp.Basic] = ()
) -> tuple[sp.Symbol, ...]:
    """Turn ``"r theta"`` or ``[r, "theta"]`` into a tuple of distinct SymPy Symbols.

    A name given as a string takes the symbol of that name in ``within`` (the free symbols
    of the user's expression), so ``Symbol("r", positive=True)`` in a Lagrangian and
    ``coords="r"`` are one coordinate, never two.

    Examples
    --------
    >>> as_symbols("r theta")
    (r, theta)
    >>> as_symbols("r", within={sp.Symbol("r", positive=True)})[0].is_positive
    True
    """
    items = names.replace(",", " ").split() if isinstance(names, str) else _items(names, what)
    if not items:
        raise InputError(f"{what} is empty; pass at least one name, e.g. {what}='x y'.")
    by_name: dict[str, list[sp.Symbol]] = {}
    for s in within:
        if isinstance(s, sp.Symbol):
            by_name.setdefault(s.name, []).append(s)
    symbols: list[sp.Symbol] = []
    for item in items:
        if isinstance(item, sp.Symbol) and not isinstance(item, sp.Dummy | sp.Wild):
            symbols.append(item)
        elif isinstance(item, str) and _IDENTIFIER.fullmatch(item) and not keyword.iskeyword(item) \
                and not (item.startswith("__") or item.endswith("__")):
            same = by_name.get(item, [])
            if len(same) > 1:
                raise InputError(
                    f"{what}: the expression has {len(same)} different symbols named {item!r} "
                    f"(assumptions {'; '.join(describe_assumptions(s) for s in same)}); create them with one "
                    "sympy.Symbol(...) call."
                )
            symbols.append(same[0] if same else sp.Symbol(item))
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


def _items(names: object, what: str) -> list:
    if isinstance(names, sp.Symbol):
        return [names]
    try:
        return list(names)  # type: ignore[call-overload]
    except TypeError:
        raise InputError(
            f"{what} must be a string of names or a sequence of Symbols; got {type(names).__name__}. "
            "Pass 'r theta' or sympy.symbols('r theta')."
        ) from None


def check_same_symbols(symbols: Iterable[sp.Symbol], expr: sp.Basic, what: str) -> None:
    """Refuse a symbol in ``expr`` that has the name of one of ``symbols`` but other assumptions.

    Examples
    --------
    >>> check_same_symbols([sp.Symbol("x")], sp.Symbol("x", positive=True)**2, "Lagrangian")
    Traceback (most recent call last):
    ...
    extremal.errors.InputError: the Lagrangian uses a symbol 'x' with assumptions ...
    """
    by_name = {q.name: q for q in symbols}
    for s in sorted(expr.free_symbols, key=sp.default_sort_key):
        mine = by_name.get(getattr(s, "name", ""))
        if mine is not None and s != mine:
            raise InputError(
                f"the {what} uses a symbol {s.name!r} with assumptions ({describe_assumptions(s)}) that differ "
                f"from the variable {mine.name!r} ({describe_assumptions(mine)}); they would be two different "
                "variables. "
                "Create both with the same sympy.Symbol(...) call, or pass the names as a string."
            )


def describe_assumptions(symbol: sp.Symbol) -> str:
    """The assumptions a symbol was created with, e.g. ``positive=True``, or ``none``."""
    given = getattr(symbol, "_assumptions_orig", None) or {}
    return ", ".join(f"{k}={v}" for k, v in sorted(given.items()) if k != "commutative") or "none"


def check_name_clashes(reserved: Mapping[str, str], generated: Iterable[tuple[str, str]]) -> None:
    """Refuse a generated name (velocity, differential, derivative) that is already taken.

    ``reserved`` maps names the user chose to what they are; ``generated`` pairs each name
    extremal makes from them with what it means. Two generated names may not coincide either.

    Examples
    --------
    >>> check_name_clashes({"x": "a coordinate", "xdot": "a coordinate"}, [("xdot", "the velocity of x")])
    Traceback (most recent call last):
    ...
    extremal.errors.InputError: the name 'xdot' is both a coordinate and the velocity of x; rename one of them.
    """
    seen = dict(reserved)
    for name, meaning in generated:
        if name in seen:
            raise InputError(
                f"the name {name!r} is both {seen[name]} and {meaning}; rename one of them."
            )
        seen[name] = meaning


@guarded("the formula")
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
        check_magnitudes(text, what, current_limits())
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
