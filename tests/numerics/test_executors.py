"""Batches split over executors (a process pool, a local Dask cluster) equal the one-process batch, bit for bit."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest

from extremal import InputError, Lagrangian, Metric, compile_rhs, crossing, geodesics, integrate, trajectories

pytest.importorskip("numba")

SCHWARZSCHILD = Metric.from_line_element(
    "-(1 - 2/r)*dt**2 + dr**2/(1 - 2/r) + r**2*dth**2 + r**2*sin(th)**2*dph**2", "t r th ph"
)


def _orbits(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    r = rng.uniform(5.0, 12.0, n)
    x0 = np.c_[np.zeros(n), r, np.full(n, np.pi / 2), np.zeros(n)]
    v0 = np.c_[np.full(n, 1.2), rng.uniform(-0.3, 0.3, n), rng.uniform(-0.01, 0.01, n), 1.0 / r**1.5]
    return x0, v0


def _identical(a, b, names):
    for name in names:
        assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name


GEODESIC_FIELDS = ("x", "v", "s_final", "x_final", "v_final", "status", "event", "n_steps", "drift")


def test_a_process_pool_gives_the_same_geodesics_bit_for_bit():
    x0, v0 = _orbits(700)
    here = geodesics(SCHWARZSCHILD, x0, v0, np.linspace(0.0, 200.0, 11))
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        there = geodesics(SCHWARZSCHILD, x0, v0, np.linspace(0.0, 200.0, 11), executor=pool)
    _identical(here, there, GEODESIC_FIELDS)
    assert set(here.status.tolist()) >= {0}


def test_a_local_dask_cluster_gives_the_same_geodesics_bit_for_bit():
    distributed = pytest.importorskip("dask.distributed")
    x0, v0 = _orbits(600)
    here = geodesics(SCHWARZSCHILD, x0, v0, np.linspace(0.0, 150.0, 7))
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        there = geodesics(SCHWARZSCHILD, x0, v0, np.linspace(0.0, 150.0, 7), executor=client)
        via_executor = geodesics(SCHWARZSCHILD, x0[:300], v0[:300], 150.0, executor=client.get_executor())
    _identical(here, there, GEODESIC_FIELDS)
    np.testing.assert_array_equal(via_executor.x_final, geodesics(SCHWARZSCHILD, x0[:300], v0[:300], 150.0).x_final)


def test_threads_trajectories_and_events_on_an_executor():
    oscillator = Lagrangian.parse("xdot**2/2 - x**4/4", "x")
    q0 = np.linspace(0.1, 2.0, 600)[:, None]
    kwargs = {"events": [crossing(1, 0.0, direction=-1)]}
    here = trajectories(oscillator, q0, np.zeros_like(q0), 30.0, **kwargs)
    with ThreadPoolExecutor(3) as pool:
        there = trajectories(oscillator, q0, np.zeros_like(q0), 30.0, executor=pool, **kwargs)
    _identical(here, there, ("q", "qdot", "t_final", "q_final", "status", "drift"))


def test_progress_reports_every_row_once_in_order():
    rhs = compile_rhs("x v", ["v", "-x"])
    seen: list[tuple[int, int]] = []
    sol = integrate(rhs, np.c_[np.linspace(0, 1, 5000), np.zeros(5000)], (0.0, 3.0),
                    progress=lambda done, total: seen.append((done, total)))
    done = [d for d, _ in seen]
    assert done == sorted(done) and done[-1] == 5000 and len(seen) > 1
    assert {t for _, t in seen} == {5000}
    np.testing.assert_allclose(sol.y_final[:, 0], np.linspace(0, 1, 5000) * np.cos(3.0), atol=1e-9)


def test_bad_executors_and_progress_are_refused():
    rhs = compile_rhs("x v", ["v", "-x"])
    with pytest.raises(InputError, match="executor must have a submit"):
        integrate(rhs, [1.0, 0.0], (0.0, 1.0), executor="dask")
    with pytest.raises(InputError, match="progress must be callable"):
        integrate(rhs, [1.0, 0.0], (0.0, 1.0), progress=3)


def test_work_that_cannot_be_sent_to_workers_says_so():
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool, \
            pytest.raises(InputError, match="could not send"):
        integrate(lambda t, y: -y, np.ones((300, 1)), (0.0, 1.0), executor=pool)
