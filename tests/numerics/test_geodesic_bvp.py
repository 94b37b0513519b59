"""Boundary-value geodesics against closed-form distances; conjugate and unsolvable pairs are reported."""

import numpy as np
import pytest

from extremal.errors import InputError, IntegrationError
from extremal.numerics import Collocation, PathEnergy, Status, geodesic_between, geodesic_system
from extremal.numerics._collocation import collocate
from extremal.symbolic import Metric

SPHERE = Metric.from_line_element("dth**2 + sin(th)**2*dph**2", "th ph")
HALF_PLANE = Metric.from_line_element("(dx**2 + dy**2)/y**2", "x y")
POLAR = Metric.from_line_element("dr**2 + r**2*dth**2", "r th")


def test_great_circle_distance():
    rng = np.random.default_rng(5)
    a = np.c_[rng.uniform(0.3, 2.8, 12), rng.uniform(-1.5, 1.5, 12)]
    b = np.c_[rng.uniform(0.3, 2.8, 12), a[:, 1] + rng.uniform(-2.5, 2.5, 12)]

    def unit(x):
        return np.c_[np.sin(x[:, 0]) * np.cos(x[:, 1]), np.sin(x[:, 0]) * np.sin(x[:, 1]), np.cos(x[:, 0])]

    exact = np.arccos(np.clip(np.einsum("ij,ij->i", unit(a), unit(b)), -1, 1))
    p = geodesic_between(SPHERE, a, b)
    assert np.all(p.status == Status.SUCCESS)
    assert np.abs(p.length - exact).max() < 1e-10


def test_poincare_half_plane_arccosh_distance():
    rng = np.random.default_rng(6)
    a = np.c_[rng.uniform(-2, 2, 12), rng.uniform(0.2, 3, 12)]
    b = np.c_[rng.uniform(-2, 2, 12), rng.uniform(0.2, 3, 12)]
    exact = np.arccosh(1 + ((a - b) ** 2).sum(axis=1) / (2 * a[:, 1] * b[:, 1]))
    p = geodesic_between(HALF_PLANE, a, b)
    assert np.all(p.status == Status.SUCCESS)
    assert np.abs(p.length - exact).max() < 1e-10


def test_flat_plane_in_polar_coordinates_gives_straight_lines():
    a, b = np.array([1.0, 0.2]), np.array([2.5, 2.0])
    p = geodesic_between(POLAR, a, b, samples=17)
    xy = np.stack([p.x[0, :, 0] * np.cos(p.x[0, :, 1]), p.x[0, :, 0] * np.sin(p.x[0, :, 1])], axis=-1)
    start, end = xy[0], xy[-1]
    t = np.linspace(0, 1, 17)[:, None]
    assert np.abs(xy - (start + t * (end - start))).max() < 1e-10
    assert abs(p.length[0] - np.linalg.norm(end - start)) < 1e-10


def test_antipodal_points_are_conjugate():
    p = geodesic_between(SPHERE, [np.pi / 2, 0.0], [np.pi / 2, np.pi])
    assert p.status[0] == Status.CONJUGATE
    assert abs(p.length[0] - np.pi) < 1e-8


def test_no_geodesic_in_the_chart_is_not_converged():
    p = geodesic_between(POLAR, [1.0, 0.0], [1.0, 4 * np.pi])
    assert p.status[0] == Status.NOT_CONVERGED
    assert p.fallback_used[0]
    with pytest.raises(IntegrationError, match="conjugate, outside the chart, or joined by no geodesic"):
        geodesic_between(POLAR, [1.0, 0.0], [1.0, 4 * np.pi], strict=True, fallback=PathEnergy(points=8))


def test_end_point_outside_chart():
    p = geodesic_between(HALF_PLANE, [[0.0, 1.0], [0.0, 1.0]], [[1.0, 1.0], [1.0, 0.0]])
    assert p.status.tolist() == [Status.SUCCESS, Status.OUTSIDE_CHART]


def test_wrong_shape():
    with pytest.raises(InputError, match=r"x_a has shape \(3,\) but there are 2 coords \(th, ph\)"):
        geodesic_between(SPHERE, [1.0, 0.0, 0.0], [1.0, 1.0])


def test_collocation_solves_easy_pairs_and_shooting_takes_the_rest():
    a, b = np.array([[1.0, 0.0], [0.5, 0.3]]), np.array([[2.0, 2.5], [2.2, -1.0]])
    p = geodesic_between(SPHERE, a, b)
    assert p.collocated.all() and np.all(p.status == Status.SUCCESS)
    shot = geodesic_between(SPHERE, a, b, collocation=Collocation(nodes=(6,), max_iterations=2))
    assert not shot.collocated.any() and np.all(shot.status == Status.SUCCESS)
    assert np.abs(shot.length - p.length).max() < 1e-10
    assert np.abs(shot.x - p.x).max() < 1e-9


def test_collocation_path_samples_lie_on_the_great_circle():
    p = geodesic_between(SPHERE, [1.0, 0.0], [2.0, 2.5], samples=9)
    th, ph = p.x[0, :, 0], p.x[0, :, 1]
    points = np.stack([np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th)], axis=-1)
    normal = np.cross(points[0], points[-1])
    assert np.abs(points @ normal).max() < 1e-12


@pytest.mark.parametrize(("kwargs", "word"), [({"nodes": (2,)}, "nodes"), ({"tol": 0}, "tol"),
                                              ({"max_iterations": 0}, "max_iterations")])
def test_collocation_options_are_checked(kwargs, word):
    with pytest.raises(InputError, match=word):
        Collocation(**kwargs)


def test_continuation_reaches_a_high_semicircle_that_newton_from_the_chord_misses():
    a, b = np.array([-1.5876, 0.4815]), np.array([1.1932, 0.8249])
    exact = np.arccosh(1 + ((a - b) ** 2).sum() / (2 * a[1] * b[1]))
    system = geodesic_system(HALF_PLANE)
    for nodes in (40, 80):
        assert not collocate(system, a[None], b[None], Collocation(), nodes)[1][0]
    p = geodesic_between(HALF_PLANE, a, b, samples=21)
    assert p.collocated[0] and p.status[0] == Status.SUCCESS
    assert abs(p.length[0] - exact) < 1e-10
    centre = (b @ b - a @ a) / (2 * (b[0] - a[0]))
    radius = np.hypot(a[0] - centre, a[1])
    assert np.abs(np.hypot(p.x[0, :, 0] - centre, p.x[0, :, 1]) - radius).max() < 1e-10
