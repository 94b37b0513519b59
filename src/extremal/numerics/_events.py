"""Terminal event functions: stop a trajectory where a scalar function of the state changes sign.

Besides :class:`Event` and :func:`crossing`, the whole-array loop's event handling lives here:
:func:`event_values` evaluates the events on a batch, :func:`crossed` says which changed sign
over a step, and :func:`locate` finds the root on the step's interpolant.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from extremal.errors import InputError
from extremal.numerics._checks import count, is_real_number, real
from extremal.numerics._dense_output import interpolate
from extremal.numerics._tableaux import ButcherTableau

__all__ = ["Crossing", "Event", "ScalarCode", "crossed", "crossing", "event_values", "locate", "real_values"]

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


_ROOT_ITERATIONS = 80


def real_values(value: ArrayLike) -> NDArray[np.float64]:
    """``value`` as a float64 array; TypeError for complex values, which must not be cut to their real part."""
    if np.iscomplexobj(value):
        raise TypeError("complex values")
    return np.asarray(value, dtype=np.float64)


def event_values(events: Sequence[Event], t: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    """Every event function at ``(t, y)``, shape (len(events), k); :class:`InputError` for a wrong return."""
    out = np.empty((len(events), t.size))
    for i, ev in enumerate(events):
        raw = ev.function(t, y)
        try:
            value = real_values(raw)
        except (TypeError, ValueError) as exc:
            raise InputError(
                f"event {ev.name!r} must return real numbers, one per trajectory; got {type(raw).__name__} ({exc})."
            ) from None
        if value.shape != t.shape:
            raise InputError(
                f"event {ev.name!r} returned shape {value.shape}; it must return one value per "
                f"trajectory, shape {t.shape}."
            )
        out[i] = value
    return out


def crossed(g0: NDArray[np.float64], g1: NDArray[np.float64], direction: float) -> NDArray[np.bool_]:
    """Where ``g`` went from ``g0`` to ``g1`` through zero in ``direction`` (0: either way)."""
    up = (g0 < 0) & (g1 >= 0)
    down = (g0 > 0) & (g1 <= 0)
    if direction > 0:
        return up
    if direction < 0:
        return down
    return up | down


def locate(
    event: Event, tab: ButcherTableau, t: NDArray[np.float64], h: NDArray[np.float64],
    Z: NDArray[np.float64], g0: NDArray[np.float64], g1: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Root ``theta`` in [0, 1] of the event along the step's interpolant (Illinois regula falsi)."""
    a, b = np.zeros_like(t), np.ones_like(t)
    ga, gb = g0.copy(), g1.copy()
    side = np.zeros(t.shape, dtype=np.int8)
    for _ in range(_ROOT_ITERATIONS):
        denom = gb - ga
        with np.errstate(invalid="ignore", divide="ignore"):
            c = np.where(denom != 0, b - gb * (b - a) / denom, 0.5 * (a + b))
        c = np.where((c > a) & (c < b), c, 0.5 * (a + b))
        gc = np.asarray(event.function(t + c * h, interpolate(tab, Z, c)), dtype=np.float64)
        left = np.sign(gc) == np.sign(ga)
        a, ga, b, gb = np.where(left, c, a), np.where(left, gc, ga), np.where(left, b, c), np.where(left, gb, gc)
        gb = np.where(left & (side == 1), gb / 2, gb)
        ga = np.where(~left & (side == -1), ga / 2, ga)
        side = np.where(left, 1, -1).astype(np.int8)
        if np.all((b - a) <= 4 * np.finfo(float).eps) or np.all(gc == 0):
            break
    return np.where(np.abs(ga) < np.abs(gb), a, b)
