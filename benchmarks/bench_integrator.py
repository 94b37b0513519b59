"""Benchmark: the compiled integrator against SciPy's solve_ivp and diffrax, from one trajectory to many.

Tables (each printed with the versions, the machine and its load):

1. P1, N bound timelike Schwarzschild geodesics (the orbits of ``bench_geodesics.py``) to
   proper time 1000 at rtol = atol = 1e-10; Kerr a = 0.9, bound inclined orbits to 1000 with
   the drift of E, L_z and Carter's Q; Hénon–Heiles at E = 1/8 (a chaotic two-degree-of-freedom
   system) to t = 1000, energy drift. extremal runs each batch with the compiled integrator on
   1 thread and on all threads, and with the whole-array NumPy loop; SciPy's
   ``solve_ivp(method="DOP853")`` runs a sample one row at a time with a numba right-hand side;
   diffrax (``Dopri8`` + ``PIDController``, jit + vmap, compile excluded) runs the whole batch
   in another interpreter (``--peer-python``, where jax and diffrax are installed). Timings of
   extremal and SciPy alternate within each repeat; ratios are medians of per-repeat ratios.
2. Latency: per-call time for batches of 1 to 100,000 Schwarzschild geodesics, against SciPy's
   per-row time times the batch size.
3. Time to first result in a fresh process (import, set-up, compile, solve): with an empty
   kernel cache (cold) and again (warm); SciPy's fresh process for comparison.
4. Scaling: 1 vs 2 threads; 1 vs 2 Dask workers (a local cluster), when Dask is installed.
5. Symbolic set-up of a metric with float coefficients against its rational twin (Kerr).

Run ``python benchmarks/bench_integrator.py [--quick] [--peer-python /path/to/python]``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

import _common

TAU, TOL = 1000.0, 1e-10
SCHWARZSCHILD = ("-(1 - 2/r)*dt**2 + dr**2/(1 - 2/r) + r**2*dth**2 + r**2*sin(th)**2*dph**2", "t r th ph")


# --------------------------------------------------------------------------- diffrax, in the peer interpreter

_DIFFRAX = textwrap.dedent('''
    import json, statistics, sys, time
    import jax
    jax.config.update("jax_enable_x64", True)
    import diffrax, jax.numpy as jnp, numpy as np, sympy as sp
    spec = json.load(sys.stdin)
    d = len(spec["y0"][0])
    y = sp.symbols(f"y0:{d}")
    t = sp.Symbol("t")
    exprs = [sp.parse_expr(e, local_dict={**{s.name: s for s in y}, "t": t}) for e in spec["rhs"]]
    f = sp.lambdify([t, y], exprs, modules="jax")
    term = diffrax.ODETerm(lambda s, state, args: jnp.stack(f(s, [state[i] for i in range(d)])))
    controller = diffrax.PIDController(rtol=spec["rtol"], atol=spec["atol"])
    def one(y0):
        sol = diffrax.diffeqsolve(term, diffrax.Dopri8(), 0.0, spec["t1"], None, y0, stepsize_controller=controller,
                                  saveat=diffrax.SaveAt(t1=True), max_steps=200_000, throw=False)
        return sol.ys[-1], sol.stats["num_accepted_steps"]
    batch = jax.jit(jax.vmap(one))
    y0 = jnp.asarray(np.array(spec["y0"]))
    start = time.perf_counter(); jax.block_until_ready(batch(y0)); compile_s = time.perf_counter() - start
    times = []
    for _ in range(spec["repeats"]):
        start = time.perf_counter()
        ys, steps = jax.block_until_ready(batch(y0))
        times.append(time.perf_counter() - start)
    print(json.dumps({"seconds": statistics.median(times), "compile": compile_s, "steps": float(np.mean(steps)),
                      "y_final": np.asarray(ys).tolist(), "version": diffrax.__version__}))
''')


def run_diffrax(peer: str | None, exprs: list[str], y0, t1: float, tol: float, repeats: int) -> dict | None:
    """diffrax on the whole batch in ``peer`` (None when no peer interpreter or it has no diffrax)."""
    if peer is None:
        return None
    spec = {"rhs": exprs, "y0": y0.tolist(), "t1": t1, "rtol": tol, "atol": tol, "repeats": repeats}
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "XLA_FLAGS": "--xla_force_host_platform_device_count=1"}
    done = subprocess.run([peer, "-c", _DIFFRAX], input=json.dumps(spec), capture_output=True, text=True, env=env)
    if done.returncode:
        print(f"# diffrax failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}")
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- problems


def kerr_metric(a: float):
    import sympy as sp

    from extremal import Metric

    t, r, th, ph = sp.symbols("t r th ph")
    sigma, delta = r**2 + a**2 * sp.cos(th) ** 2, r**2 - 2 * r + a**2
    g = sp.zeros(4)
    g[0, 0] = -(1 - 2 * r / sigma)
    g[0, 3] = g[3, 0] = -2 * a * r * sp.sin(th) ** 2 / sigma
    g[1, 1], g[2, 2] = sigma / delta, sigma
    g[3, 3] = (r**2 + a**2 + 2 * a**2 * r * sp.sin(th) ** 2 / sigma) * sp.sin(th) ** 2
    return Metric([t, r, th, ph], g)


def kerr_constants(y, a: float):
    """E, L_z and Carter's Q of Kerr states y (..., 8), M = 1, mu = 1."""
    import numpy as np

    r, th = y[..., 1], y[..., 2]
    u = y[..., 4:]
    s, c = np.sin(th), np.cos(th)
    sigma = r**2 + a**2 * c**2
    gtt, gtp = -(1 - 2 * r / sigma), -2 * a * r * s**2 / sigma
    gpp = (r**2 + a**2 + 2 * a**2 * r * s**2 / sigma) * s**2
    E = -(gtt * u[..., 0] + gtp * u[..., 3])
    L = gtp * u[..., 0] + gpp * u[..., 3]
    p_th = sigma * u[..., 2]
    Q = p_th**2 + c**2 * (a**2 * (1 - E**2) + L**2 / s**2)
    return np.stack([E, L, Q], axis=-1)


def kerr_orbits(n: int, a: float, seed: int = 1):
    """Bound inclined orbits: near-circular prograde speeds at r0 in [8, 20], tilted, u^t from g(u, u) = -1."""
    import numpy as np

    rng = np.random.default_rng(seed)
    r0, tilt, kick = rng.uniform(8, 20, n), rng.uniform(0.05, 0.5, n), rng.uniform(0.9, 1.05, n)
    th0 = np.full(n, np.pi / 2)
    omega = kick / (r0**1.5 + a)
    uph, uth = omega * np.cos(tilt), omega * np.sin(tilt)
    sigma = r0**2
    gtt, gtp = -(1 - 2 / r0), -2 * a / r0
    gpp = r0**2 + a**2 + 2 * a**2 / r0
    # gtt ut^2 + 2 gtp ut uph + gpp uph^2 + sigma uth^2 = -1
    qa, qb, qc = gtt, 2 * gtp * uph, gpp * uph**2 + sigma * uth**2 + 1
    ut = (-qb - np.sqrt(qb**2 - 4 * qa * qc)) / (2 * qa)
    y0 = np.stack([np.zeros(n), r0, th0, np.zeros(n), ut, np.zeros(n), uth, uph], axis=1)
    E = kerr_constants(y0, a)[:, 0]
    return y0[E < 1]


def henon_heiles(n: int, energy: float = 1 / 8, seed: int = 2):
    """States (x, y, px, py) on the energy surface H = E with x = 0."""
    import numpy as np

    rng = np.random.default_rng(seed)
    y = rng.uniform(-0.3, 0.45, 4 * n)
    U = 0.5 * y**2 - y**3 / 3
    px = rng.uniform(-1, 1, 4 * n) * np.sqrt(np.maximum(2 * (energy - U), 0))
    rest = 2 * (energy - U) - px**2
    keep = rest > 0
    states = np.stack([np.zeros(keep.sum()), y[keep], px[keep], np.sqrt(rest[keep])], axis=1)
    return states[:n]


def henon_energy(s):
    x, y, px, py = s[..., 0], s[..., 1], s[..., 2], s[..., 3]
    return 0.5 * (px**2 + py**2) + 0.5 * (x**2 + y**2) + x**2 * y - y**3 / 3


# --------------------------------------------------------------------------- SciPy one at a time


def numba_rhs(exprs, d: int):
    """A numba-compiled ``f(t, y) -> dy`` for SciPy, from the same expressions."""
    import numba

    lines = ["def f(t, y):", f"    out = numpy.empty({d})"]
    lines += [f"    y{i} = y[{i}]" for i in range(d)]
    from sympy.printing.pycode import PythonCodePrinter

    printer = PythonCodePrinter({"fully_qualified_modules": True})
    lines += [f"    out[{i}] = {printer.doprint(e)}" for i, e in enumerate(exprs)]
    lines.append("    return out")
    namespace = {"math": math, "numpy": __import__("numpy")}
    exec("\n".join(lines), namespace)  # the benchmark's own generated code
    return numba.njit(namespace["f"])


def scipy_sample(f, rows, t1: float, tol: float):
    from scipy.integrate import solve_ivp

    start = time.perf_counter()
    finals, steps = [], 0
    for row in rows:
        sol = solve_ivp(f, (0.0, t1), row, method="DOP853", rtol=tol, atol=tol)
        finals.append(sol.y[:, -1])
        steps += sol.t.size - 1
    import numpy as np

    return time.perf_counter() - start, np.array(finals), steps / len(rows)


# --------------------------------------------------------------------------- tables


def system_of(kind: str, a: float = 0.9):
    """Compiled right-hand side, its chart-boundary events, the expressions in y0..y{d-1} as strings and as sympy."""
    import sympy as sp

    from extremal import Lagrangian, compile_lagrangian, geodesic_system
    from extremal.numerics._geodesic_ivp import chart_boundary_events
    from extremal.symbolic import Metric

    if kind == "henon":
        rhs, boundaries = compile_lagrangian(Lagrangian.parse(
            "(xdot**2 + ydot**2)/2 - (x**2 + y**2)/2 - x**2*y + y**3/3", "x y")), ()
    else:
        system = geodesic_system(kerr_metric(a) if kind == "kerr" else Metric.from_line_element(*SCHWARZSCHILD))
        rhs, boundaries = system.rhs, chart_boundary_events(system)
    names = {q: sp.Symbol(f"y{i}") for i, q in enumerate(rhs.inputs)}
    exprs = [e.xreplace(names).xreplace({rhs.time: sp.Symbol("t")}) for e in rhs.expressions]
    return rhs, boundaries, [sp.srepr(e) for e in exprs], exprs


def throughput_table(name: str, kind: str, y0, t1: float, tol: float, sample: int, repeats: int,
                     peer: str | None, invariants) -> None:
    import numpy as np

    from extremal import DormandPrince853, NumbaBackend, NumPyBackend, integrate

    rhs, boundaries, text, exprs = system_of(kind)
    method = DormandPrince853(rtol=tol, atol=tol)
    f = numba_rhs(exprs, y0.shape[1])
    n = len(y0)

    def ours(backend):
        return integrate(rhs, y0, (0.0, t1), method, boundaries=boundaries, backend=backend)

    start = time.perf_counter()
    ours(NumbaBackend(threads=1))
    first = time.perf_counter() - start
    f(0.0, y0[0])
    variants = {"compiled, 1 thread": NumbaBackend(threads=1), f"compiled, {os.cpu_count()} threads": NumbaBackend(),
                "NumPy whole-array loop": NumPyBackend()}
    seconds = {k: [] for k in variants}
    ratios = {k: [] for k in variants}
    scipy_seconds = []
    sols = {}
    for r in range(repeats):
        for k, backend in variants.items():
            if k.startswith("NumPy") and r > 0 and n > 2000:
                continue
            start = time.perf_counter()
            sols[k] = ours(backend)
            seconds[k].append(time.perf_counter() - start)
        s, finals, scipy_steps = scipy_sample(f, y0[:sample], t1, tol)
        scipy_seconds.append(s)
        for k in variants:
            if len(seconds[k]) == r + 1:
                ratios[k].append((n / seconds[k][-1]) / (sample / s))
    diffrax = run_diffrax(peer, text, y0, t1, tol, repeats)
    base = sols["compiled, 1 thread"]
    drift0 = invariants(y0)
    print(f"\n## {name}: {n} rows to t = {t1:g}, rtol = atol = {tol:g}; steps/row {base.n_steps.mean():.0f} "
          f"(SciPy {scipy_steps:.0f}); first call {first:.2f} s")
    print(f"{'tool':<34} | {'rows/s':>10} | {'vs SciPy':>9} | {'spread':>13} | {'drift':>20}")
    print("-" * 98)
    for k in variants:
        per_s = n / statistics.median(seconds[k])
        drift = np.abs(invariants(sols[k].y_final) - drift0)
        ok = sols[k].success
        text_drift = ", ".join(f"{v:.1e}" for v in np.nanmax(drift[ok], axis=0).ravel())
        spread = f"{min(ratios[k]):.0f}-{max(ratios[k]):.0f}" if ratios[k] else "-"
        print(f"{'extremal ' + k:<34} | {per_s:>10,.0f} | {statistics.median(ratios[k]):>8.1f}x | {spread:>13} | "
              f"{text_drift:>20}")
    scipy_per_s = sample / statistics.median(scipy_seconds)
    scipy_drift = np.nanmax(np.abs(invariants(finals) - invariants(y0[:sample])), axis=0)
    print(f"{'SciPy DOP853 one at a time (numba)':<34} | {scipy_per_s:>10,.1f} | {1.0:>8.1f}x | {'-':>13} | "
          f"{', '.join(f'{v:.1e}' for v in np.ravel(scipy_drift)):>20}")
    if diffrax is not None:
        d_per_s = n / diffrax["seconds"]
        d_drift = np.nanmax(np.abs(invariants(np.array(diffrax["y_final"])) - drift0), axis=0)
        ours_1 = n / statistics.median(seconds["compiled, 1 thread"])
        print(f"{'diffrax ' + diffrax['version'] + ' Dopri8 jit+vmap':<34} | {d_per_s:>10,.1f} | "
              f"{d_per_s / scipy_per_s:>8.1f}x | {'-':>13} | {', '.join(f'{v:.1e}' for v in np.ravel(d_drift)):>20}")
        print(f"# compiled 1 thread / diffrax: {ours_1 / d_per_s:.1f}x (diffrax steps/row {diffrax['steps']:.0f}, "
              f"its compile {diffrax['compile']:.1f} s excluded)")
    print(f"# SciPy on the first {sample} rows, timed alternately with extremal ({repeats} repeats); spread = "
          "min-max of per-repeat ratios")


def latency_table(sizes: list[int], repeats: int) -> None:
    from extremal import DormandPrince853, NumbaBackend, integrate

    rhs, events, _, exprs = system_of("schwarzschild")
    f = numba_rhs(exprs, 8)
    y_all = _common.schwarzschild_orbits(max(sizes))
    method = DormandPrince853(rtol=TOL, atol=TOL)
    integrate(rhs, y_all[:2], (0.0, TAU), method, boundaries=events)
    f(0.0, y_all[0])
    print(f"\n## latency: Schwarzschild geodesics to tau = {TAU:g}, per call (ms), median of {repeats}")
    print(f"{'batch':>8} | {'compiled 1 thr':>14} | {'compiled all':>12} | {'SciPy x batch':>13} | "
          f"{'vs SciPy (1 thr)':>16}")
    print("-" * 78)
    per_row = None
    for n in sizes:
        y0 = y_all[:n]
        one, every, theirs = [], [], []
        for _ in range(repeats):
            start = time.perf_counter()
            integrate(rhs, y0, (0.0, TAU), method, boundaries=events, backend=NumbaBackend(threads=1))
            one.append(time.perf_counter() - start)
            start = time.perf_counter()
            integrate(rhs, y0, (0.0, TAU), method, boundaries=events)
            every.append(time.perf_counter() - start)
            if per_row is None or n <= 10:
                s, _, _ = scipy_sample(f, y_all[:10], TAU, TOL)
                theirs.append(s / 10)
        if theirs:
            per_row = statistics.median(theirs)
        scipy_ms = 1e3 * per_row * n
        print(f"{n:>8,} | {1e3 * statistics.median(one):>14.2f} | {1e3 * statistics.median(every):>12.2f} | "
              f"{scipy_ms:>13.1f} | {scipy_ms / (1e3 * statistics.median(one)):>15.1f}x")


_FIRST = textwrap.dedent('''
    import time
    start = time.perf_counter()
    import numpy as np
    import extremal
    from extremal import Metric, geodesics
    imported = time.perf_counter()
    m = Metric.from_line_element(*SCHWARZSCHILD)
    b = geodesics(m, [0.0, 10.0, np.pi / 2, 0.0], [1.1, 0.0, 0.0, 0.03], [0.0, 1000.0])
    done = time.perf_counter()
    print(imported - start, done - imported, int(b.status[0]))
''')

_FIRST_SCIPY = textwrap.dedent('''
    import time
    start = time.perf_counter()
    import math
    import numpy as np
    from scipy.integrate import solve_ivp
    imported = time.perf_counter()
    def f(t, y):
        _, r, th, _, vt, vr, vth, vph = y
        s, c = math.sin(th), math.cos(th)
        g = r - 2.0
        return [vt, vr, vth, vph, -2.0 * vt * vr / (r * g),
                -g * vt * vt / r**3 + vr * vr / (r * g) + g * (vth * vth + s * s * vph * vph),
                -2.0 * vr * vth / r + s * c * vph * vph, -2.0 * vr * vph / r - 2.0 * c / s * vth * vph]
    solve_ivp(f, (0.0, 1000.0), [0.0, 10.0, np.pi / 2, 0.0, 1.1, 0.0, 0.0, 0.03], method="DOP853", rtol=1e-10,
              atol=1e-12)
    print(imported - start, time.perf_counter() - imported, 0)
''')


def first_result_table() -> None:
    print("\n## time to first result in a fresh process: one Schwarzschild geodesic to tau = 1000 (s)")
    print(f"{'run':<44} | {'import':>7} | {'set-up + compile + solve':>24} | {'total':>6}")
    print("-" * 92)
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "EXTREMAL_CACHE_DIR": cache, "NUMBA_CACHE_DIR": os.path.join(cache, "numba")}
        for label in ("extremal, empty kernel cache (cold)", "extremal, second process (warm cache)",
                      "extremal, third process (warm cache)"):
            script = f"SCHWARZSCHILD = {SCHWARZSCHILD!r}\n" + _FIRST
            out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
            imported, solved, _ = out.stdout.split()
            print(f"{label:<44} | {float(imported):>7.2f} | {float(solved):>24.2f} | "
                  f"{float(imported) + float(solved):>6.2f}")
    out = subprocess.run([sys.executable, "-c", _FIRST_SCIPY], capture_output=True, text=True, check=True)
    imported, solved, _ = out.stdout.split()
    label = "SciPy solve_ivp DOP853, Python right-hand side"
    print(f"{label:<44} | {float(imported):>7.2f} | {float(solved):>24.2f} | {float(imported) + float(solved):>6.2f}")


def scaling_table(n: int, repeats: int) -> None:
    from extremal import DormandPrince853, NumbaBackend, integrate

    rhs, events, _, _ = system_of("schwarzschild")
    y0 = _common.schwarzschild_orbits(n)
    method = DormandPrince853(rtol=TOL, atol=TOL)

    def run(**kw):
        start = time.perf_counter()
        integrate(rhs, y0, (0.0, TAU), method, boundaries=events, **kw)
        return time.perf_counter() - start

    run(backend=NumbaBackend(threads=1))
    rows = {"1 thread": [], "2 threads": []}
    for _ in range(repeats):
        rows["1 thread"].append(run(backend=NumbaBackend(threads=1)))
        rows["2 threads"].append(run(backend=NumbaBackend(threads=2)))
    print(f"\n## scaling: {n} Schwarzschild geodesics to tau = {TAU:g} (geodesics/s, median of {repeats})")
    for k, v in rows.items():
        print(f"{k:<28} {n / statistics.median(v):>10,.0f}")
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        print("# Dask is not installed: pip install 'extremal[distributed]' for the worker rows")
        return
    for workers in (1, 2):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        with cluster, Client(cluster) as client:
            executor = client.get_executor(pure=False)  # else Dask may hand back a repeat's result from memory
            run(executor=executor, backend=NumbaBackend(threads=1))
            times = [run(executor=executor, backend=NumbaBackend(threads=1)) for _ in range(repeats)]
        print(f"{f'{workers} Dask worker(s), 1 thread each':<28} {n / statistics.median(times):>10,.0f}")


def float_setup_table() -> None:
    import sympy as sp

    from extremal import geodesic_system

    print("\n## symbolic set-up (geodesic equations compiled) of Kerr with float and rational coefficients (s)")
    for label, a in (("a = 9/10 (rational)", sp.Rational(9, 10)), ("a = 0.9 (float)", 0.9), ("a = 0.37 (float)", 0.37)):
        start = time.perf_counter()
        geodesic_system(kerr_metric(a))
        print(f"{label:<24} {time.perf_counter() - start:>6.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small batches, one repeat")
    parser.add_argument("--peer-python", help="an interpreter with jax and diffrax, for the diffrax rows")
    parser.add_argument("--diffrax-kerr", action="store_true",
                        help="also run diffrax on Kerr (its jit compile of the 200-operation equations took minutes)")
    args = parser.parse_args()
    import numpy as np

    import _common

    quick = args.quick
    _common.header(["numpy", "scipy", "sympy", "numba", "extremal"], ["dask"], threads="1 and all threads")
    repeats = 1 if quick else 3
    p1 = _common.schwarzschild_orbits(1_000 if quick else 10_000)

    def schwarzschild_norm(y):
        r, th, u = y[..., 1], y[..., 2], y[..., 4:]
        f = 1 - 2 / r
        return (-f * u[..., 0] ** 2 + u[..., 1] ** 2 / f + r**2 * (u[..., 2] ** 2 + np.sin(th) ** 2 * u[..., 3] ** 2))

    throughput_table("P1 Schwarzschild", "schwarzschild", p1, TAU, TOL, 10 if quick else 50, repeats,
                     args.peer_python, schwarzschild_norm)
    kerr = kerr_orbits(300 if quick else 1_100, 0.9)[: 300 if quick else 1_000]
    throughput_table("Kerr a = 0.9 (E, L_z, Q)", "kerr", kerr, TAU, TOL, 10 if quick else 30, repeats,
                     args.peer_python if args.diffrax_kerr else None, lambda y: kerr_constants(y, 0.9))
    chaos = henon_heiles(200 if quick else 1_000)
    throughput_table("Henon-Heiles E = 1/8 (energy)", "henon", chaos, TAU, 1e-10, 5 if quick else 20, repeats,
                     args.peer_python, henon_energy)
    latency_table([1, 10, 100, 1_000] if quick else [1, 10, 100, 1_000, 10_000, 100_000], repeats if quick else 5)
    first_result_table()
    scaling_table(1_000 if quick else 5_000, repeats)
    float_setup_table()
    print(_common.load_line("end"))


if __name__ == "__main__":
    main()
