"""``extremal shortest-path``: the geodesic joining two points of a line element, its length and a PNG."""

from __future__ import annotations

import argparse

from extremal.cli._exit import (
    ROWS_EPILOG,
    failure,
    finish_rows,
    json_document,
    number,
    numbers,
    row_status,
    rows_exit_code,
    wants_json,
    written,
)
from extremal.cli._files import output
from extremal.cli._numbers import nonnegative_int, positive_int, vector

__all__ = ["add_parser", "run"]


def run(args: argparse.Namespace) -> int:
    """Solve the boundary-value problem; print length and status, write the PNG.

    Returns 0 when the solve converged to a geodesic whose end points are not conjugate,
    4 otherwise (the status line says which failure it was, and no PNG is written).
    """
    from extremal.numerics import Status, geodesic_between
    from extremal.plot._geodesics import plot_path
    from extremal.symbolic import Metric

    target = output(args.out, "shortest-path.png")
    metric = Metric.from_line_element(args.line_element, args.coords)
    path = geodesic_between(metric, vector(args.from_, "from"), vector(args.to, "to"), samples=args.samples)
    status = Status(int(path.status[0]))
    ok = path.status == Status.SUCCESS
    closing = finish_rows(ok, target, lambda: plot_path(path, axes=tuple(args.axes)), "pair")
    code = rows_exit_code(ok)
    if wants_json(args):
        good = bool(ok[0])
        entry = row_status(status, good)
        entry.update(
            length=number(path.length[0]) if good else None,
            v0=numbers(path.v0[0]) if good else None,
            residual=number(path.residual[0]) if good else None,
            method=("collocation" if path.collocated[0] else "shooting after the path-energy fallback"
                    if path.fallback_used[0] else "shooting") if good else None,
        )
        body = {"metric": str(metric), "coords": list(path.coords), "from": numbers(vector(args.from_, "from")),
                "to": numbers(vector(args.to, "to"))}
        print(json_document("shortest-path", body, [entry], code, written(ok, target)))
        return code
    if ok[0]:
        how = "shooting after the path-energy fallback" if path.fallback_used[0] else "shooting"
        how = "collocation" if path.collocated[0] else how
        print(f"length {path.length[0]:.12g}")
        print(f"status {status.name} ({how}; residual {path.residual[0]:.1e})")
        print(f"v0 {path.v0[0].tolist()}")
    else:
        print(f"status {failure(status)}; no length to report")
    print(closing)
    return code


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``shortest-path`` subcommand; its handler is ``args.func(args) -> int``.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="extremal")
    >>> add_parser(parser.add_subparsers())
    >>> args = parser.parse_args(["shortest-path", "dx**2 + dy**2", "--coords", "x y",
    ...                           "--from", "0,0", "--to", "3,4"])
    >>> args.from_, args.out
    ('0,0', None)
    """
    p = subparsers.add_parser(
        "shortest-path",
        help="geodesic between two points of a line element (length, status, PNG)",
        description="Find the geodesic from --from to --to (shooting with Newton, path-energy fallback), "
        "print its length and status, and write a PNG of it in the chart. Exit code 4 (and no PNG) if it did not "
        "converge, the end points are conjugate or a point is outside the chart.",
        epilog=ROWS_EPILOG,
    )
    p.add_argument("line_element", help='e.g. "dth**2 + sin(th)**2*dph**2"')
    p.add_argument("--coords", required=True, help='coordinate names, e.g. "th ph"')
    p.add_argument("--from", dest="from_", required=True, help="start point, comma separated")
    p.add_argument("--to", required=True, help="end point, comma separated")
    p.add_argument("--samples", type=positive_int, default=65, help="points along the drawn path (default 65)")
    p.add_argument("--axes", type=nonnegative_int, nargs=2, default=[0, 1],
                   help="coordinate indices to plot (default 0 1)")
    p.add_argument("--out", help="picture to write (default shortest-path.png, which must not exist yet)")
    p.set_defaults(func=run)
