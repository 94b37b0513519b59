"""``extremal schedule``: a learning-rate schedule computed from the gradient norms of a logged run.

The rules are the whole-run minimisers of Su (2026), "Making alchemy more scientific (5):
fine-tuning the learning rate from gradients", https://kexue.fm/archives/11530, from
:mod:`extremal.optim`: ``refine`` (:func:`~extremal.optim.refined`, eq:last-2-opt-lr),
``inverse-square`` (:func:`~extremal.optim.inverse_square_optimal`, leq:avg-weighted),
``constant`` (:func:`~extremal.optim.constant_optimal`, leq:old-avg-optimal) and
``last-iterate`` (:func:`~extremal.optim.last_iterate_constant`, leq:last-1).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from extremal.cli._exit import OK, json_document, number, numbers, wants_json
from extremal.cli._files import Output, output, save_figure, write_atomic
from extremal.cli._logs import add_log_args, logged_norms, logged_radius
from extremal.cli._numbers import positive_float, positive_int
from extremal.errors import InputError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["RULES", "add_parser", "run"]

RULES: dict[str, tuple[str, str, str]] = {
    "refine": ("refined", "(eq:last-2-opt-lr)", "last_iterate_bound_best_final_rate"),
    "inverse-square": ("inverse_square_optimal", "(leq:avg-weighted)", "weighted_average_bound"),
    "constant": ("constant_optimal", "(leq:old-avg-optimal)", "bounded_domain_average_bound"),
    "last-iterate": ("last_iterate_constant", "(leq:last-1)", "last_iterate_bound_non_increasing"),
}
"""Rule name: the :mod:`extremal.optim` function, the article's equation, and the bound it minimises."""

_DATA = ("csv", "json")


def _resample(norms: NDArray[np.float64], steps: int) -> NDArray[np.float64]:
    """The norms of a run of ``steps`` steps with the logged profile: G_t^2 interpolated over the fraction t/T."""
    import numpy as np

    if steps == norms.size:
        return norms
    if norms.size == 1:
        return np.full(steps, norms[0])
    where = np.linspace(0.0, 1.0, steps)
    return np.sqrt(np.interp(where, np.linspace(0.0, 1.0, norms.size), norms**2))


def _rates(rule: str, norms: NDArray[np.float64], radius: float, cap: float | None,
           source: str) -> NDArray[np.float64]:
    from extremal import optim

    function: Callable[..., NDArray[np.float64]] = getattr(optim, RULES[rule][0])
    try:
        return function(norms, radius, cap=cap) if rule == "refine" else function(norms, radius)
    except InputError as exc:
        raise InputError(f"--grad-norms {source!r}: {exc}") from None


def _bound(rule: str, lrs: NDArray[np.float64], norms: NDArray[np.float64], radius: float) -> float:
    from extremal import optim

    bound = getattr(optim, RULES[rule][2])
    return float(bound(lrs[:-1], norms, radius) if rule == "refine" else bound(lrs, norms, radius))


def _data_target(value: str) -> Output:
    target = output(value, "schedule.csv", figure=False)
    if target.format not in _DATA:
        raise InputError(f"--out {value!r}: the schedule is written as .csv or .json; end the name with one of them "
                         "(--plot writes the picture).")
    return target


def _write_schedule(target: Output, document: dict[str, Any], norms: NDArray[np.float64],
                    lrs: NDArray[np.float64]) -> None:
    if target.format == "json":
        text = json.dumps(document, allow_nan=False) + "\n"
    else:
        lines = ["step,grad_norm,lr"] + [f"{t},{g!r},{lr!r}" for t, (g, lr) in
                                          enumerate(zip(norms.tolist(), lrs.tolist(), strict=True), start=1)]
        text = "\n".join(lines) + "\n"
    write_atomic(target, lambda f: f.write(text.encode()))


def run(args: argparse.Namespace) -> int:
    """Read the log, compute the rule's rates, print a summary (or JSON) and write the files asked for."""
    import numpy as np

    if args.cap is not None and args.rule != "refine":
        raise InputError(f"--cap bounds the refined schedule only; drop it for '{args.rule}'.")
    if args.radius is not None and args.peak_lr is not None:
        raise InputError("give --radius or --peak-lr, not both: each sets the scale of the rates.")
    out = None if args.out is None else _data_target(args.out)
    plot = None if args.plot is None else output(args.plot, "schedule.png", option="--plot")
    log, logged = logged_norms(args)
    steps = args.steps or logged.size
    norms = _resample(logged, steps)
    if args.peak_lr is not None:
        unit = _rates(args.rule, norms, 1.0, args.cap, args.grad_norms)
        top = float(np.max(unit))
        if not np.isfinite(top) or top <= 0:
            raise InputError(f"the {args.rule} rates of these norms are {top!r} at their peak; --peak-lr cannot "
                             "scale them. Pass --radius.")
        radius = args.peak_lr / top
    else:
        radius = logged_radius(log, args.radius, " or --peak-lr X, the largest rate wanted")
    lrs = _rates(args.rule, norms, radius, args.cap, args.grad_norms)
    function, equation, bound_name = RULES[args.rule]
    bound = _bound(args.rule, lrs, norms, radius)
    peak = int(np.argmax(lrs))
    document = {
        "rule": args.rule, "function": function, "equation": equation, "source": args.grad_norms,
        "logged_steps": int(logged.size), "steps": int(steps), "smooth": args.smooth, "radius": number(radius),
        "cap": args.cap, "bound": {"function": bound_name, "value": number(bound)},
        "grad_norms": numbers(norms), "lrs": numbers(lrs),
    }
    files = {"data": None if out is None else str(out.path), "picture": None if plot is None else str(plot.path)}
    if out is not None:
        _write_schedule(out, document, norms, lrs)
    if plot is not None:
        from extremal.plot import plot_schedule
        from extremal.plot._geodesics import pyplot

        fig = plot_schedule(norms, {f"{args.rule} {equation}": lrs})
        fig.axes[0].set_title(f"{function}: T = {steps}, R = {radius:.4g}", fontsize=9)
        try:
            save_figure(fig, plot)
        finally:
            pyplot().close(fig)
    if wants_json(args):
        print(json_document("schedule", document, [], OK, files))
        return OK
    resampled = f" (resampled from the {logged.size} logged)" if steps != logged.size else ""
    print(f"{args.rule}: {function} {equation} of Su (2026), https://kexue.fm/archives/11530")
    print(f"steps T = {steps}{resampled}, R = {radius:.6g}" + (f", cap {args.cap:g}" if args.cap else ""))
    print(f"rates: first {lrs[0]:.6g}, peak {lrs[peak]:.6g} at step {peak + 1}, last {lrs[-1]:.6g}; "
          f"sum {float(np.sum(lrs)):.6g}")
    print(f"its bound {bound_name}: {bound:.6g}")
    for target in (out, plot):
        if target is not None:
            print(f"wrote {target.path}")
    if out is None:
        print("(pass --out schedule.csv or schedule.json for every rate)")
    return OK


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``schedule`` subcommand; its handler is ``args.func(args) -> int``.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="extremal")
    >>> add_parser(parser.add_subparsers())
    >>> args = parser.parse_args(["schedule", "refine", "--grad-norms", "log.csv", "--steps", "100"])
    >>> args.rule, args.steps, args.smooth
    ('refine', 100, 1)
    """
    p = subparsers.add_parser(
        "schedule",
        help="a learning-rate schedule from logged gradient norms (refined warm-up and decay, ...)",
        description="Compute the learning rates of a run from the gradient norms G_t of a logged run, by a "
        "whole-run rule of Su (2026), https://kexue.fm/archives/11530: refine (the warm-up/decay schedule "
        "R G_t^-2 (1 - Q_t/Q_T)/sqrt(Q_T), eq:last-2-opt-lr), inverse-square (R G_t^-2/sqrt(Q_T)), constant "
        "(R/sqrt(V_T)), last-iterate (R/sqrt(T V~_T)). Print a summary and the value of the bound the rule "
        "minimises; write every rate with --out and a picture with --plot. Log the norms with "
        "extremal.optim.GradNormRecorder (norms and distances).",
        epilog="examples:\n"
        "  extremal schedule refine --grad-norms log.csv --steps 1000 --out schedule.csv --plot schedule.png\n"
        "  extremal schedule refine --grad-norms log.json --peak-lr 0.3 --smooth 20 --format json\n\n"
        "The --out file is written atomically; an existing file is replaced only if you name it with --out "
        "(always the case here); --plot likewise.",
    )
    p.add_argument("rule", choices=sorted(RULES), help="the rule (refine: the article's refined schedule)")
    add_log_args(p)
    p.add_argument("--steps", type=positive_int, metavar="N",
                   help="steps T of the run to schedule (default: as many as logged; another N resamples the "
                   "logged profile of G_t^2 over the fraction t/T of the run)")
    p.add_argument("--radius", type=positive_float, metavar="R",
                   help="R = |θ_1 - θ*| (default: the largest value of a 'distance' column of the log)")
    p.add_argument("--peak-lr", type=positive_float, metavar="X",
                   help="instead of --radius: scale the rates so that the largest is X")
    p.add_argument("--cap", type=positive_float, metavar="C",
                   help="refine only: bound each rate by C R/sqrt(V_t), the AdaGrad-norm rate of the same log")
    p.add_argument("--out", metavar="FILE", help="write every rate: .csv (step,grad_norm,lr) or .json")
    p.add_argument("--plot", metavar="FILE", help="write a picture of G_t and the rates (.png, .svg, .pdf, ...)")
    p.set_defaults(func=run)
