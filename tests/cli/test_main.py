"""The command line: every subcommand, every format, one-line errors."""

import json

import pytest

from extremal.cli.main import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_euler_lagrange_particle(capsys):
    code, out, _ = run(capsys, "--format", "json", "euler-lagrange", "(rdot**2 + r**2*thetadot**2)/2 + mu/r",
                       "--coords", "r theta")
    assert code == 0
    data = json.loads(out)
    solved = {row["label"]: row["expr"] for row in data["solved for the accelerations"]}
    assert solved == {"rddot": "-mu/r**2 + r*thetadot**2", "thetaddot": "-2*rdot*thetadot/r"}
    assert data["conserved momenta (cyclic coordinates)"][0]["expr"] == "r**2*thetadot"


def test_euler_lagrange_field(capsys):
    code, out, _ = run(capsys, "--format", "json", "euler-lagrange", "u_t**2/2 - c**2*u_x**2/2",
                       "--coords", "t x", "--fields", "u")
    assert code == 0
    (row,) = json.loads(out)["Euler-Lagrange equations"]
    assert row["label"] == "c**2*Derivative(u(t, x), (x, 2)) - Derivative(u(t, x), (t, 2))"


def test_christoffel_text_shows_seed_eq_27(capsys):
    code, out, _ = run(capsys, "christoffel", "dr**2 + r**2*dtheta**2 + r**2*sin(theta)**2*dphi**2",
                       "--coords", "r theta phi", "--method", "variational")
    assert code == 0
    assert "Γ^r_θθ = -r" in out
    assert "Γ^θ_φφ = -sin(θ)⋅cos(θ)" in out
    assert out.count("Γ^") == 6


def test_curvature_builtin_sphere_latex(capsys):
    code, out, _ = run(capsys, "--format", "latex", "curvature", "--metric", "sphere")
    assert code == 0
    assert "\\frac{1}{a^{2}}" in out


def test_geodesic_equations(capsys):
    code, out, _ = run(capsys, "--format", "json", "geodesic-equations", "dr**2 + r**2*dtheta**2",
                       "--coords", "r theta")
    assert code == 0
    rows = json.loads(out)["geodesic equations"]
    assert [r["expr"] for r in rows] == ["r*thetadot**2", "-2*rdot*thetadot/r"]


def test_laplacian_by_action_and_by_metric(capsys):
    _, by_action, _ = run(capsys, "--format", "json", "laplacian", "--map", "x=r*cos(theta)", "y=r*sin(theta)",
                          "--coords", "r theta")
    _, by_metric, _ = run(capsys, "--format", "json", "laplacian", "dr**2 + r**2*dtheta**2", "--coords", "r theta")
    a = json.loads(by_action)["Laplacian from the varied action"][0]["expr"]
    b = json.loads(by_metric)["Laplace-Beltrami operator on u"][0]["expr"]
    assert a == b


def test_transform_two_body(capsys):
    code, out, _ = run(capsys, "--format", "json", "transform", "(xdot**2 + ydot**2)/2 + mu/sqrt(x**2 + y**2)",
                       "--coords", "x y", "--to", "r theta", "--map", "x=r*cos(theta)", "y=r*sin(theta)")
    assert code == 0
    data = json.loads(out)
    assert data["Lagrangian"][0]["expr"] == "mu/r + r**2*thetadot**2/2 + rdot**2/2"


def test_jacobi(capsys):
    code, out, _ = run(capsys, "--format", "json", "jacobi", "dx**2 + dy**2", "--coords", "x y",
                       "--potential", "k*(x**2 + y**2)/2")
    assert code == 0
    rows = json.loads(out)["its geodesics in the time t (= Newton's equations)"]
    assert [r["expr"] for r in rows] == ["-k*x", "-k*y"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["christoffel", "dx**2 + dz**2", "--coords", "x y"], "dz"),
        (["christoffel", "dx**2 + (dy", "--coords", "x y"], "could not parse"),
        (["christoffel", "(dx + dy)**2 + x*dx**2*0", "--coords", "x y"], "degenerate"),
        (["euler-lagrange", "xdot**2", "--coords", "x x"], "repeats x"),
        (["transform", "xdot**2+ydot**2", "--coords", "x y", "--to", "u v", "--map", "x=u+v", "y=u+v"],
         "not invertible"),
        (["laplacian", "--map", "x r*cos(theta)", "--coords", "r theta"], "--map entries"),
        (["jacobi", "dr**2 + r**2*dtheta**2", "--coords", "r theta", "--potential", "x**2"], "none of the coords"),
        (["christoffel"], "line element"),
    ],
)
def test_errors_are_one_line_with_exit_code_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert err.startswith("extremal: error:") and message in err
    assert err.count("\n") == 1


def test_demo_reproduces_every_checked_equation(capsys, tmp_path):
    code, out, _ = run(capsys, "demo", "--figures", str(tmp_path))
    assert code == 0
    assert "DIFFERS" not in out
    for article in ("3181", "3977", "4046"):
        assert f'", https://kexue.fm/archives/{article} ===' in out
    for eq in ("[eq. (4)]", "[eq. (8)]", "[eq. (27)]", "[eq. (86)]"):
        assert eq in out
    assert out.count("[matches the article]") >= 14
    pictures = sorted(p.name for p in tmp_path.glob("*.png"))
    assert pictures == [
        "conservation_drift.png", "geodesics_sphere.png", "isotropy.png", "learning_rates.png", "newton_vs_jacobi.png"
    ]


def test_geodesic_subcommand_writes_png(capsys, tmp_path):
    out_png = tmp_path / "g.png"
    code, out, _ = run(capsys, "geodesic", "dth**2 + sin(th)**2*dph**2", "--coords", "th ph",
                       "--x0", "1.5707963267948966,0", "--v0", "0,1", "--s", "0:3.141592653589793",
                       "--out", str(out_png))
    assert code == 0 and out_png.stat().st_size > 10_000
    assert "length 3.14159265" in out


def test_geodesic_subcommand_bad_shape(capsys, tmp_path):
    code, _, err = run(capsys, "geodesic", "dth**2 + sin(th)**2*dph**2", "--coords", "th ph",
                       "--x0", "1,0,3", "--v0", "0,1", "--out", str(tmp_path / "g.png"))
    assert code == 2 and "x0" in err and "shape" in err


def test_version_and_python_dash_m():
    import subprocess
    import sys

    import extremal

    out = subprocess.run([sys.executable, "-m", "extremal", "--version"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    assert out.stdout.strip() == f"extremal {extremal.__version__}"


def test_plots_leave_the_matplotlib_backend_alone():
    import subprocess
    import sys

    code = (
        "import matplotlib; matplotlib.use('svg'); import numpy as np\n"
        "from extremal import Metric, geodesics; from extremal.plot import plot_chart\n"
        "m = Metric.from_line_element('dth**2 + sin(th)**2*dph**2', 'th ph')\n"
        "fig = plot_chart(geodesics(m, [1.0, 0.0], [0.0, 1.0], np.linspace(0, 1, 5)))\n"
        "print(matplotlib.get_backend(), type(fig).__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["svg", "Figure"]


def test_latex_scalars_are_labelled_and_json_components_carry_indices(capsys):
    import json

    import sympy as sp

    from extremal.cli.main import main

    assert main(["--format", "latex", "curvature", "--metric", "sphere", "--what", "scalar", "gaussian"]) == 0
    out = capsys.readouterr().out
    assert "R = \\frac{2}{a^{2}}" in out and "K = \\frac{1}{a^{2}}" in out
    assert main(["christoffel", "--metric", "sphere", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["Christoffel symbols (formula)"]
    theta = sp.Symbol("theta")
    by_index = {tuple(r["indices"]): sp.sympify(r["expr"], locals={"theta": theta}) for r in rows}
    assert rows[0]["coords"] == ["theta", "phi"]
    assert sp.simplify(by_index[(0, 1, 1)] + sp.sin(theta) * sp.cos(theta)) == 0
    assert sp.simplify(by_index[(1, 0, 1)] - sp.cos(theta) / sp.sin(theta)) == 0


def test_every_help_example_runs(capsys):
    import shlex

    from extremal.cli.main import _SUBCOMMAND_HELP, main

    for name, (description, examples) in _SUBCOMMAND_HELP.items():
        assert description
        for line in examples:
            words = shlex.split(line)
            assert words[:2] == ["extremal", name]
            assert main(words[1:]) == 0, line
    capsys.readouterr()


def test_without_matplotlib_pictures_are_refused_up_front_and_the_demo_skips_them(tmp_path):
    import subprocess
    import sys

    hide = "import sys; sys.modules['matplotlib'] = None; sys.modules['matplotlib.pyplot'] = None\n"
    code = hide + (
        "from extremal.cli.main import main\n"
        "code = main(['geodesic', 'dth**2 + sin(th)**2*dph**2', '--coords', 'th ph', '--x0', '1,0', '--v0', '0,1',"
        f" '--out', {str(tmp_path / 'g.png')!r}])\n"
        "print('exit', code)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "exit 2"
    assert "pip install 'extremal[plot]'" in out.stderr
    code = hide + f"from extremal.cli.main import main\nprint('exit', main(['demo', '--figures', {str(tmp_path)!r}]))\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert "no pictures: matplotlib is not installed" in out.stdout
    assert out.stdout.strip().endswith("exit 0")
    assert list(tmp_path.iterdir()) == []
