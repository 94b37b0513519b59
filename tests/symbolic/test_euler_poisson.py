"""Lagrangians with higher derivatives: the Euler–Poisson equations, or a clear refusal.

.. math:: \\sum_{k=0}^{n} (-1)^k \\frac{d^k}{dt^k}\\frac{\\partial L}{\\partial q^{(k)}} = 0

Particles (plain symbols ``xddot``, ``xdddot``) and fields (``u_xx``, ``u_xxx``) are checked
against ``sympy.calculus.euler.euler_equations`` on the cases of SymPy's own test file
``sympy/calculus/tests/test_euler.py``, against closed forms, and for invariance under a total
derivative; what has no meaning for them (accelerations, trajectories) is refused.
"""

import json

import pytest
import sympy as sp
from sympy import Derivative as D
from sympy.calculus.euler import euler_equations

from extremal.cli.main import main
from extremal.errors import InputError
from extremal.symbolic import (
    FieldLagrangian,
    Lagrangian,
    conserved_momenta,
    energy,
    euler_lagrange,
    field_equations,
    total_derivative,
)
from extremal.symbolic._lagrangian import derivative_symbol

t, w, m, k, EI, rho, w1, w2 = sp.symbols("t w m k EI rho w1 w2")
X, Y = sp.Function("x"), sp.Function("y")
x, y = X(t), Y(t)


def _in_symbols(expr: sp.Expr, functions: list[sp.Expr]) -> sp.Expr:
    """``q(t)`` and its derivatives back to the symbols ``q, qdot, qddot, ...``."""
    replace = {}
    for f in functions:
        q = sp.Symbol(f.func.__name__)
        replace |= {d: derivative_symbol(q, len(d.variables)) for d in expr.atoms(sp.Derivative) if d.expr == f}
        replace[f] = q
    return expr.xreplace(replace)


def _euler_poisson(L: Lagrangian) -> list[sp.Expr]:
    """Each :math:`\\partial L/\\partial q - \\frac{d}{dt}p_1` (Ostrogradsky's momentum), sign as SymPy's."""
    eom = euler_lagrange(L)
    return [f - total_derivative(p, L) for p, f in zip(eom.momenta, eom.forces, strict=True)]


def _same_up_to_sign(a: sp.Expr, b: sp.Expr) -> bool:
    return sp.simplify(a - b) == 0 or sp.simplify(a + b) == 0


# -- SymPy's own cases, sympy/calculus/tests/test_euler.py --------------------------------

SYMPY_PARTICLES = {
    "interface": (D(x, t) ** 2 / 2, [x]),
    "pendulum": (D(x, t) ** 2 / 2 + sp.cos(x), [x]),
    "henon-heiles": (sum(D(z, t) ** 2 / 2 - z**2 / 2 for z in (x, y)) - x**2 * y + y**3 / 3, [x, y]),
    "high-order (hep-th/0309038)": (
        m * D(x, t) ** 2 / 2 + m * D(y, t) ** 2 / 2 - k * D(x, t) * D(y, t, t) + k * D(y, t) * D(x, t, t), [x, y]
    ),
}


@pytest.mark.parametrize("name", SYMPY_PARTICLES)
def test_sympy_test_cases_give_sympys_equations(name):
    expr, functions = SYMPY_PARTICLES[name]
    L = Lagrangian.from_functions(expr, functions, t)
    reference = euler_equations(expr, functions, t)
    for ours, eq, ref in zip(_euler_poisson(L), euler_lagrange(L).equations, reference, strict=True):
        expected = _in_symbols(ref.lhs - ref.rhs, functions)
        assert sp.expand(ours - expected) == 0
        assert _same_up_to_sign(eq.lhs - eq.rhs, expected)


def test_sympy_high_order_case_exactly():
    expr, functions = SYMPY_PARTICLES["high-order (hep-th/0309038)"]
    L = Lagrangian.from_functions(expr, functions, t)
    xdd, ydd, xddd, yddd = (derivative_symbol(sp.Symbol(n), j) for j in (2, 3) for n in "xy")
    assert L.order == 2 and euler_lagrange(L).order == 4
    assert euler_lagrange(L).equations == (sp.Eq(2 * k * yddd - m * xdd, 0), sp.Eq(2 * k * xddd + m * ydd, 0))


def test_a_velocity_times_a_second_derivative_is_not_lost():
    """``m x'^2/2 + k x' y''`` gave ``m x'' = 0`` with the ``y''`` term dropped."""
    L = Lagrangian.from_functions(m * D(x, t) ** 2 / 2 + k * D(x, t) * D(y, t, 2), [x, y], t)
    xdd, ydd, xddd, yddd = (derivative_symbol(sp.Symbol(n), j) for j in (2, 3) for n in "xy")
    assert L.expr == m * sp.Symbol("xdot") ** 2 / 2 + k * sp.Symbol("xdot") * ydd
    assert euler_lagrange(L).equations == (sp.Eq(k * yddd + m * xdd, 0), sp.Eq(k * xddd, 0))


def test_sympy_field_cases_give_sympys_equations():
    psi, u = sp.Function("psi")(t, w), sp.Function("x")(t, w)
    sine_gordon = D(psi, t) ** 2 / 2 - D(psi, w) ** 2 / 2 + sp.cos(psi)
    (eq,) = field_equations(FieldLagrangian(sine_gordon, (psi,), (t, w)))
    (ref,) = euler_equations(sine_gordon, psi, [t, w])
    assert sp.expand(eq.lhs - (ref.lhs - ref.rhs)) == 0
    mixed = D(u, t, w) ** 2 / 2
    assert field_equations(FieldLagrangian(mixed, (u,), (t, w))) == (sp.Eq(D(u, t, t, w, w), 0),)
    assert euler_equations(mixed) == [sp.Eq(D(u, t, t, w, w), 0)]


def test_sympy_issue_18653_a_density_without_the_field_is_refused():
    a, b, c = sp.symbols("a b c")
    f, h = sp.Function("f")(a, b), sp.Function("h")(a, b)
    assert euler_equations(f.diff(a) * h.diff(c), (f,), (a, b)) == []
    with pytest.raises(InputError, match="no derivative of the fields"):
        FieldLagrangian(f.diff(a) * h.diff(c), (f,), (a, b))


# -- more higher-derivative Lagrangians against SymPy --------------------------------------

PARTICLES = {
    "acceleration-squared": ("xddot**2/2", "x"),
    "pais-uhlenbeck": ("(xddot**2 - (w1**2 + w2**2)*xdot**2 + w1**2*w2**2*x**2)/2", "x"),
    "third-order": ("xdddot**2/2 + x*xddot - xdot**2", "x"),
    "time-dependent-nonlinear": ("exp(t)*xddot**2/2 + sin(x)*xdot*xddot", "x"),
    "two-coordinates": ("r**2*rddot**2 + rdot**2*theta + thetaddot*thetadot", "r theta"),
    "mixed-orders": ("xdddot*ydot + xddot**2 + y**2 + cos(x)*ydot**2", "x y"),
    "only-second-derivatives": ("xddot*yddot", "x y"),
}


def _as_functions(L: Lagrangian) -> tuple[sp.Expr, list[sp.Expr]]:
    functions = [sp.Function(q.name)(L.time) for q in L.coords]
    replace: dict[sp.Basic, sp.Basic] = {}
    for q, f, n in zip(L.coords, functions, L.orders, strict=True):
        replace |= {derivative_symbol(q, j): f.diff(L.time, j) for j in range(1, n + 1)}
        replace[q] = f
    return L.expr.xreplace(replace), functions


@pytest.mark.parametrize("name", PARTICLES)
def test_higher_derivative_lagrangians_give_sympys_equations(name):
    L = Lagrangian.parse(*PARTICLES[name])
    expr, functions = _as_functions(L)
    reference = euler_equations(expr, functions, L.time)
    assert len(reference) == len(L.coords)
    for ours, eq, ref in zip(_euler_poisson(L), euler_lagrange(L).equations, reference, strict=True):
        expected = _in_symbols(ref.lhs - ref.rhs, functions)
        assert sp.simplify(ours - expected) == 0
        assert _same_up_to_sign(eq.lhs - eq.rhs, expected)


@pytest.mark.parametrize("name", PARTICLES)
def test_from_functions_and_parse_agree(name):
    L = Lagrangian.parse(*PARTICLES[name])
    expr, functions = _as_functions(L)
    assert Lagrangian.from_functions(expr, functions, L.time) == L


# -- closed forms ----------------------------------------------------------------------------


def test_acceleration_squared_gives_the_fourth_derivative():
    L = Lagrangian.parse("xddot**2/2", "x")
    assert euler_lagrange(L).equations == (sp.Eq(sp.Symbol("xddddot"), 0),)


def test_pais_uhlenbeck_oscillator():
    L = Lagrangian.parse(*PARTICLES["pais-uhlenbeck"])
    (eq,) = euler_lagrange(L).equations
    q, q2, q4 = (derivative_symbol(sp.Symbol("x"), j) for j in (0, 2, 4))
    assert sp.expand(eq.lhs - eq.rhs - (q4 + (w1**2 + w2**2) * q2 + w1**2 * w2**2 * q)) == 0


def test_euler_bernoulli_beam():
    u = sp.Function("u")(t, sp.Symbol("x"))
    beam = FieldLagrangian.parse("EI*u_xx**2/2 - rho*u_t**2/2", "u", "t x")
    assert field_equations(beam) == (sp.Eq(EI * u.diff(sp.Symbol("x"), 4) + rho * u.diff(t, 2), 0),)


FIELDS = {
    "beam": ("EI*u_xx**2/2 - rho*u_t**2/2", "u", "t x"),
    "third-derivative": ("u_xxx**2/2 - u_t**2/2", "u", "t x"),
    "mixed-third": ("u_xxy**2/2 + u_x*u_yyy + u_xy*u", "u", "x y"),
    "two-fields-third-order": ("u_xxy*v_yyy + u_x**2 + v_y**2", "u v", "x y"),
    "fourth-order-plate": ("(u_xx + u_yy)**2/2 + u_xxxx*u", "u", "x y"),
}


@pytest.mark.parametrize("name", FIELDS)
def test_higher_derivative_densities_give_sympys_equations(name):
    L = FieldLagrangian.parse(*FIELDS[name])
    reference = euler_equations(L.density, list(L.fields), list(L.variables))
    for eq, ref in zip(field_equations(L), reference, strict=True):
        assert eq.rhs == 0
        assert sp.simplify(eq.lhs - (ref.lhs - ref.rhs)) == 0


def test_field_names_of_any_order_are_derivatives():
    a = sp.Symbol("x")
    u = sp.Function("u")(t, a)
    density = FieldLagrangian.parse("u_xxxt*u_ttxx + u_0*u_x", "u", "t x").density
    assert density == u.diff(a, 3, t) * u.diff(t, 2, a, 2) + sp.Symbol("u_0") * u.diff(a)


# -- a total derivative changes nothing -------------------------------------------------------

TOTAL_DERIVATIVES = {
    "first-order": ("xdot**2/2 - x**2/2", x * D(x, t)),
    "velocity-dependent": ("xdot**2/2 - x**2/2", sp.sin(x) * D(x, t) ** 2 + t * D(x, t)),
    "second-order": ("xddot**2/2 + x*xdot**2", D(x, t) * D(x, t, 2)),
    "two-coordinates": ("xddot**2/2 - ydot**2 + x*y", sp.exp(t) * x * D(y, t, 2) + D(x, t) * D(y, t)),
}


@pytest.mark.parametrize("name", TOTAL_DERIVATIVES)
def test_adding_a_total_derivative_gives_the_same_equations(name):
    lagrangian, gauge = TOTAL_DERIVATIVES[name]
    L = Lagrangian.parse(lagrangian, "x y" if "y" in lagrangian else "x")
    gauged = Lagrangian(L.expr + _in_symbols(gauge.diff(t), [x, y]), L.coords, L.time)
    assert gauged.order > 1
    for a, b in zip(_euler_poisson(L), _euler_poisson(gauged), strict=True):
        assert sp.simplify(a - b) == 0


# -- Ostrogradsky: energy and momenta ----------------------------------------------------------


@pytest.mark.parametrize("name", ["acceleration-squared", "pais-uhlenbeck", "third-order", "mixed-orders"])
def test_ostrogradsky_energy_is_conserved_on_shell(name):
    r"""For L without t, :math:`\dot H = \sum_i \dot q^i (\dot p_{i,1} - \partial L/\partial q^i)`, zero on shell."""
    L = Lagrangian.parse(*PARTICLES[name])
    on_shell = sum(v * e for v, e in zip(L.velocities, _euler_poisson(L), strict=True))
    assert sp.expand(total_derivative(energy(L), L) + on_shell) == 0


def test_the_momentum_of_a_cyclic_coordinate_is_ostrogradskys():
    assert conserved_momenta(Lagrangian.parse("xddot**2/2", "x")) == {sp.Symbol("x"): -sp.Symbol("xdddot")}
    v, a, j = (sp.Symbol(n) for n in ("xdot", "xddot", "xdddot"))
    assert energy(Lagrangian.parse("xddot**2/2", "x")) == a**2 / 2 - j * v


def test_conservation_form_is_the_derivative_of_ostrogradskys_momentum():
    L = Lagrangian.parse(*PARTICLES["pais-uhlenbeck"])
    eom = euler_lagrange(L)
    ((p,), (form,)) = eom.momenta, eom.conservation_form
    assert sp.expand(p - (-sp.Symbol("xdddot") - (w1**2 + w2**2) * sp.Symbol("xdot"))) == 0
    assert form.lhs.expr == p


# -- what has no meaning is refused -------------------------------------------------------------


@pytest.mark.parametrize("attribute", ["accelerations", "solved_accelerations", "mass_matrix"])
def test_accelerations_of_a_higher_derivative_lagrangian_are_refused(attribute):
    eom = euler_lagrange(Lagrangian.parse("xdot**2/2 + xddot**2/2", "x"))
    with pytest.raises(InputError, match=r"xddot, the derivative of order 2 of x.*order 4.*\.equations"):
        getattr(eom, attribute)
    with pytest.raises(InputError, match="order 4"):
        eom.solved()


def test_trajectories_of_a_higher_derivative_lagrangian_are_refused():
    numerics = pytest.importorskip("extremal.numerics")
    with pytest.raises(InputError, match=r"no accelerations to solve for \(nor trajectories"):
        numerics.compile_lagrangian(Lagrangian.parse("xdot**2/2 + xddot**2/2", "x"))


def test_display_shows_the_euler_poisson_equations():
    eom = euler_lagrange(Lagrangian.parse("xddot**2/2", "x"))
    assert "= 0" in str(eom)
    assert r"\ddddot{x} = 0" in eom._repr_latex_()
    assert eom.display() == eom.equations


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Lagrangian.parse("xdddot**2", "x xdd"), "'xdddot' is both the derivative of order 3 of x"),
        (lambda: Lagrangian.parse("xdot**2 + yddot**2", "x"), "yddot, a velocity of no coordinate"),
        (lambda: Lagrangian.from_functions(D(x**2, t) ** 2, [x], t), r"expr contains .*\.doit\(\)"),
        (lambda: FieldLagrangian.parse("u_xxyx**2", "u", "x y xyx"), "'u_xxyx' is both the derivative of u"),
    ],
)
def test_ambiguous_or_unknown_derivatives_are_refused(make, message):
    with pytest.raises(InputError, match=message):
        make()


# -- the command line -----------------------------------------------------------------------------


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_prints_the_euler_poisson_equations(capsys):
    code, out, _ = _run(capsys, "--format", "json", "euler-lagrange", "m*xdot**2/2 + k*xdot*yddot", "--coords", "x y")
    assert code == 0
    data = json.loads(out)
    assert {row["label"]: row["expr"] for row in data["expanded"]} == {
        "k*ydddot + m*xddot": "0", "k*xdddot": "0"
    }
    assert "Euler-Poisson equations (order 4)" in data


def test_cli_field_density_with_a_third_derivative(capsys):
    code, out, _ = _run(capsys, "--format", "json", "euler-lagrange", "u_xxx**2/2 - u_t**2/2",
                        "--coords", "t x", "--fields", "u")
    assert code == 0
    (row,) = json.loads(out)["Euler-Lagrange equations"]
    assert "(x, 6)" in row["label"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["trajectory", "xdot**2/2 + xddot**2/2", "--coords", "x", "--q0", "1", "--v0", "0"], "order 4"),
        (["transform", "xddot**2", "--coords", "x", "--to", "u", "--map", "x=2*u"], "Euler-Poisson"),
    ],
)
def test_cli_refuses_what_needs_second_order_equations_in_one_line(capsys, argv, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("extremal: error:") and message in err
    assert err.count("\n") == 1


def test_change_coordinates_refuses_a_higher_derivative_lagrangian():
    from extremal import change_coordinates

    L = Lagrangian.parse("xddot**2/2 + ydot**2/2", "x y")
    with pytest.raises(InputError, match=r"order 2.*euler_lagrange"):
        change_coordinates(L, {"x": "r*cos(th)", "y": "r*sin(th)"}, "r th")
