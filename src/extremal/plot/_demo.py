"""The demo's pictures: geodesics on the sphere, Newton vs Jacobi (kexue.fm/archives/4046), conservation drift,
msign and ΔY against isotropy (kexue.fm/archives/11549), a refined learning-rate schedule (kexue.fm/archives/11530)."""

from __future__ import annotations

import os
import pathlib
import shutil
import tempfile
from collections.abc import Callable
from typing import Any

import numpy as np

from extremal.demo import JORDAN_BAND, MINIMAX_BAND, isotropy_case, ml_available, training_case
from extremal.errors import InputError
from extremal.numerics._geodesic_ivp import geodesics
from extremal.numerics._jacobi_comparison import newton_vs_jacobi
from extremal.plot._geodesics import plot_drift, plot_embedded, plot_newton_jacobi, pyplot
from extremal.plot._schedules import plot_schedule
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


def _isotropy() -> Any:
    case = isotropy_case()
    fig = pyplot().figure(figsize=(10.0, 4.0))
    left, right = fig.subplots(1, 2)
    for (lo, hi), sigma, label, colour in (
        (JORDAN_BAND, case.sigma_jordan, "NewtonSchulz(): Jordan quintic x5, bfloat16", "C0"),
        (MINIMAX_BAND, case.sigma_minimax, "NewtonSchulz(MINIMAX_QUINTIC), float32", "C1"),
    ):
        left.axhspan(lo, hi, color=colour, alpha=0.12)
        left.semilogx(case.sigma_in, sigma, "o-", ms=3, color=colour, label=label)
    left.axhline(1.0, color="k", lw=0.8, label="exact msign (SVDPolar)")
    left.set_xlabel("singular value σ of M (‖M‖_F ≈ 2)")
    left.set_ylabel("singular value of msign(M)")
    left.set_title("msign = M(MᵀM)^(-1/2): each σ mapped into its band", fontsize=9)
    left.legend(fontsize=7, loc="lower right")
    names = list(case.cosines)
    x = np.arange(len(names))
    right.bar(x - 0.2, [case.cosines[n][0] for n in names], 0.4, label="raw inputs (κ(XᵀX) "
              f"{case.condition[0]:.0f})")
    right.bar(x + 0.2, [case.cosines[n][1] for n in names], 0.4, label="whitened inputs (κ = 1)")
    right.set_xticks(x, names)
    right.set_ylim(0.0, 1.05)
    right.set_ylabel("cos(ΔY, feature-space steepest step)")
    right.set_title("kexue.fm/archives/11549: ΔY = -ηX D(XᵀG) against -η D(PG)", fontsize=9)
    right.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def _learning_rates() -> Any:
    case = training_case()
    fig = pyplot().figure(figsize=(10.0, 4.0))
    left, right = fig.subplots(1, 2)
    plot_schedule(case.smoothed, {"first run: AdaGrad-norm, R estimated online": case.first_lrs,
                                  "refined from the logged G_t (eq:last-2-opt-lr)": case.refined_lrs}, ax=left)
    left.set_title("kexue.fm/archives/11530: G_t of the first run (smoothed), both schedules", fontsize=9)
    steps = np.arange(1, case.first_loss.size + 1)
    right.semilogy(steps, case.first_loss, lw=1.0, label="first run (logged)")
    right.semilogy(steps, case.second_loss, lw=1.0, label="second run (refined schedule)")
    right.set_xlabel("step t")
    right.set_ylabel("loss minus its minimum (all data)")
    right.set_title(f"noisy least squares, SGD, batch 8: final {case.first_loss[-1]:.2e} → "
                    f"{case.second_loss[-1]:.2e}", fontsize=9)
    right.legend(fontsize=8)
    fig.tight_layout()
    return fig


_FIGURES: tuple[tuple[str, Callable[[], Any]], ...] = (
    ("geodesics_sphere.png", _sphere),
    ("newton_vs_jacobi.png", _newton_jacobi),
    ("conservation_drift.png", _drift),
    ("isotropy.png", _isotropy),
    ("learning_rates.png", _learning_rates),
)

_NEED_TORCH = frozenset({"isotropy.png", "learning_rates.png"})
"""Pictures computed with PyTorch; left out (and left alone in the folder) when it is not installed."""


def _wanted() -> tuple[tuple[str, Callable[[], Any]], ...]:
    if ml_available():
        return _FIGURES
    return tuple((name, make) for name, make in _FIGURES if name not in _NEED_TORCH)


def _publish(staging: pathlib.Path, outdir: pathlib.Path, names: list[str]) -> None:
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
    for name in names:
        os.replace(staging / name, outdir / name)


def demo_figures(outdir: pathlib.Path) -> list[pathlib.Path]:
    """Write the demo's PNG pictures into ``outdir`` and return their paths.

    The pictures: geodesics from one point of the unit sphere drawn on the sphere; the
    worked case of Su Jianlin's "Geometry everywhere (mechanics made geometric)",
    https://kexue.fm/archives/4046 (Newton's paths in :math:`U = -(x^2+y^2)/2` over the geodesics
    of :math:`\\tfrac12(x^2+y^2)(dx^2+dy^2)`); the drift of :math:`g(u,u)`, :math:`p_t` and
    :math:`p_\\phi` along Schwarzschild orbits. With torch installed, two more: the singular
    values of Newton–Schulz ``msign`` inside their bands and the cosine between ΔY and the
    feature-space steepest step for raw and whitened inputs ("Why do we prefer isotropy?",
    https://kexue.fm/archives/11549); the logged gradient norms, the refined schedule and the
    losses of both runs ("fine-tuning the learning rate from gradients",
    https://kexue.fm/archives/11530). Without torch those two are not made, and earlier copies
    of them are left as they are.

    All pictures are made in a temporary folder first and moved into ``outdir`` only when
    every one succeeded, each file with one atomic rename (a new ``outdir`` with one rename of
    the folder). If anything fails, ``outdir`` is left as it was and the temporary folder is
    removed. Earlier copies of these files are replaced; no other file is touched.

    Raises
    ------
    InputError
        If ``outdir`` exists and is not a directory.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     [p.name for p in demo_figures(pathlib.Path(d))][:3]
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
    figures = _wanted()
    try:
        for name, make in figures:
            fig = make()
            try:
                fig.savefig(staging / name, dpi=120)
            finally:
                plt.close(fig)
        _publish(staging, outdir, [name for name, _ in figures])
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [outdir / name for name, _ in figures]
