"""The exponential map: closed forms, invariants, causal characters, chart errors, metric functions."""

import numpy as np
import pytest
import sympy as sp

from extremal.errors import InputError, IntegrationError, SingularMetricError
from extremal.examples import kerr
from extremal.numerics import (
    CentralDifference,
    DormandPrince853,
    MetricFunction,
    NumbaBackend,
    Status,
    SymbolicTrace,
    TorchAutodiff,
    crossing,
    geodesics,
)
from extremal.numerics._geodesic_system import geodesic_system
from extremal.numerics._metric_function import formula_accelerations
from extremal.symbolic import Metric
from extremal.symbolic._christoffel import Variational
from extremal.symbolic._geodesic import geodesic_accelerations
from extremal.symbolic._lagrangian import velocity_symbol

SPHERE = Metric.from_line_element("dth**2 + sin(th)**2*dph**2", "th ph")
SCHWARZSCHILD = Metric.from_line_element(
    "-(1 - 2/r)*dt**2 + dr**2/(1 - 2/r) + r**2*dth**2 + r**2*sin(th)**2*dph**2", "t r th ph"
)


def to_cartesian(x):
    th, ph = x[..., 0], x[..., 1]
    return np.stack([np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th)], axis=-1)


def test_sphere_geodesics_are_great_circles():
    rng = np.random.default_rng(3)
    x0 = np.c_[rng.uniform(0.5, 2.6, 30), rng.uniform(-3, 3, 30)]
    v0 = rng.normal(size=(30, 2))
    s = np.linspace(0.0, 1.5, 16)
    b = geodesics(SPHERE, x0, v0, s)
    assert np.all(b.success)
    p = to_cartesian(b.x)
    normal = np.cross(p[:, 0], p[:, 1])
    normal /= np.linalg.norm(normal, axis=1, keepdims=True)
    assert np.abs(np.einsum("nmi,ni->nm", p, normal)).max() < 1e-9
    speed = np.sqrt(b.norm0)
    angle = np.arccos(np.clip(np.einsum("ni,ni->n", p[:, 0], p[:, -1]), -1, 1))
    expected = np.minimum(speed * 1.5 % (2 * np.pi), 2 * np.pi - speed * 1.5 % (2 * np.pi))
    assert np.abs(angle - expected).max() < 1e-7


def bound_orbits(n):
    r0 = np.linspace(7.0, 15.0, n)
    e = 0.3
    p = r0 * (1 + e)
    L = np.sqrt(p**2 / (p - 3 - e**2))
    E = np.sqrt((p - 2 - 2 * e) * (p - 2 + 2 * e) / (p * (p - 3 - e**2)))
    x0 = np.stack([np.zeros(n), r0, np.full(n, np.pi / 2), np.zeros(n)], axis=1)
    v0 = np.stack([E / (1 - 2 / r0), np.zeros(n), np.zeros(n), L / r0**2], axis=1)
    return x0, v0


def test_schwarzschild_timelike_conservation():
    x0, v0 = bound_orbits(6)
    b = geodesics(SCHWARZSCHILD, x0, v0, np.linspace(0, 500.0, 50), method=DormandPrince853(rtol=1e-11, atol=1e-11))
    assert np.allclose(b.norm0, -1.0, atol=1e-12)
    assert b.conserved_names == ("g(v,v)", "p_t", "p_ph")
    report = b.drift_report()
    assert report["g(v,v)"] < 1e-9 and report["p_t"] < 1e-9 and report["p_ph"] < 1e-8
    r = b.x[..., 1]
    assert np.all((r > 6.5) & (r < 15 * 1.3 / 0.7 + 1e-6))
    assert set(b.causal_character()) == {"timelike"}


def test_null_and_spacelike_characters_and_norms():
    x0 = np.array([0.0, 10.0, np.pi / 2, 0.0])
    f = 1 - 2 / 10.0
    null = [1 / f, 0.0, 0.0, 1 / 10.0 / np.sqrt(f) / 1.0]
    null[3] = np.sqrt(1 / f) / 10.0
    spacelike = [0.0, np.sqrt(f), 0.0, 0.0]
    # The end points only: the drift of the steps, not of the 101 dense samples a scalar end would give.
    b = geodesics(SCHWARZSCHILD, x0, [null, spacelike], [0.0, 5.0])
    assert b.causal_character().tolist() == ["null", "spacelike"]
    assert abs(b.norm0[0]) < 1e-14 and np.isclose(b.norm0[1], 1.0)
    assert b.drift[:, 0].max() < 1e-10


def test_horizon_event_stops_infall():
    x0, v0 = infall()
    b = geodesics(SCHWARZSCHILD, x0, v0, 100.0, events=[crossing(1, 2.1)])
    assert b.status[0] == Status.EVENT
    assert np.isclose(b.x_final[0, 1], 2.1, atol=1e-9)


def test_point_outside_chart_is_flagged_not_fatal():
    b = geodesics(SPHERE, [[1.0, 0.0], [0.0, 0.0], [np.nan, 0.0]], [0.0, 1.0], 1.0)
    assert b.status.tolist() == [Status.SUCCESS, Status.OUTSIDE_CHART, Status.NONFINITE]
    with pytest.raises(SingularMetricError, match="outside the chart"):
        geodesics(SPHERE, [0.0, 0.0], [0.0, 1.0], 1.0, strict=True)


def infall():
    """Radial fall from rest at infinity (E = 1), now at r = 10."""
    return [0.0, 10.0, np.pi / 2, 0.0], [1.25, -np.sqrt(0.2), 0.0, 0.0]


def test_leaving_the_chart_reports_status_and_strict_raises():
    x0, v0 = infall()
    b = geodesics(SCHWARZSCHILD, [x0, x0], [v0, [1 / np.sqrt(0.8), 0.0, 0.0, 0.0]], 100.0)
    assert b.status[0] in (Status.NONFINITE, Status.STEP_TOO_SMALL)
    assert b.status[1] in (Status.SUCCESS, Status.NONFINITE, Status.STEP_TOO_SMALL)
    assert 2.0 <= b.x_final[0, 1] < 2.01
    with pytest.raises(IntegrationError, match="Event"):
        geodesics(SCHWARZSCHILD, x0, v0, 100.0, strict=True)


@pytest.mark.parametrize(
    ("x0", "v0", "match"),
    [([1.0, 0.0], [1.0, 0.0, 0.0], "v0"), ([1.0], [0.0, 1.0], "x0"), ([[1.0, 0.0]] * 2, [[0.0, 1.0]] * 3, "rows")],
)
def test_wrong_shapes(x0, v0, match):
    with pytest.raises(InputError, match=match):
        geodesics(SPHERE, x0, v0, 1.0)


def test_bad_parameter_samples():
    with pytest.raises(InputError, match="monotonic"):
        geodesics(SPHERE, [1.0, 0.0], [0.0, 1.0], [0.0, 1.0, 0.5])


def test_free_parameter_is_named():
    with pytest.raises(InputError, match="M"):
        geodesics(Metric.from_line_element("dr**2/(1 - 2*M/r) + r**2*dth**2", "r th"), [5.0, 0.0], [0.0, 1.0], 1.0)


def sphere_numpy(x):
    return [[1.0, 0.0], [0.0, np.sin(x[0]) ** 2]]


def sphere_branchy(x):
    import torch

    s = torch.sin(x[0]) if isinstance(x, torch.Tensor) else np.sin(x[0])
    if float(s.min()) < 0:
        raise ValueError("outside")
    return [[1.0, 0.0], [0.0, s**2]]


@pytest.mark.parametrize("differentiation", [None, SymbolicTrace(), CentralDifference(1e-5)])
def test_metric_function_matches_symbolic(differentiation):
    x0, v0 = [1.0, 0.2], [0.3, 0.8]
    ref = geodesics(SPHERE, x0, v0, 2.0)
    got = geodesics(MetricFunction(sphere_numpy, 2, differentiation), x0, v0, 2.0)
    tol = 1e-6 if isinstance(differentiation, CentralDifference) else 1e-10
    assert np.abs(got.x_final - ref.x_final).max() < tol


def test_metric_function_with_branches_uses_torch():
    pytest.importorskip("torch")
    x0, v0 = [1.0, 0.2], [0.3, 0.8]
    ref = geodesics(SPHERE, x0, v0, 2.0)
    for differentiation in (None, TorchAutodiff()):
        got = geodesics(MetricFunction(sphere_branchy, 2, differentiation), x0, v0, 2.0)
        assert np.abs(got.x_final - ref.x_final).max() < 1e-10


def test_metric_function_not_symmetric():
    with pytest.raises(InputError, match="symmetric"):
        geodesics(MetricFunction(lambda x: [[1.0, x[0]], [0.0, 1.0]], 2), [1.0, 0.0], [0.0, 1.0], 1.0)
    with pytest.raises(InputError, match="symmetric"):
        geodesics(MetricFunction(lambda x: [[1.0, x[0]], [0.0, 1.0]], 2, CentralDifference()), [1.0, 0.0],
                  [0.0, 1.0], 1.0)


def test_metric_function_wrong_shape():
    with pytest.raises(InputError, match="shape"):
        geodesics(MetricFunction(lambda x: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], 2), [1.0, 0.0], [0.0, 1.0], 1.0)
    with pytest.raises(InputError, match="shape"):
        geodesics(MetricFunction(lambda x: np.eye(3), 2, CentralDifference()), [1.0, 0.0], [0.0, 1.0], 1.0)


def test_untraceable_function_with_explicit_trace_is_an_error():
    with pytest.raises(InputError, match="TorchAutodiff"):
        geodesics(MetricFunction(sphere_branchy, 2, SymbolicTrace()), [1.0, 0.0], [0.0, 1.0], 1.0)


def test_killing_momentum_of_cyclic_coordinate():
    b = geodesics(SPHERE, [1.0, 0.0], [0.4, 0.9], np.linspace(0, 20, 100))
    assert "p_ph" in b.conserved_names
    assert b.drift_report()["p_ph"] < 1e-9
    assert np.isclose(b.conserved[0, 0, 1], np.sin(1.0) ** 2 * 0.9)
    assert sp.Symbol("th") in SPHERE.coords


def test_numba_backend_gives_the_same_geodesics():
    pytest.importorskip("numba")
    x0, v0 = bound_orbits(4)
    s = np.linspace(0.0, 300.0, 7)
    fast = geodesics(SCHWARZSCHILD, x0, v0, s, backend=NumbaBackend())
    slow = geodesics(SCHWARZSCHILD, x0, v0, s)
    assert np.all(fast.success) and np.array_equal(fast.n_steps, slow.n_steps)
    assert np.abs(fast.x - slow.x).max() < 1e-9 * np.abs(slow.x).max()


def test_numba_backend_needs_expressions():
    metric = MetricFunction(sphere_branchy, 2, TorchAutodiff())
    with pytest.raises(InputError, match=r"use NumPyBackend\(\)"):
        geodesics(metric, [1.0, 0.2], [0.3, 0.8], 1.0, backend=NumbaBackend())
    with pytest.raises(InputError, match=r"backend must be NumPyBackend\(\) or NumbaBackend\(\); got 'numba'"):
        geodesics(metric, [1.0, 0.2], [0.3, 0.8], 1.0, backend="numba")


def _kerr_numbers() -> Metric:
    metric = kerr()
    return Metric(metric.coords, metric.g.subs({"M": 1, "a": sp.Rational(7, 10)}))


FORMULA_METRICS = {
    "sphere": (lambda: SPHERE, [(0.4, 2.7), (-3.0, 3.0)]),
    "schwarzschild": (lambda: SCHWARZSCHILD, [(-1.0, 1.0), (2.5, 9.0), (0.4, 2.7), (-3.0, 3.0)]),
    "kerr": (_kerr_numbers, [(-1.0, 1.0), (2.5, 9.0), (0.4, 2.7), (-3.0, 3.0)]),
    "off-diagonal": (
        lambda: Metric.from_line_element("(1 + y**2)*dx**2 + 2*x*y*dx*dy + (2 + x**2)*dy**2", "x y"),
        [(-1.0, 1.0), (-1.0, 1.0)],
    ),
}


@pytest.mark.parametrize("name", FORMULA_METRICS)
def test_numeric_christoffel_formula_matches_the_symbolic_geodesic_accelerations(name):
    """``formula_accelerations`` (arrays) against both symbolic routes, at random points and velocities."""
    make, box = FORMULA_METRICS[name]
    metric = make()
    n, k = metric.dim, 50
    rng = np.random.default_rng(20240611)
    x = np.array([rng.uniform(lo, hi, k) for lo, hi in box])
    v = rng.normal(size=(n, k))
    system = geodesic_system(metric)
    g, dg = system.jet(x)
    numeric = formula_accelerations(g, dg, v)
    compiled = system.rhs(0.0, np.concatenate([x, v]))[n:]
    variational = sp.lambdify(
        (*metric.coords, *(velocity_symbol(q) for q in metric.coords)),
        list(geodesic_accelerations(metric, Variational())),
        "numpy",
    )
    by_variation = np.array([np.broadcast_to(a, (k,)) for a in variational(*x, *v)], dtype=float)
    assert np.all(np.isfinite(numeric))
    np.testing.assert_allclose(numeric, compiled, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(numeric, by_variation, rtol=1e-10, atol=1e-12)


def test_numeric_christoffel_formula_marks_singular_points_nan():
    g = np.zeros((2, 2, 3))
    g[0, 0] = g[1, 1] = [1.0, 0.0, 1.0]
    dg = np.zeros((2, 2, 2, 3))
    dg[0, 0, 1, 2] = np.inf
    a = formula_accelerations(g, dg, np.ones((2, 3)))
    assert np.all(a[:, 0] == 0.0)
    assert np.all(np.isnan(a[:, 1:]))


def test_scalar_end_gives_a_smooth_default_path():
    x0, v0 = [1.0, 0.0], [0.6, 0.8]
    b = geodesics(SPHERE, x0, v0, 3.0)
    assert b.x.shape == (1, 101, 2) and np.allclose(b.s[0], np.linspace(0.0, 3.0, 101))
    length = float(b.length[0])
    chart_chords = np.linalg.norm(np.diff(b.x[0], axis=0), axis=-1)  # the segments plot_chart draws
    space_chords = np.linalg.norm(np.diff(to_cartesian(b.x[0]), axis=0), axis=-1)
    assert chart_chords.max() < 0.02 * chart_chords.sum() and space_chords.max() < 0.02 * length
    assert np.isclose(space_chords.sum(), length, rtol=1e-3)
    explicit = geodesics(SPHERE, x0, v0, [0.0, 1.5, 3.0])
    assert explicit.x.shape == (1, 3, 2) and np.allclose(explicit.x_final, b.x_final, atol=1e-10)
