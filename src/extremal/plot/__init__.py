"""Plots of geodesics and trajectories (needs the ``plot`` extra; matplotlib is imported lazily)."""

from extremal.plot.demo import demo_figures
from extremal.plot.geodesics import plot_chart, plot_drift, plot_embedded, plot_newton_jacobi, plot_path
from extremal.plot.trajectories import plot_trajectories

__all__ = [
    "demo_figures",
    "plot_chart",
    "plot_drift",
    "plot_embedded",
    "plot_newton_jacobi",
    "plot_path",
    "plot_trajectories",
]
