"""Lazy import of optional dependencies with an actionable message."""

from __future__ import annotations

import importlib
from types import ModuleType

from extremal.errors import MissingDependencyError

__all__ = ["require"]


def require(module: str, extra: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingDependencyError` naming ``extra``.

    Examples
    --------
    >>> require("math", extra="core").sqrt(4.0)
    2.0
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{module!r} is needed for this feature but is not installed. "
            f"Install it with: pip install 'extremal[{extra}]'"
        ) from exc
