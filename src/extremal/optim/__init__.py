"""Steepest descent under a metric, Muon, and learning rates from gradient norms.

The schedule formulas (``refined``, ``AdaGradNorm``, ..., arrays of learning rates) and the
bound calculators (``average_bound``, ...) need NumPy only and are imported with this
package. Every
other name (``msign``, ``Muon``, ``GradNormLR``, ...) needs PyTorch and is imported on
first access; without torch that access raises
:class:`~extremal.errors.MissingDependencyError` naming the ``torch`` extra.
"""

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING

from extremal._optional import require
from extremal.optim._bounds import (
    average_bound as average_bound,
)
from extremal.optim._bounds import (
    bounded_domain_average_bound as bounded_domain_average_bound,
)
from extremal.optim._bounds import (
    last_iterate_bound_any_schedule as last_iterate_bound_any_schedule,
)
from extremal.optim._bounds import (
    last_iterate_bound_best_final_rate as last_iterate_bound_best_final_rate,
)
from extremal.optim._bounds import (
    last_iterate_bound_non_increasing as last_iterate_bound_non_increasing,
)
from extremal.optim._bounds import (
    weighted_average_bound as weighted_average_bound,
)
from extremal.optim._schedule_formulas import (
    AdaGradNorm as AdaGradNorm,
)
from extremal.optim._schedule_formulas import (
    InverseSquare as InverseSquare,
)
from extremal.optim._schedule_formulas import (
    LastIterate as LastIterate,
)
from extremal.optim._schedule_formulas import (
    RefinedCausal as RefinedCausal,
)
from extremal.optim._schedule_formulas import (
    constant as constant,
)
from extremal.optim._schedule_formulas import (
    constant_optimal as constant_optimal,
)
from extremal.optim._schedule_formulas import (
    cosine as cosine,
)
from extremal.optim._schedule_formulas import (
    inverse_square_optimal as inverse_square_optimal,
)
from extremal.optim._schedule_formulas import (
    last_iterate_constant as last_iterate_constant,
)
from extremal.optim._schedule_formulas import (
    linear_decay as linear_decay,
)
from extremal.optim._schedule_formulas import (
    recency_weighted_sum_of_squares as recency_weighted_sum_of_squares,
)
from extremal.optim._schedule_formulas import (
    refined as refined,
)

if TYPE_CHECKING:
    from extremal.optim._feature_space import feature_step, output_change, reachable_projector
    from extremal.optim._isotropy import Isotropy, IsotropyMonitor, isotropy
    from extremal.optim._lr_schedulers import (
        GradNormLR,
        GradNormRecorder,
        GradNormRule,
        global_grad_norm,
    )
    from extremal.optim._msign import (
        JORDAN_QUINTIC,
        MINIMAX_QUINTIC,
        MsignMethod,
        NewtonSchulz,
        SVDPolar,
        msign,
    )
    from extremal.optim._muon import (
        AspectRatioScale,
        MatchAdamWRMS,
        Muon,
        adamw_update,
        muon_update,
    )
    from extremal.optim._param_groups import muon_param_groups
    from extremal.optim._steepest import Frobenius, MaxNorm, Norm, Spectral, dual_norm, steepest_direction
    from extremal.optim._whitening import FeatureDiagonal, FullWhitening, SampleDiagonal, Whitening, whiten

_TORCH_NAMES: dict[str, str] = {
    **dict.fromkeys(("feature_step", "output_change", "reachable_projector"), "feature_space"),
    **dict.fromkeys(("Isotropy", "IsotropyMonitor", "isotropy"), "isotropy"),
    **dict.fromkeys(
        ("GradNormLR", "GradNormRecorder", "GradNormRule", "global_grad_norm"), "lr_schedulers"
    ),
    **dict.fromkeys(
        ("JORDAN_QUINTIC", "MINIMAX_QUINTIC", "MsignMethod", "NewtonSchulz", "SVDPolar", "msign"), "msign"
    ),
    **dict.fromkeys(
        (
            "AspectRatioScale",
            "MatchAdamWRMS",
            "Muon",
            "adamw_update",
            "muon_update",
        ),
        "muon",
    ),
    "muon_param_groups": "param_groups",
    **dict.fromkeys(("Frobenius", "MaxNorm", "Norm", "Spectral", "dual_norm", "steepest_direction"), "steepest"),
    **dict.fromkeys(("FeatureDiagonal", "FullWhitening", "SampleDiagonal", "Whitening", "whiten"), "whitening"),
}


# Names before the release that spelled out what each bound or sum is; deprecated, one release.
_RENAMED: dict[str, str] = {
    "last_iterate_bound_1": "last_iterate_bound_non_increasing",
    "last_iterate_bound_2": "last_iterate_bound_any_schedule",
    "last_iterate_bound_2_best_final": "last_iterate_bound_best_final_rate",
    "old_average_bound": "bounded_domain_average_bound",
    "recency_weighted_sq": "recency_weighted_sum_of_squares",
}


def __getattr__(name: str) -> object:
    new = _RENAMED.get(name)
    if new is not None:
        warnings.warn(
            f"extremal.optim.{name} is renamed {new}, which says what it computes; {name} goes in the next "
            "release.",
            DeprecationWarning,
            stacklevel=2,
        )
        return globals()[new]
    module = _TORCH_NAMES.get(name)
    if module is None:
        raise AttributeError(f"module 'extremal.optim' has no attribute {name!r}")
    require("torch", extra="torch")
    value = getattr(importlib.import_module(f"extremal.optim._{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_TORCH_NAMES})


__all__ = [
    "JORDAN_QUINTIC",
    "MINIMAX_QUINTIC",
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
    "LastIterate",
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
]
