"""``extremal newton-jacobi``: Newton's path against the geodesic of the Jacobi metric, overlaid in a PNG."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from extremal.cli._exit import (
    ROWS_EPILOG,
    failure,
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
from extremal.cli._numbers import file_help, finite_float, interval, positive_int, rows

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["add_parser", "run"]


def _initial(args: argparse.Namespace, name: str, default: str) -> NDArray[np.float64]:
    texts, path = getattr(args, name), getattr(args, f"{name}_file", None)
    return rows(texts if texts or path is not None else [default], path, name)


def run(args: argparse.Namespace) -> int:
    """Integrate both systems from the same data; print the max gap and write the overlay.

    Returns 0 if every row succeeded, 3 if some failed, 4 if all failed (no PNG then).
    """
    import numpy as np

    from extremal.numerics import Status, newton_vs_jacobi, status_counts
    from extremal.plot._geodesics import plot_newton_jacobi
    from extremal.symbolic import Metric

    target = output(args.out, "newton-jacobi.png")
    kinetic = Metric.from_line_element(args.line_element, args.coords)
    comparison = newton_vs_jacobi(
        kinetic, args.potential, _initial(args, "x0", "1,0"), _initial(args, "v0", "0,1"),
        interval(args.s, "s", args.samples), energy=args.energy,
    )
    gap = comparison.distance()
    ok = (comparison.status == Status.SUCCESS) & np.isfinite(gap)
    closing = finish_rows(ok, target, lambda: plot_newton_jacobi(comparison), "row")
    code = rows_exit_code(ok)
    if wants_json(args):
        entries = []
        for index in range(ok.size):
            good = bool(ok[index])
            entry = row_status(comparison.status[index], good)
            entry.update(
                energy=number(comparison.energy[index]),
                x_final=numbers(comparison.x_newton[index, -1]) if good else None,
                max_gap=number(gap[index]) if good else None,
            )
            entries.append(entry)
        body = {"metric": str(kinetic), "potential": str(args.potential), "coords": list(comparison.coords)}
        print(json_document("newton-jacobi", body, entries, code, written(ok, target)))
        return code
    print(f"kinetic metric {kinetic}, U = {args.potential}, E = {comparison.energy.tolist()}")
    print(f"status: {status_counts(comparison.status)}")
    if np.any(ok):
        print(f"max gap {float(np.max(gap[ok])):.3e}{over_successful(ok)}")
    for row in np.flatnonzero(~ok):
        why = failure(comparison.status[row]) if comparison.status[row] != Status.SUCCESS else "no finite gap"
        print(f"  row {row}: {why}")
    print(closing)
    return code


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
        epilog=ROWS_EPILOG,
    )
    p.add_argument("line_element", nargs="?", default="dx**2 + dy**2",
                   help='kinetic metric g (default "dx**2 + dy**2")')
    p.add_argument("--coords", default="x y", help='coordinate names (default "x y")')
    p.add_argument("--potential", required=True, help='U in the coordinates, e.g. "(x**2 + y**2)/2"')
    p.add_argument("--energy", type=finite_float, help="total energy E; --v0 then only sets the direction")
    p.add_argument("--x0", action="append", help="initial point (default 1,0); repeat for a batch")
    p.add_argument("--v0", action="append", help="initial velocity or direction (default 0,1); repeat for a batch")
    p.add_argument("--x0-file", metavar="FILE", help=file_help("initial points", "x0"))
    p.add_argument("--v0-file", metavar="FILE", help=file_help("initial velocities or directions", "v0"))
    p.add_argument("--s", default="2", help="END or START:END of the geodesic parameter (default 2)")
    p.add_argument("--samples", type=positive_int, default=100,
                   help="points compared along each curve (default 100)")
    p.add_argument("--out", help="picture to write (default newton-jacobi.png, which must not exist yet)")
    p.set_defaults(func=run)
