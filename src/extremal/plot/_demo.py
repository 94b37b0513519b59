"""The demo's pictures: geodesics on the sphere, Newton vs Jacobi (kexue.fm/archives/4046), conservation drift."""

from __future__ import annotations

import os
import pathlib
import shutil
import tempfile
from collections.abc import Callable
from typing import Any

import numpy as np

from extremal.errors import InputError
from extremal.numerics._geodesic_ivp import geodesics
from extremal.numerics._jacobi_comparison import newton_vs_jacobi
from extremal.plot._geodesics import plot_drift, plot_embedded, plot_newton_jacobi, pyplot
from extremal.symbolic._metric import Metric

__all__ = ["demo_figures"]


def _sphere() -> Any:
    sphere = Metric.from_line_element("dth**2 + sin(th)**2*dph**2", "th ph")
    angles = np.linspace(0.0, np.pi, 7, endpoint=False) + np.pi / 14  # none along a meridian, through a pole
    v0 = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    batch = geodesics(sphere, [np.pi / 3, 0.0], v0, np.linspace(0.0, 2.6, 120))

    def ball(u: np.ndarray) -> np.ndarray:
        return np.stack([np.sin(u[0]) * np.cos(u[1]), np.sin(u[0]) * np.sin(u[1]), np.cos(u[0])])

    return plot_embedded(batch, ball, surface=(np.linspace(0, np.pi, 13), np.linspace(-np.pi, np.pi, 25)))


def _newton_jacobi() -> Any:
    flat = Metric.from_line_element("dx**2 + dy**2", "x y")
    angles = np.linspace(0.3, 2 * np.pi + 0.3, 6, endpoint=False)
    x0 = np.stack([np.cos(angles), 0.5 * np.sin(angles)], axis=1)
    speed = np.linalg.norm(x0, axis=1, keepdims=True)
    turn = angles[:, None] + 2.0
    v0 = speed * np.concatenate([np.cos(turn), np.sin(turn)], axis=1)
    comparison = newton_vs_jacobi(flat, "-(x**2 + y**2)/2", x0, v0, np.linspace(0.0, 1.5, 60))
    fig = plot_newton_jacobi(comparison)
    fig.axes[0].set_title(
        "kexue.fm/archives/4046: geodesics of (x²+y²)/2·(dx²+dy²) = paths of U = -(x²+y²)/2, E = 0\n"
        f"Newton (lines) vs Jacobi geodesics (circles), max gap {np.nanmax(comparison.distance()):.1e}",
        fontsize=9,
    )
    return fig


def _drift() -> Any:
    schwarzschild = Metric.from_line_element(
        "-(1 - 2/r)*dt**2 + dr**2/(1 - 2/r) + r**2*dth**2 + r**2*sin(th)**2*dph**2", "t r th ph"
    )
    r0 = np.linspace(7.0, 14.0, 8)
    e = 0.3
    p = r0 * (1 + e)
    L = np.sqrt(p**2 / (p - 3 - e**2))
    E = np.sqrt((p - 2 - 2 * e) * (p - 2 + 2 * e) / (p * (p - 3 - e**2)))
    x0 = np.stack([np.zeros_like(r0), r0, np.full_like(r0, np.pi / 2), np.zeros_like(r0)], axis=1)
    v0 = np.stack([E / (1 - 2 / r0), np.zeros_like(r0), np.zeros_like(r0), L / r0**2], axis=1)
    batch = geodesics(schwarzschild, x0, v0, np.linspace(0.0, 1000.0, 200))
    fig = plot_drift(batch)
    fig.axes[0].set_title("Schwarzschild, 8 bound timelike geodesics, DOP853: drift of invariants", fontsize=9)
    return fig


_FIGURES: tuple[tuple[str, Callable[[], Any]], ...] = (
    ("geodesics_sphere.png", _sphere),
    ("newton_vs_jacobi.png", _newton_jacobi),
    ("conservation_drift.png", _drift),
)


def _publish(staging: pathlib.Path, outdir: pathlib.Path) -> None:
    """Move the finished pictures from ``staging`` into ``outdir``, each with one atomic rename."""
    if not outdir.exists():
        mask = os.umask(0)
        os.umask(mask)
        staging.chmod(0o777 & ~mask)
        try:
            staging.rename(outdir)
            return
        except OSError:
            outdir.mkdir(exist_ok=True)
    for name, _ in _FIGURES:
        os.replace(staging / name, outdir / name)


def demo_figures(outdir: pathlib.Path) -> list[pathlib.Path]:
    """Write the demo's PNG pictures into ``outdir`` and return their paths.

    The pictures: geodesics from one point of the unit sphere drawn on the sphere; the
    worked case of Su Jianlin's "Geometry everywhere (mechanics made geometric)",
    https://kexue.fm/archives/4046 (Newton's paths in :math:`U = -(x^2+y^2)/2` over the geodesics
    of :math:`\\tfrac12(x^2+y^2)(dx^2+dy^2)`); the drift of :math:`g(u,u)`, :math:`p_t` and
    :math:`p_\\phi` along Schwarzschild orbits.

    All pictures are made in a temporary folder first and moved into ``outdir`` only when
    every one succeeded, each file with one atomic rename (a new ``outdir`` with one rename of
    the folder). If anything fails, ``outdir`` is left as it was and the temporary folder is
    removed. Earlier copies of these three files are replaced; no other file is touched.

    Raises
    ------
    InputError
        If ``outdir`` exists and is not a directory.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     [p.name for p in demo_figures(pathlib.Path(d))]
    ['geodesics_sphere.png', 'newton_vs_jacobi.png', 'conservation_drift.png']
    """
    outdir = pathlib.Path(outdir)
    if outdir.exists() and not outdir.is_dir():
        raise InputError(f"outdir must be a directory; {str(outdir)!r} is a file. Pass a folder path.")
    if outdir.is_dir():
        staging_parent = outdir
    else:
        staging_parent = outdir.parent
        staging_parent.mkdir(parents=True, exist_ok=True)
    plt = pyplot()
    staging = pathlib.Path(tempfile.mkdtemp(dir=staging_parent, prefix=f".{outdir.name or 'figures'}.", suffix=".tmp"))
    try:
        for name, make in _FIGURES:
            fig = make()
            try:
                fig.savefig(staging / name, dpi=120)
            finally:
                plt.close(fig)
        _publish(staging, outdir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [outdir / name for name, _ in _FIGURES]
