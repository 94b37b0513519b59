"""``extremal newton-jacobi``: Newton's path against the geodesic of the Jacobi metric, overlaid in a PNG."""

from __future__ import annotations

import argparse
import pathlib

import numpy as np

from extremal.cli._numbers import interval, vectors
from extremal.numerics.mechanics import newton_vs_jacobi
from extremal.numerics.status import status_counts
from extremal.symbolic.metric import Metric

__all__ = ["add_parser", "run"]


def run(args: argparse.Namespace) -> int:
    """Integrate both systems from the same data; print the max gap and write the overlay."""
    from extremal.plot.geodesics import _pyplot, plot_newton_jacobi

    kinetic = Metric.from_line_element(args.line_element, args.coords)
    comparison = newton_vs_jacobi(
        kinetic, args.potential, vectors(args.x0 or ["1,0"], "x0"), vectors(args.v0 or ["0,1"], "v0"),
        interval(args.s, "s", args.samples), energy=args.energy,
    )
    plt = _pyplot()
    fig = plot_newton_jacobi(comparison)
    out = pathlib.Path(args.out)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    gap = comparison.distance()
    print(f"kinetic metric {kinetic}, U = {args.potential}, E = {comparison.energy.tolist()}")
    print(f"status: {status_counts(comparison.status)}")
    print(f"max gap {float(np.nanmax(gap)):.3e}")
    print(f"wrote {out}")
    return 0 if np.all(np.isfinite(gap)) else 1


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``newton-jacobi`` subcommand; its handler is ``args.func(args) -> int``.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="extremal")
    >>> add_parser(parser.add_subparsers())
    >>> args = parser.parse_args(["newton-jacobi", "--potential", "(x**2 + y**2)/2", "--energy", "1"])
    >>> args.line_element, args.coords, args.energy
    ('dx**2 + dy**2', 'x y', 1.0)
    """
    p = subparsers.add_parser(
        "newton-jacobi",
        help="overlay Newton's path and the Jacobi-metric geodesic; print the max gap",
        description="Integrate Newton's equations for T = g(v, v)/2 and the potential U, and the geodesics of "
        "the Jacobi metric (E - U) g from the same data, reparametrised to Newton's time; write the overlay "
        "and print the largest distance between the curves.",
    )
    p.add_argument("line_element", nargs="?", default="dx**2 + dy**2",
                   help='kinetic metric g (default "dx**2 + dy**2")')
    p.add_argument("--coords", default="x y", help='coordinate names (default "x y")')
    p.add_argument("--potential", required=True, help='U in the coordinates, e.g. "(x**2 + y**2)/2"')
    p.add_argument("--energy", type=float, help="total energy E; --v0 then only sets the direction")
    p.add_argument("--x0", action="append", help="initial point (default 1,0); repeat for a batch")
    p.add_argument("--v0", action="append", help="initial velocity or direction (default 0,1); repeat for a batch")
    p.add_argument("--s", default="2", help="END or START:END of the geodesic parameter (default 2)")
    p.add_argument("--samples", type=int, default=100, help="points compared along each curve (default 100)")
    p.add_argument("--out", default="newton-jacobi.png", help="PNG to write (default newton-jacobi.png)")
    p.set_defaults(func=run)
