"""Zero means zero: time and size of curvature and Laplacians whose closed form is 0 or short.

Cases (the charts of ``tests/symbolic/_charts.py``): flat 3-space, the plane and Minkowski
space in curvilinear charts; de Sitter in four slicings and anti-de Sitter; surfaces written
through double-angle, hyperbolic and exponential identities; Schwarzschild and Kerr in
Kerr–Schild Cartesian coordinates; Alcubierre's warp drive; the Laplacian in bispherical,
toroidal, elliptic-cylindrical and prolate-spheroidal coordinates; float-coefficient metrics
beside their rational twins.

For each case: extremal's time for metric → Riemann → Ricci → R → Kretschmann (a Laplacian:
metric → Laplace–Beltrami), the median and spread of runs from cold caches after a warm-up,
each case in a subprocess with a time limit; the size (``sympy.count_ops``) of R, of the
Kretschmann scalar and the total over the components R^a_bcd (a Laplacian: the operator);
the same sizes for the reference — the closed form (0 for flat space; R^a_bcd =
k(δ^a_c g_bd − δ^a_d g_bc) for constant curvature and for surfaces; the textbook
Laplacian, each coefficient factored; a float metric: extremal on its rational twin), else
``sympy.simplify`` of extremal's result, under the same time limit; whether the result is
exactly the reference (``==``; a float metric: numerically equal to the twin's); and the
goal: at most 10 s and no size above the reference. The peers EinsteinPy, GraviPy and
``sympy.diffgeom``, where importable, run Riemann → Ricci → R, simplified, on the textbook
matrix, once per case in a subprocess with the time limit (``--peer-python`` runs them in
another interpreter, for instance a virtual environment that has them).

Usage: ``python benchmarks/bench_zero.py [--quick] [--only NAME[,NAME...]] [--timeout S]
[--peer-python PATH]``; ``--only flat`` selects a group, ``--only flat/bispherical`` one case.
"""

from __future__ import annotations

import argparse
import itertools
import json
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy as sp

import _common

charts = _common.test_helper("symbolic/_charts.py")  # plain SymPy

GOAL_SECONDS = 10.0
QUICK = ["flat/spherical", "einstein/de_sitter_closed", "rewrite/sphere_double_angle",
         "laplacian/elliptic_cylindrical", "float/schwarzschild_0.3"]
PEERS = {"EinsteinPy": "einsteinpy", "GraviPy": "gravipy", "sympy.diffgeom": "sympy.diffgeom"}


@dataclass(frozen=True)
class Case:
    """One benchmark case: a line element or a matrix, and what is known of its curvature."""

    kind: str  # "curvature", "ricci" (the Ricci tensor alone, which must vanish), "laplacian" or "float"
    line: str | None = None
    coords: str | None = None
    matrix: Callable[[], tuple[tuple[sp.Symbol, ...], sp.Matrix]] | None = None
    flat: bool = False
    scalar: str | None = None  # R of a 4-D maximally symmetric space
    gauss: str | None = None  # Gaussian curvature of a surface
    kretschmann: Callable[[], sp.Expr] | None = None  # the closed form, where only that is known
    twin: str | None = None  # the rational twin of a float metric

    def textbook(self) -> tuple[tuple[sp.Symbol, ...], sp.Matrix]:
        """Coordinates and g_ij as written (SymPy only)."""
        if self.matrix is not None:
            return self.matrix()
        assert self.line is not None and self.coords is not None
        return charts.metric_matrix(self.line, self.coords)


def _kretschmann_schwarzschild() -> sp.Expr:
    M, x, y, z = sp.symbols("M x y z")
    return 48 * M**2 / (x**2 + y**2 + z**2) ** 3


def _kretschmann_kerr() -> sp.Expr:
    M, a, x, y, z = sp.symbols("M a x y z")
    rho2 = x**2 + y**2 + z**2
    r = sp.sqrt((rho2 - a**2) / 2 + sp.sqrt((rho2 - a**2) ** 2 / 4 + a**2 * z**2))
    c = z / r
    return 48 * M**2 * (r**6 - 15 * a**2 * r**4 * c**2 + 15 * a**4 * r**2 * c**4 - a**6 * c**6) / (
        r**2 + a**2 * c**2) ** 6


def all_cases() -> dict[str, Case]:
    cases: dict[str, Case] = {}
    for name, (line, coords) in charts.FLAT.items():
        cases[f"flat/{name}"] = Case("curvature", line, coords, flat=True)
    for name, (line, coords, scalar) in charts.EINSTEIN.items():
        cases[f"einstein/{name}"] = Case("curvature", line, coords, scalar=scalar)
    for name, (line, coords, gauss) in charts.REWRITES.items():
        cases[f"rewrite/{name}"] = Case("curvature", line, coords, gauss=gauss)
    cases["kerr-schild/schwarzschild"] = Case("curvature", matrix=charts.kerr_schild_schwarzschild, scalar="0",
                                              kretschmann=_kretschmann_schwarzschild)
    cases["kerr-schild/kerr"] = Case("curvature", matrix=charts.kerr_schild_kerr, scalar="0",
                                     kretschmann=_kretschmann_kerr)
    cases["kerr-schild/kerr_ricci"] = Case("ricci", matrix=charts.kerr_schild_kerr)
    cases["alcubierre"] = Case("curvature", matrix=charts.alcubierre)
    for name, (line, coords) in charts.LAPLACIANS.items():
        cases[f"laplacian/{name}"] = Case("laplacian", line, coords)
    for name, (line, twin, coords, scalar, kretschmann) in charts.FLOAT_TWINS.items():
        cases[f"float/{name}"] = Case("float", line, coords, scalar=scalar, twin=twin,
                                      kretschmann=lambda text=kretschmann: sp.sympify(text))
    return cases


def select(cases: dict[str, Case], only: str | None, quick: bool) -> list[str]:
    if only:
        wanted = [w.strip() for w in only.split(",") if w.strip()]
        names = [n for n in cases if any(n == w or n.startswith(w + "/") for w in wanted)]
        if not names:
            raise SystemExit(f"--only {only}: no such case; cases are {', '.join(cases)}")
        return names
    return list(QUICK) if quick else list(cases)


# --------------------------------------------------------------- references (SymPy only)


def ops(expr: Any) -> int:
    return int(sp.count_ops(sp.sympify(expr)))


def riemann_size(components: list[sp.Expr]) -> int:
    return sum(ops(c) for c in components)


def reference(case: Case) -> dict[str, Any]:
    """The closed forms known for ``case``: keys ``R``, ``K`` (Kretschmann), ``riemann`` (all R^a_bcd)."""
    coords, g = case.textbook()
    n = len(coords)
    ref: dict[str, Any] = {}
    if case.flat:
        return {"R": sp.S.Zero, "K": sp.S.Zero, "riemann": [sp.S.Zero] * n**4}
    k = None
    if case.gauss is not None:
        k = sp.sympify(case.gauss)
    elif case.scalar is not None and case.kretschmann is None:
        k = sp.sympify(case.scalar) / (n * (n - 1))
    if k is not None:
        delta = sp.eye(n)
        ref["riemann"] = [k * (delta[a, c] * g[b, d] - delta[a, d] * g[b, c])
                          for a, b, c, d in itertools.product(range(n), repeat=4)]
        ref["R"] = n * (n - 1) * k
        ref["K"] = 2 * n * (n - 1) * k**2
    if case.scalar is not None:
        ref["R"] = sp.sympify(case.scalar)
    if case.kretschmann is not None:
        ref["K"] = case.kretschmann()
    return ref


def textbook_operator(name: str, coords: tuple[sp.Symbol, ...]) -> tuple[dict[sp.Expr, sp.Expr], sp.Expr]:
    """The textbook Laplacian's coefficients and the operator with each coefficient factored."""
    u = sp.Function("u")(*coords)
    coefficients = charts.derivative_coefficients(charts.textbook_laplacian(name), u)
    return coefficients, sp.Add(*(sp.factor(c) * d for d, c in coefficients.items()))


# ------------------------------------------------------------------ extremal (worker)


def clear_caches() -> None:
    """Every ``cache_clear`` in extremal's loaded modules, and SymPy's cache: a cold start."""
    from sympy.core.cache import clear_cache

    for name, module in list(sys.modules.items()):
        if module is not None and (name == "extremal" or name.startswith("extremal.")):
            for value in list(vars(module).values()):
                clear = getattr(value, "cache_clear", None)
                if callable(clear):
                    clear()
    clear_cache()


def extremal_job(case: Case, line: str | None = None) -> dict[str, Any]:
    from extremal.symbolic import (
        Metric,
        kretschmann_scalar,
        laplace_beltrami,
        ricci_scalar,
        ricci_tensor,
        riemann_tensor,
    )

    line = line or case.line
    metric = Metric.from_line_element(line, case.coords) if line else Metric(*case.textbook())
    if case.kind == "laplacian":
        return {"operator": laplace_beltrami(metric), "coords": metric.coords}
    if case.kind == "ricci":
        return {"ricci": sp.flatten(ricci_tensor(metric).array.tolist())}
    riemann = riemann_tensor(metric)
    ricci_tensor(metric)
    n = metric.dim
    return {"R": ricci_scalar(metric), "K": kretschmann_scalar(metric),
            "riemann": [riemann[i] for i in itertools.product(range(n), repeat=4)]}


POINTS = [{"t": 0.3, "r": 3.7, "theta": 0.9, "phi": 0.4, "x": 0.7, "y": -1.1, "z": 0.5, "M": 1.3},
          {"t": -0.8, "r": 5.2, "theta": 2.1, "phi": 1.9, "x": -0.4, "y": 0.6, "z": 1.7, "M": 0.45}]


def _default(name: str) -> float:
    """A value for a symbol that POINTS does not name, different for different names."""
    return 0.31 + 0.097 * (sum(map(ord, name)) % 11)


def numerically_equal(a: sp.Expr, b: sp.Expr) -> bool:
    for point in POINTS:
        va, vb = (complex(sp.N(e.subs({s: point.get(s.name, _default(s.name)) for s in e.free_symbols})))
                  for e in (a, b))
        if abs(va - vb) > 1e-9 * max(1.0, abs(vb)):
            return False
    return True


def worker_extremal(name: str, runs: int) -> None:
    """Time ``name`` (warm-up, then ``runs`` runs), one JSON line per run, then sizes and references."""
    case = all_cases()[name]

    def emit(**data: Any) -> None:
        print(json.dumps(data), flush=True)

    seconds = []
    result: dict[str, Any] = {}
    for k in range(runs + 1):
        clear_caches()
        start = time.perf_counter()
        result = extremal_job(case)
        seconds.append(time.perf_counter() - start)
        emit(run=k, seconds=seconds[-1])
        if k == 0 and seconds[0] > 2.0:  # a slow case is timed by its one run
            break
    timed = seconds[1:] or seconds[:1]
    out: dict[str, Any] = {"seconds": timed, "ops": {}, "ref_ops": {}, "exact": {}, "simplify": {}}
    if case.kind == "laplacian":
        coords = result["coords"]
        u = sp.Function("u")(*coords)
        name_only = name.split("/", 1)[1]
        want, operator = textbook_operator(name_only, coords)
        got = charts.derivative_coefficients(result["operator"], u)
        out["ops"]["op"] = ops(result["operator"])
        out["ref_ops"]["op"] = ops(operator)
        out["exact"]["op"] = set(got) <= set(want) and all(
            numerically_equal(got.get(d, sp.S.Zero), c) for d, c in want.items())
        emit(**out)
        return
    if case.kind == "ricci":
        out["ops"]["Ric"] = riemann_size(result["ricci"])
        out["ref_ops"]["Ric"] = 0
        out["exact"]["Ric"] = all(c == 0 for c in result["ricci"])
        emit(**out)
        return
    out["ops"] = {"R": ops(result["R"]), "K": ops(result["K"]), "riemann": riemann_size(result["riemann"])}
    if case.kind == "float":
        twin = extremal_job(case, line=case.twin)
        out["ref_ops"] = {"R": ops(twin["R"]), "K": ops(twin["K"]), "riemann": riemann_size(twin["riemann"])}
        out["exact"] = {key: (all(numerically_equal(a, b) for a, b in zip(result[key], twin[key], strict=True))
                              if key == "riemann" else numerically_equal(result[key], twin[key]))
                        for key in ("R", "K", "riemann")}
        out["exact_kind"] = "numeric"
        emit(**out)
        return
    ref = reference(case)
    for key in ("R", "K", "riemann"):
        if key in ref:
            out["ref_ops"][key] = riemann_size(ref[key]) if key == "riemann" else ops(ref[key])
            out["exact"][key] = (all(a == b for a, b in zip(result[key], ref[key], strict=True))
                                 if key == "riemann" else result[key] == ref[key])
        else:
            out["simplify"][key] = ([sp.srepr(c) for c in result[key]] if key == "riemann"
                                    else sp.srepr(result[key]))
    emit(**out)


def worker_simplify() -> None:
    """``sympy.simplify`` of the sreprs on stdin; one JSON line per quantity with its size."""
    payload = json.load(sys.stdin)
    for key, value in payload.items():
        if isinstance(value, list):
            size = sum(ops(sp.simplify(sp.sympify(v))) for v in value)
        else:
            size = ops(sp.simplify(sp.sympify(value)))
        print(json.dumps({"key": key, "ops": size}), flush=True)


# ------------------------------------------------------------------------ peers (worker)


def peer_einsteinpy(coords: tuple[sp.Symbol, ...], g: sp.Matrix) -> tuple[sp.Expr, list[sp.Expr]]:
    from einsteinpy.symbolic import MetricTensor, RicciScalar, RicciTensor, RiemannCurvatureTensor

    metric = MetricTensor(g.tolist(), coords)
    riemann = RiemannCurvatureTensor.from_metric(metric)
    riemann.simplify()
    ricci = RicciTensor.from_riemann(riemann)
    ricci.simplify()
    scalar = RicciScalar.from_riccitensor(ricci)
    scalar.simplify()
    return scalar.expr, list(sp.flatten(riemann.tensor().tolist()))


def peer_gravipy(coords: tuple[sp.Symbol, ...], g: sp.Matrix) -> tuple[sp.Expr, list[sp.Expr]]:
    from gravipy.tensorial import All, Christoffel, Coordinates, MetricTensor, Ricci, Riemann

    chart = Coordinates("chi", list(coords))
    metric = MetricTensor("g", chart, g)
    Christoffel("Ga", metric)(All, All, All)
    riemann = Riemann("Rm", metric)
    riemann(All, All, All, All)
    ricci = Ricci("Ri", metric)
    ricci(All, All)
    n = len(coords)
    # GraviPy's Riemann is all-lower, R_abcd, indices from 1
    components = [riemann(*(i + 1 for i in index)) for index in itertools.product(range(n), repeat=4)]
    return ricci.scalar(), components


def peer_diffgeom(coords: tuple[sp.Symbol, ...], g: sp.Matrix) -> tuple[sp.Expr, list[sp.Expr]]:
    from sympy.diffgeom import CoordSystem, Manifold, Patch, TensorProduct, metric_to_Riemann_components

    n = len(coords)
    chart = CoordSystem("chart", Patch("patch", Manifold("space", n)), coords)
    base, diffs = chart.base_scalars(), chart.base_oneforms()
    subs = dict(zip(coords, base, strict=True))
    form = sum(g[i, j].xreplace(subs) * TensorProduct(diffs[i], diffs[j])
               for i in range(n) for j in range(n) if g[i, j] != 0)
    back = dict(zip(base, coords, strict=True))
    riemann = metric_to_Riemann_components(form)
    components = {index: sp.simplify(riemann[index].xreplace(back))
                  for index in itertools.product(range(n), repeat=4)}
    ginv = g.inv()
    scalar = sp.simplify(sum(ginv[b, d] * components[a, b, a, d]
                             for a, b, d in itertools.product(range(n), repeat=3)))
    return scalar, list(components.values())


PEER_JOBS = {"EinsteinPy": peer_einsteinpy, "GraviPy": peer_gravipy, "sympy.diffgeom": peer_diffgeom}


def worker_peer(peer: str, name: str) -> None:
    case = all_cases()[name]
    coords, g = case.textbook()
    start = time.perf_counter()
    scalar, components = PEER_JOBS[peer](coords, g)
    seconds = time.perf_counter() - start
    ref = reference(case)
    print(json.dumps({"seconds": seconds, "ops_R": ops(scalar), "ops_riemann": riemann_size(components),
                      "exact_R": bool(sp.sympify(scalar) == ref["R"]) if "R" in ref else None}), flush=True)


# ----------------------------------------------------------------------- the parent


def stream(cmd: list[str], limit: float, stdin: str | None = None) -> tuple[list[dict], str | None]:
    """Run ``cmd``; collect its JSON lines, each of which must come within ``limit`` s of the last.

    Returns the lines and None, or what stopped it: ``"timeout"`` or the last line of stderr.
    """
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=err, text=True)
        lines: queue.Queue[str | None] = queue.Queue()

        def read() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=read, daemon=True).start()
        if stdin is not None:
            assert proc.stdin is not None
            try:
                proc.stdin.write(stdin)
                proc.stdin.close()
            except BrokenPipeError:
                pass
        out: list[dict] = []
        while True:
            try:
                line = lines.get(timeout=limit)
            except queue.Empty:
                proc.kill()
                proc.wait()
                return out, "timeout"
            if line is None:
                break
            if line.startswith("{"):
                out.append(json.loads(line))
        if proc.wait() != 0:
            err.seek(0)
            tail = [x for x in err.read().strip().splitlines() if x.strip()]
            return out, (tail[-1] if tail else f"exit {proc.returncode}")[:80]
        return out, None


def peer_versions(python: str) -> dict[str, str | None]:
    code = ("import importlib, json\nout = {}\n"
            "for m in ('sympy', 'einsteinpy', 'gravipy'):\n"
            "    try:\n        out[m] = str(getattr(importlib.import_module(m), '__version__', ''))\n"
            "    except Exception:\n        out[m] = None\nprint(json.dumps(out))")
    try:
        done = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=120, check=False)
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.TimeoutExpired, IndexError, json.JSONDecodeError):
        return {"sympy": None, "einsteinpy": None, "gravipy": None}


def cell_seconds(seconds: list[float]) -> tuple[str, str]:
    mid, spread = _common.median_spread(seconds)
    return f"{mid:.3g}", (f"{spread:.2f}" if len(seconds) > 1 else "-")


def run_extremal(name: str, runs: int, limit: float) -> dict[str, Any]:
    lines, stop = stream([sys.executable, __file__, "--worker", "extremal", "--case", name, "--runs", str(runs)],
                         limit)
    result = next((line for line in lines if "ops" in line), None)
    timed = [line["seconds"] for line in lines if "run" in line]
    if result is None:
        if stop == "timeout":
            return {"time": f">{limit:g}" if not timed else f"{timed[0]:.3g}", "stop": stop}
        return {"time": "error", "stop": stop}
    if result["simplify"]:
        simplified, why = stream([sys.executable, __file__, "--worker", "simplify"], limit,
                                 stdin=json.dumps(result["simplify"]))
        for line in simplified:
            result["ref_ops"][line["key"]] = line["ops"]
        for key in result["simplify"]:
            result["ref_ops"].setdefault(key, f">{limit:g} s" if why == "timeout" else "error")
            result["exact"].setdefault(key, "simplify")
    return result


def goal(result: dict[str, Any]) -> str:
    if "ops" not in result:
        return "no"
    seconds = statistics.median(result["seconds"])
    sizes = [(result["ops"][k], result["ref_ops"].get(k)) for k in result["ops"]]
    if seconds > GOAL_SECONDS or any(isinstance(r, int) and s > r for s, r in sizes):
        return "no"
    return "?" if any(not isinstance(r, int) for _, r in sizes) else "yes"


def exact_cell(result: dict[str, Any]) -> str:
    exact = result.get("exact", {})
    if not exact:
        return "-"
    marks = []
    for key, value in exact.items():
        label = {"R": "R", "K": "K", "riemann": "Riem", "op": "op", "Ric": "Ricci"}[key]
        marks.append(f"{label} {'yes' if value is True else 'no' if value is False else '- (ref: simplify)'}")
    suffix = " (numeric)" if result.get("exact_kind") == "numeric" else ""
    return ", ".join(marks) + suffix


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few cases, one timed run, a 10 s limit")
    parser.add_argument("--only", help="comma-separated case names or groups (flat, einstein, rewrite, ...)")
    parser.add_argument("--timeout", type=float, default=None, help="time limit per subprocess step (s); default 60")
    parser.add_argument("--peer-python", default=sys.executable, help="interpreter that runs the peers")
    parser.add_argument("--worker", choices=["extremal", "simplify", "peer"], help=argparse.SUPPRESS)
    parser.add_argument("--peer", help=argparse.SUPPRESS)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "extremal":
        return worker_extremal(args.case, args.runs)
    if args.worker == "simplify":
        return worker_simplify()
    if args.worker == "peer":
        return worker_peer(args.peer, args.case)

    cases = all_cases()
    names = select(cases, args.only, args.quick)
    runs = 1 if args.quick else 3
    limit = args.timeout or (10.0 if args.quick else 60.0)
    _common.header(["sympy", "extremal"])
    versions = peer_versions(args.peer_python)
    where = "this interpreter" if args.peer_python == sys.executable else args.peer_python
    found = [f"{label} {versions[module]}" if versions.get(module) is not None else f"{label} absent"
             for label, module in (("einsteinpy", "einsteinpy"), ("gravipy", "gravipy"))]
    sympy_there = versions.get("sympy")
    found.append(f"sympy.diffgeom (sympy {sympy_there})" if sympy_there else "sympy.diffgeom absent")
    print(f"# peers in {where}: " + ", ".join(found))
    print(f"# extremal: median of {runs} run(s) from cold caches after a warm-up (a case whose warm-up takes "
          f"over 2 s: that one run); every subprocess step limited to {limit:g} s; goal: <= {GOAL_SECONDS:g} s "
          "and no size above the reference")
    print("# sizes are sympy.count_ops: R, Kretschmann K, the sum over all R^a_bcd (Laplacian: the operator)")

    columns = ["case", "extremal s", "spread", "ops R", "ops K", "ops Riem/op", "ref R", "ref K", "ref Riem/op",
               "exact", "goal"]
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for name in names:
        result = run_extremal(name, runs, limit)
        if "ops" not in result:
            print(f"| {name} | {result['time']} | - | - | - | - | - | - | - | - | no |", flush=True)
            continue
        mid, spread = cell_seconds(result["seconds"])
        sizes, refs = result["ops"], result["ref_ops"]
        keys = [k for k in ("op", "Ric") if k in sizes] or ["R", "K", "riemann"]
        own = [str(sizes.get(k, "-")) for k in ("R", "K")] + [str(sizes[keys[-1]])]
        ref = [str(refs.get(k, "-")) for k in ("R", "K")] + [str(refs.get(keys[-1], "-"))]
        if len(keys) == 1:
            own[:2] = ref[:2] = ["-", "-"]
        print(f"| {name} | {mid} | {spread} | " + " | ".join(own) + " | " + " | ".join(ref)
              + f" | {exact_cell(result)} | {goal(result)} |", flush=True)

    available = [p for p, module in PEERS.items()
                 if versions.get(module if module != "sympy.diffgeom" else "sympy") is not None]
    curvature = [n for n in names if cases[n].kind != "laplacian"]
    if available and curvature:
        print()
        print("# peers: Riemann -> Ricci -> R, simplified, one run each; cells: seconds / ops R / ops Riem "
              "(GraviPy's Riemann is R_abcd); R = ref: the peer's R is exactly the reference")
        print("| case | " + " | ".join(available) + " |")
        print("|" + "---|" * (1 + len(available)))
        for name in curvature:
            cells = [name]
            for peer in available:
                lines, stop = stream([args.peer_python, __file__, "--worker", "peer", "--peer", peer, "--case", name],
                                     limit)
                if lines:
                    line = lines[-1]
                    mark = ", R = ref" if line["exact_R"] else ""
                    cells.append(f"{line['seconds']:.3g} / {line['ops_R']} / {line['ops_riemann']}{mark}")
                else:
                    cells.append(f">{limit:g} s" if stop == "timeout" else "error")
            print("| " + " | ".join(cells) + " |", flush=True)
    print(_common.load_line("end"))


if __name__ == "__main__":
    main()
