"""Numerics: batched geodesics and trajectories compiled from symbolic metrics and Lagrangians."""

from extremal.errors import (
    TraceError as TraceError,
)
from extremal.numerics._collocation import (
    Collocation as Collocation,
)
from extremal.numerics._compile import (
    Backend as Backend,
)
from extremal.numerics._compile import (
    CompiledFunction as CompiledFunction,
)
from extremal.numerics._compile import (
    NumbaBackend as NumbaBackend,
)
from extremal.numerics._compile import (
    NumPyBackend as NumPyBackend,
)
from extremal.numerics._compile import (
    compile_function as compile_function,
)
from extremal.numerics._compile import (
    compile_rhs as compile_rhs,
)
from extremal.numerics._compile import (
    with_backend as with_backend,
)
from extremal.numerics._events import (
    Event as Event,
)
from extremal.numerics._events import (
    crossing as crossing,
)
from extremal.numerics._geodesic_bvp import (
    GeodesicPath as GeodesicPath,
)
from extremal.numerics._geodesic_bvp import (
    PathEnergy as PathEnergy,
)
from extremal.numerics._geodesic_bvp import (
    Shooting as Shooting,
)
from extremal.numerics._geodesic_bvp import (
    geodesic_between as geodesic_between,
)
from extremal.numerics._geodesic_ivp import (
    GeodesicBatch as GeodesicBatch,
)
from extremal.numerics._geodesic_ivp import (
    chart_defects as chart_defects,
)
from extremal.numerics._geodesic_ivp import (
    geodesics as geodesics,
)
from extremal.numerics._geodesic_system import (
    GeodesicSystem as GeodesicSystem,
)
from extremal.numerics._geodesic_system import (
    geodesic_system as geodesic_system,
)
from extremal.numerics._jacobi_comparison import (
    JacobiComparison as JacobiComparison,
)
from extremal.numerics._jacobi_comparison import (
    newton_vs_jacobi as newton_vs_jacobi,
)
from extremal.numerics._methods import (
    DormandPrince54 as DormandPrince54,
)
from extremal.numerics._methods import (
    DormandPrince853 as DormandPrince853,
)
from extremal.numerics._methods import (
    FixedStep as FixedStep,
)
from extremal.numerics._methods import (
    Method as Method,
)
from extremal.numerics._metric_function import (
    CentralDifference as CentralDifference,
)
from extremal.numerics._metric_function import (
    MetricFunction as MetricFunction,
)
from extremal.numerics._metric_function import (
    SymbolicTrace as SymbolicTrace,
)
from extremal.numerics._metric_function import (
    TorchAutodiff as TorchAutodiff,
)
from extremal.numerics._metric_function import (
    metric_jet as metric_jet,
)
from extremal.numerics._metric_function import (
    trace_metric as trace_metric,
)
from extremal.numerics._runge_kutta import (
    ODESolution as ODESolution,
)
from extremal.numerics._runge_kutta import (
    integrate as integrate,
)
from extremal.numerics._status import (
    Status as Status,
)
from extremal.numerics._status import (
    status_counts as status_counts,
)
from extremal.numerics._tableaux import (
    DOP853_TABLEAU as DOP853_TABLEAU,
)
from extremal.numerics._tableaux import (
    DOPRI5_TABLEAU as DOPRI5_TABLEAU,
)
from extremal.numerics._tableaux import (
    ButcherTableau as ButcherTableau,
)
from extremal.numerics._tableaux import (
    renamed as _renamed,
)
from extremal.numerics._trajectories import (
    TrajectoryBatch as TrajectoryBatch,
)
from extremal.numerics._trajectories import (
    compile_lagrangian as compile_lagrangian,
)
from extremal.numerics._trajectories import (
    trajectories as trajectories,
)

__all__ = [
    "DOP853_TABLEAU",
    "DOPRI5_TABLEAU",
    "Backend",
    "ButcherTableau",
    "CentralDifference",
    "Collocation",
    "CompiledFunction",
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
]


def __getattr__(name: str) -> object:
    """``DOPRI5`` and ``DOP853``, the tableaux' names before ``DOPRI5_TABLEAU`` and ``DOP853_TABLEAU``, deprecated."""
    return _renamed(__name__, name)
