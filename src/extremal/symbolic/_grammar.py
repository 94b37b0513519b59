r"""A grammar for formulas typed as text, that builds SymPy objects and never runs code.

.. code-block:: text

    sum     := product (("+" | "-") product)*
    product := signed (("*" | "/") signed | atom-started signed)*     # 2r and x y are products
    signed  := ("+" | "-") signed | power
    power   := call (("**" | "^") signed)?                             # right-associative
    call    := NAME "(" sum ("," sum)* ")" | atom
    atom    := NUMBER | NAME | "(" sum ")"

Only numbers, names, the arithmetic operators, parentheses and calls are known. A call of a
name in :data:`FUNCTIONS` applies that SymPy function; a call of any other name makes an
undefined SymPy ``Function`` (``U(x, y)``), so ``name(...)`` is always a call, never a
product. Sizes are checked against :func:`extremal.limits` while the tree is built, before
SymPy evaluates anything large: input length, nesting depth, digits of every integer and
the exponent of every power.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import sympy as sp
from sympy.core.function import AppliedUndef

from extremal._limits import Limits, current_limits
from extremal.errors import LimitError, ParseError

__all__ = ["CONSTANTS", "FUNCTIONS", "check_magnitudes", "read_formula"]


def _derivative(expr: sp.Expr, *spec: sp.Expr) -> sp.Expr:
    return sp.Derivative(expr, *spec)


def _log(x: sp.Expr, base: sp.Expr | None = None) -> sp.Expr:
    return sp.log(x) if base is None else sp.log(x, base)


#: The functions a formula may call, with the numbers of arguments each takes.
FUNCTIONS: dict[str, tuple[Callable[..., sp.Expr], tuple[int, ...]]] = {
    **{name: (getattr(sp, name), (1,)) for name in (
        "sin", "cos", "tan", "cot", "sec", "csc", "asin", "acos", "atan", "acot", "asec", "acsc",
        "sinh", "cosh", "tanh", "coth", "sech", "csch", "asinh", "acosh", "atanh", "acoth", "asech", "acsch",
        "exp", "sqrt", "cbrt", "Abs", "sign", "floor", "ceiling", "erf", "erfc", "gamma", "loggamma",
        "factorial", "DiracDelta", "sinc",
    )},
    **{alias: (getattr(sp, name), (1,)) for alias, name in (
        ("arcsin", "asin"), ("arccos", "acos"), ("arctan", "atan"), ("arcsinh", "asinh"),
        ("arccosh", "acosh"), ("arctanh", "atanh"), ("abs", "Abs"),
    )},
    "log": (_log, (1, 2)),
    "ln": (sp.log, (1,)),
    "atan2": (sp.atan2, (2,)),
    "arctan2": (sp.atan2, (2,)),
    "root": (sp.root, (2,)),
    "binomial": (sp.binomial, (2,)),
    "Heaviside": (sp.Heaviside, (1, 2)),
    "besselj": (sp.besselj, (2,)),
    "bessely": (sp.bessely, (2,)),
    "besseli": (sp.besseli, (2,)),
    "besselk": (sp.besselk, (2,)),
    "Min": (sp.Min, tuple(range(1, 33))),
    "Max": (sp.Max, tuple(range(1, 33))),
    "Derivative": (_derivative, tuple(range(2, 10))),
    "diff": (_derivative, tuple(range(2, 10))),
}

#: Names that mean a SymPy constant rather than a symbol. ``E``, ``I``, ``S``, ``N``
#: stay plain symbols (an energy, a moment of inertia, an action, a count).
CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi}

#: Functions whose value at an integer has about ``lgamma(n)`` digits.
_FACTORIAL_LIKE = {"factorial", "gamma", "binomial"}

_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<number>(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[^\W\d]\w*)"
    r"|(?P<op>\*\*|[-+*/^(),])"
)
_FRIENDLY = str.maketrans({"\u2212": "-", "\u00d7": "*", "\u00b7": "*", "\u22c5": "*"})
_FORBIDDEN = {
    ".": "attribute access ('.') is not allowed",
    "[": "subscripts ('[') are not allowed",
    "]": "subscripts (']') are not allowed",
    "'": "strings are not allowed",
    '"': "strings are not allowed",
    "=": "'=' is not allowed: write an expression, not an assignment or equation",
    ":": "':' (slices, lambdas) is not allowed",
    "{": "braces are not allowed",
    "}": "braces are not allowed",
    "@": "'@' is not allowed",
    "\\": "backslashes are not allowed",
    "%": "'%' is not allowed",
    "!": "'!' is not allowed; write factorial(n)",
    "<": "comparisons are not allowed",
    ">": "comparisons are not allowed",
    ";": "';' is not allowed: one expression only",
    "#": "comments are not allowed",
}


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str
    at: int


def _tokens(text: str, what: str) -> list[_Token]:
    tokens = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            char = text[position]
            reason = _FORBIDDEN.get(char, f"the character {char!r} is not part of a formula")
            raise ParseError(
                f"could not parse {what} {_clip(text)!r}: {reason} (at position {position}). "
                "Formulas use numbers, names, + - * / ** ^, parentheses and calls like sin(x)."
            )
        kind = match.lastgroup
        assert kind is not None
        if kind != "space":
            tokens.append(_Token(kind, match.group(), position))
        position = match.end()
    return tokens


def _clip(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


class _Reader:
    """Recursive descent over the tokens; each rule returns a SymPy object."""

    def __init__(self, text: str, names: Mapping[str, sp.Basic], what: str, bounds: Limits) -> None:
        self.text = text
        self.names = names
        self.what = what
        self.bounds = bounds
        self.tokens = _tokens(text, what)
        self.index = 0
        self.depth = 0
        self.called: dict[str, int] = {}

    # -- helpers ------------------------------------------------------------------------
    def fail(self, message: str, token: _Token | None = None) -> ParseError:
        where = f" at position {token.at}" if token is not None else ""
        return ParseError(f"could not parse {self.what} {_clip(self.text)!r}: {message}{where}.")

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, text: str | None = None) -> _Token:
        token = self.peek()
        if token is None:
            raise self.fail("it ends too early" + (f"; expected {text!r}" if text else ""))
        if text is not None and token.text != text:
            raise self.fail(f"expected {text!r} but found {token.text!r}", token)
        self.index += 1
        return token

    def at(self, *texts: str) -> bool:
        token = self.peek()
        return token is not None and token.kind == "op" and token.text in texts

    def enter(self) -> None:
        self.depth += 1
        if self.depth > self.bounds.max_depth:
            raise LimitError(
                f"{self.what} {_clip(self.text)!r} is nested more than {self.bounds.max_depth} levels deep; "
                "raise the limit with extremal.limits(max_depth=...) or --max-depth on the command line."
            )

    def check_number(self, value: sp.Expr) -> sp.Expr:
        """Refuse integers (and rational parts) with more digits than allowed."""
        if isinstance(value, sp.Rational):
            bits = max(abs(value.p).bit_length(), abs(value.q).bit_length())
            if bits * math.log10(2) > self.bounds.max_digits + 1:
                raise LimitError(
                    f"{self.what} {_clip(self.text)!r} makes a number of about {int(bits * math.log10(2))} digits, "
                    f"over the limit of {self.bounds.max_digits}; raise it with extremal.limits(max_digits=...) "
                    "or --max-digits on the command line."
                )
        return value

    # -- grammar ------------------------------------------------------------------------
    def read(self) -> sp.Expr:
        if not self.tokens:
            raise self.fail("it is empty")
        result = self.sum()
        token = self.peek()
        if token is not None:
            raise self.fail(f"unexpected {token.text!r}", token)
        return result

    def sum(self) -> sp.Expr:
        result = self.product()
        while self.at("+", "-"):
            op = self.take().text
            right = self.product()
            result = self.check_number(result + right if op == "+" else result - right)
        return result

    def starts_atom(self) -> bool:
        token = self.peek()
        return token is not None and (token.kind in ("number", "name") or token.text == "(")

    def product(self) -> sp.Expr:
        result = self.signed()
        while True:
            if self.at("*", "/"):
                op = self.take().text
                right = self.signed()
                if op == "/" and right == 0:
                    raise self.fail("it divides by zero")
                result = self.check_number(result * right if op == "*" else result / right)
            elif self.starts_atom():
                previous, token = self.tokens[self.index - 1], self.peek()
                assert token is not None
                if previous.kind == "number" and token.kind == "number":
                    raise self.fail(f"two numbers side by side ({previous.text} {token.text})", token)
                result = self.check_number(result * self.signed())
            else:
                return result

    def signed(self) -> sp.Expr:
        if self.at("+", "-"):
            op = self.take().text
            self.enter()
            value = self.signed()
            self.depth -= 1
            return -value if op == "-" else value
        return self.power()

    def power(self) -> sp.Expr:
        base = self.call()
        if not self.at("**", "^"):
            return base
        token = self.take()
        self.enter()
        exponent = self.signed()
        self.depth -= 1
        return self.raise_to(base, exponent, token)

    def raise_to(self, base: sp.Expr, exponent: sp.Expr, token: _Token) -> sp.Expr:
        limit = self.bounds
        if base == 0 and exponent.is_number and (exponent.is_negative or exponent == 0):
            raise self.fail("it raises zero to a non-positive power", token)
        if exponent.is_Rational and base.is_Rational:
            magnitude = max(abs(base.p), abs(base.q), 2)
            digits = abs(exponent) * math.log10(magnitude)
            if digits > limit.max_digits:
                raise LimitError(
                    f"{self.what} {_clip(self.text)!r} computes a power with about {float(digits):.3g} digits, "
                    f"over the limit of {limit.max_digits}; raise it with extremal.limits(max_digits=...) "
                    "or --max-digits on the command line."
                )
        elif exponent.is_number and exponent.is_real and abs(exponent) > limit.max_exponent:
            raise LimitError(
                f"{self.what} {_clip(self.text)!r} has the exponent {_clip(str(exponent), 30)}, over the limit "
                f"of {limit.max_exponent}; raise it with extremal.limits(max_exponent=...) or --max-exponent "
                "on the command line."
            )
        return self.check_number(base**exponent)

    def call(self) -> sp.Expr:
        token = self.peek()
        if token is None or token.kind != "name" or self.index + 1 >= len(self.tokens) \
                or self.tokens[self.index + 1].text != "(":
            return self.atom()
        self.take()
        self.take("(")
        self.enter()
        args = [self.sum()]
        while self.at(","):
            self.take()
            args.append(self.sum())
        self.take(")")
        self.depth -= 1
        return self.apply(token, args)

    def atom(self) -> sp.Expr:
        token = self.take()
        if token.kind == "number":
            return self.number(token)
        if token.kind == "name":
            return self.name(token)
        if token.text == "(":
            self.enter()
            value = self.sum()
            self.take(")")
            self.depth -= 1
            return value
        raise self.fail(f"unexpected {token.text!r}", token)

    # -- leaves -------------------------------------------------------------------------
    def number(self, token: _Token) -> sp.Expr:
        text = token.text.replace("_", "")
        mantissa, _, exponent = text.lower().partition("e")
        digits = len(mantissa.replace(".", "").lstrip("0"))
        if digits > self.bounds.max_digits or (exponent and abs(int(exponent)) > self.bounds.max_digits):
            raise LimitError(
                f"{self.what} {_clip(self.text)!r} has a number {_clip(token.text, 30)} beyond the limit of "
                f"{self.bounds.max_digits} digits; raise it with extremal.limits(max_digits=...) or --max-digits "
                "on the command line."
            )
        if "." in text or exponent:
            return sp.Float(text, max(15, len(mantissa.replace(".", "").lstrip("0"))))
        return sp.Integer(int(text))

    def name(self, token: _Token) -> sp.Expr:
        text = token.text
        if text.startswith("__") or text.endswith("__"):
            raise self.fail(f"the name {text!r} is not allowed (no dunder names)", token)
        if text in self.names:
            value = self.names[text]
            if not isinstance(value, sp.Expr):
                raise self.fail(f"{text!r} is not an expression", token)
            return value
        if text in CONSTANTS:
            return CONSTANTS[text]
        return sp.Symbol(text)

    def apply(self, token: _Token, args: list[sp.Expr]) -> sp.Expr:
        name = token.text
        if name.startswith("__") or name.endswith("__"):
            raise self.fail(f"the name {name!r} is not allowed (no dunder names)", token)
        bound = self.names.get(name)
        if isinstance(bound, AppliedUndef):
            if tuple(args) != bound.args:
                raise self.fail(
                    f"{name} is a field of {', '.join(map(str, bound.args))}; write {name} or {bound}", token
                )
            return bound
        if bound is not None:
            raise self.fail(
                f"{name} is one of the variables here, so {name}(...) would call it; write {name}*(...) "
                "for a product", token
            )
        if name in FUNCTIONS:
            function, arities = FUNCTIONS[name]
            if len(args) not in arities:
                counts = " or ".join(map(str, arities)) if len(arities) < 4 else f"{arities[0]} to {arities[-1]}"
                raise self.fail(f"{name} takes {counts} argument(s), got {len(args)}", token)
            if name in ("Derivative", "diff"):
                return self.derivative(token, args)
            if name in _FACTORIAL_LIKE:
                self.check_growth(name, args, token)
            return function(*args)
        if name in CONSTANTS:
            raise self.fail(f"{name} is a constant, not a function; write {name}*(...) for a product", token)
        self.called[name] = len(args)
        return sp.Function(name)(*args)

    def derivative(self, token: _Token, args: list[sp.Expr]) -> sp.Expr:
        expr, spec = args[0], args[1:]
        for k, item in enumerate(spec):
            if isinstance(item, sp.Symbol):
                continue
            if item.is_Integer and k > 0 and isinstance(spec[k - 1], sp.Symbol) and 0 < item <= 100:
                continue
            raise self.fail(
                f"derivatives take variables and small counts, e.g. Derivative(u, x, 2); got {item}", token
            )
        return sp.Derivative(expr, *spec)

    def check_growth(self, name: str, args: list[sp.Expr], token: _Token) -> None:
        n = args[0]
        if n.is_number and n.is_real and n.is_finite and float(abs(n)) > 1:
            size = abs(float(n))
            digits = size * math.log10(2) if name == "binomial" else math.lgamma(size + 1) / math.log(10)
            if digits > self.bounds.max_digits:
                raise LimitError(
                    f"{self.what} {_clip(self.text)!r} computes {name}({_clip(str(n), 20)}), about {digits:.3g} "
                    f"digits, over the limit of {self.bounds.max_digits}; raise it with "
                    "extremal.limits(max_digits=...) or --max-digits on the command line."
                )


def check_magnitudes(expr: sp.Basic, what: str, bounds: Limits) -> None:
    """Refuse a number in ``expr`` with more than ``max_digits`` digits or a decimal exponent
    beyond them (``gamma(1e60)`` is about 10**(5.96e61): no exact arithmetic can hold it).

    Examples
    --------
    >>> check_magnitudes(sp.Symbol("x") * sp.Float("1e-300"), "potential", Limits())
    >>> check_magnitudes(sp.Symbol("x") * sp.gamma(sp.Float(1e60)), "potential", Limits())
    Traceback (most recent call last):
    ...
    extremal.errors.LimitError: potential has a number of magnitude about 10**(5.96e+61), beyond the limit ...
    """
    for atom in expr.atoms(sp.Number):
        if isinstance(atom, sp.Float) and atom.is_finite and atom != 0:
            exponent = abs(float(sp.log(abs(atom), 10).evalf(15))) if atom._mpf_[2] else 0.0
            if exponent > bounds.max_digits:
                raise LimitError(
                    f"{what} has a number of magnitude about 10**({exponent:.3g}), beyond the limit of "
                    f"{bounds.max_digits} digits; raise it with extremal.limits(max_digits=...) or --max-digits "
                    "on the command line."
                )
        elif isinstance(atom, sp.Rational):
            bits = max(abs(atom.p).bit_length(), abs(atom.q).bit_length())
            if bits * math.log10(2) > bounds.max_digits + 1:
                raise LimitError(
                    f"{what} has a number of about {int(bits * math.log10(2))} digits, over the limit of "
                    f"{bounds.max_digits}; raise it with extremal.limits(max_digits=...) or --max-digits "
                    "on the command line."
                )


def read_formula(text: str, names: Mapping[str, sp.Basic], what: str) -> sp.Expr:
    """Read ``text`` into a SymPy expression with ``names`` bound; see the module docstring.

    Examples
    --------
    >>> read_formula("2r^2 + U(r, t)", {}, "potential")
    2*r**2 + U(r, t)
    """
    bounds = current_limits()
    if len(text) > bounds.max_length:
        raise LimitError(
            f"{what} is {len(text)} characters long, over the limit of {bounds.max_length}; raise it with "
            "extremal.limits(max_length=...) or --max-length on the command line."
        )
    reader = _Reader(text.translate(_FRIENDLY), names, what, bounds)
    try:
        result = reader.read()
    except RecursionError:
        raise LimitError(
            f"{what} is nested too deeply to read; lower the nesting or raise extremal.limits(max_depth=...)."
        ) from None
    check_magnitudes(result, what, bounds)
    clashes = sorted(name for name in reader.called if sp.Symbol(name) in result.free_symbols)
    if clashes:
        raise reader.fail(f"{clashes[0]} is used both as a function {clashes[0]}(...) and as a symbol")
    if result.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise reader.fail("its value is infinite or undefined")
    return result
