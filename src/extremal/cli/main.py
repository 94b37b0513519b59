"""The ``extremal`` command line: a thin layer over the library.

Every subcommand parses its arguments, calls public functions and prints the result as
text (default), LaTeX or JSON. Errors from extremal become one line and exit code 2.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
from collections.abc import Callable, Sequence
from typing import Any

from extremal.cli import geodesic, newton_jacobi, shortest_path, trajectory
from extremal.cli.render import FORMATS, render, render_sections
from extremal.errors import ExtremalError, InputError
from extremal.examples import METRICS
from extremal.symbolic import (
    FieldLagrangian,
    Lagrangian,
    Metric,
    change_coordinates,
    change_field_coordinates,
    christoffel,
    conserved_momenta,
    einstein_tensor,
    energy,
    euler_lagrange,
    field_equations,
    gaussian_curvature,
    geodesic_equations,
    jacobi_metric,
    jacobi_newton_equations,
    kretschmann_scalar,
    laplace_beltrami,
    laplacian_from_action,
    ricci_scalar,
    ricci_tensor,
    riemann_tensor,
)

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
    if args.metric:
        return METRICS[args.metric]()
    if not args.line_element or not args.coords:
        raise InputError("give a line element and --coords, or a built-in --metric "
                         f"({', '.join(METRICS)}).")
    return Metric.from_line_element(args.line_element, args.coords)


def _euler_lagrange(args: argparse.Namespace) -> dict[str, Any]:
    if args.fields:
        density = FieldLagrangian.parse(args.lagrangian, args.fields, args.coords)
        return {"Lagrangian density": density, "Euler-Lagrange equations": field_equations(density)}
    L = Lagrangian.parse(args.lagrangian, args.coords, args.time)
    eom = euler_lagrange(L)
    return {
        "Lagrangian": L,
        "Euler-Lagrange equations": eom.conservation_form,
        "solved for the accelerations": eom,
        "energy": energy(L),
        "conserved momenta (cyclic coordinates)": list(conserved_momenta(L).values()),
    }


def _christoffel(args: argparse.Namespace) -> dict[str, Any]:
    m = _metric(args)
    return {"metric": m, f"Christoffel symbols ({args.method})": christoffel(m, method=args.method)}


def _geodesic_equations(args: argparse.Namespace) -> dict[str, Any]:
    m = _metric(args)
    eom = geodesic_equations(m)
    return {"metric": m, "geodesic Lagrangian": eom.lagrangian, "geodesic equations": eom}


CURVATURE: dict[str, tuple[str, Callable[[Metric], Any]]] = {
    "riemann": ("Riemann tensor", riemann_tensor),
    "ricci": ("Ricci tensor", ricci_tensor),
    "scalar": ("Ricci scalar", ricci_scalar),
    "einstein": ("Einstein tensor", einstein_tensor),
    "kretschmann": ("Kretschmann scalar", kretschmann_scalar),
    "gaussian": ("Gaussian curvature", gaussian_curvature),
}


def _curvature(args: argparse.Namespace) -> dict[str, Any]:
    m = _metric(args)
    wanted = args.what or (["gaussian", "scalar"] if m.dim == 2 else ["ricci", "scalar"])
    return {"metric": m} | {CURVATURE[w][0]: CURVATURE[w][1](m) for w in wanted}


def _laplacian(args: argparse.Namespace) -> dict[str, Any]:
    if args.map:
        return {"Laplacian from the varied action": laplacian_from_action(_parse_map(args.map), args.coords)}
    m = _metric(args)
    return {"metric": m, "Laplace-Beltrami operator on u": laplace_beltrami(m)}


def _transform(args: argparse.Namespace) -> dict[str, Any]:
    mapping = _parse_map(args.map)
    if args.fields:
        density = FieldLagrangian.parse(args.lagrangian, args.fields, args.coords)
        new_density = change_field_coordinates(density, mapping, args.to)
        return {"Lagrangian density": new_density, "Euler-Lagrange equations": field_equations(new_density)}
    L = Lagrangian.parse(args.lagrangian, args.coords, args.time)
    new = change_coordinates(L, mapping, args.to)
    return {"Lagrangian": new, "Euler-Lagrange equations": euler_lagrange(new)}


def _jacobi(args: argparse.Namespace) -> dict[str, Any]:
    kinetic = _metric(args)
    return {
        "Jacobi metric (E - U) g": jacobi_metric(kinetic, args.potential, args.energy),
        "its geodesics in the time t (= Newton's equations)": jacobi_newton_equations(kinetic, args.potential),
    }


def _demo(args: argparse.Namespace) -> dict[str, Any]:
    from extremal.demo import SEEDS, demo_steps
    from extremal.plot import demo_figures

    current = None
    for step in demo_steps():
        if step.seed != current:
            current = step.seed
            print(f"\n=== seed {step.seed}: {SEEDS[step.seed]} ===")
        verdict = {True: "  [matches the seed]", False: "  [DIFFERS from the seed]", None: ""}[step.matches]
        print(f"\n[{step.seed} {step.equation}] {step.title}{verdict}")
        print(render(step.result, args.format))
    if args.figures != "none":
        print(f"\n=== pictures (numerical geodesics and trajectories) in {args.figures}/ ===")
        for path in demo_figures(pathlib.Path(args.figures)):
            print(f"wrote {path}")
    return {}


def _add_metric_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("line_element", nargs="?", help="e.g. 'dr**2 + r**2*dtheta**2'")
    p.add_argument("--coords", help="coordinate names, e.g. 'r theta'")
    p.add_argument("--metric", choices=sorted(METRICS), help="a built-in metric instead of a line element")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="extremal", description="Variational calculus: δS = 0 and what follows.")
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
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

    geodesic.add_parser(sub)
    shortest_path.add_parser(sub)
    trajectory.add_parser(sub)
    newton_jacobi.add_parser(sub)

    p = sub.add_parser("demo", help="walk through the worked examples of the seed articles")
    p.add_argument("--figures", default="demo-figures", help="folder for the pictures ('none' to skip)")
    p.set_defaults(handler=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(argv)
    try:
        if hasattr(args, "func"):
            return int(args.func(args))
        sections = args.handler(args)
    except ExtremalError as exc:
        print(f"extremal: error: {exc}", file=sys.stderr)
        return 2
    if sections:
        try:
            print(render_sections(sections, args.format))
        except BrokenPipeError:
            sys.stderr.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
