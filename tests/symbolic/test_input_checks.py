"""Inputs that used to give a silent wrong answer: each is now a clear error or the right answer."""

import numpy as np
import pytest
import sympy as sp

from extremal import (
    FieldLagrangian,
    InputError,
    Lagrangian,
    Metric,
    Variational,
    change_coordinates,
    christoffel,
    euler_lagrange,
    laplace_beltrami,
)

x, y, q = sp.symbols("x y q")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Lagrangian.parse("xdot**2/2", "x xdot"), "'xdot' is both a coordinate and the velocity of x"),
        (lambda: Lagrangian.parse("xdot**2/2", "x", "xdot"), "'xdot' is both the time and the velocity of x"),
        (lambda: Lagrangian.parse("xdot**2/2 + xddot**2", "x xd"), "'xddot' is both the acceleration of x"),
        (lambda: Metric.from_line_element("dx**2 + ddx**2", "x dx"), "'dx' is both a coordinate and the differential"),
        (lambda: Metric("x xdot", sp.diag(x, 1)), "'xdot' is both a coordinate and the velocity of x"),
        (lambda: FieldLagrangian.parse("u_x**2/2", "u u_x", "x"), "'u_x' is both"),
        (lambda: FieldLagrangian.parse("x_y**2/2", "x", "x y"), "'x' is both the variable x and the field x"),
        (lambda: FieldLagrangian.parse("u_xx**2/2", "u", "x xx"), "'u_xx' is both"),
    ],
)
def test_generated_names_may_not_clash(make, message):
    with pytest.raises(InputError, match=message):
        make()


def test_string_coordinates_adopt_the_symbol_of_the_expression():
    xp = sp.Symbol("x", positive=True)
    L = Lagrangian(sp.Symbol("xdot") ** 2 / 2 - xp**2 / 2, "x")
    assert L.coords == (xp,)
    assert euler_lagrange(L).accelerations == (-xp,)
    assert Metric("x y", sp.diag(1, xp**2)).coords[0] is xp


def test_a_coordinate_symbol_with_other_assumptions_is_refused():
    xp = sp.Symbol("x", positive=True)
    with pytest.raises(InputError, match=r"assumptions \(positive=True\).*variable 'x' \(none\)"):
        Lagrangian(sp.Symbol("xdot") ** 2 / 2 - xp**2 / 2, [x])
    with pytest.raises(InputError, match="positive=True"):
        Metric([x, y], sp.diag(1, xp**2))


def test_velocities_keep_no_sign_assumption_of_their_coordinate():
    r = sp.Symbol("r", positive=True)
    L = Lagrangian(sp.sqrt(sp.Symbol("rdot") ** 2) - 1 / r, [r])
    (velocity,) = L.velocities
    assert velocity.is_real and velocity.is_positive is None
    assert L.expr.has(sp.Abs(velocity))


@pytest.mark.parametrize("bad", [sp.Tuple(x, 1), sp.Eq(x, 1), sp.Matrix([x])])
def test_non_expressions_are_not_lagrangians(bad):
    with pytest.raises(InputError, match="expr must be a SymPy expression"):
        Lagrangian(bad, "x")


@pytest.mark.parametrize("entry", [np.inf, float("nan"), sp.oo, sp.zoo, sp.nan, "1/0", "x/(y - y)"])
def test_non_finite_metric_components_are_refused(entry):
    with pytest.raises(InputError, match=r"g\[1,1\]"):
        Metric("x y", [[1 + x**2, 0], [0, entry]])


def test_complex_metric_is_refused():
    with pytest.raises(InputError, match="complex"):
        Metric("x y", sp.diag(sp.I * x, 1))


def test_a_string_is_not_a_matrix():
    with pytest.raises(InputError, match=r"Metric\.from_line_element"):
        Metric("x y", "dx**2 + dy**2")


def test_volume_element_is_the_root_of_the_absolute_determinant():
    disk = Metric.from_line_element("(1 - x**2 - y**2)*(dx**2 + dy**2)", "x y").volume_element
    assert disk.subs({x: sp.Rational(1, 2), y: 0}) == sp.Rational(3, 4)
    assert disk.subs({x: 2, y: 0}) == 3
    strip = Metric.from_line_element("(1 - x**2)*dx**2 + dy**2", "x y").volume_element
    assert strip == sp.sqrt(1 - x**2)
    r, th = sp.symbols("r th")
    sphere = Metric.from_line_element("dr**2 + r**2*dth**2 + r**2*sin(th)**2*dph**2", "r th ph")
    assert sphere.volume_element == r**2 * sp.sin(th)
    schwarzschild = Metric.from_line_element(
        "-(1 - 2*M/r)*dt**2 + dr**2/(1 - 2*M/r) + r**2*(dth**2 + sin(th)**2*dph**2)", "t r th ph"
    )
    assert schwarzschild.volume_element == r**2 * sp.sin(th)


def test_only_the_coordinates_of_the_jacobian_are_taken_positive():
    L = change_coordinates(Lagrangian.parse("xdot**2/2 - sqrt(x**2)", "x"), {"x": "q"}, "q")
    assert L.expr.subs({q: -2, sp.Symbol("qdot"): 0}) == -2
    polar = change_coordinates(
        Lagrangian.parse("(xdot**2 + ydot**2)/2 - sqrt(x**2 + y**2)", "x y"), {"x": "r*cos(f)", "y": "r*sin(f)"}, "r f"
    )
    r, rdot, fdot = sp.symbols("r rdot fdot")
    assert polar.expr == rdot**2 / 2 + r**2 * fdot**2 / 2 - r


def test_absolute_values_differentiate_as_for_real_variables():
    (acc,) = euler_lagrange(Lagrangian.parse("xdot**2/2 - Abs(cos(x))", "x")).accelerations
    assert acc == sp.sin(x) * sp.sign(sp.cos(x))
    metric = Metric.from_line_element("dx**2 + Abs(x)*dy**2", "x y")
    assert christoffel(metric)[0, 1, 1] == christoffel(metric, method=Variational())[0, 1, 1] == -sp.sign(x) / 2
    assert not laplace_beltrami(metric).has(sp.re, sp.im)


@pytest.mark.parametrize("name", ["christoffel", "ricci_scalar", "riemann_tensor", "gaussian_curvature",
                                  "laplace_beltrami", "geodesic_equations", "geodesic_accelerations"])
def test_a_bare_matrix_is_not_a_metric(name):
    import extremal

    with pytest.raises(InputError, match=r"metric must be a Metric; got MutableDenseMatrix.*Metric\(coords, matrix\)"):
        getattr(extremal, name)(sp.Matrix([[1, 0], [0, x**2]]))
