"""``extremal trajectory``: integrate a Lagrangian's equations of motion and write a PNG with the energy drift."""

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
from extremal.cli._numbers import file_help, interval, positive_float, positive_int, rows
from extremal.cli._progress import progress_bar

if TYPE_CHECKING:
    from extremal.numerics import TrajectoryBatch

__all__ = ["add_parser", "run"]

_TABLE = ("t", "q", "qdot", "status")


def _arrays(batch: TrajectoryBatch) -> dict[str, Any]:
    import numpy as np

    return {"t": batch.t, "q": batch.q, "qdot": batch.qdot, "status": batch.status,
            "coords": np.array(batch.coords)}


def _json_rows(batch: TrajectoryBatch, ok: Any) -> list[dict[str, Any]]:
    out = []
    for row in range(batch.q.shape[0]):
        entry = row_status(batch.status[row], ok[row])
        good = bool(ok[row])
        entry.update(
            t_final=number(batch.t_final[row]),
            q_final=numbers(batch.q_final[row]) if good else None,
            qdot_final=numbers(batch.qdot_final[row]) if good else None,
            energy_drift=number(batch.drift[row]) if good and batch.drift is not None else None,
        )
        out.append(entry)
    return out


def run(args: argparse.Namespace) -> int:
    """Integrate the trajectories described by ``args``, write the PNG (or data file) and print a summary.

    Returns 0 if every trajectory succeeded, 3 if some failed, 4 if all failed (no PNG then).
    """
    import numpy as np

    from extremal.numerics import DormandPrince853, status_counts, trajectories
    from extremal.plot._trajectories import plot_trajectories
    from extremal.symbolic import Lagrangian

    target = output(args.out, "trajectory.png", data=True)
    lagrangian = Lagrangian.parse(args.lagrangian, args.coords, args.time)
    times = interval(args.t, "t", args.samples)
    with progress_bar("trajectories", not args.no_progress) as progress:
        batch = trajectories(
            lagrangian, rows(args.q0, getattr(args, "q0_file", None), "q0"),
            rows(args.v0, getattr(args, "v0_file", None), "v0"), times,
            method=DormandPrince853(rtol=args.rtol, atol=args.rtol), progress=progress,
        )
    ok = batch.success
    if target.is_data:
        closing = finish_data(ok, target, lambda: _arrays(batch), _TABLE)
    else:
        closing = finish_rows(ok, target, lambda: plot_trajectories(batch), "trajectory")
    code = rows_exit_code(ok)
    if wants_json(args):
        body = {"lagrangian": str(lagrangian.expr), "coords": list(batch.coords),
                "t": [number(times[0]), number(times[-1])], "status_counts": status_counts(batch.status)}
        print(json_document("trajectory", body, _json_rows(batch, ok), code, written(ok, target)))
        return code
    print(f"{batch.q.shape[0]} trajectory(ies) of L = {lagrangian.expr} for t in [{times[0]}, {times[-1]}]")
    if not np.any(ok):
        print(f"status: {status_counts(batch.status)}")
    elif batch.drift is None:
        print(f"status: {status_counts(batch.status)}; max energy drift: n/a (L depends on t)")
    else:
        drift = float(np.nanmax(batch.drift[ok]))
        print(f"status: {status_counts(batch.status)}; max energy drift: {drift:.1e}{over_successful(ok)}")
    for row in range(batch.q.shape[0]):
        if ok[row]:
            print(f"  q(t_end) = {np.array2string(batch.q_final[row], precision=10)}")
        else:
            print(f"  {failure(batch.status[row])}; stopped at t = {batch.t_final[row]:g}")
    print(closing)
    return code


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``trajectory`` subcommand; its handler is ``args.func(args) -> int``.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="extremal")
    >>> add_parser(parser.add_subparsers())
    >>> args = parser.parse_args(["trajectory", "xdot**2/2 - x**2/2", "--coords", "x", "--q0", "1", "--v0", "0"])
    >>> args.t, args.out
    ('10', None)
    """
    p = subparsers.add_parser(
        "trajectory",
        help="integrate a Lagrangian's equations of motion and plot them with the energy drift",
        description="Integrate the Euler-Lagrange equations of LAGRANGIAN (velocities are the coordinate "
        "names with 'dot', e.g. xdot) from --q0, --v0; write a PNG of the paths and the energy drift and "
        "print the end points.",
        epilog=ROWS_EPILOG,
    )
    p.add_argument("lagrangian", help='e.g. "(rdot**2 + r**2*thetadot**2)/2 + 1/r"')
    p.add_argument("--coords", required=True, help='coordinate names, e.g. "r theta"')
    p.add_argument("--time", default="t", help="name of the time variable (default t)")
    p.add_argument("--q0", action="append", help="initial coordinates; repeat for a batch")
    p.add_argument("--v0", action="append", help="initial velocities; repeat for a batch")
    p.add_argument("--q0-file", metavar="FILE", help=file_help("initial coordinates", "q0"))
    p.add_argument("--v0-file", metavar="FILE", help=file_help("initial velocities", "v0"))
    p.add_argument("--t", default="10", help="END or START:END of the time (default 10)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (there is none off a terminal)")
    p.add_argument("--samples", type=positive_int, default=400, help="output times (default 400)")
    p.add_argument("--rtol", type=positive_float, default=1e-10,
                   help="tolerance of the DOP853 integrator (default 1e-10)")
    p.add_argument("--out", help="picture to write (default trajectory.png, which must not exist yet); a name "
                   "ending in .npz or .csv writes the sampled arrays instead: t (N, m), q and qdot (N, m, n), "
                   "status (N,) and coords in a .npz; one line per row and sample (row, t, coordinates, "
                   "qdot_<coord>, status code) in a .csv; nan after a row stopped")
    p.set_defaults(func=run)
