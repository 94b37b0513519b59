"""``extremal bound``: the convergence bounds of SGD evaluated on logged gradient norms.

The bounds are those of Su (2026), "Making alchemy more scientific (5): fine-tuning the
learning rate from gradients", https://kexue.fm/archives/11530, as computed by
:mod:`extremal.optim`; each is evaluated for the rates of a logged run (``--lrs``) and for
the article's schedules built from the same norms, so they can be compared on one inequality.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from extremal.cli._exit import OK, json_document, number, wants_json
from extremal.cli._logs import add_log_args, logged_norms, logged_radius, read_log
from extremal.cli._numbers import positive_float
from extremal.errors import InputError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["BOUNDS", "SCHEDULES", "add_parser", "run"]

BOUNDS: dict[str, tuple[str, str]] = {
    "old-avg": ("bounded_domain_average_bound", "(leq:old-avg): average loss, bounded domain, non-increasing rates"),
    "avg": ("average_bound", "average loss, unbounded domain, non-increasing rates"),
    "avg-weighted": ("weighted_average_bound", "(leq:avg-weighted): rate-weighted average loss, any rates"),
    "last-1": ("last_iterate_bound_non_increasing", "(leq:last-1): last iterate, non-increasing rates"),
    "last-2": ("last_iterate_bound_best_final_rate", "(leq:last-2): last iterate, any rates, best final rate"),
}
"""Column name: the :mod:`extremal.optim` function and what it bounds."""

SCHEDULES: dict[str, str] = {
    "R/sqrt(V_T)": "constant_optimal",
    "R G_t^-2/sqrt(Q_T)": "inverse_square_optimal",
    "R/sqrt(T V~_T)": "last_iterate_constant",
    "refined": "refined",
}
"""The article's whole-run schedules, compared with the logged rates: label and :mod:`extremal.optim` function."""

_RATE_COLUMNS = ("lr", "lrs", "learning_rate", "rate")


def _evaluate(lrs: NDArray[np.float64], norms: NDArray[np.float64], radius: float) -> dict[str, float | None]:
    """Every bound of :data:`BOUNDS` for ``lrs``; None where it assumes non-increasing rates and they increase."""
    from extremal import optim

    values: dict[str, float | None] = {}
    for name, (function, _) in BOUNDS.items():
        bound: Callable[..., float] = getattr(optim, function)
        try:
            values[name] = float(bound(lrs[:-1], norms, radius) if name == "last-2" else bound(lrs, norms, radius))
        except InputError as exc:
            if "non-increasing" not in str(exc):
                raise
            values[name] = None
    return values


def run(args: argparse.Namespace) -> int:
    """Evaluate every bound for the logged rates (if given) and for the article's schedules; print a table."""
    from extremal import optim

    log, norms = logged_norms(args)
    radius = logged_radius(log, args.radius, "")
    rows: dict[str, NDArray[np.float64]] = {}
    if args.lrs is not None:
        rates = read_log(args.lrs, "--lrs")
        lrs = rates.require((args.lr_column,) if args.lr_column else _RATE_COLUMNS, "learning rates")
        if lrs.size != norms.size:
            raise InputError(f"--lrs {args.lrs!r} has {lrs.size} rates and --grad-norms {args.grad_norms!r} "
                             f"{norms.size} norms; the bounds need one rate per logged step.")
        rows["logged rates (--lrs)"] = lrs
    for label, function in SCHEDULES.items():
        try:
            rows[label] = getattr(optim, function)(norms, radius)
        except InputError as exc:
            raise InputError(f"--grad-norms {args.grad_norms!r}: {exc}") from None
    values = {label: _evaluate(lrs, norms, radius) for label, lrs in rows.items()}
    if wants_json(args):
        body: dict[str, Any] = {
            "source": args.grad_norms, "steps": int(norms.size), "smooth": args.smooth, "radius": number(radius),
            "bounds": {name: {"function": f, "meaning": m} for name, (f, m) in BOUNDS.items()},
        }
        entries = [{"schedule": label, "bounds": {k: number(v) for k, v in row.items()},
                    "not_applicable": [k for k, v in row.items() if v is None]} for label, row in values.items()]
        print(json_document("bound", body, entries, OK, {}))
        return OK
    print(f"bounds of Su (2026), https://kexue.fm/archives/11530, on {norms.size} logged gradient norms, "
          f"R = {radius:.6g}")
    width = max(len(label) for label in values) + 2
    print(f"{'schedule':{width}s}" + "".join(f"{name:>14s}" for name in BOUNDS))
    for label, row in values.items():
        print(f"{label:{width}s}" + "".join(f"{'—':>14s}" if v is None else f"{v:14.6g}" for v in row.values()))
    print("— : the bound assumes non-increasing rates, and these increase somewhere")
    for name, (function, meaning) in BOUNDS.items():
        print(f"  {name}: {function}, {meaning}")
    return OK


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``bound`` subcommand; its handler is ``args.func(args) -> int``.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="extremal")
    >>> add_parser(parser.add_subparsers())
    >>> args = parser.parse_args(["bound", "--grad-norms", "log.csv", "--radius", "2"])
    >>> args.radius, args.lrs
    (2.0, None)
    """
    p = subparsers.add_parser(
        "bound",
        help="evaluate the learning-rate article's convergence bounds on logged gradient norms",
        description="Evaluate the bounds of SGD of Su (2026), https://kexue.fm/archives/11530 (leq:old-avg, the "
        "unbounded average bound, leq:avg-weighted, leq:last-1, leq:last-2) on the gradient norms G_t of a "
        "logged run, for its rates (--lrs) and for the article's schedules of the same norms.",
        epilog="examples:\n"
        "  extremal bound --grad-norms log.csv --radius 3.5\n"
        "  extremal bound --grad-norms log.csv --lrs schedule.csv --format json",
    )
    add_log_args(p)
    p.add_argument("--radius", type=positive_float, metavar="R",
                   help="R = |θ_1 - θ*| (default: the largest value of a 'distance' column of the log)")
    p.add_argument("--lrs", metavar="FILE",
                   help="the rates of the logged run, one per step: a file like --grad-norms (the 'lr' column of "
                   "a schedule written by extremal schedule --out, or one number per line)")
    p.add_argument("--lr-column", metavar="NAME",
                   help=f"the header name of the rates (default: the first of {', '.join(_RATE_COLUMNS)})")
    p.set_defaults(func=run)
