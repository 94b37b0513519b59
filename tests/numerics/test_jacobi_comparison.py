"""Geometrised mechanics numerically: Newton's paths coincide with Jacobi-metric geodesics.

The worked case is that of
Su Jianlin, "Understanding Riemannian geometry, 8: Geometry everywhere (mechanics made geometric)",
https://kexue.fm/archives/4046, eqs. (85)–(86).
"""

import numpy as np
import pytest

from extremal.errors import InputError
from extremal.numerics import Status, newton_vs_jacobi
from extremal.symbolic import Metric

FLAT = Metric.from_line_element("dx**2 + dy**2", "x y")


@pytest.mark.parametrize(
    ("potential", "x0", "v0"),
    [
        ("-1/sqrt(x**2 + y**2)", [[1.0, 0.0], [1.5, 0.2]], [[0.0, 1.2], [0.1, 0.7]]),
        ("(x**2 + y**2)/2 + x**2*y - y**3/3", [[0.1, 0.2], [0.0, -0.1]], [[0.3, 0.1], [0.2, 0.25]]),
        ("(x**2 + 4*y**2)/2", [[1.0, 0.5]], [[0.3, 0.7]]),
    ],
    ids=["kepler", "henon-heiles", "oscillator"],
)
def test_newton_paths_are_jacobi_geodesics(potential, x0, v0):
    c = newton_vs_jacobi(FLAT, potential, x0, v0, np.linspace(0.0, 3.0, 40))
    assert np.all(c.status == Status.SUCCESS)
    assert c.distance().max() <= 1e-8


def test_polar_kinetic_metric():
    polar = Metric.from_line_element("dr**2 + r**2*dth**2", "r th")
    c = newton_vs_jacobi(polar, "-1/r", [1.0, 0.0], [0.1, 1.1], np.linspace(0, 4.0, 30))
    assert c.distance()[0] <= 1e-8


def test_article_worked_case_closed_form():
    """Geodesics of (x²+y²)/2·(dx²+dy²) are x(t) = x0 cosh t + v0 sinh t with |v0| = |x0| (eqs. 85–86)."""
    x0 = np.array([[1.0, 0.5], [-0.3, 0.8], [0.2, -1.1]])
    angles = np.array([0.7, 2.0, -1.0])
    v0 = np.linalg.norm(x0, axis=1, keepdims=True) * np.c_[np.cos(angles), np.sin(angles)]
    c = newton_vs_jacobi(FLAT, "-(x**2 + y**2)/2", x0, v0, np.linspace(0.0, 1.0, 25))
    assert np.allclose(c.energy, 0.0, atol=1e-15)
    t = c.t[..., None]
    exact = x0[:, None] * np.cosh(t) + v0[:, None] * np.sinh(t)
    assert np.abs(c.x_jacobi - exact).max() <= 1e-8


def test_particle_at_rest_is_rejected():
    with pytest.raises(InputError, match="nonzero velocity"):
        newton_vs_jacobi(FLAT, "(x**2 + y**2)/2", [1.0, 0.0], [0.0, 0.0], 1.0)


def test_prescribed_energy_rescales_the_velocity():
    c = newton_vs_jacobi(FLAT, "(x**2 + 4*y**2)/2", [1.0, 0.5], [0.6, 1.4], 1.0, energy=2.0)
    assert c.energy[0] == 2.0
    assert np.nanmax(c.distance()) < 1e-8
    reference = newton_vs_jacobi(FLAT, "(x**2 + 4*y**2)/2", [1.0, 0.5], [0.3, 0.7], 1.0)
    scaled = np.sqrt((2.0 - 1.0) / (reference.energy[0] - 1.0))
    direct = newton_vs_jacobi(FLAT, "(x**2 + 4*y**2)/2", [1.0, 0.5], [0.3 * scaled, 0.7 * scaled], 1.0)
    assert np.allclose(c.x_newton, direct.x_newton, atol=1e-12)


@pytest.mark.parametrize(("energy", "v0", "word"), [(0.5, [0.3, 0.7], "not above U"), (3.0, [0.0, 0.0], "direction")])
def test_prescribed_energy_bad_input(energy, v0, word):
    with pytest.raises(InputError, match=word):
        newton_vs_jacobi(FLAT, "(x**2 + 4*y**2)/2", [1.0, 0.5], v0, 1.0, energy=energy)


def test_a_collision_row_fails_alone():
    flat = Metric.from_line_element("dx**2 + dy**2", "x y")
    result = newton_vs_jacobi(flat, "-1/(x**2 + y**2)", [[1.0, 0.0], [1.0, 0.0]], [[-1.0, 0.0], [0.0, 1.6]], 50.0)
    assert result.status[0] != Status.SUCCESS
    assert result.status[1] == Status.SUCCESS
    assert np.max(np.abs(result.x_newton[1] - result.x_jacobi[1])) < 1e-6
