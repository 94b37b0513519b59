"""Metrics from line elements, matrices, embeddings and pullbacks."""

import pytest
import sympy as sp

from extremal.errors import InputError, ParseError, SingularMetricError
from extremal.symbolic import Metric, euclidean

r, th, ph, a, u, v = sp.symbols("r theta phi a u v")


def test_line_element_spherical():
    m = Metric.from_line_element("dr**2 + r**2*dtheta**2 + r**2*sin(theta)**2*dphi**2", "r theta phi")
    assert m.g == sp.diag(1, r**2, r**2 * sp.sin(th) ** 2)
    assert m.volume_element == r**2 * sp.sin(th)
    assert m.inverse == sp.diag(1, r**-2, 1 / (r**2 * sp.sin(th) ** 2))


def test_line_element_with_cross_term_and_prefix():
    m = Metric.from_line_element("ds^2 = du**2 + 2*cos(a)*du*dv + dv**2", "u v")
    assert m.g == sp.Matrix([[1, sp.cos(a)], [sp.cos(a), 1]])
    assert sp.simplify(m.det - sp.sin(a) ** 2) == 0


def test_lorentzian_volume_element():
    M = sp.Symbol("M")
    m = Metric.from_line_element(
        "-(1-2*M/r)*dt**2 + dr**2/(1-2*M/r) + r**2*dtheta**2 + r**2*sin(theta)**2*dphi**2", "t r theta phi"
    )
    assert sp.simplify(m.det + r**4 * sp.sin(th) ** 2) == 0
    assert m.volume_element == r**2 * sp.sin(th)
    assert M in m.g.free_symbols


def test_embedding_sphere_and_pullback_agree():
    embedded = Metric.from_embedding(["a*sin(u)*cos(v)", "a*sin(u)*sin(v)", "a*cos(u)"], "u v")
    assert embedded.g == sp.diag(a**2, a**2 * sp.sin(u) ** 2)
    flat = euclidean(3, "x y z")
    spherical = flat.pullback(
        {"x": "r*sin(theta)*cos(phi)", "y": "r*sin(theta)*sin(phi)", "z": "r*cos(theta)"}, "r theta phi"
    )
    assert spherical.g == sp.diag(1, r**2, r**2 * sp.sin(th) ** 2)


def test_pullback_round_trip_polar():
    flat = euclidean(2, "x y")
    polar = flat.pullback({"x": "r*cos(theta)", "y": "r*sin(theta)"}, "r theta")
    back = polar.pullback({"r": "sqrt(x**2 + y**2)", "theta": "atan2(y, x)"}, "x y")
    assert sp.simplify(back.g - sp.eye(2)) == sp.zeros(2)


def test_embedding_in_minkowski_gives_hyperbolic_plane():
    mink = Metric(sp.symbols("T X Y"), sp.diag(-1, 1, 1), constant=True)
    H = Metric.from_embedding(["cosh(u)", "sinh(u)*cos(v)", "sinh(u)*sin(v)"], "u v", ambient=mink)
    assert sp.simplify(H.g - sp.diag(1, sp.sinh(u) ** 2)) == sp.zeros(2)


def test_lagrangian_of_metric_is_half_g_v_v():
    m = Metric.from_line_element("dr**2 + r**2*dtheta**2", "r theta")
    rdot, thdot = sp.symbols("rdot thetadot")
    assert m.lagrangian().expr == (rdot**2 + r**2 * thdot**2) / 2


def test_unknown_differential_is_named():
    with pytest.raises(InputError, match=r"differential dz .* names no coordinate"):
        Metric.from_line_element("dx**2 + dy**2 + dz**2", "x y")


def test_term_not_quadratic():
    with pytest.raises(InputError, match="not quadratic"):
        Metric.from_line_element("dx**2 + x*dy", "x y")


def test_unparsable_line_element():
    with pytest.raises(ParseError, match="line element"):
        Metric.from_line_element("dx**2 + (dy", "x y")


def test_degenerate_metric():
    with pytest.raises(SingularMetricError, match="degenerate"):
        Metric.from_line_element("(dx + dy)**2 + x*0", "x y")


def test_degenerate_metric_matrix():
    with pytest.raises(SingularMetricError, match="det g = 0"):
        Metric((r, th), sp.Matrix([[r, r], [r, r]]))


def test_non_symmetric_matrix():
    with pytest.raises(InputError, match="not symmetric"):
        Metric((r, th), sp.Matrix([[1, r], [0, r**2]]))


def test_wrong_shape():
    with pytest.raises(InputError, match="shape"):
        Metric((r, th), sp.eye(3))


def test_constant_metric_needs_consent():
    with pytest.raises(InputError, match="constant=True"):
        Metric((r, th), sp.eye(2))
    assert Metric((r, th), sp.eye(2), constant=True).det == 1


def test_symbol_with_other_assumptions_is_rejected():
    rp = sp.Symbol("r", positive=True)
    with pytest.raises(InputError, match="assumptions"):
        Metric((r, th), sp.diag(1, rp**2))


def test_repeated_coordinate():
    with pytest.raises(InputError, match="repeats r"):
        Metric.from_line_element("dr**2", "r r")


def test_non_invertible_coordinate_change():
    with pytest.raises(SingularMetricError, match="not invertible"):
        euclidean(2, "x y").pullback({"x": "u + v", "y": "2*u + 2*v"}, "u v")


def test_string_components():
    m = Metric("r theta", [["1", "0"], ["0", "r**2"]])
    assert m.g == sp.diag(1, r**2)
