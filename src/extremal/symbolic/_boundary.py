"""The public boundary of the symbolic layer: whatever SymPy raises leaves as an extremal error."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from extremal.errors import ExtremalError, LimitError, SymbolicError

__all__ = ["guarded"]

P = ParamSpec("P")
R = TypeVar("R")


def guarded(what: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Turn an exception from inside SymPy into :class:`SymbolicError` (or :class:`LimitError`
    when SymPy runs out of stack or memory), naming ``what`` was being computed.

    Examples
    --------
    >>> @guarded("the inverse")
    ... def inverse(x):
    ...     return 1 / x
    >>> inverse(0)
    Traceback (most recent call last):
    ...
    extremal.errors.SymbolicError: SymPy failed while computing the inverse (ZeroDivisionError: ...

    A call that does not match the signature is Python's own :class:`TypeError`, naming the
    missing or unexpected argument, not a failure of SymPy:

    >>> inverse()
    Traceback (most recent call last):
    ...
    TypeError: missing a required argument: 'x'
    """

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(function)

        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            signature.bind(*args, **kwargs)
            try:
                return function(*args, **kwargs)
            except ExtremalError:
                raise
            except (RecursionError, MemoryError) as exc:
                raise LimitError(
                    f"the input is too large or too deeply nested for SymPy while computing {what} "
                    f"({type(exc).__name__}); simplify it, e.g. smaller numbers or fewer nested functions."
                ) from exc
            except Exception as exc:
                raise SymbolicError(
                    f"SymPy failed while computing {what} ({type(exc).__name__}: {str(exc)[:200]}); "
                    "the input is outside what extremal can handle symbolically: rewrite or simplify it."
                ) from exc

        return wrapper

    return decorate
