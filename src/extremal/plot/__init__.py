"""Plots of geodesics, trajectories and learning-rate schedules (the ``plot`` extra; matplotlib imported lazily)."""

from extremal.plot._demo import (
    demo_figures as demo_figures,
)
from extremal.plot._geodesics import (
    plot_chart as plot_chart,
)
from extremal.plot._geodesics import (
    plot_drift as plot_drift,
)
from extremal.plot._geodesics import (
    plot_embedded as plot_embedded,
)
from extremal.plot._geodesics import (
    plot_newton_jacobi as plot_newton_jacobi,
)
from extremal.plot._geodesics import (
    plot_path as plot_path,
)
from extremal.plot._schedules import (
    plot_schedule as plot_schedule,
)
from extremal.plot._trajectories import (
    plot_trajectories as plot_trajectories,
)

__all__ = [
    "demo_figures",
    "plot_chart",
    "plot_drift",
    "plot_embedded",
    "plot_newton_jacobi",
    "plot_path",
    "plot_schedule",
    "plot_trajectories",
]
