"""Plots and demo pictures are written; bad arguments are reported."""

import importlib.util
import pathlib

import numpy as np
import pytest

from extremal.errors import InputError
from extremal.numerics import geodesics, newton_vs_jacobi
from extremal.symbolic import Metric

pytest.importorskip("matplotlib")

from extremal.plot import (
    demo_figures,
    plot_chart,
    plot_drift,
    plot_embedded,
    plot_newton_jacobi,
    plot_schedule,
)

SPHERE = Metric.from_line_element("dth**2 + sin(th)**2*dph**2", "th ph")


def ball(u):
    return np.stack([np.sin(u[0]) * np.cos(u[1]), np.sin(u[0]) * np.sin(u[1]), np.cos(u[0])])


def test_demo_figures_are_pngs(tmp_path):
    paths = demo_figures(tmp_path / "demo")
    physics = ["geodesics_sphere.png", "newton_vs_jacobi.png", "conservation_drift.png"]
    ml = ["isotropy.png", "learning_rates.png"] if importlib.util.find_spec("torch") else []
    assert [p.name for p in paths] == physics + ml
    for p in paths:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_each_plot_returns_a_figure(tmp_path):
    b = geodesics(SPHERE, [1.0, 0.0], [[0.3, 1.0], [1.0, 0.0]], np.linspace(0, 3, 30))
    flat = Metric.from_line_element("dx**2 + dy**2", "x y")
    c = newton_vs_jacobi(flat, "-1/sqrt(x**2 + y**2)", [1.0, 0.0], [0.0, 1.1], 2.0)
    for fig in (plot_chart(b), plot_embedded(b, ball), plot_drift(b), plot_newton_jacobi(c)):
        fig.savefig(tmp_path / "f.png")
    assert pathlib.Path(tmp_path / "f.png").stat().st_size > 1000


def test_bad_arguments(tmp_path):
    b = geodesics(SPHERE, [1.0, 0.0], [0.3, 1.0], 1.0)
    with pytest.raises(InputError, match="axes"):
        plot_chart(b, axes=(0, 5))
    with pytest.raises(InputError, match="3 coordinates"):
        plot_embedded(b, lambda u: u)
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="directory"):
        demo_figures(tmp_path / "file")


def test_path_and_trajectory_plots(tmp_path):
    from extremal.numerics import geodesic_between, trajectories
    from extremal.plot import plot_path, plot_trajectories
    from extremal.symbolic import Lagrangian

    fig = plot_path(geodesic_between(SPHERE, [1.0, 0.0], [2.0, 1.0]))
    assert "SUCCESS" in fig.axes[0].get_legend().get_texts()[0].get_text()
    fig.savefig(tmp_path / "p.png")
    kepler = Lagrangian.parse("(rdot**2 + r**2*thetadot**2)/2 + 1/r", "r theta")
    fig = plot_trajectories(trajectories(kepler, [1.0, 0.0], [0.1, 1.0], np.linspace(0.0, 5.0, 30)))
    assert [ax.get_xlabel() for ax in fig.axes] == ["r", "t"]
    assert "energy drift" in fig.axes[1].get_title()
    fig.savefig(tmp_path / "t.png")
    with pytest.raises(InputError, match="axes"):
        plot_path(geodesic_between(SPHERE, [1.0, 0.0], [2.0, 1.0]), axes=(0, 5))


def test_schedule_plot_draws_norms_and_every_schedule(tmp_path):
    g = np.array([4.0, 2.0, 1.0, 1.0])
    fig = plot_schedule(g, {"a": [0.1, 0.2, 0.3, 0.0], "b": np.ones(4)})
    left, right = fig.axes
    assert [line.get_label() for line in right.get_lines()] == ["a", "b"]
    np.testing.assert_array_equal(left.get_lines()[0].get_ydata(), g)
    fig.savefig(tmp_path / "s.png")
    single = plot_schedule(g, [0.1, 0.2, 0.3, 0.0])
    assert [line.get_label() for line in single.axes[1].get_lines()] == ["η_t"]


@pytest.mark.parametrize(
    ("norms", "rates", "match"),
    [
        ([1.0, 2.0], [1.0], "needs one per step"),
        ([], [], "non-empty"),
        ([[1.0]], [1.0], "1-D"),
        ([1.0], {"x": "abc"}, "numbers"),
    ],
)
def test_schedule_plot_refuses_mismatched_curves(norms, rates, match):
    with pytest.raises(InputError, match=match):
        plot_schedule(norms, rates)
