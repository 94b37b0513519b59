"""Steepest descent under a metric, Muon, and learning rates from gradient norms.

The schedules (:mod:`extremal.optim.schedules`) and bound calculators
(:mod:`extremal.optim.bounds`) need NumPy only and are imported with this package. Every
other name (``msign``, ``Muon``, ``GradNormLR``, ...) needs PyTorch and is imported on
first access; without torch that access raises
:class:`~extremal.errors.MissingDependencyError` naming the ``torch`` extra.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING

from extremal._optional import require
from extremal.optim.bounds import (
    average_bound,
    last_iterate_bound_1,
    last_iterate_bound_2,
    last_iterate_bound_2_best_final,
    old_average_bound,
    weighted_average_bound,
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

if TYPE_CHECKING:
    from extremal.optim.feature_space import feature_step, output_change, reachable_projector
    from extremal.optim.isotropy import Isotropy, IsotropyMonitor, isotropy
    from extremal.optim.lr_schedulers import (
        GradNormLR,
        GradNormRecorder,
        GradNormRule,
        global_grad_norm,
    )
    from extremal.optim.msign import (
        JORDAN_QUINTIC,
        MINIMAX_QUINTIC,
        NewtonSchulz,
        SVDPolar,
        msign,
    )
    from extremal.optim.muon import (
        AspectRatioScale,
        MatchAdamWRMS,
        Muon,
        adamw_update,
        muon_param_groups,
        muon_update,
    )
    from extremal.optim.steepest import Frobenius, MaxNorm, Spectral, dual_norm, steepest_direction
    from extremal.optim.whitening import FeatureDiagonal, FullWhitening, SampleDiagonal, whiten

_TORCH_NAMES: dict[str, str] = {
    **dict.fromkeys(("feature_step", "output_change", "reachable_projector"), "feature_space"),
    **dict.fromkeys(("Isotropy", "IsotropyMonitor", "isotropy"), "isotropy"),
    **dict.fromkeys(
        ("GradNormLR", "GradNormRecorder", "GradNormRule", "global_grad_norm"), "lr_schedulers"
    ),
    **dict.fromkeys(("JORDAN_QUINTIC", "MINIMAX_QUINTIC", "NewtonSchulz", "SVDPolar", "msign"), "msign"),
    **dict.fromkeys(
        (
            "AspectRatioScale",
            "MatchAdamWRMS",
            "Muon",
            "adamw_update",
            "muon_param_groups",
            "muon_update",
        ),
        "muon",
    ),
    **dict.fromkeys(("Frobenius", "MaxNorm", "Spectral", "dual_norm", "steepest_direction"), "steepest"),
    **dict.fromkeys(("FeatureDiagonal", "FullWhitening", "SampleDiagonal", "whiten"), "whitening"),
}


def __getattr__(name: str) -> object:
    module = _TORCH_NAMES.get(name)
    if module is None:
        raise AttributeError(f"module 'extremal.optim' has no attribute {name!r}")
    require("torch", extra="torch")
    value = getattr(importlib.import_module(f"extremal.optim.{module}"), name)
    globals()[name] = value
    return value


class _OptimModule(types.ModuleType):
    """Keep a public function when the import system binds its same-named submodule.

    Importing ``extremal.optim.msign`` (or ``.isotropy``) sets the package attribute of
    that name to the submodule; the function of the same name is kept instead.
    """

    def __setattr__(self, name: str, value: object) -> None:
        if (
            isinstance(value, types.ModuleType)
            and _TORCH_NAMES.get(name) == name
            and value.__name__ == f"{__name__}.{name}"
        ):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _OptimModule


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
    "Muon",
    "NewtonSchulz",
    "RefinedCausal",
    "SVDPolar",
    "SampleDiagonal",
    "Spectral",
    "adamw_update",
    "average_bound",
    "constant",
    "constant_optimal",
    "cosine",
    "dual_norm",
    "feature_step",
    "global_grad_norm",
    "inverse_square_optimal",
    "isotropy",
    "last_iterate_bound_1",
    "last_iterate_bound_2",
    "last_iterate_bound_2_best_final",
    "last_iterate_constant",
    "linear_decay",
    "msign",
    "muon_param_groups",
    "muon_update",
    "old_average_bound",
    "output_change",
    "reachable_projector",
    "recency_weighted_sq",
    "refined",
    "steepest_direction",
    "weighted_average_bound",
    "whiten",
]
