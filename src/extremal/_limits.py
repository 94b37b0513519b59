"""Bounds on untrusted input and on wall-clock time: ``with extremal.limits(...)``.

Every string extremal reads is checked against the current :class:`Limits` before SymPy sees
it, and the numerics check array sizes against them before allocating. The defaults suit
hand-written formulas; raise a limit for one block of work with the context manager::

    with extremal.limits(max_length=100_000, timeout=30):
        metric = Metric.from_line_element(huge_text, coords)

``timeout`` is off by default in the API and on by default in the command line
(``--timeout``). When it runs out, the work inside the block is interrupted and
:class:`~extremal.errors.TimeLimitError` is raised.
"""

from __future__ import annotations

import contextvars
import ctypes
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from types import TracebackType

from extremal.errors import InputError, TimeLimitError

__all__ = ["Limits", "current_limits", "limits"]


@dataclass(frozen=True, slots=True)
class Limits:
    """The bounds in force; read them with :func:`current_limits`, change them with :func:`limits`.

    Parameters
    ----------
    max_length : int
        Characters in one input string.
    max_depth : int
        Nesting of parentheses, calls, signs and powers in one input string.
    max_digits : int
        Decimal digits of any integer, written (``10**999``) or computed (``2**3000``).
    max_exponent : int
        Largest ``|n|`` in an integer power ``x**n`` of a non-numeric base.
    max_size : int
        Elements of one array the numerics allocate (rows × samples × components).
    timeout : float or None
        Seconds of wall-clock time for the work inside ``with limits(timeout=...)``.

    Examples
    --------
    >>> Limits().max_length
    10000
    """

    max_length: int = 10_000
    max_depth: int = 100
    max_digits: int = 1_000
    max_exponent: int = 1_000
    max_size: int = 100_000_000
    timeout: float | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "timeout":
                if value is not None and (
                    isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf
                ):
                    raise InputError(f"timeout must be a positive number of seconds or None; got {value!r}.")
            elif isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InputError(f"{f.name} must be a positive integer; got {value!r}.")


_CURRENT: contextvars.ContextVar[Limits] = contextvars.ContextVar(
    "extremal_limits", default=Limits()  # noqa: B039 (Limits is frozen)
)


def current_limits() -> Limits:
    """The :class:`Limits` in force in this context.

    Examples
    --------
    >>> with limits(max_depth=7):
    ...     current_limits().max_depth
    7
    """
    return _CURRENT.get()


@contextmanager
def limits(**changes: int | float | None) -> Iterator[Limits]:
    """Change some :class:`Limits` for the work inside the ``with`` block.

    Parameters
    ----------
    **changes
        Any field of :class:`Limits`: ``max_length``, ``max_depth``, ``max_digits``,
        ``max_exponent``, ``max_size``, ``timeout``.

    Raises
    ------
    TimeLimitError
        If ``timeout`` is given and the block runs longer.

    Examples
    --------
    >>> from extremal import Lagrangian
    >>> with limits(max_length=20):
    ...     Lagrangian.parse("xdot**2/2 - x**4/4 - x**2/2", "x")
    Traceback (most recent call last):
    ...
    extremal.errors.LimitError: Lagrangian is 27 characters long, over the limit of 20; ...
    """
    known = {f.name for f in fields(Limits)}
    unknown = sorted(set(changes) - known)
    if unknown:
        raise InputError(f"limits() got unknown {', '.join(unknown)}; it takes {', '.join(sorted(known))}.")
    new = replace(_CURRENT.get(), **changes)  # type: ignore[arg-type]
    token = _CURRENT.set(new)
    try:
        if changes.get("timeout") is not None:
            assert new.timeout is not None
            with _Deadline(new.timeout):
                yield new
        else:
            yield new
    finally:
        _CURRENT.reset(token)


class Expired(BaseException):
    """Raised asynchronously in the working thread; a BaseException, so no ``except Exception`` swallows it."""


_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
_set_async_exc.argtypes = (ctypes.c_ulong, ctypes.py_object)


class _Deadline:
    """Interrupt the entering thread after ``seconds`` by raising an exception in it.

    The exception is raised again every 50 ms until the block ends: one delivered inside a
    garbage-collector callback or a ``__del__`` is swallowed by Python ("Exception ignored").
    """

    _REPEAT = 0.05

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired: type[Expired] = type("_ExpiredHere", (Expired,), {})
        self.thread_id = threading.get_ident()
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.active = True
        self.fired = False
        self.watcher = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        wait = self.seconds
        while not self.done.wait(wait):
            with self.lock:
                if not self.active:
                    return
                self.fired = True
                _set_async_exc(self.thread_id, self.expired)
            wait = self._REPEAT

    def __enter__(self) -> None:
        try:
            self.watcher.start()
        except self.expired:  # a tiny timeout can run out while the watcher starts
            self.__exit__(self.expired, None, None)

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        expired_here = kind is not None and issubclass(kind, self.expired)
        try:
            with self.lock:
                self.active = False
                self.done.set()
            if self.fired and not expired_here:
                _set_async_exc(self.thread_id, ctypes.py_object())  # drop an exception not yet delivered
        except self.expired:
            expired_here = True
        if expired_here or self.fired:
            raise TimeLimitError(
                f"the work ran past its time limit of {self.seconds:g} s; raise it with "
                "extremal.limits(timeout=...) or --timeout on the command line, or simplify the input."
            ) from None
