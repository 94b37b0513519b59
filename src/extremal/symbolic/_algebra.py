r"""Two interchangeable algebras for tensor components of a metric.

:class:`FracAlgebra` keeps components as exact rational functions (:mod:`._rational`): a
zero test is a dictionary lookup and nothing is simplified until display.
:class:`SympyAlgebra` holds plain SymPy expressions and simplifies with
:func:`~extremal.symbolic.simplification.readable`; it serves metrics with atoms the
rational representation cannot model (``sqrt`` of a non-square, ``Abs``, ``log``, ...).
Both give the same results; :func:`algebra_for` picks the fast one when it can.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from functools import cached_property, lru_cache
from typing import Any, TypeVar

import sympy as sp

from extremal.symbolic._calculus import diff_real
from extremal.symbolic._metric import Metric
from extremal.symbolic._rational import Frac, RationalField, Unsupported, field_for
from extremal.symbolic._simplification import readable
from extremal.symbolic._values import as_sympy

__all__ = ["FracAlgebra", "SympyAlgebra", "algebra_for", "per_algebra"]


class FracAlgebra:
    """Components as :class:`~extremal.symbolic._rational.Frac` elements of one field."""

    def __init__(self, field: RationalField, metric: Metric) -> None:
        self.field = field
        self.tables: dict[str, Any] = {}
        n = metric.dim
        self.g = [[field.element(metric.g[i, j]) for j in range(n)] for i in range(n)]

    def convert(self, expr: sp.Expr) -> Frac:
        """``expr`` as an element."""
        return self.field.element(expr)

    @property
    def zero(self) -> Frac:
        """The zero component."""
        return self.field.zero

    def sum(self, items: Iterable[Frac]) -> Frac:
        """Sum of ``items`` over one common denominator."""
        return self.field.sum(items)

    @staticmethod
    def diff(x: Frac, k: int) -> Frac:
        """Partial derivative along coordinate ``k``."""
        return x.diff(k)

    @staticmethod
    def scale(x: Frac, c: Any) -> Frac:
        """``c * x`` for a rational number ``c``."""
        return x.scale(c)

    @staticmethod
    def reciprocal(x: Frac) -> Frac:
        """``1 / x``."""
        return x.inverse()

    @staticmethod
    def normal(x: Frac) -> Frac:
        """The canonical (cancelled) form."""
        return x.cancel()

    @staticmethod
    def is_zero(x: Frac) -> bool:
        """Exact zero test."""
        return not x

    def to_sympy(self, x: Frac) -> sp.Expr:
        """A readable SymPy expression."""
        return self.field.to_sympy(x)

    @cached_property
    def inverse(self) -> list[list[Frac]]:
        """The inverse metric."""
        return self.field.inverse_matrix(self.g)


class SympyAlgebra:
    """Components as SymPy expressions, simplified with :func:`readable`."""

    def __init__(self, metric: Metric) -> None:
        self.metric = metric
        self.tables: dict[str, Any] = {}
        n = metric.dim
        self.g = [[metric.g[i, j] for j in range(n)] for i in range(n)]

    @staticmethod
    def convert(expr: sp.Expr) -> sp.Expr:
        """``expr`` unchanged."""
        return as_sympy(expr)

    zero = sp.S.Zero

    @staticmethod
    def sum(items: Iterable[sp.Expr]) -> sp.Expr:
        """Sum of ``items``."""
        return sp.Add(*items)

    def diff(self, x: sp.Expr, k: int) -> sp.Expr:
        """Partial derivative along coordinate ``k``."""
        return diff_real(x, self.metric.coords[k])

    @staticmethod
    def scale(x: sp.Expr, c: Any) -> sp.Expr:
        """``c * x`` for a rational number ``c``."""
        return sp.Rational(c) * x

    @staticmethod
    def reciprocal(x: sp.Expr) -> sp.Expr:
        """``1 / x``."""
        return 1 / x

    @staticmethod
    def normal(x: sp.Expr) -> sp.Expr:
        """The readable form."""
        return readable(x)

    @staticmethod
    def is_zero(x: sp.Expr) -> bool:
        """Zero test on a normalised expression."""
        return x == 0

    @staticmethod
    def to_sympy(x: sp.Expr) -> sp.Expr:
        """``x`` unchanged (already readable)."""
        return x

    @cached_property
    def inverse(self) -> list[list[sp.Expr]]:
        """The inverse metric."""
        n, inv = self.metric.dim, self.metric.inverse
        return [[inv[i, j] for j in range(n)] for i in range(n)]


@lru_cache(maxsize=64)
def algebra_for(metric: Metric) -> FracAlgebra | SympyAlgebra:
    """The fast algebra for ``metric`` when its atoms allow it, else the SymPy one.

    Unknown functions get generators for two more derivatives than ``metric`` shows,
    enough for the Riemann tensor.
    """
    try:
        field = field_for(tuple(metric.g), metric.coords, 2)
        if not field.smooth:
            raise Unsupported("a component has no derivative in the exact field")
        return FracAlgebra(field, metric)
    except Unsupported:
        return SympyAlgebra(metric)


R = TypeVar("R")


def per_algebra(function: Callable[[Metric], R]) -> Callable[[Metric], R]:
    """Cache ``function(metric)`` on ``algebra_for(metric)``: a table of elements lives exactly as long as
    the algebra (and field) its elements belong to. ``cache_clear`` clears :func:`algebra_for`."""

    @functools.wraps(function)
    def wrapper(metric: Metric) -> R:
        tables = algebra_for(metric).tables
        if function.__name__ not in tables:
            tables[function.__name__] = function(metric)
        return tables[function.__name__]

    wrapper.cache_clear = algebra_for.cache_clear  # type: ignore[attr-defined]
    return wrapper
