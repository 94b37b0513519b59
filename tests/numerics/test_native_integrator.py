"""The compiled integrator: the same steps and results as the whole-array loop and as SciPy, any thread count."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from extremal import (
    DOPRI5_TABLEAU,
    DormandPrince54,
    DormandPrince853,
    Event,
    FixedStep,
    InputError,
    Metric,
    NumbaBackend,
    NumPyBackend,
    Status,
    compile_rhs,
    crossing,
    geodesics,
    integrate,
)

pytest.importorskip("numba")

KEPLER = compile_rhs("x y u v", ["u", "v", "-x/(x**2 + y**2)**(3/2)", "-y/(x**2 + y**2)**(3/2)"])
PENDULUM = compile_rhs("x v", ["v", "-sin(x)"])
DRIVEN = compile_rhs("x v", ["v", "-x - v/10 + cos(2*t)"])
FIELDS = ("t_final", "y_final", "status", "event", "n_steps", "n_rejected")


def _orbits(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.column_stack([np.ones(n), np.zeros(n), rng.uniform(-0.1, 0.1, n), rng.uniform(0.8, 1.25, n)])


def _same(a, b):
    """Equal steps, statuses and events; states and samples equal to round-off.

    Round-off in the error estimate (a difference of nearly equal stages) changes the next step
    size in its seventh digit or so, hence a tolerance near the integration tolerance (and a
    looser one for rows stopped after a number of steps, at slightly different times).
    """
    for name in ("status", "event", "n_steps", "n_rejected"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    np.testing.assert_allclose(a.t_final, b.t_final, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(a.y_final, b.y_final, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(a.y, b.y, rtol=1e-8, atol=1e-10)


CASES = {
    "kepler DOP853 with samples": (
        KEPLER, _orbits(7), (0.0, 30.0), DormandPrince853(), {"t_eval": np.linspace(0, 30, 13)}
    ),
    "kepler DOPRI5 backwards": (KEPLER, _orbits(5, 1), (0.0, -12.0), DormandPrince54(rtol=1e-9), {}),
    "pendulum fixed step": (PENDULUM, [[1.0, 0.0], [2.5, 0.1]], (0.0, 7.3), FixedStep(DOPRI5_TABLEAU, 0.05), {}),
    "driven oscillator, time in the equations": (
        DRIVEN, [[1.0, 0.0], [0.0, 2.0]], (0.0, 40.0), DormandPrince853(rtol=1e-9, atol=1e-11),
        {"t_eval": np.linspace(0, 40, 9)},
    ),
    "events with directions, per-row spans": (
        PENDULUM, [[1.0, 0.0], [2.0, 0.0], [0.5, 0.0]], (np.zeros(3), np.array([20.0, 5.0, 30.0])),
        DormandPrince853(),
        {"events": [crossing(1, 0.4, direction=-1), crossing(0, -0.3, direction=1)],
         "t_eval": np.linspace(0, 5, 6)},
    ),
    "max steps": (KEPLER, _orbits(3), (0.0, 50.0), DormandPrince853(max_steps=40), {}),
    "nonfinite start": (KEPLER, [[0.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, 1.0], [np.nan, 0, 0, 1]], (0.0, 3.0),
                        DormandPrince853(), {}),
    "collision: the step collapses": (KEPLER, [[1.0, 0.0, 0.0, 0.0]], (0.0, 3.0), DormandPrince853(), {}),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_compiled_and_whole_array_loops_agree(case):
    rhs, y0, span, method, options = CASES[case]
    native = integrate(rhs, y0, span, method, backend=NumbaBackend(), **options)
    numpy = integrate(rhs, y0, span, method, backend=NumPyBackend(), **options)
    _same(native, numpy)
    if np.all(np.isfinite(y0)) and case != "collision: the step collapses":
        assert native.n_rhs == numpy.n_rhs
    assert integrate(rhs, y0, span, method, **options).n_rhs == native.n_rhs  # the default chooses compiled code


def test_statuses_of_the_cases_are_the_expected_ones():
    def status(case):
        rhs, y0, span, method, options = CASES[case]
        return integrate(rhs, y0, span, method, backend=NumbaBackend(), **options).status.tolist()

    assert status("max steps") == [Status.MAX_STEPS] * 3
    assert status("nonfinite start") == [Status.NONFINITE, Status.SUCCESS, Status.NONFINITE]
    assert status("collision: the step collapses") in ([Status.STEP_TOO_SMALL], [Status.NONFINITE])
    # The second pendulum swings from 2 to -2 in about 4.2 s and is back at -0.3 only after 5 s.
    assert status("events with directions, per-row spans") == [Status.EVENT, Status.SUCCESS, Status.EVENT]


@pytest.mark.parametrize(("method", "name"), [(DormandPrince853(rtol=1e-10, atol=1e-12), "DOP853"),
                                              (DormandPrince54(rtol=1e-8, atol=1e-10), "RK45")])
def test_steps_and_end_states_equal_scipy(method, name):
    y0 = _orbits(4, seed=3)
    ours = integrate(KEPLER, y0, (0.0, 20.0), method, backend=NumbaBackend())
    for i in range(len(y0)):
        ref = solve_ivp(lambda t, y: KEPLER(t, y[:, None])[:, 0], (0.0, 20.0), y0[i], method=name,
                        rtol=method.rtol, atol=method.atol)
        assert ours.n_steps[i] == ref.t.size - 1
        np.testing.assert_allclose(ours.y_final[i], ref.y[:, -1], rtol=1e-11, atol=1e-12)


def test_one_and_two_threads_give_the_same_bits():
    y0 = _orbits(257, seed=5)
    t_eval = np.linspace(0.0, 15.0, 7)
    one = integrate(KEPLER, y0, (0.0, 15.0), backend=NumbaBackend(threads=1), t_eval=t_eval,
                    events=[crossing(1, -0.5)])
    two = integrate(KEPLER, y0, (0.0, 15.0), backend=NumbaBackend(threads=2), t_eval=t_eval,
                    events=[crossing(1, -0.5)])
    for name in (*FIELDS, "y"):
        assert np.array_equal(getattr(one, name), getattr(two, name), equal_nan=True), name


def test_a_row_gets_the_same_bits_alone_and_stepped_beside_others():
    """Rows share lanes of the compiled loop; each lane's arithmetic is its own."""
    y0 = _orbits(70, seed=9)
    options = {"t_eval": np.linspace(0.0, 12.0, 5), "events": [crossing(1, -0.5)], "backend": NumbaBackend(threads=1)}
    together = integrate(KEPLER, y0, (0.0, 12.0), **options)
    for row in (0, 33, 69):
        alone = integrate(KEPLER, y0[row], (0.0, 12.0), **options)
        for name in (*FIELDS, "y"):
            assert np.array_equal(getattr(alone, name)[0], getattr(together, name)[row], equal_nan=True), name


def test_kepler_orbits_keep_their_energy_in_compiled_code():
    y0 = _orbits(50, seed=7)
    sol = integrate(KEPLER, y0, (0.0, 100.0), DormandPrince853(rtol=1e-12, atol=1e-12), backend=NumbaBackend())

    def energy(y):
        return 0.5 * (y[:, 2] ** 2 + y[:, 3] ** 2) - 1.0 / np.hypot(y[:, 0], y[:, 1])

    assert np.all(sol.status == Status.SUCCESS)
    assert np.max(np.abs(energy(sol.y_final) - energy(y0))) < 1e-10


def test_geodesics_stop_on_the_chart_edge_and_before_the_horizon_in_compiled_code():
    polar = Metric.from_line_element("dr**2 + r**2*dth**2", "r th")
    through_origin = geodesics(polar, [1.0, 0.3], [[-1.0, 0.0], [0.0, 1.0]], 3.0, backend=NumbaBackend())
    assert through_origin.status.tolist() == [Status.OUTSIDE_CHART, Status.SUCCESS]
    assert through_origin.s_final[0] == pytest.approx(1.0, abs=1e-9)
    assert through_origin.x_final[1, 0] == pytest.approx(np.sqrt(1 + 3.0**2), rel=1e-9)  # a straight line
    schwarzschild = Metric.from_line_element(
        "-(1 - 2/r)*dt**2 + dr**2/(1 - 2/r) + r**2*dth**2 + r**2*sin(th)**2*dph**2", "t r th ph"
    )
    x0, v0 = [0.0, 6.0, np.pi / 2, 0.0], [[1.3, -0.8, 0.0, 0.0], [1.2, 0.0, 0.0, 0.05]]
    for backend in (NumbaBackend(), NumPyBackend()):
        infall = geodesics(schwarzschild, x0, v0, 40.0, backend=backend)  # t grows without bound at r = 2
        assert infall.status.tolist() == [Status.STEP_TOO_SMALL] * 2
        np.testing.assert_allclose(infall.x_final[:, 1], 2.0, atol=1e-6)


def test_asking_for_compiled_code_that_cannot_run_says_why():
    with pytest.raises(InputError, match="Python function"):
        integrate(lambda t, y: -y, [1.0], (0.0, 1.0), backend=NumbaBackend())
    with pytest.raises(InputError, match="event 'mine' is a Python function"):
        integrate(
            PENDULUM, [1.0, 0.0], (0.0, 1.0), backend=NumbaBackend(), events=[Event(lambda t, y: y[0], name="mine")]
        )
    with pytest.raises(InputError, match=r"y\[5\].*2 components"):
        integrate(PENDULUM, [1.0, 0.0], (0.0, 1.0), events=[crossing(5, 0.0)])
    with pytest.raises(InputError, match="threads"):
        NumbaBackend(threads=0)


def test_python_event_functions_still_run_in_the_whole_array_loop():
    sol = integrate(PENDULUM, [[1.0, 0.0]], (0.0, 10.0), events=[Event(lambda t, y: y[0], direction=-1)])
    assert sol.status[0] == Status.EVENT
    assert sol.y_final[0, 0] == pytest.approx(0.0, abs=1e-12)


def _run_in_fresh_process(cache: Path) -> str:
    script = (
        "import numpy as np\n"
        "from extremal import compile_rhs, integrate, NumbaBackend\n"
        "rhs = compile_rhs('x v', ['v', '-x**3'])\n"
        "print(integrate(rhs, [1.0, 0.0], (0.0, 3.0), backend=NumbaBackend()).y_final[0, 0].hex())\n"
    )
    env = {**os.environ, "EXTREMAL_CACHE_DIR": str(cache)}
    return subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True).stdout


def test_kernels_are_cached_on_disk_and_reused(tmp_path):
    first = _run_in_fresh_process(tmp_path)
    assert len(list((tmp_path / "kernels").glob("k*.py"))) == 2  # the right-hand side for one and for several rows
    assert list((tmp_path / "kernels" / "__pycache__").glob("*.nbi"))
    assert _run_in_fresh_process(tmp_path) == first


def test_an_unwritable_cache_directory_still_integrates(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert _run_in_fresh_process(blocker / "below") == _run_in_fresh_process(tmp_path / "ok")


def test_the_kernels_spacing_is_numpys_nextafter_distance():
    import numba

    from extremal.numerics._native_kernel import _spacing

    @numba.njit
    def spacings(x):
        bits = np.zeros(1, dtype=np.int64)
        real = bits.view(np.float64)
        return np.array([_spacing(v, bits, real) for v in x])

    tiny, big = 5e-324, np.finfo(float).max
    edges = [0.0, -0.0, tiny, -tiny, 1e-310, 1.0, -1.0, 3.7, 1e300, big, -big, np.inf, -np.inf, np.nan]
    rng = np.random.default_rng(0)
    x = np.concatenate([edges, rng.standard_normal(10_000) * 10.0 ** rng.integers(-300, 300, 10_000)])
    expected = np.nextafter(np.abs(x), np.inf) - np.abs(x)
    assert np.array_equal(spacings(x), expected, equal_nan=True)
