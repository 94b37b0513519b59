"""Pictures of geodesics and trajectories (matplotlib, the ``plot`` extra, Agg backend).

Each function draws on a given ``Axes`` (or a new figure) and returns the ``Figure``; nothing
is shown on screen, so they work on headless machines and in tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from extremal._optional import require
from extremal.errors import InputError
from extremal.numerics._geodesic_bvp import GeodesicPath
from extremal.numerics._geodesic_ivp import GeodesicBatch
from extremal.numerics._jacobi_comparison import JacobiComparison
from extremal.numerics._status import Status

__all__ = ["plot_chart", "plot_drift", "plot_embedded", "plot_newton_jacobi", "plot_path"]

Embedding = Callable[[NDArray[np.float64]], NDArray[np.float64]]


def pyplot() -> Any:
    """``matplotlib.pyplot``, or :class:`MissingDependencyError` naming the ``plot`` extra.

    The backend is left as the user (or Jupyter) chose it: plots show inline in a notebook.
    """
    return require("matplotlib.pyplot", extra="plot")


def _axes(ax: Any, projection: str | None = None) -> tuple[Any, Any]:
    if ax is not None:
        return ax.figure, ax
    plt = pyplot()
    fig = plt.figure(figsize=(5.5, 5.0))
    return fig, fig.add_subplot(projection=projection)


def _check_axes_pair(batch: GeodesicBatch | GeodesicPath, axes: tuple[int, int]) -> None:
    n = len(batch.coords)
    if len(axes) != 2 or not all(isinstance(i, int) and 0 <= i < n for i in axes):
        raise InputError(f"axes must be two coordinate indices in 0..{n - 1}; got {axes!r}.")


def plot_chart(batch: GeodesicBatch, axes: tuple[int, int] = (0, 1), ax: Any = None) -> Any:
    """Draw the geodesics of ``batch`` in the coordinate chart, coordinates ``axes`` against each other.

    Examples
    --------
    >>> from extremal.symbolic import Metric
    >>> from extremal.numerics import geodesics
    >>> flat = Metric.from_line_element("dx**2 + dy**2", "x y")
    >>> fig = plot_chart(geodesics(flat, [0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]], np.linspace(0, 1, 5)))
    >>> fig.axes[0].get_xlabel()
    'x'
    """
    _check_axes_pair(batch, axes)
    fig, ax = _axes(ax)
    i, j = axes
    for row in range(batch.x.shape[0]):
        ax.plot(batch.x[row, :, i], batch.x[row, :, j], lw=1.2)
        ax.plot(batch.x[row, 0, i], batch.x[row, 0, j], "k.", ms=4)
    ax.set_xlabel(batch.coords[i])
    ax.set_ylabel(batch.coords[j])
    ax.set_title("geodesics in the chart")
    return fig


def plot_path(path: GeodesicPath, axes: tuple[int, int] = (0, 1), ax: Any = None) -> Any:
    """Draw boundary-value geodesics in the chart, end points marked, length and status in the legend.

    Examples
    --------
    >>> from extremal.symbolic import Metric
    >>> from extremal.numerics import geodesic_between
    >>> flat = Metric.from_line_element("dx**2 + dy**2", "x y")
    >>> fig = plot_path(geodesic_between(flat, [0.0, 0.0], [3.0, 4.0]))
    >>> fig.axes[0].get_legend().get_texts()[0].get_text()
    'length 5 (SUCCESS)'
    """
    _check_axes_pair(path, axes)
    fig, ax = _axes(ax)
    i, j = axes
    for row in range(path.x.shape[0]):
        label = f"length {path.length[row]:.10g} ({Status(int(path.status[row])).name})"
        (line,) = ax.plot(path.x[row, :, i], path.x[row, :, j], lw=1.5, label=label)
        ax.plot(path.x[row, [0, -1], i], path.x[row, [0, -1], j], "o", color=line.get_color(), ms=5)
    ax.set_xlabel(path.coords[i])
    ax.set_ylabel(path.coords[j])
    ax.set_title("shortest paths (boundary-value geodesics) in the chart")
    ax.legend(fontsize=8)
    return fig


def plot_embedded(
    batch: GeodesicBatch,
    embedding: Embedding,
    surface: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None,
    ax: Any = None,
) -> Any:
    """Draw the geodesics of a 2-D chart on an embedded surface in 3-D.

    Parameters
    ----------
    batch : GeodesicBatch
        Geodesics of a two-dimensional metric.
    embedding : callable
        ``embedding(u)`` with ``u`` of shape (2, ...) returns points of shape (3, ...).
    surface : pair of 1-D arrays, optional
        Coordinate grids on which to draw the surface itself as a wireframe.
    ax : Axes3D, optional

    Examples
    --------
    >>> from extremal.symbolic import Metric
    >>> from extremal.numerics import geodesics
    >>> sphere = Metric.from_line_element("dth**2 + sin(th)**2*dph**2", "th ph")
    >>> b = geodesics(sphere, [1.0, 0.0], [0.0, 1.0], np.linspace(0, 3, 20))
    >>> ball = lambda u: np.stack([np.sin(u[0])*np.cos(u[1]), np.sin(u[0])*np.sin(u[1]), np.cos(u[0])])
    >>> fig = plot_embedded(b, ball)
    """
    if len(batch.coords) != 2:
        raise InputError(f"plot_embedded needs geodesics of a 2-D metric; these have coords {batch.coords}.")
    fig, ax = _axes(ax, projection="3d")
    if surface is not None:
        U, V = np.meshgrid(*surface, indexing="ij")
        X = np.asarray(embedding(np.stack([U, V])))
        ax.plot_wireframe(X[0], X[1], X[2], color="0.8", lw=0.4)
    corners = []
    if surface is not None:
        corners.append(X.reshape(3, -1))
    for row in range(batch.x.shape[0]):
        P = np.asarray(embedding(np.moveaxis(batch.x[row], -1, 0)))
        if P.shape[0] != 3:
            raise InputError(f"embedding must return 3 coordinates first, shape (3, ...); got shape {P.shape}.")
        ax.plot(P[0], P[1], P[2], lw=1.5)
        ax.plot([P[0, 0]], [P[1, 0]], [P[2, 0]], "k.", ms=5)
        corners.append(P.reshape(3, -1))
    points = np.concatenate(corners, axis=1)
    center = 0.5 * (np.nanmax(points, axis=1) + np.nanmin(points, axis=1))
    radius = 0.5 * float(np.nanmax(np.nanmax(points, axis=1) - np.nanmin(points, axis=1)))
    for set_limits, c in zip((ax.set_xlim, ax.set_ylim, ax.set_zlim), center, strict=True):
        set_limits(c - radius, c + radius)
    ax.set_box_aspect((1, 1, 1), zoom=1.25)
    ax.set_axis_off()
    ax.set_title("geodesics on the embedded surface")
    return fig


def plot_newton_jacobi(comparison: JacobiComparison, ax: Any = None) -> Any:
    """Overlay Newton's trajectories (solid) and the Jacobi-metric geodesics (dots) in the chart.

    Examples
    --------
    >>> from extremal.symbolic import Metric
    >>> from extremal.numerics import newton_vs_jacobi
    >>> flat = Metric.from_line_element("dx**2 + dy**2", "x y")
    >>> fig = plot_newton_jacobi(newton_vs_jacobi(flat, "(x**2 + y**2)/2", [1.0, 0.0], [0.0, 0.5], 1.0))
    """
    fig, ax = _axes(ax)
    for row in range(comparison.x_newton.shape[0]):
        (line,) = ax.plot(comparison.x_newton[row, :, 0], comparison.x_newton[row, :, 1], lw=1.5)
        ax.plot(comparison.x_jacobi[row, :, 0], comparison.x_jacobi[row, :, 1], "o", ms=3, mfc="none",
                color=line.get_color())
    ax.set_xlabel(comparison.coords[0])
    ax.set_ylabel(comparison.coords[1])
    gap = float(np.nanmax(comparison.distance()))
    ax.set_title(f"Newton (lines) vs Jacobi geodesics (circles), max gap {gap:.1e}")
    ax.set_aspect("equal", adjustable="datalim")
    return fig


def plot_drift(batch: GeodesicBatch, ax: Any = None) -> Any:
    """Plot :math:`|Q(s) - Q(s_0)|` of every conserved quantity against the parameter (log scale).

    Examples
    --------
    >>> from extremal.symbolic import Metric
    >>> from extremal.numerics import geodesics
    >>> sphere = Metric.from_line_element("dth**2 + sin(th)**2*dph**2", "th ph")
    >>> fig = plot_drift(geodesics(sphere, [1.0, 0.0], [0.3, 1.0], np.linspace(0, 10, 50)))
    """
    fig, ax = _axes(ax)
    floor = np.finfo(float).eps
    for q, name in enumerate(batch.conserved_names):
        change = np.abs(batch.conserved[..., q] - batch.conserved[:, :1, q])
        worst = np.nanmax(change, axis=0)
        ax.semilogy(batch.s[0], np.maximum(worst, floor), label=name)
    ax.set_xlabel("s")
    ax.set_ylabel("max over the batch of |Q(s) - Q(0)|")
    ax.set_title("drift of conserved quantities")
    ax.legend()
    return fig
