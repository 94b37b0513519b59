"""Identically zero means exactly zero: closed-form curvature and Laplacians through the public API.

Flat space in curvilinear charts must give every Riemann and Ricci component, R and the
Kretschmann scalar as SymPy's ``0``; maximally symmetric spaces must give R, the mixed Ricci
tensor and the Kretschmann scalar as the constants they are; surfaces written through
double-angle, hyperbolic and exponential identities must give their Gaussian curvature. The
charts and their closed forms are in ``_charts.py``, each checked against its embedding or
the literature.

How results are compared:

- a result that is a constant (0, 12 H², -1, 1/a²) is compared with ``==``: no
  simplification of our own, the library has to produce the constant;
- a closed form that depends on the coordinates is compared with ``same``: ``==``, or else
  the library's own public zero test ``simplify_in_chart(result - expected, coords) == 0``
  (never ``sympy.simplify``), so the test does not pin one of several equal written forms;
- components that the textbook form does not have must be exactly ``0``.

The Kerr–Schild Kerr case differentiates a nested square root: it is the slowest here.
"""

from __future__ import annotations

import itertools
import json

import pytest
import sympy as sp
from _charts import (
    EINSTEIN,
    FLAT,
    FLOAT_TWINS,
    LAPLACIANS,
    REWRITES,
    bessel_wave,
    derivative_coefficients,
    kerr_schild_kerr,
    kerr_schild_schwarzschild,
    textbook_laplacian,
)

from extremal.cli.main import main
from extremal.errors import ExtremalError
from extremal.symbolic import (
    Components,
    Metric,
    gaussian_curvature,
    kretschmann_scalar,
    laplace_beltrami,
    raise_index,
    ricci_scalar,
    ricci_tensor,
    riemann_tensor,
    simplify_in_chart,
)


def line_metric(line_element: str, coords: str) -> Metric:
    return Metric.from_line_element(line_element, coords)


def not_zero(tensor: Components) -> dict[tuple[int, ...], sp.Expr]:
    """Every component (all index tuples, not one per symmetry class) that is not SymPy's 0."""
    return {
        index: tensor[index]
        for index in itertools.product(*(range(n) for n in tensor.shape))
        if tensor[index] != 0
    }


def same(got: sp.Expr, expected: sp.Expr, coords) -> bool:
    """``got == expected``, or the library's public zero test says their difference is 0."""
    return got == expected or simplify_in_chart(got - expected, coords) == 0


def closed_form(text: str) -> sp.Expr:
    return sp.sympify(text)


# ------------------------------------------------------------------ flat space


@pytest.mark.parametrize("name", FLAT)
def test_flat_chart_has_every_riemann_component_exactly_zero(name):
    metric = line_metric(*FLAT[name])
    assert not_zero(riemann_tensor(metric)) == {}


@pytest.mark.parametrize("name", FLAT)
def test_flat_chart_has_ricci_scalar_and_kretschmann_exactly_zero(name):
    metric = line_metric(*FLAT[name])
    assert not_zero(ricci_tensor(metric)) == {}
    assert ricci_scalar(metric) == 0
    assert kretschmann_scalar(metric) == 0


# ---------------------------------------------------- de Sitter and anti-de Sitter


@pytest.mark.parametrize("name", EINSTEIN)
def test_maximally_symmetric_ricci_scalar_is_the_constant(name):
    line, coords, scalar = EINSTEIN[name]
    assert ricci_scalar(line_metric(line, coords)) == closed_form(scalar)


@pytest.mark.parametrize("name", EINSTEIN)
def test_maximally_symmetric_mixed_ricci_is_the_constant_times_identity(name):
    line, coords, scalar = EINSTEIN[name]
    metric = line_metric(line, coords)
    mixed = raise_index(ricci_tensor(metric), metric, 0)
    lam = closed_form(scalar) / 4
    assert {index: mixed[index] for index in itertools.product(range(4), repeat=2)} == {
        (i, j): lam if i == j else 0 for i, j in itertools.product(range(4), repeat=2)
    }


@pytest.mark.parametrize("name", EINSTEIN)
def test_maximally_symmetric_lowered_ricci_is_lambda_times_metric(name):
    # R_ab and g_ab need not be written alike (expanded, factored): the difference goes
    # through the library's own public zero test, simplify_in_chart. Off the diagonal
    # both are 0, so those components must be exactly 0.
    line, coords, scalar = EINSTEIN[name]
    metric = line_metric(line, coords)
    ricci, lam = ricci_tensor(metric), closed_form(scalar) / 4
    for i, j in itertools.product(range(4), repeat=2):
        if i != j:
            assert ricci[i, j] == 0, (i, j)
        else:
            assert same(ricci[i, i], lam * metric.g[i, i], coords), (i, ricci[i, i])


@pytest.mark.parametrize("name", EINSTEIN)
def test_maximally_symmetric_kretschmann_is_the_constant(name):
    line, coords, scalar = EINSTEIN[name]
    assert kretschmann_scalar(line_metric(line, coords)) == closed_form(scalar) ** 2 / 6


# ------------------------------------------------ surfaces written through identities


@pytest.mark.parametrize("name", REWRITES)
def test_rewritten_surface_has_its_gaussian_curvature(name):
    line, coords, text = REWRITES[name]
    metric, expected = line_metric(line, coords), closed_form(text)
    curvature, scalar = gaussian_curvature(metric), ricci_scalar(metric)
    if not expected.free_symbols & set(metric.coords):
        assert curvature == expected
        assert scalar == 2 * expected
    else:
        assert same(curvature, expected, coords), curvature
        assert same(scalar, 2 * expected, coords), scalar
        # the result is written no longer than twice the textbook form
        assert sp.count_ops(curvature) <= 2 * sp.count_ops(expected), curvature


IDENTITIES = {
    "sin_double_angle": ("2*sin(x)*cos(x) - sin(2*x)", "x"),
    "cos_double_angle": ("cos(2*x) - cos(x)**2 + sin(x)**2", "x"),
    "sin_triple_angle": ("sin(3*x) - 3*sin(x) + 4*sin(x)**3", "x"),
    "tan_double_angle": ("tan(2*x) - 2*tan(x)/(1 - tan(x)**2)", "x"),
    "sin_of_sum": ("sin(x + y) - sin(x)*cos(y) - cos(x)*sin(y)", "x y"),
    "sinh_double_argument": ("sinh(2*x) - 2*sinh(x)*cosh(x)", "x"),
    "cosh_from_exp": ("(exp(x) + exp(-x))**2/4 - cosh(x)**2", "x"),
    "exp_of_sum_and_e": ("exp(x + 1) - E*exp(x)", "x"),
    "exp_of_sum_hyperbolic": ("exp(2*x + y) - (cosh(x) + sinh(x))**2*exp(y)", "x y"),
    "sqrt_of_square_in_chart": ("sqrt(x**2 + 2*x + 1) - x - 1", "x"),
    "sqrt_rationalised": ("1/(sqrt(x) + 1) - (sqrt(x) - 1)/(x - 1)", "x"),
    "sqrt_two_conjugates": ("(sqrt(2) + 1)*(sqrt(2) - 1) - 1", "x"),
    "nested_sqrt": ("sqrt(3 + 2*sqrt(2)) - 1 - sqrt(2)", "x"),
}


@pytest.mark.parametrize("name", IDENTITIES)
def test_simplify_in_chart_sees_the_identity(name):
    text, coords = IDENTITIES[name]
    expr = sp.sympify(text)
    assert expr != 0  # SymPy alone does not already cancel it
    assert simplify_in_chart(expr, coords) == 0


def test_einsteinpy_inbuilt_simplify_case():
    # EinsteinPy's test_RicciScalar_inbuilt_simplify_works, built in Python as there
    x, y = sp.symbols("x y")
    expr = (-y) + 2 * sp.sin(x) * sp.cos(x) + y - sp.sin(2 * x)
    assert expr != 0
    assert simplify_in_chart(expr, (x, y)) == 0


# ----------------------------------------------------------------- Kerr–Schild


def test_kerr_schild_schwarzschild_is_exactly_ricci_flat():
    metric = Metric(*kerr_schild_schwarzschild())
    assert not_zero(ricci_tensor(metric)) == {}
    assert ricci_scalar(metric) == 0


def test_kerr_schild_schwarzschild_kretschmann():
    coords, g = kerr_schild_schwarzschild()
    M, x, y, z = sp.symbols("M x y z")
    got = kretschmann_scalar(Metric(coords, g))
    assert same(got, 48 * M**2 / (x**2 + y**2 + z**2) ** 3, coords), got


def test_kerr_schild_kerr_is_exactly_ricci_flat():
    # the slowest case here (about 10 s on a loaded 2-core machine): r is a nested square root of x, y, z
    metric = Metric(*kerr_schild_kerr())
    assert not_zero(ricci_tensor(metric)) == {}
    assert ricci_scalar(metric) == 0


# ----------------------------------------------------------------- Laplacians


@pytest.mark.parametrize("name", LAPLACIANS)
def test_laplacian_matches_the_textbook(name):
    line, coords = LAPLACIANS[name]
    metric = line_metric(line, coords)
    u = sp.Function("u")(*metric.coords)
    got = derivative_coefficients(laplace_beltrami(metric), u)
    textbook = derivative_coefficients(textbook_laplacian(name), u)
    # no term the textbook lacks (the library's terms are collected, so such a term is nonzero as written)
    assert set(got) <= set(textbook), set(got) - set(textbook)
    for derivative, coefficient in textbook.items():
        assert same(got.get(derivative, sp.S.Zero), coefficient, coords), (derivative, got.get(derivative))


def test_elliptic_cylindrical_laplacian_has_u_zz_with_coefficient_exactly_one():
    line, coords = LAPLACIANS["elliptic_cylindrical"]
    metric = line_metric(line, coords)
    mu, nu, z = metric.coords
    u = sp.Function("u")(mu, nu, z)
    got = derivative_coefficients(laplace_beltrami(metric), u)
    assert got.get(u.diff(z, 2)) == 1
    assert {d for d in got if isinstance(d, sp.Derivative) and z in d.variables} == {u.diff(z, 2)}


# ---------------------------------------------------------- CLI, special functions


def test_cli_curvature_of_exp_cos(capsys):
    line, coords, text = REWRITES["exp_cos"]
    code = main(["--format", "json", "curvature", line, "--coords", coords, "--what", "gaussian", "scalar"])
    out, err = capsys.readouterr()
    assert code == 0, err
    data = json.loads(out)
    curvature = sp.sympify(data["Gaussian curvature"][0]["expr"])
    scalar = sp.sympify(data["Ricci scalar"][0]["expr"])
    expected = closed_form(text)
    assert same(curvature, expected, coords), curvature
    assert same(scalar, 2 * expected, coords), scalar


@pytest.mark.parametrize("einsteinpy_order", [True, False], ids=["einsteinpy", "kramer"])
def test_bessel_wave_works_or_raises_an_extremal_error(einsteinpy_order):
    coords, g = bessel_wave(einsteinpy_order)
    try:
        scalar = ricci_scalar(Metric(coords, g))
    except ExtremalError:
        return
    assert isinstance(scalar, sp.Expr)
    assert scalar.free_symbols <= {*coords, sp.Symbol("C")}


# --------------------------------------------------------------------- floats

POINTS = [
    {"t": 0.3, "r": 3.7, "theta": 0.9, "phi": 0.4, "x": 0.7, "y": -1.1, "z": 0.5, "M": 1.3},
    {"t": -0.8, "r": 5.2, "theta": 2.1, "phi": 1.9, "x": -0.4, "y": 0.6, "z": 1.7, "M": 0.45},
]


def at(expr: sp.Expr, point: dict[str, float]) -> complex:
    return complex(sp.N(expr.subs({s: point[s.name] for s in expr.free_symbols})))


@pytest.mark.parametrize("name", FLOAT_TWINS)
def test_float_coefficients_give_the_curvature_of_the_rational_twin(name):
    floating, rational, coords, scalar, kretschmann = FLOAT_TWINS[name]
    f_metric, r_metric = line_metric(floating, coords), line_metric(rational, coords)
    assert ricci_scalar(r_metric) == closed_form(scalar)
    assert kretschmann_scalar(r_metric) == closed_form(kretschmann)
    pairs = [(ricci_scalar(f_metric), ricci_scalar(r_metric)),
             (kretschmann_scalar(f_metric), kretschmann_scalar(r_metric))]
    f_ricci, r_ricci = ricci_tensor(f_metric), ricci_tensor(r_metric)
    pairs += [(f_ricci[i, j], r_ricci[i, j]) for i, j in itertools.product(range(4), repeat=2)]
    for (got, want), point in itertools.product(pairs, POINTS):
        assert abs(at(got, point) - at(want, point)) <= 1e-9 * max(1.0, abs(at(want, point))), (got, want, point)
