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

A dict names its class, and loading must not run code named by a file, so only classes that
extremal itself defines can be written: for a strategy with a base class (such as
:class:`~extremal.optim.MsignMethod`) these are :func:`library_kinds` of the base.
"""

from __future__ import annotations

import dataclasses
import inspect
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from extremal._optional import require
from extremal.errors import InputError

if TYPE_CHECKING:
    import torch
else:
    torch = require("torch", extra="torch")

__all__ = ["from_plain", "library_kinds", "to_plain"]


def library_kinds(base: type) -> tuple[type, ...]:
    """The concrete subclasses of ``base`` that extremal defines, sorted by name.

    A subclass defined elsewhere (a user's ``class Tuned(NewtonSchulz)``) is left out: it is
    still a valid strategy, but a checkpoint could not name it for loading.

    Examples
    --------
    >>> from extremal.optim._msign import MsignMethod
    >>> library_kinds(MsignMethod)
    (<class 'extremal.optim._msign.NewtonSchulz'>, <class 'extremal.optim._msign.SVDPolar'>)
    """
    found: dict[str, type] = {}
    todo: list[type] = list(base.__subclasses__())
    while todo:
        kind = todo.pop()
        todo.extend(kind.__subclasses__())
        module = sys.modules.get(kind.__module__)
        # The name must lead back to the class: dataclass(slots=True) replaces the class it
        # decorates, and the replaced one lingers among the subclasses until collected.
        named = getattr(module, kind.__name__, None) is kind
        if kind.__module__.startswith("extremal.") and named and not inspect.isabstract(kind):
            found[kind.__name__] = kind
    return tuple(found[name] for name in sorted(found))


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
    >>> from extremal.optim._msign import MsignMethod, SVDPolar
    >>> to_plain(SVDPolar(rtol=1e-3), library_kinds(MsignMethod), "method")
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
    >>> from extremal.optim._msign import MsignMethod
    >>> from_plain({"type": "NewtonSchulz", "coeffs": [[3.0, -3.0, 1.0]], "steps": 2, "dtype": "torch.float32"},
    ...            library_kinds(MsignMethod), "method")
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
