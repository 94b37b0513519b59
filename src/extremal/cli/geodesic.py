"""``extremal geodesic``: integrate geodesics of a line element and write a PNG."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from extremal.cli._exit import (
    ROWS_EPILOG,
    failure,
    finish_data,
    finish_rows,
    json_document,
    number,
    numbers,
    over_successful,
    row_status,
    rows_exit_code,
    wants_json,
    written,
)
from extremal.cli._files import output
from extremal.cli._numbers import file_help, interval, nonnegative_int, positive_float, positive_int, rows
from extremal.cli._progress import progress_bar

if TYPE_CHECKING:
    from extremal.numerics import GeodesicBatch

__all__ = ["add_parser", "run"]

_TABLE = ("s", "x", "v", "status")


def _arrays(batch: GeodesicBatch) -> dict[str, Any]:
    import numpy as np

    return {"s": batch.s, "x": batch.x, "v": batch.v, "status": batch.status, "coords": np.array(batch.coords)}


def _json_rows(batch: GeodesicBatch, ok: Any) -> list[dict[str, Any]]:
    out = []
    length = batch.length
    for row in range(batch.x.shape[0]):
        entry = row_status(batch.status[row], ok[row])
        good = bool(ok[row])
        entry.update(
            s_final=number(batch.s_final[row]),
            x_final=numbers(batch.x_final[row]) if good else None,
            v_final=numbers(batch.v_final[row]) if good else None,
            length=number(length[row]) if good else None,
            drift={k: number(batch.drift[row, i]) if good else None for i, k in enumerate(batch.conserved_names)},
        )
        out.append(entry)
    return out


def run(args: argparse.Namespace) -> int:
    """Integrate the geodesics described by ``args``, write the PNG (or data file) and print a summary.

    Returns 0 if every geodesic succeeded, 3 if some failed, 4 if all failed (no PNG then).
    """
    import numpy as np

    from extremal.numerics import DormandPrince853, geodesics, status_counts
    from extremal.plot._geodesics import plot_chart
    from extremal.symbolic import Metric

    target = output(args.out, "geodesic.png", data=True)
    metric = Metric.from_line_element(args.line_element, args.coords)
    x0 = rows(args.x0, getattr(args, "x0_file", None), "x0")
    v0 = rows(args.v0, getattr(args, "v0_file", None), "v0")
    with progress_bar("geodesics", not args.no_progress) as progress:
        batch = geodesics(
            metric, x0, v0, interval(args.s, "s", args.samples),
            method=DormandPrince853(rtol=args.rtol, atol=args.rtol), progress=progress,
        )
    ok = batch.success
    if target.is_data:
        closing = finish_data(ok, target, lambda: _arrays(batch), _TABLE)
    else:
        closing = finish_rows(ok, target, lambda: plot_chart(batch, axes=tuple(args.axes)), "geodesic")
    code = rows_exit_code(ok)
    if wants_json(args):
        body = {"metric": str(metric), "coords": list(batch.coords),
                "s": [number(batch.s[0, 0]), number(batch.s[0, -1])], "status_counts": status_counts(batch.status)}
        print(json_document("geodesic", body, _json_rows(batch, ok), code, written(ok, target)))
        return code
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
    return code


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
    p.add_argument("--x0", action="append", help="initial point, comma separated; repeat for a batch")
    p.add_argument("--v0", action="append", help="initial velocity; repeat for a batch")
    p.add_argument("--x0-file", metavar="FILE", help=file_help("initial points", "x0"))
    p.add_argument("--v0-file", metavar="FILE", help=file_help("initial velocities", "v0"))
    p.add_argument("--s", default="1", help="END or START:END of the affine parameter (default 1)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (there is none off a terminal)")
    p.add_argument("--samples", type=positive_int, default=200, help="points along each geodesic (default 200)")
    p.add_argument("--rtol", type=positive_float, default=1e-10,
                   help="tolerance of the DOP853 integrator (default 1e-10)")
    p.add_argument("--axes", type=nonnegative_int, nargs=2, default=[0, 1],
                   help="coordinate indices to plot (default 0 1)")
    p.add_argument("--out", help="picture to write (default geodesic.png, which must not exist yet); a name ending "
                   "in .npz or .csv writes the sampled arrays instead: s (N, m), x and v (N, m, n), status (N,) "
                   "and coords in a .npz; one line per row and sample (row, s, coordinates, v_<coord>, status "
                   "code) in a .csv; nan after a row stopped")
    p.set_defaults(func=run)
