"""extremal: the variational principle dS = 0 and what follows from it.

The symbolic results of :mod:`extremal.symbolic` (Euler–Lagrange equations, metrics, Christoffel
symbols, curvature, coordinate changes, the Jacobi metric), the numerical solvers of
:mod:`extremal.numerics` and the PyTorch optimizers of :mod:`extremal.optim` are all reachable
from here (``from extremal import Metric, geodesics, msign``). Each subpackage is imported on the
first use of one of its names, so ``import extremal`` loads neither SymPy, SciPy, torch nor
matplotlib, and the command line starts at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from extremal import errors
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

if TYPE_CHECKING:  # the lazily loaded names, typed for mypy and editors
    from extremal import symbolic as symbolic
    from extremal.numerics import *  # noqa: F403
    from extremal.optim import *  # noqa: F403
    from extremal.symbolic import *  # noqa: F403

__version__ = "0.1.0"

# Names of the subpackages, loaded on first use so that ``import extremal`` loads neither SymPy,
# SciPy's integrators nor torch; tests/test_api.py checks they match the subpackages' __all__.
_SYMBOLIC = (
    "Christoffel",
    "Components",
    "EquationsOfMotion",
    "FieldLagrangian",
    "Formula",
    "Lagrangian",
    "Metric",
    "Ricci",
    "Riemann",
    "Variational",
    "Weyl",
    "ZeroTest",
    "as_symbols",
    "change_coordinates",
    "change_field_coordinates",
    "christoffel",
    "conformal_mechanics",
    "conserved_momenta",
    "covariant_derivative",
    "einstein_tensor",
    "energy",
    "euclidean",
    "euler_lagrange",
    "field_equations",
    "gaussian_curvature",
    "geodesic_accelerations",
    "geodesic_equations",
    "jacobi_metric",
    "jacobi_newton_equations",
    "kretschmann_scalar",
    "laplace_beltrami",
    "laplacian_from_action",
    "lower_index",
    "mechanical_lagrangian",
    "metric_tensor",
    "parse",
    "raise_index",
    "ricci_scalar",
    "ricci_tensor",
    "riemann_tensor",
    "simplify_in_chart",
    "total_derivative",
    "weyl_tensor",
    "zero_test",
)

_NUMERICS = (
    "Backend",
    "ButcherTableau",
    "CentralDifference",
    "Collocation",
    "CompiledFunction",
    "DOP853_TABLEAU",
    "DOPRI5_TABLEAU",
    "DormandPrince54",
    "DormandPrince853",
    "Event",
    "FixedStep",
    "GeodesicBatch",
    "GeodesicPath",
    "GeodesicSystem",
    "JacobiComparison",
    "Method",
    "MetricFunction",
    "NumPyBackend",
    "NumbaBackend",
    "ODESolution",
    "PathEnergy",
    "Shooting",
    "Status",
    "SymbolicTrace",
    "TorchAutodiff",
    "TraceError",
    "TrajectoryBatch",
    "chart_defects",
    "compile_function",
    "compile_lagrangian",
    "compile_rhs",
    "crossing",
    "geodesic_between",
    "geodesic_system",
    "geodesics",
    "integrate",
    "metric_jet",
    "newton_vs_jacobi",
    "status_counts",
    "trace_metric",
    "trajectories",
    "with_backend",
)

_OPTIM = (
    "AdaGradNorm",
    "AspectRatioScale",
    "FeatureDiagonal",
    "Frobenius",
    "FullWhitening",
    "GradNormLR",
    "GradNormRecorder",
    "GradNormRule",
    "InverseSquare",
    "Isotropy",
    "IsotropyMonitor",
    "JORDAN_QUINTIC",
    "LastIterate",
    "MINIMAX_QUINTIC",
    "MatchAdamWRMS",
    "MaxNorm",
    "MsignMethod",
    "Muon",
    "NewtonSchulz",
    "Norm",
    "RefinedCausal",
    "SVDPolar",
    "SampleDiagonal",
    "Spectral",
    "Whitening",
    "adamw_update",
    "average_bound",
    "bounded_domain_average_bound",
    "constant",
    "constant_optimal",
    "cosine",
    "dual_norm",
    "feature_step",
    "global_grad_norm",
    "inverse_square_optimal",
    "isotropy",
    "last_iterate_bound_any_schedule",
    "last_iterate_bound_best_final_rate",
    "last_iterate_bound_non_increasing",
    "last_iterate_constant",
    "linear_decay",
    "msign",
    "muon_param_groups",
    "muon_update",
    "output_change",
    "reachable_projector",
    "recency_weighted_sum_of_squares",
    "refined",
    "steepest_direction",
    "weighted_average_bound",
    "whiten",
)

_LAZY = {
    **dict.fromkeys(_SYMBOLIC, "extremal.symbolic"),
    **dict.fromkeys(_NUMERICS, "extremal.numerics"),
    **dict.fromkeys(_OPTIM, "extremal.optim"),
    # deprecated names, one release
    **dict.fromkeys(("DOP853", "DOPRI5"), "extremal.numerics"),
    **dict.fromkeys(
        ("last_iterate_bound_1", "last_iterate_bound_2", "last_iterate_bound_2_best_final", "old_average_bound",
         "recency_weighted_sq"),
        "extremal.optim",
    ),
}


def __getattr__(name: str) -> object:
    import importlib
    import warnings

    if name == "symbolic":
        return importlib.import_module("extremal.symbolic")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'extremal' has no attribute {name!r}")
    with warnings.catch_warnings(record=True) as caught:  # a deprecation points at the caller's line
        warnings.simplefilter("always")
        value = getattr(importlib.import_module(module), name)
    for warning in caught:
        warnings.warn(warning.message, warning.category, stacklevel=2)
    if not caught:  # later uses find it directly; a deprecated name warns on every use
        globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), "symbolic", *_SYMBOLIC, *_NUMERICS, *_OPTIM})


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
    *_SYMBOLIC,
    *_NUMERICS,
    *_OPTIM,
]
