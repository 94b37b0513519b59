"""Symbolic core: SymPy in, SymPy out."""

from extremal.symbolic.christoffel import Christoffel, christoffel
from extremal.symbolic.components import Components
from extremal.symbolic.curvature import (
    Ricci,
    Riemann,
    einstein_tensor,
    gaussian_curvature,
    kretschmann_scalar,
    ricci_scalar,
    ricci_tensor,
    riemann_tensor,
)
from extremal.symbolic.geodesic import geodesic_equations
from extremal.symbolic.lagrangian import (
    EquationsOfMotion,
    Lagrangian,
    conserved_momenta,
    energy,
    euler_lagrange,
    total_derivative,
)
from extremal.symbolic.metric import Metric, euclidean

__all__ = [
    "Christoffel",
    "Components",
    "EquationsOfMotion",
    "Lagrangian",
    "Metric",
    "Ricci",
    "Riemann",
    "christoffel",
    "conserved_momenta",
    "einstein_tensor",
    "energy",
    "euclidean",
    "euler_lagrange",
    "gaussian_curvature",
    "geodesic_equations",
    "kretschmann_scalar",
    "ricci_scalar",
    "ricci_tensor",
    "riemann_tensor",
    "total_derivative",
]
