"""extremal: the variational principle dS = 0 and what follows from it."""

from __future__ import annotations

from extremal import errors
from extremal.errors import (
    ExtremalError,
    InputError,
    IntegrationError,
    MissingDependencyError,
    ParseError,
    SingularMetricError,
)

__version__ = "0.1.0"

__all__ = [
    "ExtremalError",
    "InputError",
    "IntegrationError",
    "MissingDependencyError",
    "ParseError",
    "SingularMetricError",
    "__version__",
    "errors",
]
