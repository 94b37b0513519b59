"""Symbolic core: SymPy in, SymPy out."""

from extremal.symbolic._christoffel import (
    Christoffel as Christoffel,
)
from extremal.symbolic._christoffel import (
    Formula as Formula,
)
from extremal.symbolic._christoffel import (
    Variational as Variational,
)
from extremal.symbolic._christoffel import (
    christoffel as christoffel,
)
from extremal.symbolic._components import (
    Components as Components,
)
from extremal.symbolic._coordinates import (
    change_coordinates as change_coordinates,
)
from extremal.symbolic._coordinates import (
    change_field_coordinates as change_field_coordinates,
)
from extremal.symbolic._coordinates import (
    simplify_in_chart as simplify_in_chart,
)
from extremal.symbolic._covariant import (
    covariant_derivative as covariant_derivative,
)
from extremal.symbolic._covariant import (
    metric_tensor as metric_tensor,
)
from extremal.symbolic._curvature import (
    Ricci as Ricci,
)
from extremal.symbolic._curvature import (
    Riemann as Riemann,
)
from extremal.symbolic._curvature import (
    Weyl as Weyl,
)
from extremal.symbolic._curvature import (
    einstein_tensor as einstein_tensor,
)
from extremal.symbolic._curvature import (
    gaussian_curvature as gaussian_curvature,
)
from extremal.symbolic._curvature import (
    kretschmann_scalar as kretschmann_scalar,
)
from extremal.symbolic._curvature import (
    ricci_scalar as ricci_scalar,
)
from extremal.symbolic._curvature import (
    ricci_tensor as ricci_tensor,
)
from extremal.symbolic._curvature import (
    riemann_tensor as riemann_tensor,
)
from extremal.symbolic._curvature import (
    weyl_tensor as weyl_tensor,
)
from extremal.symbolic._field import (
    FieldLagrangian as FieldLagrangian,
)
from extremal.symbolic._field import (
    field_equations as field_equations,
)
from extremal.symbolic._geodesic import (
    geodesic_accelerations as geodesic_accelerations,
)
from extremal.symbolic._geodesic import (
    geodesic_equations as geodesic_equations,
)
from extremal.symbolic._jacobi import (
    conformal_mechanics as conformal_mechanics,
)
from extremal.symbolic._jacobi import (
    jacobi_metric as jacobi_metric,
)
from extremal.symbolic._jacobi import (
    jacobi_newton_equations as jacobi_newton_equations,
)
from extremal.symbolic._jacobi import (
    mechanical_lagrangian as mechanical_lagrangian,
)
from extremal.symbolic._lagrangian import (
    EquationsOfMotion as EquationsOfMotion,
)
from extremal.symbolic._lagrangian import (
    Lagrangian as Lagrangian,
)
from extremal.symbolic._lagrangian import (
    conserved_momenta as conserved_momenta,
)
from extremal.symbolic._lagrangian import (
    energy as energy,
)
from extremal.symbolic._lagrangian import (
    euler_lagrange as euler_lagrange,
)
from extremal.symbolic._lagrangian import (
    total_derivative as total_derivative,
)
from extremal.symbolic._laplacian import (
    laplace_beltrami as laplace_beltrami,
)
from extremal.symbolic._laplacian import (
    laplacian_from_action as laplacian_from_action,
)
from extremal.symbolic._metric import (
    Metric as Metric,
)
from extremal.symbolic._metric import (
    euclidean as euclidean,
)
from extremal.symbolic._parsing import (
    as_symbols as as_symbols,
)
from extremal.symbolic._parsing import (
    parse as parse,
)
from extremal.symbolic._simplification import (
    ZeroTest as ZeroTest,
)
from extremal.symbolic._simplification import (
    zero_test as zero_test,
)
from extremal.symbolic._tensors import (
    lower_index as lower_index,
)
from extremal.symbolic._tensors import (
    raise_index as raise_index,
)

__all__ = [
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
]
