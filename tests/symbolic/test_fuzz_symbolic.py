"""Fuzz of the symbolic entry points: only extremal errors escape, nothing runs past its budget,
and valid random inputs give results that pass an independent check.

``EXTREMAL_FUZZ_EXAMPLES`` sets the number of examples per property (default 300).
"""

import os

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extremal import (
    FieldLagrangian,
    Lagrangian,
    Metric,
    Variational,
    change_coordinates,
    christoffel,
    euler_lagrange,
    field_equations,
    gaussian_curvature,
    jacobi_metric,
    limits,
    parse,
    ricci_scalar,
    simplify_in_chart,
    zero_test,
)
from extremal.errors import ExtremalError, InputError, TimeLimitError

# a time limit that lands in a garbage-collector callback is reported by Python as ignored
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
EXAMPLES = int(os.environ.get("EXTREMAL_FUZZ_EXAMPLES", "300"))
BUDGET = 3.0
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)

TOKENS = [
    "x", "y", "r", "th", "t", "u", "dx", "dy", "dr", "dth", "xdot", "ydot", "u_x", "u_y", "sin", "cos",
    "exp", "log", "sqrt", "Abs", "besselj", "atan2", "f", "U", "a", "E", "I", "pi", "oo", "zoo", "nan",
    "(", ")", "(", ")", "+", "-", "*", "/", "**", "^", ",", " ", "2", "0", "1", "3", "1.5", "1e300", "1e-300",
    "10**10**10", ".", "'", "[", "]", "=", ":", "__import__", "lambda", "os", "_", "#", "!", "\u03b8", "\u2212",
]

texts = st.one_of(
    st.lists(st.sampled_from(TOKENS), min_size=1, max_size=25).map("".join),
    st.text(max_size=40),
)


def _run(call):
    """Call within the time budget; return 'ok', 'error' or fail on an escaped exception."""
    try:
        with limits(timeout=BUDGET):
            call()
        outcome = "ok"
    except TimeLimitError:
        outcome = "timeout"
    except ExtremalError:
        outcome = "error"
    except Exception as exc:  # the property under test: nothing else escapes
        pytest.fail(f"{type(exc).__name__} escaped: {exc}")
    return outcome


@FUZZ
@given(texts)
def test_parse_and_equations_of_motion(text):
    _run(lambda: parse(text, {}))
    _run(lambda: euler_lagrange(Lagrangian.parse(text, "x y")).accelerations)


@FUZZ
@given(texts)
def test_line_elements_christoffel_and_curvature(text):
    def work():
        metric = Metric.from_line_element(text, "x y")
        christoffel(metric, method=Variational())
        christoffel(metric)
        ricci_scalar(metric)

    _run(work)


@FUZZ
@given(texts, texts)
def test_densities_maps_and_potentials(text, other):
    _run(lambda: field_equations(FieldLagrangian.parse(text, "u", "x y")))
    flat = Metric.from_line_element("dx**2 + dy**2", "x y")
    _run(lambda: jacobi_metric(flat, text, other))
    L = Lagrangian.parse("(xdot**2 + ydot**2)/2 - x*y", "x y")
    _run(lambda: euler_lagrange(change_coordinates(L, {"x": text, "y": other}, "p q")).accelerations)


# -- valid random inputs, checked independently ------------------------------------------

x, y = sp.symbols("x y")
POSITIVE = [
    sp.S(1), x**2 + 1, sp.exp(y), 2 + sp.sin(x), y**2 + 1, sp.cosh(x), (x**2 + y**2 + 1) ** 2, 3 + sp.cos(x * y)
]
POINTS = np.array([[0.3, -0.7], [1.1, 0.4], [-0.5, 1.3]])


def _values(exprs):
    """Each expression evaluated at every point of POINTS, shape (len(POINTS), len(exprs))."""
    f = sp.lambdify((x, y), list(exprs), modules="numpy")
    return np.array([np.broadcast_to(np.asarray(f(*p), dtype=complex), (len(exprs),)) for p in POINTS])


@settings(FUZZ, max_examples=min(EXAMPLES, 25))
@given(st.sampled_from(POSITIVE), st.sampled_from(POSITIVE), st.sampled_from(POSITIVE), st.sampled_from([0, 1]))
def test_random_metrics_christoffel_methods_agree_and_curvature_is_consistent(a, b, c, off):
    g = sp.Matrix([[a * b, off * x * y / 4], [off * x * y / 4, c]])
    if not any(g.has(s) for s in (x, y)):
        return
    metric = Metric((x, y), g)
    formula, action = christoffel(metric), christoffel(metric, method=Variational())
    gi, X = g.inv(), (x, y)
    reference = [
        sum(gi[k, m] * (g[m, i].diff(X[j]) + g[m, j].diff(X[i]) - g[i, j].diff(X[m])) / 2 for m in range(2))
        for k in range(2) for i in range(2) for j in range(2)
    ]
    ours = [formula[k, i, j] for k in range(2) for i in range(2) for j in range(2)]
    varied = [action[k, i, j] for k in range(2) for i in range(2) for j in range(2)]
    expected = _values(reference)
    np.testing.assert_allclose(_values(ours), expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(_values(varied), expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(
        _values([ricci_scalar(metric)]), 2 * _values([gaussian_curvature(metric)]), rtol=1e-9, atol=1e-12
    )


q = sp.Symbol("q")
MASSES = [sp.S(1), q**2 + 1, sp.exp(q), 2 + sp.sin(q), sp.cosh(q)]
POTENTIALS = [q**2 / 2, sp.cos(q), q**4 - q, sp.exp(-(q**2)), sp.log(q**2 + 1), sp.Function("V")(q)]


@FUZZ
@given(st.sampled_from(MASSES), st.sampled_from(POTENTIALS), st.floats(-2, 2), st.floats(-2, 2))
def test_random_lagrangians_match_the_closed_form_acceleration(m, V, q0, v0):
    qdot = sp.Symbol("qdot")
    (acc,) = euler_lagrange(Lagrangian(m * qdot**2 / 2 - V, [q])).accelerations
    expected = -(m.diff(q) * qdot**2 / 2 + V.diff(q)) / m
    if V.has(sp.Function("V")):
        assert sp.simplify(acc - expected) == 0
    else:
        assert abs(complex(sp.N((acc - expected).subs({q: q0, qdot: v0}), 30))) < 1e-10


# -- well-formed random formulas: the engine must answer or refuse, never crash ---------------

ATOMS = ["x", "y", "2", "3", "1.5", "1e-30", "1e30", "a", "pi", "0", "E", "12345678901234567890"]
UNARY = ["sin", "cos", "tan", "exp", "log", "sqrt", "Abs", "sinh", "atan", "f", "sign", "erf", "gamma"]


def _formulas(atoms):
    leaves = st.sampled_from(atoms)
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**", " "]), inner).map(
                lambda t: f"({t[0]}){t[1]}({t[2]})"
            ),
            st.tuples(st.sampled_from(UNARY), inner).map(lambda t: f"{t[0]}({t[1]})"),
            st.tuples(inner, st.integers(-3, 4)).map(lambda t: f"({t[0]})**{t[1]}"),
            inner.map(lambda e: f"-({e})"),
            st.tuples(inner, inner).map(lambda t: f"besselj({t[0]}, {t[1]})"),
        ),
        max_leaves=8,
    )


@settings(FUZZ, max_examples=min(EXAMPLES, 100))
@given(_formulas(ATOMS), _formulas(ATOMS))
def test_well_formed_metrics_answer_or_refuse(g11, g22):
    def work():
        metric = Metric.from_line_element(f"({g11})*dx**2 + ({g22})*dy**2", "x y")
        christoffel(metric, method=Variational())
        ricci_scalar(metric)

    _run(work)


@settings(FUZZ, max_examples=min(EXAMPLES, 100))
@given(_formulas([*ATOMS, "xdot", "ydot"]))
def test_well_formed_lagrangians_answer_or_refuse(text):
    _run(lambda: euler_lagrange(Lagrangian.parse(f"xdot**2/2 + ({text})", "x y")).accelerations)


@settings(FUZZ, max_examples=min(EXAMPLES, 100))
@given(_formulas([*ATOMS, "xdot", "ydot", "xddot", "yddot", "xdddot"]))
def test_well_formed_higher_derivative_lagrangians_answer_or_refuse(text):
    """Euler-Poisson equations or an extremal error; never accelerations of a higher-derivative Lagrangian."""

    def work():
        L = Lagrangian.parse(f"xdot**2/2 + ({text})", "x y")
        eom = euler_lagrange(L)
        assert len(eom.equations) == 2
        if L.order > 1:
            with pytest.raises(InputError, match=f"order {eom.order}"):
                _ = eom.accelerations

    _run(work)


@settings(FUZZ, max_examples=min(EXAMPLES, 100))
@given(_formulas([*ATOMS, "u", "u_x", "u_yy", "u_xxy", "u_yyyy"]))
def test_well_formed_higher_derivative_densities_answer_or_refuse(text):
    _run(lambda: field_equations(FieldLagrangian.parse(f"u_x**2/2 + ({text})", "u", "x y")))


@settings(FUZZ, max_examples=min(EXAMPLES, 100))
@given(_formulas(ATOMS))
def test_zero_test_and_simplify_answer_or_refuse(text):
    _run(lambda: zero_test(text))
    _run(lambda: simplify_in_chart(text, "x y"))


# -- random elementary identities: the exact zero test sees each one ---------------------------

ELEMENTARY = st.recursive(
    st.sampled_from([x, y, sp.S(2), sp.Rational(1, 3)]),
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda t: t[0] + t[1]),
        st.tuples(inner, inner).map(lambda t: t[0] * t[1]),
        st.tuples(st.sampled_from([sp.sin, sp.cos, sp.tan, sp.sinh, sp.cosh, sp.tanh, sp.exp]),
                  st.integers(1, 3), st.sampled_from([x, y, x + y, x - 2 * y])).map(lambda t: t[0](t[1] * t[2])),
        inner.map(lambda e: e**2),
    ),
    max_leaves=6,
)


@settings(FUZZ, max_examples=min(EXAMPLES, 100))
@given(ELEMENTARY, st.integers(1, 5))
def test_random_identities_are_exactly_zero_and_perturbations_are_not(expr, k):
    """``expr`` minus an independent rewrite of it (SymPy's multiple-angle expansion and exponential
    form of the hyperbolic functions) is exactly zero; adding ``k*sin(x)*exp(y)/7`` makes it nonzero."""
    rewritten = sp.expand_trig(expr).rewrite(sp.exp) if expr.has(sp.sinh, sp.cosh, sp.tanh) else sp.expand_trig(expr)
    assert zero_test(expr - rewritten) == (True, "exact")
    assert zero_test(expr - rewritten + k * sp.sin(x) * sp.exp(y) / 7) == (False, "exact")
