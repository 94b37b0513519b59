"""Symbolic core: SymPy in, SymPy out."""

from extremal.symbolic.christoffel import Christoffel, christoffel
from extremal.symbolic.components import Components
from extremal.symbolic.coordinates import change_coordinates, change_field_coordinates, simplify_in_chart
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
from extremal.symbolic.field import FieldLagrangian, field_equations
from extremal.symbolic.geodesic import geodesic_equations
from extremal.symbolic.jacobi import conformal_mechanics, jacobi_metric, jacobi_newton_equations, mechanical_lagrangian
from extremal.symbolic.lagrangian import (
    EquationsOfMotion,
    Lagrangian,
    conserved_momenta,
    energy,
    euler_lagrange,
    total_derivative,
)
from extremal.symbolic.laplacian import laplace_beltrami, laplacian_from_action
from extremal.symbolic.metric import Metric, euclidean
from extremal.symbolic.parsing import as_symbols, parse

__all__ = [
    "Christoffel",
    "Components",
    "EquationsOfMotion",
    "FieldLagrangian",
    "Lagrangian",
    "Metric",
    "Ricci",
    "Riemann",
    "as_symbols",
    "change_coordinates",
    "change_field_coordinates",
    "christoffel",
    "conformal_mechanics",
    "conserved_momenta",
    "einstein_tensor",
    "energy",
    "euclidean",
    "euler_lagrange",
    "field_equations",
    "gaussian_curvature",
    "geodesic_equations",
    "jacobi_metric",
    "jacobi_newton_equations",
    "kretschmann_scalar",
    "laplace_beltrami",
    "laplacian_from_action",
    "mechanical_lagrangian",
    "parse",
    "ricci_scalar",
    "ricci_tensor",
    "riemann_tensor",
    "simplify_in_chart",
    "total_derivative",
]
