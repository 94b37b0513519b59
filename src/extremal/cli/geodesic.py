"""``extremal geodesic``: integrate geodesics of a line element and write a PNG."""

from __future__ import annotations

import argparse

import numpy as np

from extremal.cli._exit import ROWS_EPILOG, failure, finish_rows, over_successful, rows_exit_code
from extremal.cli._files import output
from extremal.cli._numbers import interval, nonnegative_int, positive_float, positive_int, vectors
from extremal.numerics._geodesic_ivp import geodesics
from extremal.numerics._methods import DormandPrince853
from extremal.numerics._status import status_counts
from extremal.symbolic._metric import Metric

__all__ = ["add_parser", "run"]


def run(args: argparse.Namespace) -> int:
    """Integrate the geodesics described by ``args``, write the PNG and print a summary.

    Returns 0 if every geodesic succeeded, 3 if some failed, 4 if all failed (no PNG then).
    """
    from extremal.plot._geodesics import plot_chart

    target = output(args.out, "geodesic.png")
    metric = Metric.from_line_element(args.line_element, args.coords)
    x0, v0 = vectors(args.x0, "x0"), vectors(args.v0, "v0")
    batch = geodesics(
        metric, x0, v0, interval(args.s, "s", args.samples), method=DormandPrince853(rtol=args.rtol, atol=args.rtol)
    )
    ok = batch.success
    closing = finish_rows(ok, target, lambda: plot_chart(batch, axes=tuple(args.axes)), "geodesic")
    print(f"{batch.x.shape[0]} geodesic(s) of {metric} for s in [{batch.s[0, 0]}, {batch.s[0, -1]}]")
    if np.any(ok):
        drift = ", ".join(f"{k} {v:.1e}" for k, v in batch.drift_report().items())
        print(f"status: {status_counts(batch.status)}; max drift: {drift}{over_successful(ok)}")
    else:
        print(f"status: {status_counts(batch.status)}")
    length = batch.length
    for row in range(batch.x.shape[0]):
        if ok[row]:
            print(f"  x(s_end) = {np.array2string(batch.x_final[row], precision=8)}  length {length[row]:.10g}")
        else:
            print(f"  {failure(batch.status[row])}; stopped at s = {batch.s_final[row]:g}")
    print(closing)
    return rows_exit_code(ok)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``geodesic`` subcommand; its handler is ``args.func(args) -> int``.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="extremal")
    >>> add_parser(parser.add_subparsers())
    >>> args = parser.parse_args(["geodesic", "dr**2 + r**2*dth**2", "--coords", "r th",
    ...                           "--x0", "1,0", "--v0", "0,1"])
    >>> args.s, args.x0, args.out
    ('1', ['1,0'], None)
    """
    p = subparsers.add_parser(
        "geodesic",
        help="integrate geodesics of a line element and plot them in the chart",
        description="Integrate geodesics x'' = -Gamma(x', x') from initial points and velocities; "
        "write a PNG of the chart and print the end points, lengths and invariant drift.",
        epilog=ROWS_EPILOG,
    )
    p.add_argument("line_element", help='e.g. "dth**2 + sin(th)**2*dph**2"')
    p.add_argument("--coords", required=True, help='coordinate names, e.g. "th ph"')
    p.add_argument("--x0", required=True, action="append", help="initial point, comma separated; repeat for a batch")
    p.add_argument("--v0", required=True, action="append", help="initial velocity; repeat for a batch")
    p.add_argument("--s", default="1", help="END or START:END of the affine parameter (default 1)")
    p.add_argument("--samples", type=positive_int, default=200, help="points along each geodesic (default 200)")
    p.add_argument("--rtol", type=positive_float, default=1e-10,
                   help="tolerance of the DOP853 integrator (default 1e-10)")
    p.add_argument("--axes", type=nonnegative_int, nargs=2, default=[0, 1],
                   help="coordinate indices to plot (default 0 1)")
    p.add_argument("--out", help="picture to write (default geodesic.png, which must not exist yet)")
    p.set_defaults(func=run)
