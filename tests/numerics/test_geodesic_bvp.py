"""Boundary-value geodesics against closed-form distances; conjugate and unsolvable pairs are reported."""

import dataclasses

import numpy as np
import pytest
from _sphere import near_antipode, unit
from scipy.integrate import solve_bvp

from extremal.errors import InputError, IntegrationError
from extremal.numerics import (
    Collocation,
    PathEnergy,
    Shooting,
    Status,
    geodesic_between,
    geodesic_system,
    geodesics,
)
from extremal.numerics._collocation import collocate
from extremal.numerics._shooting import along, conjugate_points, flow
from extremal.symbolic import Metric

SPHERE = Metric.from_line_element("dth**2 + sin(th)**2*dph**2", "th ph")
HALF_PLANE = Metric.from_line_element("(dx**2 + dy**2)/y**2", "x y")
POLAR = Metric.from_line_element("dr**2 + r**2*dth**2", "r th")


def test_great_circle_distance():
    rng = np.random.default_rng(5)
    a = np.c_[rng.uniform(0.3, 2.8, 12), rng.uniform(-1.5, 1.5, 12)]
    b = np.c_[rng.uniform(0.3, 2.8, 12), a[:, 1] + rng.uniform(-2.5, 2.5, 12)]
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


def test_shooting_solves_easy_pairs_and_the_fallbacks_agree():
    a, b = np.array([[1.0, 0.0], [0.5, 0.3]]), np.array([[2.0, 2.5], [2.2, -1.0]])
    p = geodesic_between(SPHERE, a, b)
    assert not p.collocated.any() and np.all(p.status == Status.SUCCESS)
    coll = geodesic_between(SPHERE, a, b, shooting=Shooting(max_iterations=1))
    assert np.all(coll.status == Status.SUCCESS)
    assert np.abs(coll.length - p.length).max() < 1e-10
    assert np.abs(coll.x - p.x).max() < 1e-9


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
    assert p.status[0] == Status.SUCCESS
    assert abs(p.length[0] - exact) < 1e-10
    centre = (b @ b - a @ a) / (2 * (b[0] - a[0]))
    radius = np.hypot(a[0] - centre, a[1])
    assert np.abs(np.hypot(p.x[0, :, 0] - centre, p.x[0, :, 1]) - radius).max() < 1e-10


HARD_SPHERE = [
    (np.array([1.0, 0.3]), near_antipode(np.array([1.0, 0.3]), 1e-3)),
    (np.array([1.0, 0.3]), near_antipode(np.array([1.0, 0.3]), 1e-2)),
    (np.array([0.02, 0.0]), np.array([0.03, 2.5])),
    (np.array([0.05, 0.0]), np.array([2.9, 2.0])),
    (np.array([0.3, -1.5]), np.array([2.8, 1.5])),
    (np.array([0.15, 0.0]), np.array([2.95, 2.6])),
]


def test_hard_sphere_pairs_match_the_great_circle():
    a = np.array([p[0] for p in HARD_SPHERE])
    b = np.array([p[1] for p in HARD_SPHERE])
    exact = np.arccos(np.clip(np.einsum("ij,ij->i", unit(a), unit(b)), -1, 1))
    assert abs(exact[0] - (np.pi - 1e-3)) < 1e-12 and abs(exact[1] - (np.pi - 1e-2)) < 1e-12
    p = geodesic_between(SPHERE, a, b)
    assert p.status.tolist() == [Status.SUCCESS] * len(a)
    assert np.abs(p.length - exact).max() < 1e-10
    assert np.isnan(p.conjugate_s).all()


def test_far_half_plane_pairs_match_arccosh():
    a = np.array([[-5.0, 0.1], [-20.0, 1.0], [-3.0, 0.05]])
    b = np.array([[5.0, 0.1], [20.0, 0.5], [4.0, 0.2]])
    exact = np.arccosh(1 + ((a - b) ** 2).sum(axis=1) / (2 * a[:, 1] * b[:, 1]))
    p = geodesic_between(HALF_PLANE, a, b)
    assert np.all(p.status == Status.SUCCESS)
    assert np.abs(p.length - exact).max() < 1e-9


ELLIPSOID = Metric.from_embedding(["sin(th)*cos(ph)", "3*sin(th)*sin(ph)/2", "2*cos(th)"], "th ph")
TORUS = Metric.from_embedding(["(2 + cos(w))*cos(u)", "(2 + cos(w))*sin(u)", "sin(w)"], "u w")


def _solve_bvp_length(metric, a, b):
    """Reference: SciPy's collocation from the chord, its length by the speed at s = 0."""
    system = geodesic_system(metric)
    s = np.linspace(0.0, 1.0, 21)
    guess = np.concatenate([a[:, None] + s * (b - a)[:, None], np.repeat((b - a)[:, None], s.size, 1)])
    sol = solve_bvp(system.rhs, lambda ya, yb: np.concatenate([ya[:2] - a, yb[:2] - b]), s, guess, tol=1e-10,
                    max_nodes=100_000)
    assert sol.success
    return float(np.sqrt(system.norm(a[:, None], sol.y[2:, :1])[0]))


@pytest.mark.parametrize(("metric", "a", "b"), [
    (ELLIPSOID, [1.0, -1.0], [2.0, 2.0]),
    (TORUS, [0.0, 0.3], [2.0, 2.8]),
    (TORUS, [-1.0, -2.0], [1.5, 2.5]),
])
def test_ellipsoid_and_torus_agree_with_solve_bvp(metric, a, b):
    a, b = np.array(a), np.array(b)
    p = geodesic_between(metric, a, b)
    assert p.status[0] == Status.SUCCESS
    assert abs(p.length[0] - _solve_bvp_length(metric, a, b)) < 1e-7


def test_the_long_way_round_the_sphere_passes_a_conjugate_point():
    p = geodesic_between(SPHERE, [np.pi / 2, 0.0], [np.pi / 2, 1.5 * np.pi])
    assert p.status[0] == Status.CONJUGATE and not p.success[0]
    assert abs(p.length[0] - 1.5 * np.pi) < 1e-10
    assert abs(p.conjugate_s[0] - 2 / 3) < 1e-3
    # In this chart the longitude cannot wrap: a near-antipodal pair posed a turn further is joined only
    # the long way (length pi + 1e-2, through the antipode), which is never reported as a success.
    a = np.array([1.0, 0.3])
    b = near_antipode(a, 1e-2)
    q = geodesic_between(SPHERE, a, b + np.array([0.0, 2 * np.pi]), fallback=PathEnergy(points=8, max_iterations=50))
    assert q.status[0] in (Status.CONJUGATE, Status.NOT_CONVERGED)
    if q.status[0] == Status.CONJUGATE:
        assert abs(q.length[0] - (np.pi + 1e-2)) < 1e-9


def test_torus_outer_equator_past_its_conjugate_point_gives_way_to_a_shorter_geodesic():
    # On the outer equator K = 1/3, so the first conjugate point is pi*sqrt(3) away: s* = pi*sqrt(3)/(3*2.5).
    system = geodesic_system(TORUS)
    s = np.linspace(0.0, 1.0, 129)
    _, Y, ok = along(system, np.array([[0.0, 0.0]]), np.array([[2.5, 0.0]]), Shooting().method, s)
    assert ok[0] and abs(conjugate_points(s, Y)[0] - np.pi * np.sqrt(3) / 7.5) < 1e-3
    # The equator (length 7.5, what a solver from the chord finds) is not returned: a shorter geodesic is.
    p = geodesic_between(TORUS, [0.0, 0.0], [2.5, 0.0])
    assert p.status[0] == Status.SUCCESS and np.isnan(p.conjugate_s[0])
    assert p.length[0] < 7.5 - 0.5 and np.abs(p.x[0, :, 1]).max() > 0.5
    end = geodesics(TORUS, [0.0, 0.0], p.v0[0], 1.0).x_final[0]
    assert np.abs(end - [2.5, 0.0]).max() < 1e-9
    # Ending exactly at the first conjugate point of the equator: flagged.
    q = geodesic_between(TORUS, [0.0, 0.0], [np.pi / np.sqrt(3), 0.0])
    assert q.status[0] == Status.CONJUGATE and abs(q.length[0] - np.pi * np.sqrt(3)) < 1e-9
    # The inner equator (K = -1) has no conjugate points.
    inner = geodesic_between(TORUS, [0.0, np.pi], [2.5, np.pi])
    assert inner.status[0] == Status.SUCCESS and np.isnan(inner.conjugate_s[0])
    assert abs(inner.length[0] - 2.5) < 1e-10


def test_an_ellipsoid_pair_past_a_conjugate_point_gets_the_shorter_geodesic():
    a, b = np.array([0.5, 0.2]), np.array([2.6, 2.9])
    chord_solution = _solve_bvp_length(ELLIPSOID, a, b)  # solve_bvp from the chord: through a conjugate point
    p = geodesic_between(ELLIPSOID, a, b)
    assert p.status[0] == Status.SUCCESS and np.isnan(p.conjugate_s[0])
    assert p.length[0] < chord_solution - 0.05


def test_shooting_options_are_checked():
    with pytest.raises(InputError, match="segments"):
        Shooting(segments=1)
    with pytest.raises(InputError, match="max_iterations"):
        Shooting(max_iterations=0)


def test_variational_equations_match_finite_differences_of_plain_geodesics():
    system = geodesic_system(SPHERE)
    plain = dataclasses.replace(system, rhs=lambda t, y: system.rhs(t, y))
    x0, v0 = np.array([[1.0, 0.3], [0.5, 0.1]]), np.array([[0.5, 1.0], [1.0, -0.5]])
    for full in (False, True):
        y, M, ok = flow(system, x0, v0, np.array([1.0, 0.5]), Shooting().method, full=full)
        y_ref, M_ref, ok_ref = flow(plain, x0, v0, np.array([1.0, 0.5]), Shooting().method, full=full)
        assert ok.all() and ok_ref.all()
        assert np.abs(y - y_ref).max() < 1e-12 and np.abs(M - M_ref).max() < 1e-8
    # On the unit sphere along the equator, the normal Jacobi field is sin(s |v|) / |v|.
    s = np.linspace(0.0, 1.0, 9)
    _, M, _ = flow(system, np.array([[np.pi / 2, 0.0]]), np.array([[0.0, 2.0]]), 1.0, Shooting().method,
                   full=False, s=s)
    assert np.abs(M[0, :, 0, 0] - np.sin(2 * s) / 2).max() < 1e-10
