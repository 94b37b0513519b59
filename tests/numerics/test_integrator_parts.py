"""The integrator's parts on their own: methods of one shape, the controller, one Runge-Kutta step, dense output."""

from __future__ import annotations

import numpy as np
import pytest

from extremal import DOP853_TABLEAU, DOPRI5_TABLEAU, DormandPrince54, DormandPrince853, FixedStep, compile_rhs
from extremal.numerics._controller import ConstantStep, ErrorController
from extremal.numerics._dense_output import interpolate, stage_coefficients
from extremal.numerics._whole_array import _Evaluator, rk_step


@pytest.mark.parametrize("method", [DormandPrince54(), DormandPrince853(), FixedStep(DOPRI5_TABLEAU, 0.1)])
def test_every_method_has_the_same_shape(method):
    assert method.order == method.tableau.order
    assert isinstance(method.controller, ErrorController | ConstantStep)
    assert method.max_steps == 100_000
    assert method.controller.adaptive is not isinstance(method, FixedStep)


def test_the_controller_owns_its_tolerances_and_limits():
    c = DormandPrince853(rtol=1e-9, atol=1e-11).controller
    assert (c.rtol, c.atol, c.error_order, c.exponent) == (1e-9, 1e-11, 7, -1 / 8)
    accept, h = c.propose(np.array([0.0, 1.0, 1e9, np.inf]), np.ones(4), np.array([False, True, False, False]))
    assert accept.tolist() == [True, True, False, False]
    np.testing.assert_allclose(h, [10.0, 0.9, 0.2, 0.2])  # clipped to [0.2, 10]; at most 1 after a rejection
    y, y_new = np.array([[1.0, -3.0]]), np.array([[2.0, 1.0]])
    np.testing.assert_allclose(c.scale(y, y_new, np.empty((1, 2)), np.empty((1, 2))), [[1e-11 + 2e-9, 1e-11 + 3e-9]])


@pytest.mark.parametrize(("tab", "order", "first"), [(DOPRI5_TABLEAU, 5, 0.2), (DOP853_TABLEAU, 8, 0.5)])
def test_one_step_has_the_order_of_its_tableau(tab, order, first):
    """y' = y from y = 1: the local error of one step is O(h^(order + 1))."""
    rhs = compile_rhs("y", ["y"])
    errors = []
    for h in (first, first / 2):
        Z = np.zeros((tab.n_dense_stages + 1, 1, 1))
        Z[0], Z[1] = 1.0, h
        y_new, f_new, ys = np.empty((1, 1)), np.empty((1, 1)), np.empty((1, 1))
        rk_step(_Evaluator(rhs, 1), tab, stage_coefficients(tab), np.zeros(1), np.array([h]), Z, y_new, f_new, ys)
        assert f_new[0, 0] == y_new[0, 0]
        errors.append(abs(y_new[0, 0] - np.exp(h)))
    assert np.log2(errors[0] / errors[1]) == pytest.approx(order + 1, abs=0.5)


def test_dense_output_ends_on_the_step():
    tab = DOPRI5_TABLEAU
    rhs = compile_rhs("x v", ["v", "-x"])
    h = 0.1
    Z = np.zeros((tab.n_dense_stages + 1, 2, 1))
    Z[0, :, 0] = [1.0, 0.0]
    Z[1, :, 0] = [0.0, -h]
    y_new, f_new, ys = np.empty((2, 1)), np.empty((2, 1)), np.empty((2, 1))
    rk_step(_Evaluator(rhs, 2), tab, stage_coefficients(tab), np.zeros(1), np.array([h]), Z, y_new, f_new, ys)
    np.testing.assert_allclose(interpolate(tab, Z, np.array([1.0]))[:, 0], y_new[:, 0], rtol=1e-14)
    np.testing.assert_allclose(interpolate(tab, Z, np.array([0.5]))[:, 0], [np.cos(h / 2), -np.sin(h / 2)], atol=1e-8)
