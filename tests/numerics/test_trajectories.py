"""Lagrangian trajectories: the two-body problem in polar coordinates against Cartesian.

The two actions are eqs. (2) and (3) of Su Jianlin, "Changing coordinates with the calculus of variations", https://kexue.fm/archives/3181.
"""

import numpy as np
import pytest

from extremal.errors import InputError
from extremal.numerics import NumbaBackend, Status, trajectories
from extremal.symbolic import Lagrangian

POLAR = Lagrangian.parse("(rdot**2 + r**2*thetadot**2)/2 + 1/r", "r theta")
CARTESIAN = Lagrangian.parse("(xdot**2 + ydot**2)/2 + 1/sqrt(x**2 + y**2)", "x y")


def test_two_body_polar_matches_cartesian():
    r0, rdot0, th0, thdot0 = np.array([1.0, 1.3]), np.array([0.1, -0.2]), np.array([0.0, 1.0]), np.array([1.1, 0.6])
    t = np.linspace(0.0, 15.0, 60)
    polar = trajectories(POLAR, np.c_[r0, th0], np.c_[rdot0, thdot0], t)
    x0 = np.c_[r0 * np.cos(th0), r0 * np.sin(th0)]
    v0 = np.c_[rdot0 * np.cos(th0) - r0 * thdot0 * np.sin(th0), rdot0 * np.sin(th0) + r0 * thdot0 * np.cos(th0)]
    cart = trajectories(CARTESIAN, x0, v0, t)
    assert np.all(polar.status == Status.SUCCESS) and np.all(cart.status == Status.SUCCESS)
    r, th = polar.q[..., 0], polar.q[..., 1]
    assert np.abs(np.stack([r * np.cos(th), r * np.sin(th)], -1) - cart.q).max() < 1e-8
    assert polar.drift.max() < 1e-9 and cart.drift.max() < 1e-9
    L = r**2 * polar.qdot[..., 1]
    assert np.abs(L - L[:, :1]).max() < 1e-10


def test_time_dependent_lagrangian_has_no_energy():
    L = Lagrangian.parse("xdot**2/2 - x**2/2 + x*cos(t)", "x")
    b = trajectories(L, [0.0], [0.0], 3.0)
    assert b.energy is None and b.drift is None
    assert np.isclose(b.q_final[0, 0], 1.5 * np.sin(3.0))


def test_bad_inputs():
    with pytest.raises(InputError, match="qdot0"):
        trajectories(POLAR, [1.0, 0.0], [1.0], 1.0)
    with pytest.raises(InputError, match="mu"):
        trajectories(Lagrangian.parse("xdot**2/2 - mu*x**2", "x"), [1.0], [0.0], 1.0)
    with pytest.raises(InputError, match="Lagrangian"):
        trajectories("xdot**2", [1.0], [0.0], 1.0)


def test_numba_backend_forced_oscillator_closed_form():
    pytest.importorskip("numba")
    L = Lagrangian.parse("xdot**2/2 - x**2/2 + x*cos(t)", "x")
    t = np.linspace(0.0, 3.0, 4)
    b = trajectories(L, [[0.0], [0.0]], [[0.0], [0.0]], t, backend=NumbaBackend())
    assert np.abs(b.q[..., 0] - 0.5 * t * np.sin(t)).max() < 1e-9


def test_scalar_end_gives_a_smooth_default_path():
    b = trajectories(POLAR, [1.0, 0.0], [0.0, 1.0], 2 * np.pi)
    assert b.q.shape == (1, 101, 2) and np.allclose(b.t[0], np.linspace(0.0, 2 * np.pi, 101))
    r, th = b.q[0, :, 0], b.q[0, :, 1]
    chords = np.linalg.norm(np.diff(np.c_[r * np.cos(th), r * np.sin(th)], axis=0), axis=-1)
    assert chords.max() < 0.02 * 2 * np.pi and np.isclose(chords.sum(), 2 * np.pi, rtol=1e-3)
    explicit = trajectories(POLAR, [1.0, 0.0], [0.0, 1.0], [0.0, np.pi, 2 * np.pi])
    assert explicit.q.shape == (1, 3, 2) and np.allclose(explicit.q_final, b.q_final, atol=1e-10)
