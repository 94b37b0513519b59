"""Time symbolic curvature: Christoffel symbols (both methods), Riemann, Ricci scalar.

Cases are Schwarzschild, Kerr (Boyer–Lindquist) and FLRW with an unknown scale factor
a(t). Each extremal timing starts from cold caches; the table shows the median of several
runs after a warm-up, and the ratio variational/formula. Peers (EinsteinPy, GraviPy,
sympy.diffgeom) that are importable run the same Γ → Riemann → Ricci → R pipeline, with
results simplified, in a subprocess with a time limit; the last column is peer/extremal.

Usage: ``python benchmarks/bench_symbolic.py [--quick] [--timeout SECONDS]``.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import sympy as sp

import _common
from extremal.examples import flrw, kerr, schwarzschild
from extremal.symbolic._algebra import algebra_for
from extremal.symbolic._christoffel import Formula, Variational, christoffel, first_kind_table, second_kind_table
from extremal.symbolic._curvature import (
    kretschmann_scalar,
    lowered_riemann_table,
    ricci_scalar,
    ricci_scalar_element,
    ricci_table,
    ricci_tensor,
    riemann_tensor,
)
from extremal.symbolic._metric import Metric
from extremal.symbolic._rational import field_for

t, r, th, ph = sp.symbols("t r theta phi")


def _matrix(make: Callable[[], Metric]) -> Callable[[], sp.Matrix]:
    return lambda: sp.Matrix(make().g)


CASES = {"Schwarzschild": _matrix(schwarzschild), "Kerr": _matrix(kerr), "FLRW": _matrix(flrw)}
COORDS = (t, r, th, ph)


def clear_caches() -> None:
    for f in (
        field_for, algebra_for, first_kind_table, second_kind_table, lowered_riemann_table, ricci_table,
        ricci_scalar_element, riemann_tensor, ricci_tensor, ricci_scalar,
    ):
        f.cache_clear()


def timed(make: Callable[[], sp.Matrix], job: Callable[[Metric], object], runs: int) -> float:
    times = []
    for _ in range(runs + 1):
        metric = Metric(COORDS, make())
        clear_caches()
        start = time.perf_counter()
        job(metric)
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])


def pipeline(metric: Metric) -> sp.Expr:
    """Γ → Riemann → Ricci → R, every result returned as a SymPy object."""
    christoffel(metric)
    riemann_tensor(metric)
    ricci_tensor(metric)
    return ricci_scalar(metric)


# -- peers, each run in its own subprocess -----------------------------------------------


def peer_einsteinpy(g: sp.Matrix) -> None:
    from einsteinpy.symbolic import MetricTensor, RicciScalar, RicciTensor, RiemannCurvatureTensor

    metric = MetricTensor(g.tolist(), COORDS)
    riemann = RiemannCurvatureTensor.from_metric(metric)
    riemann.simplify()
    ricci = RicciTensor.from_riemann(riemann)
    ricci.simplify()
    RicciScalar.from_riccitensor(ricci).simplify()


def peer_gravipy(g: sp.Matrix) -> None:
    from gravipy.tensorial import All, Christoffel, Coordinates, MetricTensor, Ricci, Riemann

    x = Coordinates("chi", list(COORDS))
    metric = MetricTensor("g", x, g)
    Christoffel("Ga", metric)(All, All, All)
    Riemann("Rm", metric)(All, All, All, All)
    ricci = Ricci("Ri", metric)
    ricci(All, All)
    ricci.scalar()


def peer_diffgeom(g: sp.Matrix) -> None:
    from sympy.diffgeom import CoordSystem, Manifold, Patch, TensorProduct, metric_to_Ricci_components

    chart = CoordSystem("chart", Patch("patch", Manifold("spacetime", 4)), COORDS)
    base, diffs = chart.base_scalars(), chart.base_oneforms()
    subs = dict(zip(COORDS, base, strict=True))
    form = sum(
        g[i, j].xreplace(subs) * TensorProduct(diffs[i], diffs[j])
        for i in range(4) for j in range(4) if g[i, j] != 0
    )
    ricci = metric_to_Ricci_components(form)
    sp.simplify(sum(ricci[i, i] for i in range(4)))


PEERS = {"EinsteinPy": ("einsteinpy", peer_einsteinpy), "GraviPy": ("gravipy", peer_gravipy),
         "sympy.diffgeom": ("sympy.diffgeom", peer_diffgeom)}


def run_peer(name: str, case: str, timeout: float) -> str:
    cmd = [sys.executable, __file__, "--peer", name, "--case", case]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return f">{timeout:g} s"
    if done.returncode != 0:
        return "error"
    return json.loads(done.stdout.strip().splitlines()[-1])["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one timed run, short peer limit")
    parser.add_argument("--timeout", type=float, default=None, help="peer time limit (s)")
    parser.add_argument("--peer", help=argparse.SUPPRESS)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer:
        g = CASES[args.case]()
        start = time.perf_counter()
        PEERS[args.peer][1](g)
        print(json.dumps({"seconds": time.perf_counter() - start}))
        return
    runs = 1 if args.quick else 5
    timeout = args.timeout or (20.0 if args.quick else 60.0)
    _common.header(["sympy", "extremal"], ["symengine", "einsteinpy", "gravipy"])
    print(f"# median of {runs} run(s) after a warm-up, peers limited to {timeout:g} s")
    header = ("case", "Γ formula s", "Γ variational s", "var/formula", "Riemann s",
              "Γ→Riem→Ric→R s", "Kretschmann s")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    pipelines = {}
    for case, make in CASES.items():
        formula = timed(make, lambda m: christoffel(m, Formula()), runs)
        variational = timed(make, lambda m: christoffel(m, Variational()), runs)
        riemann = timed(make, riemann_tensor, runs)
        pipelines[case] = timed(make, pipeline, runs)
        kretschmann = timed(make, kretschmann_scalar, runs)
        print(f"| {case} | {formula:.4f} | {variational:.4f} | {variational / formula:.1f} | "
              f"{riemann:.4f} | {pipelines[case]:.4f} | {kretschmann:.4f} |")
    available = [p for p, (module, _) in PEERS.items() if importlib.util.find_spec(module)]
    if available:
        peer_table(available, pipelines, timeout)
    print(_common.load_line("end"))


def peer_table(available: list[str], pipelines: dict[str, float], timeout: float) -> None:
    """Each importable peer's pipeline time per case, in a subprocess, and its ratio to extremal's."""
    print()
    print("| case | extremal s | " + " | ".join(f"{p} s | {p}/extremal" for p in available) + " |")
    print("|" + "---|" * (2 + 2 * len(available)))
    for case in CASES:
        cells = [case, f"{pipelines[case]:.4f}"]
        for peer in available:
            seconds = run_peer(peer, case, timeout)
            if isinstance(seconds, float):
                cells += [f"{seconds:.3f}", f"{seconds / pipelines[case]:.0f}"]
            else:
                cells += [seconds, f">{timeout / pipelines[case]:.0f}" if seconds.startswith(">")
                          else "-"]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
