"""Terminal and Jupyter display of results."""

import sympy as sp

from extremal.examples import spherical_flat
from extremal.symbolic import FieldLagrangian, Lagrangian, christoffel, euler_lagrange


def test_christoffel_lists_only_independent_nonzero_components():
    gamma = christoffel(spherical_flat())
    assert set(gamma.nonzero()) == {(0, 1, 1), (0, 2, 2), (1, 0, 1), (1, 2, 2), (2, 0, 2), (2, 1, 2)}
    text = str(gamma)
    assert "Γ^r_θθ = -r" in text and len(text.splitlines()) == 6


def test_latex_reprs():
    gamma = christoffel(spherical_flat())
    latex = gamma._repr_latex_()
    assert latex.startswith("$\\begin{aligned}") and "\\Gamma^{r}_{\\theta \\theta} &= - r" in latex
    L = Lagrangian.parse("xdot**2/2 - x**2/2", "x")
    assert L._repr_latex_() == "$L = - \\frac{x^{2}}{2} + \\frac{\\dot{x}^{2}}{2}$"
    assert "\\ddot{x} = - x" in euler_lagrange(L)._repr_latex_()
    assert spherical_flat()._repr_latex_().startswith("$ds^2 = ")
    assert FieldLagrangian.parse("u_x**2/2", "u", "x")._repr_latex_().startswith("$\\mathcal{L} = ")


def test_flat_metric_christoffel_prints_all_zero():
    from extremal.symbolic import Metric

    gamma = christoffel(Metric(sp.symbols("x y"), sp.eye(2), constant=True))
    assert gamma.is_zero() and "all components are zero" in str(gamma)


def test_line_elements_print_as_a_physicist_writes_them():
    from extremal.examples import kerr, schwarzschild

    latex = schwarzschild()._repr_latex_()
    assert latex.startswith(r"$ds^2 = - \frac{")
    assert r"\,\mathrm{d}t^{2}" in latex and r"\mathrm{d}\theta^{2}" in latex and r"\mathrm{d}\phi^{2}" in latex
    assert latex.index(r"\mathrm{d}t") < latex.index(r"\mathrm{d}r") < latex.index(r"\mathrm{d}\theta")
    assert r"\,\mathrm{d}t\,\mathrm{d}\phi" in kerr()._repr_latex_()
    assert str(schwarzschild()).startswith("ds**2 = (-(r - 2*M)/r)*dt**2 + (r/(r - 2*M))*dr**2")
    assert "dθ" in sp.pretty(schwarzschild().display(), use_unicode=True)


def test_conservation_form_prints_a_total_derivative():
    eom = euler_lagrange(Lagrangian.parse("(rdot**2 + r**2*thetadot**2)/2 + mu/r", "r theta"))
    momentum = eom.conservation_form[1]
    assert "∂" not in sp.pretty(momentum, use_unicode=True)
    assert sp.pretty(momentum, use_unicode=True).splitlines()[0].startswith("d")
    assert sp.latex(momentum.lhs) == r"\frac{d}{dt}\left(r^{2} \dot{\theta}\right)"
    assert str(momentum) == "Eq(Dt(r**2*thetadot, t), 0)"


def test_sympy_printers_show_a_metric_as_its_line_element():
    from extremal.examples import kerr, schwarzschild

    m = schwarzschild()
    assert sp.latex(m) == m._repr_latex_().strip("$")
    lines = sp.pretty(m, use_unicode=True, wrap_line=False).splitlines()
    assert "ds² = " in lines[1] and "dθ" in lines[1]
    assert lines[1].index("dt") < lines[1].index("dr") < lines[1].index("dθ") < lines[1].index("dφ")
    assert "ds**2 = " in sp.pretty(m, use_unicode=False)
    assert "dt⋅dφ" in sp.pretty(kerr(), use_unicode=True, wrap_line=False)


def test_a_call_with_missing_arguments_is_a_type_error_naming_them():
    import pytest

    from extremal import raise_index, ricci_tensor
    from extremal.examples import sphere

    with pytest.raises(TypeError, match="'slot'"):
        raise_index(ricci_tensor(sphere()), 0)
