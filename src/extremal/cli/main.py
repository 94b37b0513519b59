"""The ``extremal`` command line: a thin layer over the library.

Every subcommand parses its arguments, calls public functions and prints the result as
text (default), LaTeX or JSON. Every failure is one line ``extremal: error: ...`` on stderr
with exit code 2 (see :data:`extremal.cli._exit.EXIT_STATUS` for the other codes). The work
runs inside :func:`extremal.limits` with the ``--timeout`` and ``--max-*`` options.

Building the parser imports neither SymPy, SciPy nor NumPy: each handler imports what it
uses, so ``extremal --help`` and ``extremal --version`` answer at once.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import pathlib
import sys
import threading
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from extremal import __version__
from extremal._limits import Expired, Limits, limits
from extremal.cli import _exit, bound, geodesic, newton_jacobi, schedule, shortest_path, trajectory
from extremal.cli._argv import FORMATS, Parser, normalize_argv, one_line
from extremal.cli._numbers import positive_int, timeout_seconds
from extremal.errors import ExtremalError, InputError

if TYPE_CHECKING:
    from extremal.symbolic import Metric

__all__ = ["main"]

Handler = Callable[[argparse.Namespace], dict[str, Any]]


def _parse_map(items: Sequence[str]) -> dict[str, str]:
    mapping = {}
    for item in items:
        name, sep, expr = item.partition("=")
        if not sep or not name.strip() or not expr.strip():
            raise InputError(f"--map entries look like x='r*cos(theta)'; got {item!r}.")
        mapping[name.strip()] = expr.strip()
    return mapping


def _metric(args: argparse.Namespace) -> Metric:
    from extremal.examples import METRICS
    from extremal.symbolic import Metric

    if args.metric:
        return METRICS[args.metric]()
    if not args.line_element or not args.coords:
        raise InputError("give a line element and --coords, or a built-in --metric "
                         f"({', '.join(METRICS)}).")
    return Metric.from_line_element(args.line_element, args.coords)


def _euler_lagrange(args: argparse.Namespace) -> dict[str, Any]:
    from extremal.symbolic import (
        FieldLagrangian,
        Lagrangian,
        conserved_momenta,
        energy,
        euler_lagrange,
        field_equations,
    )

    if args.fields:
        density = FieldLagrangian.parse(args.lagrangian, args.fields, args.coords)
        return {"Lagrangian density": density, "Euler-Lagrange equations": field_equations(density)}
    L = Lagrangian.parse(args.lagrangian, args.coords, args.time)
    eom = euler_lagrange(L)
    if L.order > 1:
        return {
            "Lagrangian": L,
            f"Euler-Poisson equations (order {eom.order})": eom.conservation_form,
            "expanded": eom,
            "energy": energy(L),
            "conserved momenta (cyclic coordinates)": list(conserved_momenta(L).values()),
        }
    return {
        "Lagrangian": L,
        "Euler-Lagrange equations": eom.conservation_form,
        "solved for the accelerations": eom,
        "energy": energy(L),
        "conserved momenta (cyclic coordinates)": list(conserved_momenta(L).values()),
    }


def _christoffel(args: argparse.Namespace) -> dict[str, Any]:
    from extremal.symbolic import Formula, Variational, christoffel

    m = _metric(args)
    method: Formula | Variational = Formula() if args.method == "formula" else Variational()
    return {"metric": m, f"Christoffel symbols ({args.method})": christoffel(m, method=method)}


def _geodesic_equations(args: argparse.Namespace) -> dict[str, Any]:
    from extremal.symbolic import geodesic_equations

    m = _metric(args)
    eom = geodesic_equations(m)
    return {"metric": m, "geodesic Lagrangian": eom.lagrangian, "geodesic equations": eom}


CURVATURE: dict[str, tuple[str, str]] = {
    "riemann": ("Riemann tensor", "riemann_tensor"),
    "ricci": ("Ricci tensor", "ricci_tensor"),
    "scalar": ("Ricci scalar", "ricci_scalar"),
    "einstein": ("Einstein tensor", "einstein_tensor"),
    "kretschmann": ("Kretschmann scalar", "kretschmann_scalar"),
    "gaussian": ("Gaussian curvature", "gaussian_curvature"),
}
"""``--what`` choice: the section label and the name of the :mod:`extremal.symbolic` function computing it."""


def _curvature(args: argparse.Namespace) -> dict[str, Any]:
    from extremal import symbolic

    m = _metric(args)
    wanted = args.what or (["gaussian", "scalar"] if m.dim == 2 else ["ricci", "scalar"])
    return {"metric": m} | {CURVATURE[w][0]: getattr(symbolic, CURVATURE[w][1])(m) for w in wanted}


def _laplacian(args: argparse.Namespace) -> dict[str, Any]:
    from extremal.symbolic import laplace_beltrami, laplacian_from_action

    if args.map:
        return {"Laplacian from the varied action": laplacian_from_action(_parse_map(args.map), args.coords)}
    m = _metric(args)
    return {"metric": m, "Laplace-Beltrami operator on u": laplace_beltrami(m)}


def _transform(args: argparse.Namespace) -> dict[str, Any]:
    from extremal.symbolic import (
        FieldLagrangian,
        Lagrangian,
        change_coordinates,
        change_field_coordinates,
        euler_lagrange,
        field_equations,
    )

    mapping = _parse_map(args.map)
    if args.fields:
        density = FieldLagrangian.parse(args.lagrangian, args.fields, args.coords)
        new_density = change_field_coordinates(density, mapping, args.to)
        return {"Lagrangian density": new_density, "Euler-Lagrange equations": field_equations(new_density)}
    L = Lagrangian.parse(args.lagrangian, args.coords, args.time)
    if L.order > 1:
        raise InputError(
            f"transform takes a Lagrangian L(q, qdot, t); this one has derivatives of order {L.order} "
            "(qddot, ...). Use euler-lagrange for its Euler-Poisson equations."
        )
    new = change_coordinates(L, mapping, args.to)
    return {"Lagrangian": new, "Euler-Lagrange equations": euler_lagrange(new)}


def _jacobi(args: argparse.Namespace) -> dict[str, Any]:
    from extremal.symbolic import jacobi_metric, jacobi_newton_equations

    kinetic = _metric(args)
    return {
        "Jacobi metric (E - U) g": jacobi_metric(kinetic, args.potential, args.energy),
        "its geodesics in the time t (= Newton's equations)": jacobi_newton_equations(kinetic, args.potential),
    }


def _demo(args: argparse.Namespace) -> int:
    """Print every worked example beside its equation, then write the pictures.

    Returns 0 when every check agrees with its article, else 2 after one error line that
    names the steps that differ.
    """
    import json

    from extremal.cli.render import render
    from extremal.demo import demo_steps, ml_available
    from extremal.plot import demo_figures

    figures = None if args.figures == "none" else pathlib.Path(args.figures)
    if not args.figures.strip() or (figures is not None and figures.exists() and not figures.is_dir()):
        raise InputError(f"--figures takes a folder, or 'none' to skip the pictures; got {args.figures!r}.")
    torch = ml_available()
    current = None
    differ = []
    for step in demo_steps():
        if step.article != current:
            current = step.article
            print(f"\n=== {step.article} ===")
        verdict = {True: "  [matches the article]", False: "  [DIFFERS from the article]", None: ""}[step.matches]
        print(f"\n[{step.equation}] {step.title}{verdict}")
        if isinstance(step.result, str):
            print(json.dumps(step.result, ensure_ascii=False) if args.format == "json" else step.result)
        else:
            print(render(step.result, args.format))
        if step.matches is False:
            differ.append(f"{step.article.url} {step.equation}")
    if not torch:
        print("\nno isotropy or training steps: torch is not installed (pip install 'extremal[torch]')")
    if figures is not None and importlib.util.find_spec("matplotlib") is None:
        print("\nno pictures: matplotlib is not installed (pip install 'extremal[plot]')")
        figures = None
    if figures is not None:
        what = "geodesics, trajectories, msign and training" if torch else "geodesics and trajectories"
        print(f"\n=== pictures ({what}) in {figures}/ ===")
        for path in demo_figures(figures):
            print(f"wrote {path}")
    if differ:
        _error(f"{len(differ)} demo step(s) differ from the article: {'; '.join(differ)}. Please report it.")
        return _exit.ERROR
    return _exit.OK


_METRIC_HELP = {  # the names of extremal.examples.METRICS (tests/cli/test_main.py checks), described
    "sphere": "round 2-sphere of radius a, coords theta phi",
    "spherical-flat": "flat space, coords r theta phi",
    "poincare": "Poincaré half-plane, coords x y",
    "schwarzschild": "mass M (G = c = 1), coords t r theta phi",
    "kerr": "mass M, spin a, Boyer-Lindquist coords t r theta phi",
    "flrw": "scale factor a(t), curvature k, coords t r theta phi",
}


def _add_metric_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("line_element", nargs="?", help="e.g. 'dr**2 + r**2*dtheta**2' (differentials d<coord>)")
    p.add_argument("--coords", help="coordinate names, e.g. 'r theta'")
    p.add_argument(
        "--metric", choices=sorted(_METRIC_HELP), metavar="NAME",
        help="a built-in metric instead of a line element: "
        + "; ".join(f"{name} ({_METRIC_HELP[name]})" for name in sorted(_METRIC_HELP)),
    )


_SUBCOMMAND_HELP = {
    "euler-lagrange": (
        "The Euler-Lagrange equations of a Lagrangian L(q, qdot, t), solved for the accelerations, with the "
        "energy and the momenta of cyclic coordinates (with xddot, xdddot, ... in L: its Euler-Poisson "
        "equations); with --fields, the Euler-Lagrange PDEs of a density (u_x, u_xx, u_xxx, ...).",
        ["extremal euler-lagrange \"m*xdot**2/2 - k*x**2/2\" --coords x",
         "extremal euler-lagrange \"(rdot**2 + r**2*thetadot**2)/2 + mu/r\" --coords \"r theta\"",
         "extremal euler-lagrange \"xddot**2/2 - xdot**2/2\" --coords x",
         "extremal euler-lagrange \"u_t**2/2 - c**2*u_x**2/2\" --fields u --coords \"t x\"",
         "extremal euler-lagrange \"EI*u_xx**2/2 - rho*u_t**2/2\" --fields u --coords \"t x\""],
    ),
    "christoffel": (
        "Christoffel symbols of the second kind of a metric, by the textbook formula or read off the "
        "Euler-Lagrange equations of L = g(xdot, xdot)/2 (--method variational); both agree.",
        ["extremal christoffel \"dr**2 + r**2*dtheta**2\" --coords \"r theta\"",
         "extremal christoffel --metric schwarzschild --method variational"],
    ),
    "geodesic-equations": (
        "The geodesic equations of a metric: the Euler-Lagrange equations of L = g(xdot, xdot)/2.",
        ["extremal geodesic-equations \"(dx**2 + dy**2)/y**2\" --coords \"x y\"",
         "extremal geodesic-equations --metric kerr"],
    ),
    "curvature": (
        "Curvature of a metric: Riemann, Ricci, Ricci scalar, Einstein, Kretschmann, Gaussian (2-D).",
        ["extremal curvature --metric schwarzschild --what ricci kretschmann",
         "extremal curvature \"-dt**2 + a(t)**2*(dx**2 + dy**2 + dz**2)\" --coords \"t x y z\" --what scalar"],
    ),
    "laplacian": (
        "The Laplace-Beltrami operator of a metric, or the Laplacian in new coordinates found by varying the "
        "transformed Dirichlet action (--map).",
        ["extremal laplacian --map \"x=r*cos(theta)\" \"y=r*sin(theta)\" --coords \"r theta\"",
         "extremal laplacian --metric sphere"],
    ),
    "transform": (
        "Change coordinates in a Lagrangian (or a density, with --fields; the Jacobian volume factor "
        "included), then vary again.",
        ["extremal transform \"(xdot**2 + ydot**2)/2 + mu/sqrt(x**2 + y**2)\" --coords \"x y\" --to \"r theta\" "
         "--map \"x=r*cos(theta)\" \"y=r*sin(theta)\""],
    ),
    "jacobi": (
        "The Jacobi metric (E - U) g of a kinetic metric g and a potential U, and its geodesic equations "
        "rewritten in the time t (Newton's equations).",
        ["extremal jacobi \"dx**2 + dy**2\" --coords \"x y\" --potential \"-(x**2 + y**2)/2\""],
    ),
}


def _describe_subcommands(sub: argparse._SubParsersAction) -> None:
    """Give each symbolic subcommand a description and examples in its --help."""
    for name, (description, examples) in _SUBCOMMAND_HELP.items():
        parser = sub.choices[name]
        parser.description = description
        parser.epilog = "examples:\n" + "\n".join(f"  {line}" for line in examples)


_DEFAULT_TIMEOUT = 60.0
"""Seconds of wall-clock time the command line allows by default (``--timeout``)."""

_WATCHDOG_GRACE = 5.0
"""Seconds after the time limit at which the watchdog ends a process stuck outside Python."""

_LIMITS_HELP = {
    "max_length": "characters in one input string",
    "max_depth": "nesting of parentheses, calls, signs and powers in one input string",
    "max_digits": "decimal digits of any integer, written or computed",
    "max_exponent": "largest |n| in an integer power x**n",
    "max_size": "elements of one array the numerics allocate (rows x samples x components)",
}


def _add_global_options(p: argparse.ArgumentParser, *, in_subcommand: bool, with_format: bool) -> None:
    """The options every subcommand takes; after the subcommand name they override those before it."""
    unset = argparse.SUPPRESS if in_subcommand else None
    if with_format:
        p.add_argument("--format", choices=FORMATS, default=argparse.SUPPRESS if in_subcommand else "text",
                       help="output format (default: text)")
    group = p.add_argument_group("limits", "Bounds on the work; they may also be given before the subcommand.")
    group.add_argument(
        "--timeout", type=timeout_seconds, metavar="SECONDS",
        default=argparse.SUPPRESS if in_subcommand else _DEFAULT_TIMEOUT,
        help=f"wall-clock limit; 0 or none: no limit (default {_DEFAULT_TIMEOUT:g}). A process still running "
        f"{_WATCHDOG_GRACE:g} s after it (stuck outside Python) is ended with exit code 2",
    )
    for name, what in _LIMITS_HELP.items():
        group.add_argument("--" + name.replace("_", "-"), type=positive_int, metavar="N", default=unset,
                           help=f"{what} (default {getattr(Limits(), name)})")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand.

    Option values may start with a minus sign (``--v0 -1,0``, ``--potential "-x**2"``): see
    :func:`extremal.cli._argv.normalize_argv`, which :func:`main` applies first.
    """
    parser = Parser(
        prog="extremal",
        description="Variational calculus: δS = 0 and what follows.",
        epilog=f"{_exit.EXIT_STATUS}\n\nPictures are written atomically; a default name such as geodesic.png "
        "never replaces an existing file (name it with --out to replace it).",
    )
    _add_global_options(parser, in_subcommand=False, with_format=True)
    parser.add_argument("--version", action="version", version=f"extremal {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("euler-lagrange", help="Euler-Lagrange equations of a Lagrangian")
    p.add_argument("lagrangian", help="e.g. 'xdot**2/2 - k*x**2/2' (velocities: name + 'dot'; fields: u_x)")
    p.add_argument("--coords", required=True, help="coordinates, or independent variables with --fields")
    p.add_argument("--time", default="t", help="the independent variable of a particle Lagrangian")
    p.add_argument("--fields", help="field names: the Lagrangian is a density over --coords")
    p.set_defaults(handler=_euler_lagrange)

    p = sub.add_parser("christoffel", help="Christoffel symbols of a metric")
    _add_metric_args(p)
    p.add_argument("--method", choices=("formula", "variational"), default="formula")
    p.set_defaults(handler=_christoffel)

    p = sub.add_parser("geodesic-equations", help="geodesic equations of a metric")
    _add_metric_args(p)
    p.set_defaults(handler=_geodesic_equations)

    p = sub.add_parser("curvature", help="Riemann, Ricci, scalar, Einstein, Kretschmann, Gaussian curvature")
    _add_metric_args(p)
    p.add_argument("--what", nargs="+", choices=sorted(CURVATURE), help="which quantities (default: Ricci, scalar)")
    p.set_defaults(handler=_curvature)

    p = sub.add_parser("laplacian", help="Laplacian in new coordinates, or Laplace-Beltrami of a metric")
    _add_metric_args(p)
    p.add_argument("--map", nargs="+", help="Cartesian coordinates in the new ones: x='r*cos(theta)' ...")
    p.set_defaults(handler=_laplacian)

    p = sub.add_parser("transform", help="change coordinates in a Lagrangian (or density), then vary")
    p.add_argument("lagrangian")
    p.add_argument("--coords", required=True, help="the old coordinates (independent variables with --fields)")
    p.add_argument("--to", required=True, help="the new coordinates")
    p.add_argument("--map", nargs="+", required=True, help="old coordinates in the new ones: x='r*cos(theta)' ...")
    p.add_argument("--time", default="t")
    p.add_argument("--fields", help="field names: the Lagrangian is a density")
    p.set_defaults(handler=_transform)

    p = sub.add_parser("jacobi", help="Jacobi metric (E - U) g of a kinetic metric and a potential")
    _add_metric_args(p)
    p.add_argument("--potential", required=True, help="U in the metric's coordinates")
    p.add_argument("--energy", default="E", help="the energy E (default: a symbol)")
    p.set_defaults(handler=_jacobi)

    _describe_subcommands(sub)
    geodesic.add_parser(sub)
    shortest_path.add_parser(sub)
    trajectory.add_parser(sub)
    newton_jacobi.add_parser(sub)
    schedule.add_parser(sub)
    bound.add_parser(sub)

    p = sub.add_parser(
        "demo", help="walk through the worked examples of the source articles",
        description="Reproduce the worked examples of the five source articles (coordinate changes, geodesics, "
        "mechanics made geometric, isotropy and steepest descent, learning rates from gradient norms), each "
        "printed beside the article's equation and checked; exit code 2 if any check differs. The isotropy "
        "and training steps need torch and are left out, with a note, without it.",
    )
    p.add_argument(
        "--figures", default="demo-figures",
        help="folder for the pictures ('none' to skip; default demo-figures). The demo writes only "
        "geodesics_sphere.png, newton_vs_jacobi.png, conservation_drift.png and, with torch, isotropy.png and "
        "learning_rates.png there, replacing earlier copies all at once after every picture is made; other "
        "files are left alone",
    )
    p.set_defaults(func=_demo)

    for p in sub.choices.values():
        _add_global_options(p, in_subcommand=True, with_format=True)
    return parser


_LIMIT_NAMES = tuple(_LIMITS_HELP)


def _error(message: str) -> None:
    print(f"extremal: error: {one_line(message)}", file=sys.stderr)


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: TextIO | None = None, line: str | None = None) -> None:
    print(f"extremal: warning: {one_line(str(message))}", file=sys.stderr)


class _Watchdog:
    """End the process (``os._exit(2)``) if it is still working ``grace`` seconds after ``timeout``.

    :func:`extremal.limits` interrupts Python code; this catches work stuck in C code, which
    it cannot interrupt.
    """

    def __init__(self, timeout: float | None, grace: float = _WATCHDOG_GRACE) -> None:
        self.timeout = timeout
        self.timer = None if timeout is None else threading.Timer(timeout + grace, self._fire)
        if self.timer is not None:
            self.timer.daemon = True

    def _fire(self) -> None:
        message = (f"extremal: error: the work ran past its time limit of {self.timeout:g} s and could not be "
                   "interrupted; stopped. Raise --timeout or simplify the input.\n")
        try:
            os.write(2, message.encode())
        finally:
            os._exit(_exit.ERROR)

    def __enter__(self) -> None:
        if self.timer is not None:
            self.timer.start()

    def __exit__(self, *exc: object) -> None:
        if self.timer is not None:
            self.timer.cancel()


def _dispatch(args: argparse.Namespace) -> int:
    if hasattr(args, "func"):
        return int(args.func(args))
    from extremal.cli.render import render_sections

    sections = args.handler(args)
    if sections:
        print(render_sections(sections, args.format))
    return _exit.OK


def _show_unraisable(info: Any) -> None:
    """One line for an exception Python had to ignore (in ``__del__`` or a callback); none for the time limit.

    The time limit is raised asynchronously; when it lands in such a callback, :func:`limits`
    still reports it when its block ends.
    """
    if not isinstance(info.exc_value, Expired):
        print(f"extremal: warning: ignored {one_line(_describe(info.exc_value))}", file=sys.stderr)


def _run(args: argparse.Namespace, watchdog: bool) -> int:
    import numpy as np

    bounds = {name: getattr(args, name) for name in _LIMIT_NAMES if getattr(args, name) is not None}
    task = f"running '{args.command}'"
    unraisablehook = sys.unraisablehook
    try:
        with _Watchdog(args.timeout if watchdog else None), warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.showwarning = _show_warning
            warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's NaN noise: failed rows report a status
            sys.unraisablehook = _show_unraisable
            with limits(timeout=args.timeout, **bounds):
                return _dispatch(args)
    except BrokenPipeError:
        raise
    except ExtremalError as exc:
        _error(str(exc))
    except OSError as exc:
        message = exc.strerror or str(exc) or type(exc).__name__
        _error(f"{exc.filename}: {message}" if exc.filename else message)
    except MemoryError:
        _error(f"out of memory while {task}; lower --samples or the number of rows, or set --max-size.")
    except Exception as exc:
        _error(f"internal error while {task}: {_describe(exc)}; please report it.")
    finally:
        sys.unraisablehook = unraisablehook
    return _exit.ERROR


def _describe(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:
        text = ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _silence_stdout() -> None:
    """Send what is left of standard output to /dev/null, so exiting does not raise again."""
    try:
        fd = sys.stdout.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)
    except (AttributeError, OSError, ValueError):
        pass


def main(argv: Sequence[str] | None = None, *, watchdog: bool | None = None) -> int:
    """Run the command line; return the exit code (0, 2, 3, 4, 130 or 141: see ``extremal --help``).

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name; default ``sys.argv[1:]``.
    watchdog : bool, optional
        End the process with ``os._exit(2)`` when the work is still running 5 seconds after
        ``--timeout`` (stuck in C code, which the timeout cannot interrupt). Default: only when
        ``argv`` is None, that is when ``main`` is the program, so that a caller running it
        in-process keeps its process.

    Examples
    --------
    >>> main(["--format", "latex", "curvature", "dth**2 + sin(th)**2*dph**2", "--coords", "th ph",
    ...       "--what", "gaussian"])
    % metric
    ds^2 = \\mathrm{d}th^{2} + \\sin^{2}{\\left(th \\right)}\\,\\mathrm{d}ph^{2}
    <BLANKLINE>
    % Gaussian curvature
    K = 1
    0
    """
    if watchdog is None:
        watchdog = argv is None
    if argv is None:  # the program writes pictures, it never shows them; a caller keeps its backend
        os.environ.setdefault("MPLBACKEND", "Agg")
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(normalize_argv(parser, sys.argv[1:] if argv is None else argv))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (_exit.OK if exc.code is None else _exit.ERROR)
        else:
            code = _run(args, watchdog)
        sys.stdout.flush()  # here, not at exit, so that a closed pipe is caught below
        return code
    except KeyboardInterrupt:
        _error("interrupted")
        return _exit.INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return _exit.BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
