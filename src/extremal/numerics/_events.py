"""Terminal event functions: stop a trajectory where a scalar function of the state changes sign."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from extremal.errors import InputError
from extremal.numerics._checks import count, is_real_number, real

__all__ = ["Crossing", "Event", "ScalarCode", "crossing"]

EventFunction = Callable[[NDArray[np.float64], NDArray[np.float64]], NDArray[np.float64]]


@dataclass(frozen=True, slots=True)
class Event:
    """Stop a trajectory at the first root of ``function(t, y)``.

    The root is located on the dense-output interpolant to near machine precision.

    Parameters
    ----------
    function : callable
        ``function(t, y) -> g`` with ``t`` shape (k,), ``y`` shape (d, k) (component-major,
        like SciPy's ``vectorized=True``) and ``g`` shape (k,).
    direction : float
        ``0`` for any crossing, ``+1`` only where ``g`` increases, ``-1`` where it decreases.
    name : str
        Label used in reports.

    Examples
    --------
    >>> ev = Event(lambda t, y: y[0] - 1.0, direction=1, name="x = 1")
    >>> ev.function(np.zeros(2), np.array([[0.5, 2.0]]))
    array([-0.5,  1. ])
    """

    function: EventFunction
    direction: float = 0.0
    name: str = "event"

    def __post_init__(self) -> None:
        if not callable(self.function):
            raise InputError(
                f"Event.function must be callable as function(t, y); got {type(self.function).__name__}."
            )
        if not is_real_number(self.direction) or self.direction not in (-1, 0, 1):
            raise InputError(f"Event.direction must be -1, 0 or +1; got {self.direction!r}.")
        if not isinstance(self.name, str):
            raise InputError(f"Event.name must be a str; got {type(self.name).__name__}.")


def crossing(index: int, value: float, direction: float = 0.0, name: str | None = None) -> Event:
    """An event that stops when state component ``y[index]`` crosses ``value``.

    For geodesics the state is ``(x, v)``, so ``crossing(1, 2.01)`` stops when the second
    coordinate (e.g. Schwarzschild ``r``) reaches 2.01.

    Examples
    --------
    >>> crossing(1, 2.5, direction=-1).function(np.zeros(1), np.array([[0.0], [3.0]]))
    array([0.5])
    """
    index = count("index", index, "It names a state component: y[index].", minimum=0)
    value = real("value", value, "Pass the level to stop at, e.g. crossing(1, 2.01).")

    return Event(Crossing(index, value), direction, name if name is not None else f"y[{index}] = {value}")


@dataclass(frozen=True, slots=True)
class Crossing:
    """The event function ``y[index] - value`` of :func:`crossing`; it also writes itself as scalar code.

    Examples
    --------
    >>> Crossing(1, 2.5).scalar_code(0)
    'out[0] = y[1] - 2.5'
    """

    index: int
    value: float

    def __call__(self, t: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
        return y[self.index] - self.value

    def scalar_code(self, slot: int) -> str:
        """The line that sets ``out[slot]`` from the state ``y`` in the compiled integrator."""
        return f"out[{slot}] = y[{self.index}] - {float(self.value)!r}"


@runtime_checkable
class ScalarCode(Protocol):
    """An event function that can be written as scalar code, so it runs inside the compiled integrator."""

    def scalar_code(self, slot: int) -> str:
        """Lines that set ``out[slot]`` from ``t`` and the state ``y`` of one trajectory."""
