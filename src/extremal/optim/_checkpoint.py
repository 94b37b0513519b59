"""Strategy objects as plain dicts, so checkpoints load with ``torch.load(f)`` as it is.

``torch.load`` reads with ``weights_only=True`` by default, and so do the trainers that
resume from checkpoints (Hugging Face ``Trainer``, Lightning): it accepts tensors, numbers,
strings, booleans, ``None`` and lists, tuples and dicts of those, and refuses any other
class. The optimizers and schedulers of :mod:`extremal.optim` keep their strategy objects
(``NewtonSchulz(...)``, ``MatchAdamWRMS(...)``, ``AdaGradNorm()``) in their live state, and
write each one into ``state_dict()`` as a dict of its type name and fields, with tuples as
lists and torch dtypes as their names:

``NewtonSchulz(coeffs=((3.4445, -4.775, 2.0315),), steps=5, dtype=torch.bfloat16)``
    ``{"type": "NewtonSchulz", "coeffs": [[3.4445, -4.775, 2.0315]], "steps": 5,
    "dtype": "torch.bfloat16"}``

``load_state_dict()`` builds the object again from that dict. Floats are stored as they are,
so the rebuilt object equals the original and the run continues bit for bit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from extremal._optional import require
from extremal.errors import InputError

if TYPE_CHECKING:
    import torch
else:
    torch = require("torch", extra="torch")

__all__ = ["from_plain", "to_plain"]


def _names(kinds: Sequence[type]) -> str:
    return ", ".join(kind.__name__ for kind in kinds)


def _encode(value: object, where: str) -> object:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, tuple):
        return [_encode(v, where) for v in value]
    if isinstance(value, torch.dtype):
        return str(value)
    raise InputError(f"{where} holds {value!r} ({type(value).__name__}), which a plain checkpoint cannot store.")


def _decode(value: object) -> object:
    if isinstance(value, list | tuple):
        return tuple(_decode(v) for v in value)
    if isinstance(value, str) and value.startswith("torch."):
        dtype = getattr(torch, value.removeprefix("torch."), None)
        if isinstance(dtype, torch.dtype):
            return dtype
    return value


def to_plain(obj: object, kinds: Sequence[type], where: str) -> dict[str, Any]:
    """``{"type": name, **fields}`` of a frozen dataclass whose type is one of ``kinds``.

    Raises :class:`InputError` naming ``where`` for any other type (a subclass included):
    its plain form could not be loaded again.

    Examples
    --------
    >>> from extremal.optim._msign import NewtonSchulz, SVDPolar
    >>> to_plain(SVDPolar(rtol=1e-3), (NewtonSchulz, SVDPolar), "method")
    {'type': 'SVDPolar', 'rtol': 0.001}
    """
    if type(obj) not in kinds:
        raise InputError(
            f"{where} is a {type(obj).__name__}; state_dict() can only write {_names(kinds)} "
            "to a checkpoint that torch.load reads with weights_only=True. Use one of those classes."
        )
    fields = dataclasses.fields(obj)  # type: ignore[arg-type]
    plain: dict[str, Any] = {"type": type(obj).__name__}
    for field in fields:
        plain[field.name] = _encode(getattr(obj, field.name), f"{where}.{field.name}")
    return plain


def from_plain(data: object, kinds: Sequence[type], where: str) -> Any:
    """The object that :func:`to_plain` wrote as ``data``; ``data`` may also be one already.

    Raises
    ------
    InputError
        If ``data`` is not such a dict, names a type outside ``kinds`` or a field the type
        does not have, or holds a value the type refuses; the message names ``where``.

    Examples
    --------
    >>> from extremal.optim._msign import NewtonSchulz, SVDPolar
    >>> from_plain({"type": "NewtonSchulz", "coeffs": [[3.0, -3.0, 1.0]], "steps": 2, "dtype": "torch.float32"},
    ...            (NewtonSchulz, SVDPolar), "method")
    NewtonSchulz(coeffs=((3.0, -3.0, 1.0),), steps=2, dtype=torch.float32)
    """
    if type(data) in kinds:
        return data
    by_name = {kind.__name__: kind for kind in kinds}
    if not isinstance(data, dict) or data.get("type") not in by_name:
        got = data.get("type") if isinstance(data, dict) else data
        raise InputError(
            f"{where} must be one of {_names(kinds)}, written as a dict such as {{'type': "
            f"'{kinds[0].__name__}', ...}} by state_dict(); got {got!r:.120}. Load a state_dict written "
            "by the same kind of optimizer or scheduler."
        )
    kind = by_name[data["type"]]
    names = {field.name for field in dataclasses.fields(kind)}
    unknown = sorted(str(k) for k in data if k != "type" and k not in names)
    if unknown:
        raise InputError(
            f"{where}: {kind.__name__} has no field {', '.join(unknown)}; its fields are "
            f"{', '.join(sorted(names)) or 'none'}."
        )
    fields = {k: _decode(v) for k, v in data.items() if k != "type"}
    try:
        return kind(**fields)
    except (InputError, TypeError) as err:  # TypeError: a required field is missing
        raise InputError(f"{where}: {err}") from None
