"""Laplace–Beltrami by its formula equals the Laplacian from the varied action.

The action route follows Su Jianlin, "Changing coordinates with the calculus of variations", https://kexue.fm/archives/3181.
"""

import pytest
import sympy as sp

from extremal.errors import InputError
from extremal.symbolic import Metric, euclidean, laplace_beltrami, laplacian_from_action

CASES = {
    "polar": ({"x": "r*cos(theta)", "y": "r*sin(theta)"}, "r theta"),
    "parabolic": ({"x": "xi**2 - eta**2", "y": "2*xi*eta"}, "xi eta"),
    "spherical": (
        {"x": "r*sin(theta)*cos(phi)", "y": "r*sin(theta)*sin(phi)", "z": "r*cos(theta)"},
        "r theta phi",
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_formula_equals_action(name):
    mapping, new = CASES[name]
    from_action = laplacian_from_action(mapping, new)
    metric = euclidean(len(mapping), list(mapping)).pullback(mapping, new)
    assert sp.simplify(from_action - laplace_beltrami(metric)) == 0


def test_polar_closed_form():
    r, th = sp.symbols("r theta")
    u = sp.Function("u")(r, th)
    expected = sp.diff(r * u.diff(r), r) / r + u.diff(th, 2) / r**2
    assert sp.simplify(laplacian_from_action(*CASES["polar"]) - expected) == 0


def test_spherical_closed_form():
    r, th, ph = sp.symbols("r theta phi")
    u = sp.Function("u")(r, th, ph)
    expected = (
        sp.diff(r**2 * u.diff(r), r) / r**2
        + sp.diff(sp.sin(th) * u.diff(th), th) / (r**2 * sp.sin(th))
        + u.diff(ph, 2) / (r**2 * sp.sin(th) ** 2)
    )
    assert sp.simplify(laplacian_from_action(*CASES["spherical"]) - expected) == 0


def test_parabolic_closed_form_has_factor_four():
    xi, eta = sp.symbols("xi eta")
    u = sp.Function("u")(xi, eta)
    expected = (u.diff(xi, 2) + u.diff(eta, 2)) / (4 * (xi**2 + eta**2))
    assert sp.simplify(laplacian_from_action(*CASES["parabolic"]) - expected) == 0


def test_harmonic_functions_in_polar():
    r, th = sp.symbols("r theta")
    polar = Metric.from_line_element("dr**2 + r**2*dtheta**2", "r theta")
    for f in (sp.log(r), r**3 * sp.cos(3 * th), sp.sin(2 * th) / r**2):
        assert sp.simplify(laplace_beltrami(polar, f)) == 0


def test_sphere_eigenfunctions():
    th, ph = sp.symbols("theta phi")
    sphere = Metric.from_line_element("dtheta**2 + sin(theta)**2*dphi**2", "theta phi")
    for ell, f in ((1, sp.cos(th)), (2, 3 * sp.cos(th) ** 2 - 1), (2, sp.sin(th) ** 2 * sp.cos(2 * ph))):
        assert sp.simplify(laplace_beltrami(sphere, f) + ell * (ell + 1) * f) == 0


def test_reserved_source_name():
    with pytest.raises(InputError, match="reserved"):
        laplacian_from_action({"x": "F*cos(t)", "y": "F*sin(t)"}, "F t")
