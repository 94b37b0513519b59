"""The exception hierarchy of extremal.

Every error raised on purpose by extremal derives from :class:`ExtremalError`;
each subclass also derives from the builtin a caller would already expect, so
``except ValueError`` keeps working.
"""

from __future__ import annotations

__all__ = [
    "ExtremalError",
    "InputError",
    "IntegrationError",
    "LimitError",
    "MissingDependencyError",
    "ParseError",
    "SingularMetricError",
    "SymbolicError",
    "TimeLimitError",
    "TraceError",
]


class ExtremalError(Exception):
    """Base class of every error raised by extremal."""


class InputError(ExtremalError, ValueError):
    """An argument has the wrong type, shape, value or variables."""


class ParseError(InputError):
    """A string could not be read as a mathematical expression."""


class LimitError(InputError):
    """An input is larger than a limit of :func:`extremal.limits` (length, depth, digits, exponent, size)."""


class SingularMetricError(InputError):
    """A metric or Jacobian is degenerate (zero determinant) where it must not be."""


class TraceError(InputError):
    """A metric function cannot be followed with SymPy symbols (branches, unsupported calls)."""


class SymbolicError(ExtremalError, ArithmeticError):
    """SymPy failed on an input extremal accepted; the message names the computation."""


class IntegrationError(ExtremalError, RuntimeError):
    """A numerical solve failed to converge or left the chart."""


class MissingDependencyError(ExtremalError, ImportError):
    """An optional dependency is not installed; the message names the extra."""


class TimeLimitError(ExtremalError, TimeoutError):
    """Work ran past the wall-clock budget set with ``extremal.limits(timeout=...)``."""
