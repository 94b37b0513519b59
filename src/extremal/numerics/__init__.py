"""Numerics: batched geodesics and trajectories compiled from symbolic metrics and Lagrangians."""

from extremal.numerics.collocation import Collocation
from extremal.numerics.compile import (
    Backend,
    CompiledFunction,
    NumbaBackend,
    NumPyBackend,
    compile_function,
    compile_rhs,
    with_backend,
)
from extremal.numerics.events import Event, crossing
from extremal.numerics.geodesic_bvp import GeodesicPath, PathEnergy, Shooting, geodesic_between
from extremal.numerics.geodesic_ivp import GeodesicBatch, chart_defects, geodesics
from extremal.numerics.geodesic_system import GeodesicSystem, geodesic_system
from extremal.numerics.mechanics import JacobiComparison, newton_vs_jacobi
from extremal.numerics.methods import DormandPrince54, DormandPrince853, FixedStep, Method
from extremal.numerics.metric_function import (
    CentralDifference,
    MetricFunction,
    SymbolicTrace,
    TorchAutodiff,
    TraceError,
    metric_jet,
    trace_metric,
)
from extremal.numerics.runge_kutta import ODESolution, integrate
from extremal.numerics.status import Status, status_counts
from extremal.numerics.tableaux import DOP853, DOPRI5, ButcherTableau
from extremal.numerics.trajectories import TrajectoryBatch, compile_lagrangian, trajectories

__all__ = [
    "DOP853",
    "DOPRI5",
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
