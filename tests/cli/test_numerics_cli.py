"""The numerical subcommands: shortest-path, trajectory and newton-jacobi write PNGs and print checked numbers."""

import math
import re

import pytest

from extremal.cli.main import main

pytest.importorskip("matplotlib")


def number_after(label, text):
    return float(re.search(rf"{label}\s+([-+0-9.eE]+)", text).group(1))


def test_shortest_path_prints_the_great_circle_length(tmp_path, capsys):
    out = tmp_path / "sp.png"
    code = main(["shortest-path", "dth**2 + sin(th)**2*dph**2", "--coords", "th ph", "--from", "1,0",
                 "--to", "2,2.5", "--out", str(out)])
    text = capsys.readouterr().out
    exact = math.acos(math.cos(1) * math.cos(2) + math.sin(1) * math.sin(2) * math.cos(2.5))
    assert code == 0
    assert abs(number_after("length", text) - exact) < 1e-10
    assert "status SUCCESS" in text
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_shortest_path_reports_a_failure_with_exit_code_4_and_no_png(tmp_path, capsys):
    out = tmp_path / "sp.png"
    code = main(["shortest-path", "dth**2 + sin(th)**2*dph**2", "--coords", "th ph", "--from", "0.5,0",
                 "--to", "2.6415926535897931,3.141592653589793", "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 4
    assert "status SUCCESS" not in text and "status " in text
    assert "length" not in text.replace("no length", "")
    assert "no picture written" in text and not out.exists()


def test_trajectory_kepler_circle_and_energy_drift(tmp_path, capsys):
    out = tmp_path / "tr.png"
    code = main(["trajectory", "(rdot**2 + r**2*thetadot**2)/2 + 1/r", "--coords", "r theta", "--q0", "1,0",
                 "--v0", "0,1", "--t", "0:6.283185307179586", "--samples", "50", "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0
    assert "[1.           6.2831853072]" in text
    assert number_after("max energy drift:", text) < 1e-9
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_newton_jacobi_gap_is_tiny(tmp_path, capsys):
    out = tmp_path / "nj.png"
    code = main(["newton-jacobi", "--potential", "(x**2 + 4*y**2)/2", "--energy", "2", "--x0", "1,0.5",
                 "--v0", "0.3,0.7", "--s", "1", "--samples", "30", "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0
    assert "E = [2.0]" in text
    assert number_after("max gap", text) < 1e-8
    assert out.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("argv", "word"),
    [
        (["shortest-path", "dx**2 + dy**2", "--coords", "x y", "--from", "0,0", "--to", "a,b"], "--to"),
        (["shortest-path", "dx**2 + dy**2", "--coords", "x y", "--from", "0,0", "--to", "1,2,3"], "x_b"),
        (["trajectory", "xdot**2/2 - x**2/2", "--coords", "x", "--q0", "1", "--v0", "0", "--t", "0:zz"], "--t"),
        (["trajectory", "xdot**2/2 - x**2/2", "--coords", "x", "--q0", "1,2", "--v0", "0"], "q0"),
        (["newton-jacobi", "--potential", "(x**2 + y**2)/2", "--energy", "0.1"], "energy"),
        (["newton-jacobi", "--potential", "(x**2 + y**2)/2", "--v0", "0,0"], "at rest"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(tmp_path, capsys, argv, word):
    assert main([*argv, "--out", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("extremal: error:") and err.count("\n") == 1
    assert word in err


@pytest.mark.parametrize("command", ["geodesic", "trajectory"])
def test_help_documents_json_data_files_and_batch_files(command, capsys):
    try:
        assert main([command, "--help"]) == 0
    except SystemExit as exc:
        assert exc.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert ".npz" in text and ".csv" in text and "-file" in text and "--format json" in text
