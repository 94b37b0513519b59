"""extremal: the variational principle dS = 0 and what follows from it.

Symbolic results (Euler–Lagrange equations, metrics, Christoffel symbols, curvature,
coordinate changes, the Jacobi metric) are importable from here; numerical solvers live in
:mod:`extremal.numerics` and the PyTorch optimizers in :mod:`extremal.optim`, which is
imported only when asked for.
"""

from __future__ import annotations

from extremal import errors, symbolic
from extremal.errors import (
    ExtremalError,
    InputError,
    IntegrationError,
    MissingDependencyError,
    ParseError,
    SingularMetricError,
)
from extremal.symbolic import *  # noqa: F403

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
    *symbolic.__all__,
]
