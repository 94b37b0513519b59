"""Checks of the numbers passed to the optimizers, schedules and bounds (NumPy only).

Booleans are refused wherever a number is expected: ``lr=True`` is almost always a slip,
and ``float(True) == 1.0`` would otherwise pass every range check silently.
"""

from __future__ import annotations

import math
import numbers
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from extremal.errors import InputError

__all__ = ["is_real", "nonfinite_policy", "positive_real", "real", "real_vector", "signed_vector"]


def is_real(value: object) -> bool:
    """Whether ``value`` is a real Python or NumPy number and not a boolean."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def nonfinite_policy(value: object, where: str) -> Literal["skip", "raise"]:
    """``value`` if it is ``"skip"`` or ``"raise"``: the one ``nonfinite`` option of the optimizers.

    :class:`~extremal.optim.Muon`, :class:`~extremal.optim.GradNormLR` and
    :class:`~extremal.optim.GradNormRecorder` take ``nonfinite="skip" | "raise"``; each
    raises :class:`InputError` for a non-finite gradient under ``"raise"``.

    Examples
    --------
    >>> nonfinite_policy("skip", "Muon")
    'skip'
    >>> nonfinite_policy(False, "Muon")
    Traceback (most recent call last):
    ...
    extremal.errors.InputError: Muon: nonfinite must be 'skip' or 'raise'; got False.
    """
    if isinstance(value, str) and value in ("skip", "raise"):
        return "skip" if value == "skip" else "raise"
    raise InputError(f"{where}: nonfinite must be 'skip' or 'raise'; got {value!r}.")


def _float(value: numbers.Real) -> float:
    try:
        return float(value)
    except OverflowError:  # an int beyond the float64 range
        return math.inf if value > 0 else -math.inf  # type: ignore[operator]


def real(value: object, name: str) -> float:
    """``value`` as a finite float; :class:`InputError` naming ``name`` otherwise.

    Examples
    --------
    >>> real(3, "lr")
    3.0
    >>> real(True, "lr")
    Traceback (most recent call last):
    ...
    extremal.errors.InputError: lr must be a real number, not a boolean; got True. Pass a float such as 1.0.
    """
    if isinstance(value, bool | np.bool_):
        raise InputError(f"{name} must be a real number, not a boolean; got {value!r}. Pass a float such as 1.0.")
    if not is_real(value):
        raise InputError(f"{name} must be a real number; got {value!r} ({type(value).__name__}).")
    out = _float(value)  # type: ignore[arg-type]
    if not math.isfinite(out):
        raise InputError(f"{name} must be finite, within the float64 range; got {value!r:.40}.")
    return out


def real_vector(values: ArrayLike, name: str) -> NDArray[np.float64]:
    """``values`` as a finite float64 vector of shape ``(t,)`` with ``t >= 1``.

    Refuses booleans (a boolean array, or a ``True`` inside a list), non-numeric entries,
    other shapes, empty input, ``nan`` and ``inf``, each with a message naming ``name``.
    Signs are left to the caller.

    Examples
    --------
    >>> real_vector([1, 2.5], "norms")
    array([1. , 2.5])
    >>> real_vector([1.0, True], "norms")
    Traceback (most recent call last):
    ...
    extremal.errors.InputError: norms must hold real numbers, not booleans; norms[1] = True.
    """
    if isinstance(values, list | tuple):
        for i, x in enumerate(values):
            if isinstance(x, bool | np.bool_):
                raise InputError(f"{name} must hold real numbers, not booleans; {name}[{i}] = {x!r}.")
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError) as err:
        raise InputError(f"{name} must be a 1-D sequence of real numbers; could not read {values!r} ({err}).") from None
    if arr.dtype.kind == "O" and arr.ndim == 1 and all(is_real(x) for x in arr):
        arr = np.array([_float(x) for x in arr])
    if arr.dtype.kind == "b":
        raise InputError(f"{name} must hold real numbers, not booleans; got a boolean array {arr!r}.")
    if arr.dtype.kind not in "iuf":
        raise InputError(
            f"{name} must be a 1-D sequence of real numbers; got dtype {arr.dtype} ({values!r:.80}). "
            "Pass floats, e.g. a list or a float64 array."
        )
    if arr.ndim != 1:
        raise InputError(f"{name} must be a 1-D sequence; got shape {arr.shape}.")
    if arr.size == 0:
        raise InputError(f"{name} is empty; it must be a non-empty 1-D sequence.")
    v = arr.astype(np.float64)
    if not np.all(np.isfinite(v)):
        bad = int(np.flatnonzero(~np.isfinite(v))[0])
        raise InputError(f"{name} must be finite; {name}[{bad}] = {v[bad]}.")
    return v


def positive_real(value: object, name: str, hint: str = "") -> float:
    """``value`` as a positive finite float; :class:`InputError` naming ``name`` (and ``hint``) otherwise.

    Examples
    --------
    >>> positive_real(2, "radius")
    2.0
    """
    out = real(value, name)
    if not out > 0:
        raise InputError(f"{name} must be a positive finite number; got {value!r}.{' ' + hint if hint else ''}")
    return out


def signed_vector(values: ArrayLike, name: str, *, positive: bool, hint: str = "") -> NDArray[np.float64]:
    """:func:`real_vector` whose entries are positive (``positive=True``) or non-negative.

    Examples
    --------
    >>> signed_vector([0.0, 2.0], "norms", positive=False)
    array([0., 2.])
    """
    v = real_vector(values, name)
    bad_entries = v <= 0 if positive else v < 0
    if np.any(bad_entries):
        bad = int(np.flatnonzero(bad_entries)[0])
        sign = "positive" if positive else "non-negative"
        raise InputError(f"{name} must be {sign}; {name}[{bad}] = {v[bad]}.{' ' + hint if hint else ''}")
    return v
