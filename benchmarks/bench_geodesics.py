"""Benchmark: batched timelike Schwarzschild geodesics, extremal vs SciPy DOP853 vs EinsteinPy.

Problem (TARGETS.md, "Numeric geodesics"): M = 1, N bound timelike geodesics with periapsis
r0 uniform in [6, 20], eccentricity uniform in [0, 0.5] and orbital inclination uniform in
[0, 30°] (so every component of the 8-dimensional state moves), integrated to proper time
1000 with rtol = atol = 1e-10. Drift is max |g(u, u) + 1| at the end.

extremal runs the whole batch with each right-hand-side backend (numba when importable, and
NumPy). SciPy's ``solve_ivp(method="DOP853")`` runs one geodesic at a time on a sample of 100
rows (with a numba right-hand side when numba is importable, else a plain-float one) and is
extrapolated to N. Each of 5 repeats times extremal's batch and SciPy's sample back to back,
and the reported ratio is the median of the per-repeat ratios, so a change in machine speed
during the run moves both sides. EinsteinPy's ``Timelike`` (fixed step 0.5) runs on a smaller
sample when installed. The drift
column is the max over the rows each tool ran; "drift, same rows" repeats extremal's on the
rows of SciPy's sample, so the two integrators are compared on equal inputs.

Two more tables time boundary-value geodesics (``geodesic_between``): hard pairs one at a time
(near-antipodal and near-polar pairs and long chords on the unit sphere, an ellipsoid, a torus,
far pairs of the Poincaré half-plane) with their status, and random pairs on the sphere and the
half-plane in a batch and one at a time; lengths are checked against the great-circle and
arccosh distances, else against SciPy's ``solve_bvp`` (tol 1e-10, same right-hand side, from the
chart chord), which is timed per pair beside them. ``--bvp-only`` runs just these tables.
Everything is single-threaded and timed in this one process: median of the repeats, after a
warm-up. Run ``python benchmarks/bench_geodesics.py [--quick]``.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
from scipy.integrate import solve_bvp, solve_ivp  # noqa: E402

import _common  # noqa: E402
from extremal.numerics import (  # noqa: E402
    DormandPrince853,
    NumbaBackend,
    NumPyBackend,
    Status,
    geodesic_between,
    geodesic_system,
    geodesics,
)
from extremal.symbolic import Metric  # noqa: E402

TAU, TOL = 1000.0, 1e-10
BACKENDS = {"numba": NumbaBackend(), "numpy": NumPyBackend()}
SCHWARZSCHILD = Metric.from_line_element(
    "-(1 - 2/r)*dt**2 + dr**2/(1 - 2/r) + r**2*dth**2 + r**2*sin(th)**2*dph**2", "t r th ph"
)


def initial_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Bound orbits from (periapsis, eccentricity, inclination), as positions and velocities."""
    y = _common.schwarzschild_orbits(n, seed)
    return y[:, :4], y[:, 4:]


def norm_plus_one(y: np.ndarray) -> np.ndarray:
    """|g(u, u) + 1| for states y of shape (..., 8)."""
    r, th, u = y[..., 1], y[..., 2], y[..., 4:]
    f = 1 - 2 / r
    g = -f * u[..., 0] ** 2 + u[..., 1] ** 2 / f + r**2 * (u[..., 2] ** 2 + np.sin(th) ** 2 * u[..., 3] ** 2)
    return np.abs(g + 1)


def _rhs_python(t: float, y: np.ndarray) -> list[float]:
    _, r, th, _, vt, vr, vth, vph = y
    s, c = math.sin(th), math.cos(th)
    f = r - 2.0
    return [
        vt, vr, vth, vph,
        -2.0 * vt * vr / (r * f),
        -f * vt * vt / r**3 + vr * vr / (r * f) + f * (vth * vth + s * s * vph * vph),
        -2.0 * vr * vth / r + s * c * vph * vph,
        -2.0 * vr * vph / r - 2.0 * c / s * vth * vph,
    ]


def scipy_rhs() -> tuple[object, str]:
    """The SciPy right-hand side: numba-compiled when numba is importable."""
    if importlib.util.find_spec("numba") is None:
        return _rhs_python, "Python floats"
    import numba

    @numba.njit(cache=False)
    def rhs(t: float, y: np.ndarray) -> np.ndarray:
        r, th, vt, vr, vth, vph = y[1], y[2], y[4], y[5], y[6], y[7]
        s, c = math.sin(th), math.cos(th)
        f = r - 2.0
        out = np.empty(8)
        out[0], out[1], out[2], out[3] = vt, vr, vth, vph
        out[4] = -2.0 * vt * vr / (r * f)
        out[5] = -f * vt * vt / r**3 + vr * vr / (r * f) + f * (vth * vth + s * s * vph * vph)
        out[6] = -2.0 * vr * vth / r + s * c * vph * vph
        out[7] = -2.0 * vr * vph / r - 2.0 * c / s * vth * vph
        return out

    rhs(0.0, np.ones(8) * 3.0)
    return rhs, "numba"


def time_extremal(x0: np.ndarray, v0: np.ndarray, backend: str) -> tuple[float, object]:
    """Seconds for one batched call, and its result."""
    method = DormandPrince853(rtol=TOL, atol=TOL)
    start = time.perf_counter()
    batch = geodesics(SCHWARZSCHILD, x0, v0, [0.0, TAU], method=method, backend=BACKENDS[backend])  # end points only
    return time.perf_counter() - start, batch


def time_scipy(y0: np.ndarray, rhs: object) -> tuple[float, int, float]:
    """Seconds for ``solve_ivp`` on each row in turn, the accepted steps and the largest drift."""
    steps, drift = 0, 0.0
    start = time.perf_counter()
    for row in y0:
        sol = solve_ivp(rhs, (0.0, TAU), row, method="DOP853", rtol=TOL, atol=TOL)
        steps += sol.t.size - 1
        drift = max(drift, float(norm_plus_one(sol.y[:, -1])))
    return time.perf_counter() - start, steps, drift


def compare_ivp(x0: np.ndarray, v0: np.ndarray, sample: int, repeats: int, backends: list[str],
                rhs: object) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """Alternate batched extremal calls with SciPy on ``sample`` rows, ``repeats`` times.

    Each repeat gives one ratio per backend from timings taken back to back, so a change of
    machine speed during the run moves both sides; the tables report medians over repeats.
    """
    n = x0.shape[0]
    y0 = np.concatenate([x0, v0], axis=1)[:sample]
    warm_up = {}
    for b in backends:
        warm_up[b], _ = time_extremal(x0[:256], v0[:256], b)
    solve_ivp(rhs, (0.0, 10.0), y0[0], method="DOP853", rtol=TOL, atol=TOL)
    ours: dict[str, list[float]] = {b: [] for b in backends}
    ratios: dict[str, list[float]] = {b: [] for b in backends}
    theirs = []
    batches = {}
    for _ in range(repeats):
        for b in backends:
            seconds, batches[b] = time_extremal(x0, v0, b)
            ours[b].append(seconds)
        seconds, steps, scipy_drift = time_scipy(y0, rhs)
        theirs.append(seconds)
        for b in backends:
            ratios[b].append((n / ours[b][-1]) / (sample / seconds))
    runs = {}
    for b in backends:
        seconds, batch = statistics.median(ours[b]), batches[b]
        drift = norm_plus_one(np.concatenate([batch.x_final, batch.v_final], axis=1))
        runs[b] = {"per_s": n / seconds, "steps_per_s": float(batch.n_steps.sum()) / seconds,
                   "steps": float(batch.n_steps.mean()), "drift": float(drift.max()), "drift_rows": drift,
                   "failed": float(np.sum(~batch.success)), "warm_up": warm_up[b],
                   "ratio": statistics.median(ratios[b]), "ratios": ratios[b]}
    seconds = statistics.median(theirs)
    ref = {"per_s": sample / seconds, "steps_per_s": steps / seconds, "steps": steps / sample,
           "drift": scipy_drift, "ratio": runs[backends[0]]["ratio"]}
    return runs, ref


def run_einsteinpy(x0: np.ndarray, v0: np.ndarray) -> dict[str, float] | None:
    if importlib.util.find_spec("einsteinpy") is None:
        return None
    from einsteinpy.geodesic import Timelike

    delta, steps, drift = 0.5, int(TAU / 0.5), 0.0
    start = time.perf_counter()
    for x, v in zip(x0, v0, strict=True):
        r, f = x[1], 1 - 2 / x[1]
        momentum = [v[1] / f, r**2 * v[2], r**2 * v[3]]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            geod = Timelike(metric="Schwarzschild", metric_params=(), position=list(x[1:]), momentum=momentum,
                            steps=steps, delta=delta, return_cartesian=False, suppress_warnings=True)
        end = geod.trajectory[1][-1]
        rr, th, p = end[1], end[2], end[4:]
        ff = 1 - 2 / rr
        g = -p[0] ** 2 / ff + ff * p[1] ** 2 + p[2] ** 2 / rr**2 + p[3] ** 2 / (rr**2 * np.sin(th) ** 2)
        drift = max(drift, abs(g + 1))
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "per_s": len(x0) / seconds, "steps_per_s": steps * len(x0) / seconds,
            "steps": float(steps), "drift": drift}


SPHERE = Metric.from_line_element("dth**2 + sin(th)**2*dph**2", "th ph")
HALF_PLANE = Metric.from_line_element("(dx**2 + dy**2)/y**2", "x y")


# Points on the unit sphere (unit vectors, near-antipodal pairs), shared with the tests.
sphere_points = _common.test_helper("numerics/_sphere.py")


def bvp_cases(n: int, seed: int = 5) -> list[tuple[str, Metric, np.ndarray, np.ndarray, np.ndarray]]:
    """Random pairs with closed-form distances: great circles and the half-plane's arccosh formula."""
    rng = np.random.default_rng(seed)
    a = np.c_[rng.uniform(0.3, 2.8, n), rng.uniform(-1.5, 1.5, n)]
    b = np.c_[rng.uniform(0.3, 2.8, n), a[:, 1] + rng.uniform(-2.5, 2.5, n)]
    sphere = np.arccos(np.clip(np.einsum("ij,ij->i", sphere_points.unit(a), sphere_points.unit(b)), -1, 1))
    p = np.c_[rng.uniform(-2, 2, n), rng.uniform(0.2, 3, n)]
    q = np.c_[rng.uniform(-2, 2, n), rng.uniform(0.2, 3, n)]
    half = np.arccosh(1 + ((p - q) ** 2).sum(axis=1) / (2 * p[:, 1] * q[:, 1]))
    return [("sphere (great circle)", SPHERE, a, b, sphere), ("Poincaré half-plane (arccosh)", HALF_PLANE, p, q, half)]


def run_bvp(metric: Metric, a: np.ndarray, b: np.ndarray, exact: np.ndarray, repeats: int,
            singles: int) -> dict[str, float]:
    geodesic_between(metric, a[:2], b[:2])
    times, path = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        path = geodesic_between(metric, a, b)
        times.append(time.perf_counter() - start)
    assert path is not None
    single = []
    for i in range(singles):
        start = time.perf_counter()
        geodesic_between(metric, a[i], b[i])
        single.append(time.perf_counter() - start)
    ok = path.status == Status.SUCCESS
    return {"batch_ms": 1e3 * statistics.median(times) / len(a), "single_ms": 1e3 * statistics.median(single),
            "error": float(np.abs(path.length - exact)[ok].max()), "failed": float(np.sum(~ok)),
            "collocated": float(np.sum(path.collocated))}


def run_solve_bvp(metric: Metric, a: np.ndarray, b: np.ndarray, exact: np.ndarray) -> dict[str, float]:
    system = geodesic_system(metric)
    s = np.linspace(0.0, 1.0, 11)
    times, errors, failed = [], [], 0
    for x_a, x_b, d in zip(a, b, exact, strict=True):
        guess = np.concatenate([x_a[:, None] + s * (x_b - x_a)[:, None], np.repeat((x_b - x_a)[:, None], s.size, 1)])
        n = x_a.size

        def bc(ya: np.ndarray, yb: np.ndarray, x_a: np.ndarray = x_a, x_b: np.ndarray = x_b, n: int = n) -> np.ndarray:
            return np.concatenate([ya[:n] - x_a, yb[:n] - x_b])

        start = time.perf_counter()
        sol = solve_bvp(system.rhs, bc, s, guess, tol=1e-10, max_nodes=100_000)
        times.append(time.perf_counter() - start)
        if not sol.success:
            failed += 1
            continue
        v = sol.y[n:, 0]
        errors.append(abs(float(np.sqrt(system.norm(x_a[:, None], v[:, None])[0])) - d))
    return {"single_ms": 1e3 * statistics.median(times), "error": max(errors, default=float("nan")),
            "failed": float(failed)}


ELLIPSOID = Metric.from_embedding(["sin(th)*cos(ph)", "3*sin(th)*sin(ph)/2", "2*cos(th)"], "th ph")
TORUS = Metric.from_embedding(["(2 + cos(w))*cos(u)", "(2 + cos(w))*sin(u)", "sin(w)"], "u w")


def hard_cases() -> list[tuple[str, Metric, np.ndarray, np.ndarray, float]]:
    """Hard pairs; the distance in closed form where there is one (NaN: compared with solve_bvp)."""
    a = np.array([1.0, 0.3])
    sphere = [
        ("sphere, antipode + 1e-3", a, sphere_points.near_antipode(a, 1e-3)),
        ("sphere, antipode + 1e-2", a, sphere_points.near_antipode(a, 1e-2)),
        ("sphere, near the pole", np.array([0.02, 0.0]), np.array([0.03, 2.5])),
        ("sphere, pole to far side", np.array([0.05, 0.0]), np.array([2.9, 2.0])),
        ("sphere, long chord", np.array([0.3, -1.5]), np.array([2.8, 1.5])),
        ("sphere, long chord 2", np.array([0.15, 0.0]), np.array([2.95, 2.6])),
    ]
    cases = [(name, SPHERE, p, q, float(np.arccos(np.clip(sphere_points.unit(p)[0] @ sphere_points.unit(q)[0], -1, 1))))
             for name, p, q in sphere]
    cases += [(name, metric, np.array(p), np.array(q), math.nan) for name, metric, p, q in (
        ("ellipsoid 1 : 1.5 : 2", ELLIPSOID, [1.0, -1.0], [2.0, 2.0]),
        ("ellipsoid, far pair", ELLIPSOID, [0.5, 0.2], [2.6, 2.9]),
        ("torus R=2, r=1", TORUS, [0.0, 0.3], [2.0, 2.8]),
        ("torus, across the hole", TORUS, [-1.0, -2.0], [1.5, 2.5]),
        ("torus, outer equator, 2.5 rad", TORUS, [0.0, 0.0], [2.5, 0.0]),
        ("sphere, equator the long way (1.5 pi)", SPHERE, [np.pi / 2, 0.0], [np.pi / 2, 1.5 * np.pi]),
    )]
    for name, p, q in (("half-plane, far (10 apart, y = 0.1)", [-5.0, 0.1], [5.0, 0.1]),
                       ("half-plane, far (40 apart)", [-20.0, 1.0], [20.0, 0.5]),
                       ("half-plane, far (7 apart, y = 0.05)", [-3.0, 0.05], [4.0, 0.2])):
        p, q = np.array(p), np.array(q)
        cases.append((name, HALF_PLANE, p, q, float(np.arccosh(1 + ((p - q) ** 2).sum() / (2 * p[1] * q[1])))))
    return cases


def solve_bvp_pair(metric: Metric, a: np.ndarray, b: np.ndarray) -> tuple[float, float, bool]:
    """SciPy's solve_bvp from the chart chord (11 nodes, tol 1e-10): ms, length, success."""
    system = geodesic_system(metric)
    s = np.linspace(0.0, 1.0, 11)
    guess = np.concatenate([a[:, None] + s * (b - a)[:, None], np.repeat((b - a)[:, None], s.size, 1)])
    n = a.size

    def bc(ya: np.ndarray, yb: np.ndarray) -> np.ndarray:
        return np.concatenate([ya[:n] - a, yb[:n] - b])

    start = time.perf_counter()
    sol = solve_bvp(system.rhs, bc, s, guess, tol=1e-10, max_nodes=100_000)
    seconds = time.perf_counter() - start
    length = float(np.sqrt(abs(system.norm(a[:, None], sol.y[n:, :1])[0])))
    return 1e3 * seconds, length, bool(sol.success)


def bvp_table(n: int, quick: bool) -> None:
    print("\n# boundary-value geodesics, hard pairs, one pair per call (median of repeats after a warm-up)")
    print(f"{'case':<38} | {'extremal ms':>11} | {'status':<13} | {'length':>15} | {'error':>8} | "
          f"{'solve_bvp ms':>12} | {'its length':>15} | {'its error':>9} | {'it ok':>5}")
    print("-" * 145)
    repeats = 3 if quick else 7
    for name, metric, a, b, exact in hard_cases():
        path = geodesic_between(metric, a, b)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            path = geodesic_between(metric, a, b)
            times.append(time.perf_counter() - start)
        ref_ms, ref_length, ref_ok = solve_bvp_pair(metric, a, b)
        error = abs(float(path.length[0]) - exact)
        ref_error = abs(ref_length - exact)
        print(f"{name:<38} | {1e3 * statistics.median(times):>11.1f} | {Status(int(path.status[0])).name:<13} | "
              f"{path.length[0]:>15.12f} | {error:>8.1e} | {ref_ms:>12.1f} | {ref_length:>15.12g} | "
              f"{ref_error:>9.1e} | {ref_ok!s:>5}")
    print("# error: against the great-circle or arccosh distance (nan: no closed form; compare the lengths with "
          "solve_bvp's, run from the chart chord); CONJUGATE = the geodesic found passes a point conjugate to its "
          "start and no shorter one was found (the sphere's long way round is the only geodesic to that chart point)")
    print(f"\n# boundary-value geodesics: {n} random pairs per case; per-solve times in ms")
    print(f"{'case':<32} | {'batch ms/solve':>14} | {'single ms':>9} | {'max error':>9} | {'failed':>6} | "
          f"{'solve_bvp ms':>12} | {'its error':>9} | {'its fails':>9} | {'ratio (single)':>14}")
    print("-" * 135)
    for name, metric, a, b, exact in bvp_cases(n):
        ours = run_bvp(metric, a, b, exact, repeats=1 if quick else 5, singles=5 if quick else 20)
        k = 3 if quick else 10
        ref = run_solve_bvp(metric, a[:k], b[:k], exact[:k])
        print(f"{name:<32} | {ours['batch_ms']:>14.3f} | {ours['single_ms']:>9.3f} | {ours['error']:>9.1e} | "
              f"{int(ours['failed']):>6} | {ref['single_ms']:>12.2f} | {ref['error']:>9.1e} | "
              f"{int(ref['failed']):>9} | {ref['single_ms'] / ours['single_ms']:>14.1f}")
    print("# failed = pairs not flagged SUCCESS (each is reported in `status`); solve_bvp on the first 10 pairs; "
          "ratio = solve_bvp ms over extremal's single-pair ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 geodesics, small samples, one repeat")
    parser.add_argument("-n", type=int, default=10_000, help="batch size (default 10,000)")
    parser.add_argument("--bvp-only", action="store_true", help="only the boundary-value tables")
    args = parser.parse_args()
    if args.bvp_only:
        _common.header(["numpy", "scipy", "sympy", "extremal"], ["numba"])
        bvp_table(20 if args.quick else 100, args.quick)
        print(_common.load_line("end"))
        return
    n = 1_000 if args.quick else args.n
    x0, v0 = initial_data(n)
    _common.header(["numpy", "scipy", "sympy", "extremal"], ["numba", "einsteinpy"])
    print(f"# Schwarzschild M=1, {n} bound timelike geodesics, r0 in [6, 20], tau = {TAU:g}, rtol = atol = {TOL:g}")
    backends = ["numba", "numpy"] if importlib.util.find_spec("numba") else ["numpy"]
    rhs, kind = scipy_rhs()
    sample = 5 if args.quick else 100
    runs, ref = compare_ivp(x0, v0, sample, 1 if args.quick else 5, backends, rhs)
    ours = runs[backends[0]]
    einstein = None if args.quick else run_einsteinpy(x0[:1], v0[:1])
    rows = [(f"extremal DOP853 ({b} RHS), batch of {n}", r) for b, r in runs.items()]
    rows.append((f"SciPy solve_ivp DOP853 ({kind} RHS), {sample} one at a time", ref))
    if einstein is not None:
        rows.append(("EinsteinPy Timelike (fixed step 0.5), 1 geodesic", einstein))
    print(f"{'tool':<55} | {'geodesics/s':>12} | {'steps/s':>11} | {'steps/geod':>10} | "
          f"{'time for N (s)':>14} | {'drift':>8} | {'ratio':>7}")
    print("-" * 135)
    for name, r in rows:
        ratio = r.get("ratio", ours["per_s"] / r["per_s"])
        print(f"{name:<55} | {r['per_s']:>12,.1f} | {r['steps_per_s']:>11,.0f} | {r['steps']:>10.1f} | "
              f"{n / r['per_s']:>14.3g} | {r['drift']:>8.1e} | {ratio:>7.1f}")
    same = float(ours["drift_rows"][:sample].max())
    print("# extremal and SciPy rows: ratio = extremal's geodesics/s over SciPy's, median over repeats that "
          "time both back to back (per repeat: " + "; ".join(
              f"{b} " + ", ".join(f"{x:.0f}" for x in r["ratios"]) for b, r in runs.items()) + ")")
    print(f"# EinsteinPy row: ratio = extremal ({backends[0]}) over the tool; baselines extrapolated from their "
          f"samples; extremal failures: {int(ours['failed'])}; first call (compiling: "
          + ", ".join(f"{b} {r['warm_up']:.2f} s" for b, r in runs.items()) + ") not timed")
    print(f"# drift on SciPy's {sample} rows: extremal {same:.3e}, SciPy {ref['drift']:.3e} "
          f"(max over all {n} of extremal's rows: {ours['drift']:.3e})")
    bvp_table(20 if args.quick else 100, args.quick)
    print(_common.load_line("end"))


if __name__ == "__main__":
    main()
