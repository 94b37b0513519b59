"""Every numerics entry refuses out-of-range input by name, checks sizes first, and reports what happened."""

import numpy as np
import pytest
import sympy as sp

import extremal
from extremal.errors import InputError, LimitError
from extremal.numerics import (
    DOPRI5_TABLEAU,
    CentralDifference,
    Collocation,
    DormandPrince54,
    DormandPrince853,
    Event,
    FixedStep,
    MetricFunction,
    NumbaBackend,
    PathEnergy,
    Shooting,
    Status,
    compile_function,
    compile_rhs,
    crossing,
    geodesic_between,
    geodesics,
    integrate,
    newton_vs_jacobi,
    trajectories,
)
from extremal.symbolic import Lagrangian, Metric

SPHERE = Metric.from_line_element("dth**2 + sin(th)**2*dph**2", "th ph")
POLAR = Metric.from_line_element("dr**2 + r**2*dth**2", "r th")
SPHERICAL = Metric.from_line_element("dr**2 + r**2*dth**2 + r**2*sin(th)**2*dph**2", "r th ph")
FLAT = Metric.from_line_element("dx**2 + dy**2", "x y")
OSCILLATOR = Lagrangian.parse("xdot**2/2 - x**2/2", "x")


def oscillator(t, y):
    return np.stack([y[1], -y[0]])


# --- method options -----------------------------------------------------------------------------


@pytest.mark.parametrize("method", [DormandPrince54, DormandPrince853])
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"rtol": True}, "rtol must be a real number; got True"),
        ({"rtol": np.inf}, "rtol must be finite"),
        ({"rtol": np.nan}, "rtol must be finite"),
        ({"rtol": 2.0}, "rtol must be <= 1; got 2.0"),
        ({"rtol": -1e-8}, "rtol must be > 0"),
        ({"rtol": "1e-8"}, "rtol must be a real number; got '1e-8'"),
        ({"atol": 0.0}, "atol must be > 0"),
        ({"atol": np.inf}, "atol must be finite"),
        ({"atol": False}, "atol must be a real number"),
        ({"max_steps": True}, "max_steps must be an int >= 1; got True"),
        ({"max_steps": 10.0}, "max_steps must be an int >= 1; got 10.0"),
        ({"max_steps": 0}, "max_steps must be an int >= 1; got 0"),
    ],
)
def test_adaptive_method_options_are_refused_by_name(method, kwargs, match):
    with pytest.raises(InputError, match=match):
        method(**kwargs)


def test_adaptive_method_accepts_numpy_numbers_and_rtol_one():
    method = DormandPrince54(rtol=np.float64(1.0), atol=np.float32(1e-6), max_steps=np.int64(50))
    assert method.rtol == 1.0 and method.max_steps == 50


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"dt": np.inf}, "dt must be finite"),
        ({"dt": np.nan}, "dt must be finite"),
        ({"dt": 0.0}, "dt must be > 0"),
        ({"dt": -0.1}, "dt must be > 0"),
        ({"dt": True}, "dt must be a real number; got True"),
        ({"dt": 0.1, "max_steps": True}, "max_steps"),
        ({"dt": 0.1, "max_steps": -3}, "max_steps"),
    ],
)
def test_fixed_step_options_are_refused_by_name(kwargs, match):
    with pytest.raises(InputError, match=match):
        FixedStep(DOPRI5_TABLEAU, **kwargs)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Collocation(nodes=(True, 40)), "nodes"),
        (lambda: Collocation(nodes=True), "nodes"),
        (lambda: Collocation(tol=np.nan), "tol must be finite"),
        (lambda: Collocation(max_iterations=True), "max_iterations"),
        (lambda: Shooting(tol=0.0), "tol must be > 0"),
        (lambda: Shooting(max_iterations=2.5), "max_iterations"),
        (lambda: Shooting(conjugate_tol=np.inf), "conjugate_tol"),
        (lambda: Shooting(method="DOP853"), "method must be"),
        (lambda: PathEnergy(points=True), "points must be an int >= 1; got True"),
        (lambda: PathEnergy(points=0), "points"),
        (lambda: PathEnergy(max_iterations=-1), "max_iterations"),
        (lambda: MetricFunction(lambda x: np.eye(2), dim=True), "dim must be an int >= 1; got True"),
        (lambda: MetricFunction(lambda x: np.eye(2), dim=2.0), "dim"),
        (lambda: CentralDifference(step=True), "step"),
        (lambda: Event(lambda t, y: y[0], direction=True), "direction"),
        (lambda: Event(lambda t, y: y[0], name=3), "name"),
        (lambda: crossing(True, 1.0), "index must be an int >= 0; got True"),
        (lambda: crossing(0, np.nan), "value must be finite"),
        (lambda: crossing(0, "1"), "value must be a real number"),
    ],
)
def test_option_objects_refuse_bad_values(make, match):
    with pytest.raises(InputError, match=match):
        make()


# --- time spans and samples ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("s", "match"),
    [
        (0.0, "s = 0.0 gives an empty interval"),
        (0, "empty interval"),
        (True, "s must be a number or an array of numbers; got True"),
        (np.inf, "s must be finite"),
        (np.nan, "s must be finite"),
        ("1.0", "s must be real numbers"),
        ([0.0, 0.0], "strictly monotonic"),
        ([0.0], "at least 2"),
        ([[0.0, 1.0]], "1-D"),
        ([0.0, np.nan], "finite"),
        ([0.0, "a"], "s must be real numbers"),
    ],
)
def test_geodesic_parameter_samples_are_checked(s, match):
    with pytest.raises(InputError, match=match):
        geodesics(SPHERE, [1.0, 0.0], [0.0, 1.0], s)


@pytest.mark.parametrize(("t", "match"), [(0.0, "empty interval"), (False, "got False"), ([1.0, 1.0], "monotonic")])
def test_trajectory_times_are_checked(t, match):
    with pytest.raises(InputError, match=match):
        trajectories(OSCILLATOR, [1.0], [0.0], t)


@pytest.mark.parametrize(
    ("t_span", "match"),
    [
        ((1.0, 1.0), "zero length"),
        ((0.0, [1.0, 0.0]), r"zero length \(t0 = t1 = 0.0\) for 1 of 2 rows, the first row 1"),
        ((0.0, np.inf), "finite"),
        ((True, 1.0), r"t_span\[0\] must be real numbers"),
        ("01", "t_span must be a pair"),
        ((0.0, 1.0, 2.0), "pair"),
        ((0.0, [1.0, 2.0, 3.0]), r"t_span\[1\] has shape \(3,\)"),
    ],
)
def test_integration_spans_are_checked(t_span, match):
    with pytest.raises(InputError, match=match):
        integrate(oscillator, [[1.0, 0.0], [0.5, 0.0]], t_span)


# --- initial values -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x0", "v0", "match"),
    [
        ([1.0, 0.0, 0.0], [0.0, 1.0], r"x0 has shape \(3,\) but there are 2 coords \(th, ph\); pass shape \(2,\)"),
        ([1.0, 0.0], [[0.0, 1.0, 2.0]], r"v0 has shape \(1, 3\)"),
        (["1", "0"], [0.0, 1.0], "x0 must be real numbers .* got strings"),
        ([1.0, 0.0], "0 1", "v0 must be real numbers"),
        ([[1.0, 0.0], [1.0]], [0.0, 1.0], "x0 must be real numbers .*nested lists of different lengths"),
        ([1.0, None], [0.0, 1.0], "x0 must be real numbers"),
        ([1.0, 0.0], [True, False], "v0 must be real numbers"),
        ([1.0, 0.0], [0.0, 1j], "v0 must be real numbers .* got complex"),
        ([1.0, 0.0], {"a": 1}, "v0"),
        (1.0, [0.0, 1.0], r"x0 has shape \(\)"),
        ([[1.0, 0.0]] * 2, [[0.0, 1.0]] * 3, "x0 has 2 rows and v0 has 3"),
    ],
)
def test_initial_values_are_checked_by_name(x0, v0, match):
    with pytest.raises(InputError, match=match):
        geodesics(SPHERE, x0, v0, 1.0)


def test_flags_events_and_methods_are_checked():
    with pytest.raises(InputError, match="strict must be True or False; got 'yes'"):
        geodesics(SPHERE, [1.0, 0.0], [0.0, 1.0], 1.0, strict="yes")
    with pytest.raises(InputError, match="events must be a list of Event"):
        geodesics(SPHERE, [1.0, 0.0], [0.0, 1.0], 1.0, events=crossing(0, 2.0))
    with pytest.raises(InputError, match="method must be"):
        trajectories(OSCILLATOR, [1.0], [0.0], 1.0, method=1e-8)
    with pytest.raises(InputError, match="strict"):
        geodesic_between(SPHERE, [1.0, 0.0], [1.0, 1.0], strict=1)


def test_nonfinite_rows_get_their_own_status_and_keep_the_others():
    x0 = [[1.0, 0.0], [np.inf, 0.0], [1.0, 0.0], [0.0, 0.0]]
    v0 = [[0.0, 1.0], [0.0, 1.0], [np.nan, 1.0], [0.0, 1.0]]
    b = geodesics(SPHERE, x0, v0, 1.0)
    assert b.status.tolist() == [Status.SUCCESS, Status.NONFINITE, Status.NONFINITE, Status.OUTSIDE_CHART]
    assert np.array_equal(b.x_final[0], geodesics(SPHERE, x0[0], v0[0], 1.0).x_final[0])
    t = trajectories(OSCILLATOR, [[1.0], [np.nan]], [[0.0], [0.0]], np.pi)
    assert t.status.tolist() == [Status.SUCCESS, Status.NONFINITE] and np.isclose(t.q_final[0, 0], -1.0)
    p = geodesic_between(FLAT, [[0.0, 0.0], [np.nan, 0.0]], [1.0, 1.0])
    assert p.status.tolist() == [Status.SUCCESS, Status.NONFINITE]
    c = newton_vs_jacobi(FLAT, "(x**2 + y**2)/2", [[1.0, 0.0], [np.inf, 0.0]], [0.0, 1.0], 1.0)
    assert c.status.tolist() == [Status.SUCCESS, Status.NONFINITE]
    with pytest.raises(InputError, match=r"x0\[1\] = \[inf, 0.0\], v0\[1\] = \[0.0, 1.0\] is not finite"):
        geodesics(SPHERE, x0, v0, 1.0, strict=True)


def test_other_entries_read_their_arguments_by_name():
    with pytest.raises(InputError, match="samples must be an int >= 2; got True"):
        geodesic_between(SPHERE, [1.0, 0.0], [1.0, 1.0], samples=True)
    with pytest.raises(InputError, match="x_b must be real numbers"):
        geodesic_between(SPHERE, [1.0, 0.0], ["1", "1"])
    with pytest.raises(InputError, match="shooting must be Shooting"):
        geodesic_between(SPHERE, [1.0, 0.0], [1.0, 1.0], shooting=DormandPrince853())
    with pytest.raises(InputError, match="empty interval"):
        newton_vs_jacobi(FLAT, "(x**2 + y**2)/2", [1.0, 0.0], [0.0, 1.0], 0.0)
    with pytest.raises(InputError, match="energy must be finite"):
        newton_vs_jacobi(FLAT, "(x**2 + y**2)/2", [1.0, 0.0], [0.0, 1.0], 1.0, energy=np.inf)
    with pytest.raises(InputError, match=r"q0 has shape \(2,\) but there are 1 coords \(x\)"):
        trajectories(OSCILLATOR, [1.0, 2.0], [0.0], 1.0)
    with pytest.raises(InputError, match="y0 must be real numbers"):
        integrate(oscillator, [[1.0, 0.0], [1.0]], (0.0, 1.0))
    with pytest.raises(InputError, match="rhs must be callable"):
        integrate("y", [1.0, 0.0], (0.0, 1.0))
    with pytest.raises(InputError, match=r"rhs.* must return real numbers"):
        integrate(lambda t, y: 1j * y, [1.0, 0.0], (0.0, 1.0))
    with pytest.raises(InputError, match="event 'e' must return real numbers"):
        integrate(oscillator, [1.0, 0.0], (0.0, 1.0), events=[Event(lambda t, y: np.array(["a"]), name="e")])
    with pytest.raises(InputError, match="metric must be a Metric or a MetricFunction; got list"):
        geodesics([[1.0, 0.0], [0.0, 1.0]], [1.0, 0.0], [0.0, 1.0], 1.0)
    with pytest.raises(InputError, match="backend must be"):
        trajectories(OSCILLATOR, [1.0], [0.0], 1.0, backend=["numba"])
    with pytest.raises(InputError, match="derivatives must be a list"):
        compile_rhs("x", 3)
    with pytest.raises(InputError, match=r"y0 has 1 components but rhs takes 2 \(x, v\)"):
        integrate(compile_rhs("x v", ["v", "-x"]), [1.0], (0.0, 1.0))
    with pytest.raises(InputError, match=r"rhs\(t, y\) failed on the initial states, y of shape \(1, 1\)"):
        integrate(oscillator, [1.0], (0.0, 1.0))
    with pytest.raises(InputError, match="expressions must be a list"):
        compile_function("x", "x**2")
    with pytest.raises(InputError, match="expressions must be SymPy expressions, numbers or strings; got True"):
        compile_function("x", [True])


# --- sizes --------------------------------------------------------------------------------------


def test_sizes_are_checked_before_allocating():
    rows = np.zeros((10**6, 2))
    rows[:, 0] = 1.0
    with pytest.raises(LimitError, match=r"1000000 rows × 200 samples × 6 components = 1,200,000,000 values") as info:
        geodesics(SPHERE, rows, [0.0, 1.0], np.linspace(0.0, 1.0, 200))
    assert "max_size = 100,000,000" in str(info.value)
    assert "extremal.limits(max_size=...)" in str(info.value) and "--max-size" in str(info.value)
    with pytest.raises(LimitError, match="samples"):
        geodesic_between(SPHERE, [1.0, 0.0], [1.0, 1.0], samples=10**9)
    with pytest.raises(LimitError, match="points"):
        geodesic_between(SPHERE, [1.0, 0.0], [1.0, 1.0], fallback=PathEnergy(points=10**9))
    with extremal.limits(max_size=1000):
        with pytest.raises(LimitError, match="max_size = 1,000"):
            integrate(oscillator, np.ones((10, 2)), (0.0, 1.0), t_eval=np.linspace(0.0, 1.0, 51))
        with pytest.raises(LimitError):
            trajectories(OSCILLATOR, np.ones((10, 1)), [0.0], np.linspace(0.0, 1.0, 51))
        with pytest.raises(LimitError):
            newton_vs_jacobi(FLAT, "(x**2 + y**2)/2", np.ones((10, 2)), [0.0, 1.0], np.linspace(0.0, 1.0, 30))
        assert geodesics(SPHERE, [1.0, 0.0], [0.0, 1.0], np.linspace(0.0, 1.0, 50)).status[0] == Status.SUCCESS


# --- complex metrics ----------------------------------------------------------------------------


def test_complex_metrics_are_refused_not_reported_outside_the_chart():
    x, y = sp.symbols("x y")
    with pytest.raises(InputError, match="complex"):
        geodesics(Metric((x, y), sp.diag(sp.I, 1 + x**2)), [1.0, 0.0], [0.0, 1.0], 1.0)
    with pytest.raises(InputError, match="I"):
        geodesics(Metric.from_line_element("I*dx**2 + dy**2 + x**2*dy**2", "x y"), [1.0, 0.0], [0.0, 1.0], 1.0)
    traced = MetricFunction(lambda q: [[1j + 0 * q[0], 0], [0, 1 + q[0] ** 2]], 2)
    with pytest.raises(InputError, match="complex"):
        geodesics(traced, [1.0, 0.0], [0.0, 1.0], 1.0)
    numeric = MetricFunction(lambda q: [[np.exp(1j * q[0]), 0 * q[0]], [0 * q[0], 1 + q[0] ** 2]], 2,
                             CentralDifference())
    with pytest.raises(InputError, match=r"g\[0\]\[0\] = .* of dtype complex128"):
        geodesics(numeric, [1.0, 0.0], [0.0, 1.0], 1.0)
    with pytest.raises(InputError, match=r"expression 0, .*, is complex"):
        compile_function([X], [sp.exp(sp.I * X)])


# --- leaving the chart --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metric", "x0", "v0", "edge"),
    [
        (POLAR, [1.0, 0.3], [-1.0, 0.0], (0, 0.0)),
        (SPHERICAL, [1.0, 1.0, 0.2], [-1.0, 0.0, 0.0], (0, 0.0)),
        (SPHERICAL, [2.0, 1.0, 0.2], [0.0, -1.0, 0.0], (1, 0.0)),
        (SPHERE, [np.pi / 3, 0.0], [1.0, 0.0], (0, np.pi)),
    ],
)
def test_a_geodesic_through_a_coordinate_singularity_stops_on_it(metric, x0, v0, edge):
    b = geodesics(metric, x0, v0, 3.0)
    index, value = edge
    assert b.status[0] == Status.OUTSIDE_CHART
    assert abs(b.x_final[0, index] - value) < 1e-9
    assert b.s_final[0] < 3.0 and not b.success[0]
    assert np.all(np.isnan(b.x[0, -1]))


def test_a_geodesic_that_misses_the_singularity_still_succeeds():
    b = geodesics(POLAR, [1.0, 0.0], [-1.0, 1e-3], 3.0)
    assert b.status[0] == Status.SUCCESS and b.x_final[0, 0] > 1.9


def test_a_metric_function_changing_signature_leaves_the_chart():
    def g(x):
        return [[1.0 + 0 * x[0], 0 * x[0]], [0 * x[0], x[0]]]

    for differentiation in (None, CentralDifference()):
        b = geodesics(MetricFunction(g, 2, differentiation), [1.0, 0.0], [-1.0, 0.0], 3.0)
        assert b.status[0] == Status.OUTSIDE_CHART and abs(b.x_final[0, 0]) < 1e-9


def test_boundary_crossings_stop_integrate_with_outside_chart():
    edge = Event(lambda t, y: y[0] - 0.5, direction=1)
    sol = integrate(oscillator, [[1.0, 0.0], [0.2, 0.0]], (0.0, 3.0), boundaries=[edge])
    assert sol.status.tolist() == [Status.OUTSIDE_CHART, Status.SUCCESS]
    assert np.isclose(sol.t_final[0], np.arccos(0.5), atol=1e-10) and sol.event[0] == -1


def test_a_singularity_ahead_fails_fast_with_step_too_small():
    sol = integrate(lambda t, y: np.stack([1.0 / t]), [1.0], (-1.0, 1.0))
    assert sol.status[0] == Status.STEP_TOO_SMALL
    assert sol.n_steps[0] + sol.n_rejected[0] < 1000 and abs(sol.t_final[0]) < 1e-9
    schwarzschild = Metric.from_line_element(
        "-(1 - 2/r)*dt**2 + dr**2/(1 - 2/r) + r**2*dth**2 + r**2*sin(th)**2*dph**2", "t r th ph"
    )
    b = geodesics(schwarzschild, [0.0, 10.0, np.pi / 2, 0.0], [1.25, -np.sqrt(0.2), 0.0, 0.0], 100.0)
    assert b.status[0] == Status.STEP_TOO_SMALL and b.n_steps[0] < 1000 and 2.0 <= b.x_final[0, 1] < 2.001


# --- special functions --------------------------------------------------------------------------

X, Y = sp.symbols("x y")
SPECIAL = {
    "Abs": sp.Abs(X - 1),
    "Heaviside": sp.Heaviside(X - 1),
    "sign": sp.sign(X - 1),
    "besselj": sp.besselj(0, X) + sp.besselj(1, 2 * X),
    "bessely": sp.bessely(1, X),
    "besseli": sp.besseli(0, X),
    "besselk": sp.besselk(1, X),
    "erf": sp.erf(X - Y),
    "erfc": sp.erfc(X),
    "gamma": sp.gamma(X),
    "loggamma": sp.loggamma(X),
    "polygamma": sp.polygamma(0, X) + sp.polygamma(1, X),
    "factorial": sp.factorial(X),
    "Min": sp.Min(X, Y, 1),
    "Max": sp.Max(X, Y),
    "floor": sp.floor(3 * X),
    "ceiling": sp.ceiling(X),
    "Piecewise": sp.Piecewise((X, X > 1), (Y**2, True)),
    "KroneckerDelta": sp.KroneckerDelta(sp.floor(X), 1),
    "erfinv": sp.erfinv(Y / 3),
    "elliptic_k": sp.elliptic_k(Y / 3),
    "jn": sp.jn(1, X),
}
POINTS = [(0.3, 0.5), (1.7, -1.2), (2.5, 2.9)]


def reference(expr, x, y):
    value = complex(expr.evalf(30, subs={X: sp.Float(x, 30), Y: sp.Float(y, 30)}))
    return value.real if value.imag == 0 else np.nan


@pytest.mark.parametrize("name", sorted(SPECIAL))
def test_special_functions_match_sympy_evalf(name):
    expr = SPECIAL[name]
    f = compile_function([X, Y], [expr])
    got = f(0.0, np.array(POINTS).T)[0]
    want = np.array([reference(expr, x, y) for x, y in POINTS])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", ["Abs", "Heaviside", "sign", "erf", "gamma", "loggamma", "Min", "Max", "floor",
                                  "factorial", "Piecewise"])
def test_special_functions_with_numba(name):
    pytest.importorskip("numba")
    expr = SPECIAL[name]
    f = compile_function([X, Y], [expr], backend=NumbaBackend())
    want = np.array([reference(expr, x, y) for x, y in POINTS])
    np.testing.assert_allclose(f(0.0, np.array(POINTS).T)[0], want, rtol=1e-12, atol=1e-14)


def test_functions_without_a_numerical_counterpart_are_named():
    pytest.importorskip("numba")
    with pytest.raises(InputError, match=r"numba backend cannot compile besselj\(0, x\).*NumPyBackend\(\)"):
        compile_function([X], [sp.besselj(0, X)], backend=NumbaBackend())
    with pytest.raises(InputError, match=r"f\(x\)"):
        compile_function([X], [sp.Function("f")(X)])
    with pytest.raises(InputError, match="hankel1"):
        compile_function([X], [sp.hankel1(0, X) * 0 + sp.hankel1(0, X)])
    with pytest.raises(InputError, match="DiracDelta"):
        compile_function([X], [sp.DiracDelta(X)])


@pytest.mark.parametrize(
    "line_element",
    [
        "dx**2 + (2 + besselj(0, x))*dy**2",
        "dx**2 + (2 + erf(x))*dy**2",
        "dx**2 + gamma(2 + x**2)*dy**2",
        "dx**2 + (1 + Abs(x))*dy**2",
        "dx**2 + Max(1, x)*dy**2",
        "dx**2 + (1 + bessely(0, 3 + x**2)**2)*dy**2",
    ],
)
def test_geodesics_of_metrics_with_special_functions(line_element):
    metric = Metric.from_line_element(line_element, "x y")
    b = geodesics(metric, [-0.5, 0.0], [1.0, 0.3], np.linspace(0.0, 2.0, 5))
    assert b.status[0] == Status.SUCCESS
    # For 1 + |x| the equations come as (x - sign x)/(x**2 - 1), which loses digits near x = 1.
    assert b.drift_report()["g(v,v)"] < 5e-9 and b.drift_report()["p_y"] < 5e-9


@pytest.mark.parametrize("jump", ["Heaviside(x)", "sign(x)", "floor(x + 1)"])
def test_a_jump_in_the_metric_is_the_edge_of_the_chart(jump):
    metric = Metric.from_line_element(f"dx**2 + (3 + {jump})*dy**2", "x y")
    b = geodesics(metric, [[-0.4, 0.0], [-0.4, 0.0]], [[1.0, 0.2], [-1.0, 0.2]], 0.5)
    assert b.status.tolist() == [Status.OUTSIDE_CHART, Status.SUCCESS]
    assert abs(b.x_final[0, 0]) < 1e-9 and np.isclose(b.s_final[0], 0.4, atol=1e-6)
