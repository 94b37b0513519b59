"""Batched Dormand–Prince integration: accuracy, order, dense output, events, statuses, bad input."""

import itertools

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from extremal.errors import InputError, IntegrationError
from extremal.numerics import (
    DOP853_TABLEAU,
    DOPRI5_TABLEAU,
    DormandPrince54,
    DormandPrince853,
    Event,
    FixedStep,
    Status,
    compile_rhs,
    crossing,
    integrate,
)


def oscillator(t, y):
    return np.stack([y[1], -y[0]])


def exact(t):
    return np.stack([np.cos(t), -np.sin(t)], axis=-1)


@pytest.mark.parametrize("method", [DormandPrince54(rtol=1e-10, atol=1e-12), DormandPrince853(rtol=1e-12, atol=1e-12)])
def test_dense_output_matches_closed_form(method):
    t = np.linspace(0.0, 20.0, 41)
    sol = integrate(oscillator, [1.0, 0.0], (0.0, 20.0), method, t_eval=t)
    assert np.all(sol.status == Status.SUCCESS)
    assert np.abs(sol.y[0] - exact(t)).max() < 1e-8


def test_error_decreases_with_tolerance():
    errors = []
    for tol in (1e-6, 1e-8, 1e-10, 1e-12):
        sol = integrate(oscillator, [1.0, 0.0], (0.0, 10.0), DormandPrince853(rtol=tol, atol=tol))
        errors.append(np.abs(sol.y_final[0] - exact(10.0)).max())
    assert all(b < a for a, b in itertools.pairwise(errors))
    assert errors[-1] < 1e-10


@pytest.mark.parametrize(("tableau", "steps"), [(DOPRI5_TABLEAU, (0.4, 0.2, 0.1)), (DOP853_TABLEAU, (1.0, 0.7, 0.5))])
def test_fixed_step_order(tableau, steps):
    errors = [
        np.abs(integrate(oscillator, [1.0, 0.0], (0.0, 7.0), FixedStep(tableau, dt)).y_final[0] - exact(7.0)).max()
        for dt in steps
    ]
    slope = np.polyfit(np.log(steps), np.log(errors), 1)[0]
    assert abs(slope - tableau.order) < 0.6


def test_matches_scipy_reference_per_row():
    def lotka(t, y):
        return np.stack([y[0] * (1.5 - y[1]), y[1] * (y[0] - 3.0)])

    y0 = np.array([[1.0, 1.0], [2.0, 0.5], [0.5, 2.0]])
    sol = integrate(lotka, y0, (0.0, 5.0), DormandPrince853(rtol=1e-11, atol=1e-11))
    for row in range(3):
        ref = solve_ivp(lambda t, y: lotka(t, y[:, None])[:, 0], (0, 5), y0[row], method="DOP853",
                        rtol=1e-12, atol=1e-12)
        assert np.abs(sol.y_final[row] - ref.y[:, -1]).max() < 1e-8


def test_per_row_spans_backward_and_many_rows():
    n = 5000
    ends = np.linspace(-3.0, 3.0, n)
    sol = integrate(oscillator, np.tile([1.0, 0.0], (n, 1)), (0.0, ends), DormandPrince54(rtol=1e-9, atol=1e-11))
    assert np.all(sol.status == Status.SUCCESS)
    assert np.allclose(sol.t_final, ends)
    assert np.abs(sol.y_final - exact(ends)).max() < 1e-7
    assert np.all(sol.n_steps[np.abs(ends) > 2.5] > sol.n_steps[np.abs(ends) < 0.1].max())


def test_event_stops_at_root():
    sol = integrate(oscillator, [[1.0, 0.0], [2.0, 0.0]], (0.0, 10.0), events=[crossing(0, 0.0, direction=-1)],
                    t_eval=np.linspace(0, 10, 11))
    assert np.all(sol.status == Status.EVENT)
    assert np.allclose(sol.t_final, np.pi / 2, atol=1e-10)
    assert np.all(np.isnan(sol.y[:, 2:]))
    assert np.all(sol.event == 0)


def test_event_direction_filters():
    up = Event(lambda t, y: y[0], direction=1)
    sol = integrate(oscillator, [1.0, 0.0], (0.0, 10.0), events=[up])
    assert np.isclose(sol.t_final[0], 3 * np.pi / 2, atol=1e-10)


def test_nonfinite_row_does_not_spoil_the_batch():
    def blowup(t, y):
        return np.stack([y[0] ** 2])

    sol = integrate(blowup, [[1.0], [-1.0]], (0.0, 2.0), DormandPrince54())
    assert sol.status[0] in (Status.NONFINITE, Status.STEP_TOO_SMALL)
    assert sol.status[1] == Status.SUCCESS
    assert np.isclose(sol.y_final[1, 0], -1.0 / 3.0)
    with pytest.raises(IntegrationError, match="strict=False"):
        integrate(blowup, [[1.0], [-1.0]], (0.0, 2.0), DormandPrince54(), strict=True)


def test_max_steps_status():
    sol = integrate(oscillator, [1.0, 0.0], (0.0, 100.0), DormandPrince54(rtol=1e-10, max_steps=5))
    assert sol.status[0] == Status.MAX_STEPS


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"y0": [[[1.0]]]}, "y0"),
        ({"t_span": (0.0,)}, "t_span"),
        ({"t_eval": [0.0, 20.0]}, "t_eval"),
        ({"t_eval": [1.0, 0.5]}, "t_eval"),
        ({"rhs": lambda t, y: y[:1]}, "rhs"),
        ({"method": "RK45"}, "method"),
        ({"events": [lambda t, y: y[0]]}, "Event"),
    ],
)
def test_bad_input(kwargs, match):
    args = {"rhs": oscillator, "y0": [1.0, 0.0], "t_span": (0.0, 1.0)} | kwargs
    with pytest.raises(InputError, match=match):
        integrate(args.pop("rhs"), args.pop("y0"), args.pop("t_span"), **args)


@pytest.mark.parametrize("bad", [{"rtol": -1.0}, {"atol": 0.0}, {"rtol": 1e-20}, {"max_steps": 0}])
def test_bad_method_parameters(bad):
    with pytest.raises(InputError):
        DormandPrince853(**bad)
    with pytest.raises(InputError, match="dt"):
        FixedStep(DOPRI5_TABLEAU, dt=-1.0)


def test_compiled_second_order_system_matches_the_plain_right_hand_side():
    rhs = compile_rhs("x y u w", ["u", "w", "-x - 0.1*u*w", "-y*(1 + t/10)"])

    def plain(t, y):
        return np.stack([y[2], y[3], -y[0] - 0.1 * y[2] * y[3], -y[1] * (1 + t / 10)])

    y0 = [[1.0, 0.0, 0.0, 1.0], [0.5, 0.2, -0.3, 0.7]]
    t = np.linspace(0.0, 6.0, 7)
    kw = {"t_eval": t, "events": [crossing(0, 0.0, direction=-1)]}
    fast = integrate(rhs, y0, (0.0, 6.0), DormandPrince853(rtol=1e-10, atol=1e-10), **kw)
    ref = integrate(plain, y0, (0.0, 6.0), DormandPrince853(rtol=1e-10, atol=1e-10), **kw)
    np.testing.assert_array_equal(fast.status, ref.status)
    np.testing.assert_allclose(fast.t_final, ref.t_final, rtol=1e-12)
    np.testing.assert_allclose(fast.y, ref.y, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fast.y_final, ref.y_final, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("old", ["DOPRI5", "DOP853"])
def test_old_tableau_names_are_deprecated_aliases(old):
    import extremal.numerics
    from extremal.numerics import _tableaux

    for module in (extremal.numerics, _tableaux):
        with pytest.warns(DeprecationWarning, match=f"{old} is renamed {old}_TABLEAU") as caught:
            tableau = getattr(module, old)
        assert tableau is getattr(module, f"{old}_TABLEAU") and caught[0].filename == __file__
    with pytest.raises(AttributeError, match="no attribute 'DOP5'"):
        _ = extremal.numerics.DOP5
