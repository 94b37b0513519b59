"""extremal: the variational principle dS = 0 and what follows from it.

Symbolic results (Euler–Lagrange equations, metrics, Christoffel symbols, curvature,
coordinate changes, the Jacobi metric) are imported with the package. The numerical solvers of
:mod:`extremal.numerics` and the PyTorch optimizers of :mod:`extremal.optim` are reachable from
here too (``from extremal import geodesics, msign``) but are imported only on first use, so
``import extremal`` never loads SciPy's integrators, torch or matplotlib.
"""

from __future__ import annotations

from extremal import errors, symbolic
from extremal._limits import Limits, current_limits, limits
from extremal.errors import (
    ExtremalError,
    InputError,
    IntegrationError,
    LimitError,
    MissingDependencyError,
    ParseError,
    SingularMetricError,
    SymbolicError,
    TimeLimitError,
)
from extremal.symbolic import *  # noqa: F403

__version__ = "0.1.0"

_LAZY_SUBPACKAGES = ("extremal.numerics", "extremal.optim")


def __getattr__(name: str) -> object:
    import importlib

    for module_name in _LAZY_SUBPACKAGES:
        module = importlib.import_module(module_name)
        if name in getattr(module, "__all__", ()):
            return getattr(module, name)
    raise AttributeError(f"module 'extremal' has no attribute {name!r}")

__all__ = [
    "ExtremalError",
    "InputError",
    "IntegrationError",
    "LimitError",
    "Limits",
    "MissingDependencyError",
    "ParseError",
    "SingularMetricError",
    "SymbolicError",
    "TimeLimitError",
    "current_limits",
    "limits",
    "__version__",
    "errors",
    *symbolic.__all__,
]
