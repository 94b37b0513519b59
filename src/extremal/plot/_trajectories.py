"""Pictures of trajectories of a Lagrangian: the path in the chart and the energy drift."""

from __future__ import annotations

from typing import Any

import numpy as np

from extremal.numerics._trajectories import TrajectoryBatch
from extremal.plot._geodesics import pyplot

__all__ = ["plot_trajectories"]


def plot_trajectories(batch: TrajectoryBatch) -> Any:
    r"""Two panels: the trajectories in the chart, and :math:`|H(t) - H(t_0)|` against time.

    With one coordinate the left panel shows :math:`q(t)`; with more, :math:`q_1` against
    :math:`q_0`. The right panel is empty (and says so) when the energy is not conserved,
    i.e. when the Lagrangian depends on time.

    Examples
    --------
    >>> from extremal.symbolic import Lagrangian
    >>> from extremal.numerics import trajectories
    >>> L = Lagrangian.parse("xdot**2/2 - x**2/2", "x")
    >>> fig = plot_trajectories(trajectories(L, [1.0], [0.0], np.linspace(0, 6, 40)))
    >>> [ax.get_xlabel() for ax in fig.axes]
    ['t', 't']
    """
    plt = pyplot()
    fig, (path_ax, drift_ax) = plt.subplots(1, 2, figsize=(10.0, 4.5))
    for row in range(batch.q.shape[0]):
        if batch.q.shape[-1] == 1:
            path_ax.plot(batch.t[row], batch.q[row, :, 0], lw=1.2)
        else:
            path_ax.plot(batch.q[row, :, 0], batch.q[row, :, 1], lw=1.2)
            path_ax.plot(batch.q[row, 0, 0], batch.q[row, 0, 1], "k.", ms=4)
    if batch.q.shape[-1] == 1:
        path_ax.set_xlabel("t")
        path_ax.set_ylabel(batch.coords[0])
    else:
        path_ax.set_xlabel(batch.coords[0])
        path_ax.set_ylabel(batch.coords[1])
    path_ax.set_title("trajectories")
    drift_ax.set_xlabel("t")
    if batch.energy is None:
        drift_ax.set_title("energy not conserved (time-dependent Lagrangian)")
        fig.tight_layout()
        return fig
    floor = np.finfo(float).eps
    change = np.abs(batch.energy - batch.energy[:, :1])
    for row in range(change.shape[0]):
        drift_ax.semilogy(batch.t[row], np.maximum(change[row], floor), lw=1.0)
    drift_ax.set_ylabel("|H(t) - H(0)|")
    worst = float(np.nanmax(batch.drift)) if batch.drift is not None else float("nan")
    drift_ax.set_title(f"energy drift (max {worst:.1e})")
    fig.tight_layout()
    return fig
