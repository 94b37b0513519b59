"""Checks at the public boundary of the numerics: numbers, counts, arrays, spans and sizes.

Every public numerics entry reads its arguments through these helpers, so a wrong value is
refused the same way everywhere: an :class:`~extremal.errors.InputError` that names the
argument, shows what was received and says what to pass. Booleans are not numbers here
(``rtol=True`` is refused), strings are not parsed as numbers, and an allocation larger than
``current_limits().max_size`` raises :class:`~extremal.errors.LimitError` before it is made.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from extremal._limits import current_limits
from extremal.errors import InputError, LimitError

Array = NDArray[np.float64]

DENSE_SAMPLES = 101
"""Samples returned for a scalar end (``geodesics(..., s=3.0)``): enough for a smooth plot, read
from the integrator's dense output at no extra steps."""


def _shown(value: object) -> str:
    """``repr(value)`` cut to a readable length, with its type when that is not obvious."""
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    kind = type(value).__name__
    return text if isinstance(value, int | float | str) else f"{text} ({kind})"


def is_real_number(value: object) -> bool:
    """``True`` for a real scalar (int, float, NumPy real); ``False`` for bool, complex, str and the rest."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def real(name: str, value: object, hint: str) -> float:
    """``value`` as a finite float, or an :class:`InputError` naming ``name``."""
    if not is_real_number(value):
        raise InputError(f"{name} must be a real number; got {_shown(value)}. {hint}")
    try:
        number = float(value)  # type: ignore[arg-type]
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise InputError(f"{name} must be finite; got {number!r}. {hint}")
    return number


def positive(name: str, value: object, hint: str, *, at_most: float | None = None) -> float:
    """``value`` as a finite float ``> 0`` (and ``<= at_most`` when given)."""
    number = real(name, value, hint)
    if number <= 0:
        raise InputError(f"{name} must be > 0; got {number!r}. {hint}")
    if at_most is not None and number > at_most:
        raise InputError(f"{name} must be <= {at_most:g}; got {number!r}. {hint}")
    return number


def count(name: str, value: object, hint: str, *, minimum: int = 1) -> int:
    """``value`` as an int ``>= minimum``; bools and floats (even ``2.0``) are refused."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
        raise InputError(f"{name} must be an int >= {minimum}; got {_shown(value)}. {hint}")
    if value < minimum:
        raise InputError(f"{name} must be an int >= {minimum}; got {int(value)}. {hint}")
    return int(value)


def flag(name: str, value: object) -> bool:
    """``value`` if it is ``True`` or ``False`` (NumPy bools too)."""
    if not isinstance(value, bool | np.bool_):
        raise InputError(f"{name} must be True or False; got {_shown(value)}.")
    return bool(value)


def _has_bool(value: object, depth: int = 0) -> bool:
    if isinstance(value, bool | np.bool_):
        return True
    if depth < 8 and isinstance(value, list | tuple):
        return any(_has_bool(v, depth + 1) for v in value)
    return False


def real_array(name: str, value: object, expected: str) -> Array:
    """``value`` as a float64 array; strings, booleans, complex numbers, objects and ragged lists are refused.

    ``expected`` describes the accepted form, e.g. ``"shape (2,) or (batch, 2)"``.
    """
    if isinstance(value, str | bytes) or _has_bool(value):
        raise InputError(f"{name} must be real numbers of {expected}; got {_shown(value)}.")
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InputError(
            f"{name} must be real numbers of {expected}; could not read {_shown(value)} as an array "
            f"(nested lists of different lengths?): {exc}"
        ) from None
    if raw.dtype.kind == "O" and any(e is None or isinstance(e, str | bytes) for e in raw.flat):
        raise InputError(f"{name} must be real numbers of {expected}; got {_shown(value)}, which holds non-numbers.")
    if raw.dtype.kind in "bUSVMmc":
        what = {"b": "booleans", "U": "strings", "S": "bytes", "c": "complex numbers"}.get(raw.dtype.kind, raw.dtype)
        raise InputError(f"{name} must be real numbers of {expected}; got {what} ({_shown(value)}).")
    try:
        with np.errstate(over="ignore"):
            arr = np.array(raw, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InputError(
            f"{name} must be real numbers of {expected}; could not read {_shown(value)} as real numbers "
            f"(nested lists of different lengths, or non-numbers?): {exc}"
        ) from None
    return arr


def _rows(name: str, value: object, n: int, coords: Sequence[str]) -> Array:
    """One input of shape (n,) or (batch, n) as a (batch, n) float array."""
    expected = f"shape ({n},) or (batch, {n})"
    arr = real_array(name, value, expected)
    shape = arr.shape
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != n or arr.shape[0] == 0:
        listed = f" ({', '.join(coords)})" if coords else ""
        raise InputError(
            f"{name} has shape {shape} but there are {n} coords{listed}; pass {expected}, one value per coordinate."
        )
    return arr


def batch_rows(n: int, coords: Sequence[str], **inputs: object) -> tuple[Array, ...]:
    """The batch inputs ``inputs`` (each of shape (n,) or (N, n)) as (N, n) float arrays with one N.

    Every public batched function reads its initial points, velocities or end points here. An
    input with a single row is broadcast against the others; the keyword names the argument in
    messages.

    Examples
    --------
    >>> x0, v0 = batch_rows(2, ("th", "ph"), x0=[1.0, 0.0], v0=[[0.0, 1.0], [1.0, 0.0]])
    >>> x0.shape, v0.shape
    ((2, 2), (2, 2))
    """
    arrays = {name: _rows(name, value, n, coords) for name, value in inputs.items()}
    sizes = {name: arr.shape[0] for name, arr in arrays.items()}
    N = max(sizes.values())
    wrong = [name for name, size in sizes.items() if size not in (1, N)]
    if wrong:
        described = " and ".join(f"{name} has {size} rows" for name, size in sizes.items())
        raise InputError(f"{described}; pass the same number of rows, or one row of either.")
    return tuple(np.broadcast_to(arr, (N, n)).copy() for arr in arrays.values())


def samples(name: str, value: object, what: str) -> Array:
    """A strictly monotonic 1-D array of at least 2 finite samples, or an end value (start 0).

    An end value gives :data:`DENSE_SAMPLES` evenly spaced samples from 0 to the end.

    Examples
    --------
    >>> samples("s", 3.0, "parameter")[[0, 1, -1]], samples("s", [0.0, 3.0], "parameter")
    (array([0.  , 0.03, 3.  ]), array([0., 3.]))
    """
    hint = f"pass the end {what} (a nonzero number) or a 1-D array of at least 2 increasing or decreasing samples"
    if isinstance(value, bool | np.bool_):
        raise InputError(f"{name} must be a number or an array of numbers; got {value!r}; {hint}.")
    arr = real_array(name, value, f"a number or a 1-D array ({hint})")
    if arr.ndim == 0:
        end = float(arr)
        if not math.isfinite(end):
            raise InputError(f"{name} must be finite; got {end!r}; {hint}.")
        if end == 0.0:
            raise InputError(f"{name} = {end!r} gives an empty interval from 0; {hint}.")
        return np.linspace(0.0, end, DENSE_SAMPLES)
    if arr.ndim != 1 or arr.size < 2:
        raise InputError(
            f"{name} must be a number or a 1-D array of at least 2 samples; got shape {arr.shape}; {hint}."
        )
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name} must be finite; got {_shown(value)}; {hint}.")
    steps = np.diff(arr)
    if not (np.all(steps > 0) or np.all(steps < 0)):
        raise InputError(
            f"{name} must be strictly monotonic (the first sample is the start of every path, the last its end); "
            f"got {_shown(value)}."
        )
    return arr


def check_size(what: str, **sizes: int) -> None:
    """Raise :class:`LimitError` if the product of ``sizes`` exceeds ``current_limits().max_size``."""
    total = math.prod(int(s) for s in sizes.values())
    limit = current_limits().max_size
    if total > limit:
        parts = " × ".join(f"{s} {k}" for k, s in sizes.items())
        raise LimitError(
            f"{what} would hold {parts} = {total:,} values, over the limit max_size = {limit:,}. "
            "Pass fewer rows or samples, or raise the limit with extremal.limits(max_size=...) in Python "
            "or --max-size on the command line."
        )


def sequence_of(name: str, value: Any, kind: type, example: str) -> tuple[Any, ...]:
    """``value`` as a tuple whose items are all ``kind``."""
    if isinstance(value, (kind, str, bytes)) or not isinstance(value, Sequence):
        raise InputError(f"{name} must be a list of {kind.__name__}; got {_shown(value)}. Pass e.g. {example}.")
    items = tuple(value)
    for item in items:
        if not isinstance(item, kind):
            raise InputError(
                f"{name} must be a list of {kind.__name__}; got an item {_shown(item)}. Pass e.g. {example}."
            )
    return items
