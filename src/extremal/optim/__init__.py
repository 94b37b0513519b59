"""optim."""

from extremal.optim.bounds import (
    average_bound,
    last_iterate_bound_1,
    last_iterate_bound_2,
    last_iterate_bound_2_best_final,
    old_average_bound,
    weighted_average_bound,
)
from extremal.optim.lr_schedulers import (
    GradNormLR,
    GradNormRecorder,
    GradNormRule,
    global_grad_norm,
)
from extremal.optim.schedules import (
    AdaGradNorm,
    InverseSquare,
    LastIterate,
    RefinedCausal,
    constant,
    constant_optimal,
    cosine,
    inverse_square_optimal,
    last_iterate_constant,
    linear_decay,
    recency_weighted_sq,
    refined,
)

__all__ = [
    "AdaGradNorm",
    "GradNormLR",
    "GradNormRecorder",
    "GradNormRule",
    "InverseSquare",
    "LastIterate",
    "RefinedCausal",
    "average_bound",
    "constant",
    "constant_optimal",
    "cosine",
    "global_grad_norm",
    "inverse_square_optimal",
    "last_iterate_bound_1",
    "last_iterate_bound_2",
    "last_iterate_bound_2_best_final",
    "last_iterate_constant",
    "linear_decay",
    "old_average_bound",
    "recency_weighted_sq",
    "refined",
    "weighted_average_bound",
]
