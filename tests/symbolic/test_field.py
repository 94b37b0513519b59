"""Field Euler–Lagrange PDEs."""

import pytest
import sympy as sp

from extremal.errors import InputError
from extremal.symbolic import FieldLagrangian, field_equations

t, x, y, c, m = sp.symbols("t x y c m")


def test_klein_gordon():
    (eq,) = field_equations(FieldLagrangian.parse("(u_t**2 - u_x**2 - m**2*u**2)/2", "u", "t x"))
    u = sp.Function("u")(t, x)
    assert sp.simplify(eq.lhs + (u.diff(t, 2) - u.diff(x, 2) + m**2 * u)) == 0


def test_two_coupled_fields():
    L = FieldLagrangian.parse("(u_x**2 + v_x**2)/2 + u*v", "u v", "x")
    u, v = sp.Function("u")(x), sp.Function("v")(x)
    eq_u, eq_v = field_equations(L)
    assert sp.simplify(eq_u.lhs - (v - u.diff(x, 2))) == 0
    assert sp.simplify(eq_v.lhs - (u - v.diff(x, 2))) == 0


def test_higher_order_density_gives_biharmonic():
    (eq,) = field_equations(FieldLagrangian.parse("u_xx**2/2", "u", "x"))
    u = sp.Function("u")(x)
    assert sp.simplify(eq.lhs - u.diff(x, 4)) == 0


def test_density_without_derivatives_is_rejected():
    with pytest.raises(InputError, match="no derivative"):
        FieldLagrangian.parse("u**2", "u", "x y")


def test_field_with_wrong_arguments_is_rejected():
    with pytest.raises(InputError, match="undefined function of"):
        FieldLagrangian(sp.Function("u")(x).diff(x) ** 2, (sp.Function("u")(x),), (x, y))
