"""``extremal geodesic``: integrate geodesics of a line element and write a PNG."""

from __future__ import annotations

import argparse
import pathlib

import numpy as np

from extremal.cli._numbers import interval, vectors
from extremal.numerics.geodesic_ivp import geodesics
from extremal.numerics.methods import DormandPrince853
from extremal.numerics.status import status_counts
from extremal.symbolic.metric import Metric

__all__ = ["add_parser", "run"]


def run(args: argparse.Namespace) -> int:
    """Integrate the geodesics described by ``args``, write the PNG and print a summary."""
    from extremal.plot.geodesics import _pyplot, plot_chart

    metric = Metric.from_line_element(args.line_element, args.coords)
    x0, v0 = vectors(args.x0, "x0"), vectors(args.v0, "v0")
    batch = geodesics(
        metric, x0, v0, interval(args.s, "s", args.samples), method=DormandPrince853(rtol=args.rtol, atol=args.rtol)
    )
    plt = _pyplot()
    fig = plot_chart(batch, axes=tuple(args.axes))
    out = pathlib.Path(args.out)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    drift = ", ".join(f"{k} {v:.1e}" for k, v in batch.drift_report().items())
    print(f"{batch.x.shape[0]} geodesic(s) of {metric} for s in [{batch.s[0, 0]}, {batch.s[0, -1]}]")
    print(f"status: {status_counts(batch.status)}; max drift: {drift}")
    for row in range(batch.x.shape[0]):
        print(f"  x(s_end) = {np.array2string(batch.x_final[row], precision=8)}  length {batch.length()[row]:.10g}")
    print(f"wrote {out}")
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``geodesic`` subcommand; its handler is ``args.func(args) -> int``.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="extremal")
    >>> add_parser(parser.add_subparsers())
    >>> args = parser.parse_args(["geodesic", "dr**2 + r**2*dth**2", "--coords", "r th",
    ...                           "--x0", "1,0", "--v0", "0,1"])
    >>> args.s, args.out
    ('1', 'geodesic.png')
    """
    p = subparsers.add_parser(
        "geodesic",
        help="integrate geodesics of a line element and plot them in the chart",
        description="Integrate geodesics x'' = -Gamma(x', x') from initial points and velocities; "
        "write a PNG of the chart and print the end points, lengths and invariant drift.",
    )
    p.add_argument("line_element", help='e.g. "dth**2 + sin(th)**2*dph**2"')
    p.add_argument("--coords", required=True, help='coordinate names, e.g. "th ph"')
    p.add_argument("--x0", required=True, action="append", help="initial point, comma separated; repeat for a batch")
    p.add_argument("--v0", required=True, action="append", help="initial velocity; repeat for a batch")
    p.add_argument("--s", default="1", help="END or START:END of the affine parameter (default 1)")
    p.add_argument("--samples", type=int, default=200, help="points along each geodesic (default 200)")
    p.add_argument("--rtol", type=float, default=1e-10, help="tolerance of the DOP853 integrator (default 1e-10)")
    p.add_argument("--axes", type=int, nargs=2, default=[0, 1], help="coordinate indices to plot (default 0 1)")
    p.add_argument("--out", default="geodesic.png", help="PNG to write (default geodesic.png)")
    p.set_defaults(func=run)
