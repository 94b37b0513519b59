"""The command line never surprises: values with a minus sign, atomic outputs, bounded work, honest exit codes."""

import json
import os
import pathlib
import signal
import subprocess
import sys
import textwrap
import warnings

import pytest

import extremal
import extremal.cli.main as cli_main
from extremal.cli._argv import normalize_argv
from extremal.cli.main import build_parser, main

pytest.importorskip("matplotlib")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# A non-degenerate Lagrangian whose equations take SymPy far longer than the time limit below.
SLOW_LAGRANGIAN = "(x+y+z+w+1)**60*(xdot**2 + ydot**2 + zdot**2 + wdot**2)"


def assert_one_error_line(err, *words):
    assert err.startswith("extremal: error: ") and err.count("\n") == 1, err
    for word in words:
        assert word in err, err


# --- values that start with a minus sign -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["euler-lagrange", "-x**2/2+xdot**2/2", "--coords", "x"], "= -x\n"),
        (["christoffel", "-dt**2+t**2*dx**2", "--coords", "t x"], "Γ^t_xx"),
        (["geodesic-equations", "-dt**2 + dx**2", "--coords", "t x"], "geodesic equations"),
        (["curvature", "-dt**2+t**2*dx**2", "--coords", "t x"], "Ricci scalar"),
        (["laplacian", "-dt**2+dx**2", "--coords", "t x"], "Laplace-Beltrami"),
        (["transform", "-x**2/2+xdot**2/2", "--coords", "x", "--to", "u", "--map", "x=-u"], "= -u\n"),
        (["jacobi", "dx**2+dy**2", "--coords", "x y", "--potential", "-(x**2+y**2)/2", "--energy", "-1"],
         "Jacobi metric"),
        (["jacobi", "dx**2+dy**2", "--coords", "x y", "--potential", "-x"], "Jacobi metric"),
        (["jacobi", "dx**2+dy**2", "--coords", "x y", "--pot", "-x", "--ener=-2"], "Jacobi metric"),
    ],
)
def test_symbolic_values_may_start_with_a_minus_sign(capsys, argv, expected):
    code, out, err = run(capsys, *argv)
    assert (code, err) == (0, "")
    assert expected in out


def test_a_negative_energy_is_the_number(capsys):
    code, out, _ = run(capsys, "--format", "json", "jacobi", "dx**2+dy**2", "--coords", "x y",
                       "--potential", "-(x**2+y**2)/2", "--energy", "-1")
    assert code == 0
    metric = json.loads(out)["Jacobi metric (E - U) g"][0]["expr"]
    assert metric == "dx**2*x**2/2 + dx**2*y**2/2 - dx**2 + dy**2*x**2/2 + dy**2*y**2/2 - dy**2"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["geodesic", "-dt**2+dx**2", "--coords", "t x", "--x0", "-1,0", "--v0", "-1,0.5", "--s", "-1:1"],
         "length"),
        (["shortest-path", "dx**2+dy**2", "--coords", "x y", "--from", "-1,0", "--to", "2,-4"], "length 5"),
        (["trajectory", "-x**2/2+xdot**2/2", "--coords", "x", "--q0", "-1", "--v0", "-0.5", "--t", "-1:1"],
         "q(t_end)"),
        (["newton-jacobi", "--potential", "-(x**2+y**2)/2", "--x0", "-1,0", "--v0", "0,-1", "--energy", "-0.1",
          "--s", "-1:1", "--samples", "20"], "max gap"),
    ],
)
def test_numeric_values_may_start_with_a_minus_sign(capsys, tmp_path, argv, expected):
    code, out, err = run(capsys, *argv, "--out", str(tmp_path / "x.png"))
    assert (code, err) == (0, "")
    assert expected in out


def test_normalize_argv_attaches_values_and_keeps_options():
    parser = build_parser()
    assert normalize_argv(parser, ["--timeout", "5", "jacobi", "-dx**2", "--potential", "-x", "--energy",
                                   "--coords", "x"]) == [
        "--timeout=5", "jacobi", "-dx**2", "--potential=-x", "--energy", "--coords=x"]
    assert normalize_argv(parser, ["geodesic", "--", "--v0", "-1"]) == ["geodesic", "--", "--v0", "-1"]


def test_demo_folder_may_start_with_a_minus_sign():
    parser = build_parser()
    assert parser.parse_args(normalize_argv(parser, ["demo", "--figures", "-figs"])).figures == "-figs"


def test_format_may_follow_a_symbolic_subcommand(capsys):
    code, out, _ = run(capsys, "christoffel", "dr**2 + r**2*dth**2", "--coords", "r th", "--format", "json")
    assert code == 0 and json.loads(out)["Christoffel symbols (formula)"]


@pytest.mark.parametrize(
    ("argv", "word"),
    [
        (["christoffel", "dx**2", "--coords", "x", "--bogus"], "--bogus"),
        (["geodesic", "dx**2", "--coords", "x", "--x0", "0", "--v0", "1", "--format", "yaml"], "--format"),
        (["jacobi", "dx**2", "--coords", "x", "--potential", "--energy", "1"], "--potential"),
        (["geodesic", "--coords", "x"], "required"),
        (["nonsense"], "invalid choice"),
        (["--format", "yaml", "christoffel"], "--format"),
    ],
)
def test_usage_errors_are_one_line_with_exit_code_2(capsys, argv, word):
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert_one_error_line(err, word)


def test_help_returns_0_and_lists_the_exit_codes(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert "exit status" in out and "130" in out and "every row failed" in out
    for command in ("geodesic", "shortest-path", "trajectory", "newton-jacobi"):
        code, out, _ = run(capsys, command, "--help")
        assert code == 0
        assert "exit status" in out and "  3    some rows failed" in out and "--timeout" in out


# --- integer and number options ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "-3", "true", "False", "2.5", "", "1e3", "ten"])
def test_samples_must_be_a_positive_whole_number(capsys, tmp_path, value):
    code, _, err = run(capsys, "trajectory", "xdot**2/2", "--coords", "x", "--q0", "1", "--v0", "0",
                       "--samples", value, "--out", str(tmp_path / "t.png"))
    assert code == 2
    assert_one_error_line(err, "--samples")


@pytest.mark.parametrize(
    ("option", "value"),
    [("--axes", "-1"), ("--rtol", "nan"), ("--rtol", "0"), ("--rtol", "-1e-8"), ("--timeout", "-1"),
     ("--timeout", "inf"), ("--max-length", "0"), ("--max-size", "yes")],
)
def test_bad_numbers_in_options_are_one_line(capsys, tmp_path, option, value):
    extra = [option, value, "1"] if option == "--axes" else [option, value]
    code, _, err = run(capsys, "geodesic", "dx**2 + dy**2", "--coords", "x y", "--x0", "0,0", "--v0", "1,0",
                       *extra, "--out", str(tmp_path / "g.png"))
    assert code == 2
    assert_one_error_line(err, option)


def test_energy_must_be_finite(capsys, tmp_path):
    code, _, err = run(capsys, "newton-jacobi", "--potential", "x**2", "--energy", "inf",
                       "--out", str(tmp_path / "n.png"))
    assert code == 2
    assert_one_error_line(err, "--energy")


def test_samples_over_max_size_is_a_limit_error(capsys, tmp_path):
    code, _, err = run(capsys, "geodesic", "dx**2 + dy**2", "--coords", "x y", "--x0", "0,0", "--v0", "1,0",
                       "--samples", "100000", "--max-size", "1000", "--out", str(tmp_path / "g.png"))
    assert code == 2
    assert_one_error_line(err, "--samples", "--max-size")


# --- limits ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["before", "after"])
def test_limit_options_before_or_after_the_subcommand(capsys, where):
    command = ["christoffel", "dx**2 + x**2*dy**2", "--coords", "x y"]
    argv = ["--max-length", "5", *command] if where == "before" else [*command, "--max-length", "5"]
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert_one_error_line(err, "limit")


def busy(args):
    while True:
        pass


@pytest.mark.parametrize("seconds", ["1e-4", "1e-3", "0.01", "0.5"])
def test_timeout_in_process_is_one_line(capsys, monkeypatch, seconds):
    monkeypatch.setattr(cli_main, "_curvature", busy)
    for _ in range(3):  # the work never ends: only the time limit returns from it
        code, out, err = run(capsys, "--timeout", seconds, "curvature", "--metric", "sphere")
        assert (code, out) == (2, "")
        assert_one_error_line(err, "time limit")


def test_exceptions_python_ignores_are_one_line_and_the_time_limit_none(capsys, monkeypatch):
    from extremal._limits import Expired

    class Noisy:
        def __init__(self, exc):
            self.exc = exc

        def __del__(self):
            raise self.exc

    def handler(args):
        Noisy(ValueError("boom\nagain"))
        Noisy(Expired())
        return {}

    monkeypatch.setattr(cli_main, "_curvature", handler)
    code, _, err = run(capsys, "curvature", "--metric", "sphere")
    assert code == 0
    assert err == "extremal: warning: ignored ValueError: boom again\n"


def subprocess_env():
    """The environment of a child that imports the same extremal as this test."""
    src = str(pathlib.Path(extremal.__file__).parents[1])
    return dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")])))


def test_timeout_of_the_program_exits_2():
    proc = subprocess.run(
        [sys.executable, "-m", "extremal.cli.main", "euler-lagrange", SLOW_LAGRANGIAN,
         "--coords", "x y z w", "--timeout", "1"],
        capture_output=True, text=True, timeout=120, env=subprocess_env(),
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert_one_error_line(proc.stderr, "time limit")


def test_watchdog_ends_work_stuck_outside_python():
    script = textwrap.dedent("""
        import sys, time
        import extremal.cli.main as m
        m._curvature = lambda args: time.sleep(3600)
        sys.exit(m.main(["curvature", "--metric", "sphere", "--timeout", "1"], watchdog=True))
    """)
    # an hour in C code: only the watchdog ends it before subprocess.run gives up (TimeoutExpired)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env=subprocess_env())
    assert proc.returncode == 2
    assert_one_error_line(proc.stderr, "time limit")


def test_ctrl_c_exits_130_with_one_line():
    script = textwrap.dedent("""
        import sys, time
        import extremal.cli.main as m
        m._curvature = lambda args: (print("working", flush=True), time.sleep(60))
        sys.exit(m.main(["curvature", "--metric", "sphere"]))
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=subprocess_env())
    assert proc.stdout.readline() == "working\n"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err == "extremal: error: interrupted\n"


def test_a_closed_stdout_exits_141_quietly():
    proc = subprocess.Popen([sys.executable, "-m", "extremal.cli.main", "curvature", "--metric", "sphere"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=subprocess_env())
    proc.stdout.close()
    err = proc.stderr.read()
    assert (proc.wait(timeout=60), err) == (141, b"")


def test_watchdog_is_off_in_process_by_default(monkeypatch):
    started = []
    monkeypatch.setattr(cli_main._Watchdog, "__enter__", lambda self: started.append(self.timer))
    main(["curvature", "--metric", "sphere", "--timeout", "5"])
    assert started == [None]


# --- every error is ours -----------------------------------------------------------------------------------------


def raising(exc):
    def handler(*args, **kwargs):
        raise exc

    return handler


@pytest.mark.parametrize(
    ("exc", "code", "words"),
    [
        (ZeroDivisionError("division by zero"), 2, ["internal error while running 'curvature'", "ZeroDivisionError",
                                                   "please report it"]),
        (ValueError("a\nmulti-line\n   message"), 2, ["ValueError: a multi-line message"]),
        (RecursionError(), 2, ["internal error", "RecursionError"]),
        (MemoryError(), 2, ["out of memory"]),
        (PermissionError(13, "Permission denied", "x.png"), 2, ["x.png", "Permission denied"]),
        (KeyboardInterrupt(), 130, ["interrupted"]),
    ],
)
def test_any_exception_is_one_line(capsys, monkeypatch, exc, code, words):
    monkeypatch.setattr(cli_main, "_curvature", raising(exc))
    got, out, err = run(capsys, "curvature", "--metric", "sphere")
    assert (got, out) == (code, "")
    assert_one_error_line(err, *words)


def test_broken_pipe_is_quiet(capsys, monkeypatch):
    monkeypatch.setattr(cli_main, "_curvature", raising(BrokenPipeError(32, "Broken pipe")))
    code, out, err = run(capsys, "curvature", "--metric", "sphere")
    assert (code, out, err) == (141, "", "")


def test_warnings_are_one_line(capsys, monkeypatch):
    def warn(args):
        warnings.warn("precision\n  lost", UserWarning, stacklevel=2)
        return {}

    monkeypatch.setattr(cli_main, "_curvature", warn)
    code, _, err = run(capsys, "curvature", "--metric", "sphere")
    assert code == 0
    assert err == "extremal: warning: precision lost\n"


# --- exit codes and summaries of the numerical subcommands -------------------------------------------------------


def test_geodesic_every_row_failed_exits_4_without_png(capsys, tmp_path):
    out_png = tmp_path / "g.png"
    code, out, err = run(capsys, "geodesic", "dr**2 + r**2*dth**2", "--coords", "r th", "--x0", "0,0",
                         "--v0", "1,0", "--out", str(out_png))
    assert (code, err) == (4, "")
    assert "OUTSIDE_CHART" in out and "length" not in out and "drift" not in out
    assert "no picture written" in out and not out_png.exists()


def test_geodesic_some_rows_failed_exits_3_and_summarises_the_rest(capsys, tmp_path):
    out_png = tmp_path / "g.png"
    code, out, _ = run(capsys, "geodesic", "dr**2 + r**2*dth**2", "--coords", "r th", "--x0", "nan,0",
                       "--v0", "1,0", "--x0", "1,0", "--v0", "1,0", "--out", str(out_png))
    assert code == 3
    assert out.count("length") == 1 and "length 1" in out
    assert "(over the 1 successful rows of 2)" in out and out.count("stopped at s = ") == 1
    assert "nan" not in out
    assert out_png.read_bytes()[:4] == b"\x89PNG"


def test_geodesic_at_the_schwarzschild_horizon(capsys, tmp_path):
    code, out, _ = run(capsys, "geodesic", "-(1-2/r)*dt**2+dr**2/(1-2/r)", "--coords", "t r", "--x0", "0,2",
                       "--v0", "1,0", "--x0", "0,10", "--v0", "1,0", "--out", str(tmp_path / "s.png"))
    assert code == 3
    assert "OUTSIDE_CHART" in out and out.count("length") == 1


def test_trajectory_failed_row_prints_no_drift(capsys, tmp_path):
    code, out, _ = run(capsys, "trajectory", "xdot**2/2 - 1/x", "--coords", "x", "--q0", "0", "--v0", "0",
                       "--out", str(tmp_path / "t.png"))
    assert code == 4
    assert "NONFINITE" in out and "drift" not in out and "q(t_end)" not in out


def test_trajectory_drift_is_over_successful_rows(capsys, tmp_path):
    code, out, _ = run(capsys, "trajectory", "xdot**2/2 - 1/x", "--coords", "x", "--q0", "0", "--v0", "0",
                       "--q0", "1", "--v0", "0.1", "--t", "0.5", "--samples", "20",
                       "--out", str(tmp_path / "t.png"))
    assert code == 3
    assert "max energy drift:" in out and "(over the 1 successful rows of 2)" in out
    assert out.count("q(t_end)") == 1


def test_shortest_path_outside_the_chart_prints_no_length(capsys, tmp_path):
    code, out, _ = run(capsys, "shortest-path", "dr**2 + r**2*dth**2", "--coords", "r th", "--from", "0,0",
                       "--to", "1,1", "--out", str(tmp_path / "p.png"))
    assert code == 4
    assert "OUTSIDE_CHART" in out and "length 1" not in out
    assert not (tmp_path / "p.png").exists()


def test_newton_jacobi_failed_row_is_named_and_left_out_of_the_gap(capsys, tmp_path):
    code, out, _ = run(capsys, "newton-jacobi", "--potential", "-1/sqrt(x**2+y**2)", "--x0", "1,0", "--v0", "-1,0",
                       "--x0", "1,0", "--v0", "0,1", "--s", "100", "--out", str(tmp_path / "n.png"))
    assert code == 3
    assert "row 0:" in out and "(over the 1 successful rows of 2)" in out


# --- outputs -----------------------------------------------------------------------------------------------------

GEODESIC = ["geodesic", "dx**2 + dy**2", "--coords", "x y", "--x0", "0,0", "--v0", "1,0", "--samples", "10"]


@pytest.mark.parametrize(
    ("command", "default"),
    [
        (GEODESIC, "geodesic.png"),
        (["shortest-path", "dx**2 + dy**2", "--coords", "x y", "--from", "0,0", "--to", "1,1"], "shortest-path.png"),
        (["trajectory", "xdot**2/2", "--coords", "x", "--q0", "0", "--v0", "1", "--samples", "10"],
         "trajectory.png"),
        (["newton-jacobi", "--potential", "x**2", "--samples", "10"], "newton-jacobi.png"),
    ],
)
def test_a_default_name_never_replaces_a_file(capsys, tmp_path, monkeypatch, command, default):
    monkeypatch.chdir(tmp_path)
    (tmp_path / default).write_bytes(b"mine")
    code, out, err = run(capsys, *command)
    assert (code, out) == (2, "")
    assert_one_error_line(err, default, "--out")
    assert (tmp_path / default).read_bytes() == b"mine"
    code, out, _ = run(capsys, *command, "--out", default)
    assert code == 0 and f"wrote {default}" in out
    assert (tmp_path / default).read_bytes()[:4] == b"\x89PNG"
    assert sorted(os.listdir(tmp_path)) == [default]


def test_a_default_name_is_written_when_free(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, *GEODESIC)
    assert code == 0 and "wrote geodesic.png" in out
    assert os.listdir(tmp_path) == ["geodesic.png"]


def test_a_failing_save_leaves_the_old_file_and_no_temporary(capsys, tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    target = tmp_path / "g.png"
    target.write_bytes(b"old")

    def half_save(self, fname, **kwargs):
        fname.write(b"\x89PNG half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Figure, "savefig", half_save)
    code, out, err = run(capsys, *GEODESIC, "--out", str(target))
    assert (code, out) == (2, "")
    assert_one_error_line(err, "could not write", "g.png", "No space left on device")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["g.png"]


def test_a_matplotlib_error_leaves_the_old_file_and_no_temporary(capsys, tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    target = tmp_path / "g.png"
    target.write_bytes(b"old")

    def broken(self, fname, **kwargs):
        fname.write(b"partial")
        raise ValueError("renderer exploded")

    monkeypatch.setattr(Figure, "savefig", broken)
    code, _, err = run(capsys, *GEODESIC, "--out", str(target))
    assert code == 2
    assert_one_error_line(err, "internal error", "renderer exploded")
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["g.png"]


def test_a_failing_computation_leaves_the_old_file(capsys, tmp_path, monkeypatch):
    from extremal import numerics  # the subcommand imports geodesics from here when it runs

    target = tmp_path / "g.png"
    target.write_bytes(b"old")
    monkeypatch.setattr(numerics, "geodesics", raising(RuntimeError("solver crashed")))
    code, _, err = run(capsys, *GEODESIC, "--out", str(target))
    assert code == 2
    assert_one_error_line(err, "RuntimeError", "solver crashed")
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["g.png"]


@pytest.mark.parametrize(
    ("out", "words"),
    [("missing/g.png", ["does not exist"]), ("g.xyz", ["cannot write .xyz"]), ("", ["needs a file name"]),
     (".", ["is a folder"])],
)
def test_bad_out_paths_are_refused_before_the_work(capsys, tmp_path, monkeypatch, out, words):
    from extremal import numerics  # the subcommand imports geodesics from here when it runs

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(numerics, "geodesics", raising(AssertionError("must not run")))
    code, _, err = run(capsys, *GEODESIC, "--out", out)
    assert code == 2
    assert_one_error_line(err, "--out", *words)
    assert os.listdir(tmp_path) == []


def test_out_format_follows_the_suffix(capsys, tmp_path):
    code, _, _ = run(capsys, *GEODESIC, "--out", str(tmp_path / "g.svg"))
    assert code == 0
    assert b"<svg" in (tmp_path / "g.svg").read_bytes()[:500]


def test_demo_refuses_a_file_as_its_folder_before_the_walk_through(capsys, tmp_path):
    (tmp_path / "f").write_text("x")
    code, out, err = run(capsys, "demo", "--figures", str(tmp_path / "f"))
    assert (code, out) == (2, "")
    assert_one_error_line(err, "--figures")
