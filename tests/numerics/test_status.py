"""The batch results agree: one success from status, one spelling of length and drift."""

import warnings

import numpy as np
import pytest

from extremal.numerics import (
    GeodesicBatch,
    GeodesicPath,
    JacobiComparison,
    ODESolution,
    Status,
    TrajectoryBatch,
    geodesic_between,
    geodesics,
    trajectories,
)
from extremal.numerics._status import HasStatus, succeeded
from extremal.symbolic import Lagrangian, Metric

SPHERE = Metric.from_line_element("dth**2 + sin(th)**2*dph**2", "th ph")


@pytest.mark.parametrize("result", [ODESolution, GeodesicBatch, TrajectoryBatch, GeodesicPath, JacobiComparison])
def test_every_result_takes_success_from_one_definition(result):
    assert result.success is HasStatus.success


def test_success_is_success_or_event():
    codes = np.array([int(s) for s in Status], dtype=np.int8)
    assert [Status(int(c)).name for c in codes[succeeded(codes)]] == ["SUCCESS", "EVENT"]


def test_length_is_an_array_on_both_geodesic_results():
    b = geodesics(SPHERE, [np.pi / 2, 0.0], [0.0, 2.0], np.pi / 4)
    p = geodesic_between(SPHERE, [np.pi / 2, 0.0], [np.pi / 2, np.pi / 2])
    assert abs(b.length[0] - np.pi / 2) < 1e-12 and abs(p.length[0] - np.pi / 2) < 1e-10
    assert type(b.length * 2) is np.ndarray and type(np.abs(b.length - p.length)) is np.ndarray


def test_calling_length_still_works_with_a_deprecation_warning_at_the_caller():
    b = geodesics(SPHERE, [np.pi / 2, 0.0], [0.0, 2.0], np.pi / 4)
    with pytest.warns(DeprecationWarning, match="without parentheses") as caught:
        lengths = b.length()
    assert caught[0].filename == __file__
    assert type(lengths) is np.ndarray and np.array_equal(lengths, b.length)


def test_energy_drift_is_a_deprecated_alias_of_drift():
    b = trajectories(Lagrangian.parse("xdot**2/2 - x**2/2", "x"), [1.0], [0.0], 3.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        drift = b.drift
    with pytest.warns(DeprecationWarning, match="renamed drift") as caught:
        old = b.energy_drift
    assert caught[0].filename == __file__ and old is drift and drift[0] < 1e-9
