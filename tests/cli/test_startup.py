"""Start-up stays light: building the parser loads no SymPy, SciPy, NumPy, torch or matplotlib."""

import subprocess
import sys

HEAVY = ("sympy", "scipy", "numpy", "torch", "matplotlib", "numba", "extremal.symbolic", "extremal.numerics")


def test_help_and_version_import_no_heavy_library():
    code = (
        "import contextlib, io, sys\n"
        "from extremal.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    codes = [main(argv) for argv in (['--help'], ['--version'], ['curvature', '--help'],\n"
        "             ['geodesic', '--help'], ['trajectory', '--help'], ['demo', '--help'])]\n"
        f"print(codes, sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[0, 0, 0, 0, 0, 0] []"


def test_python_dash_m_help_imports_no_heavy_library():
    code = (
        "import runpy, sys\n"
        "sys.argv = ['extremal', '--help']\n"
        "try:\n"
        "    runpy.run_module('extremal', run_name='__main__')\n"
        "except SystemExit as exc:\n"
        "    print('exit', exc.code)\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-2:] == ["exit 0", "[]"]
    assert "usage: extremal" in out.stdout


def test_metric_names_in_the_help_are_the_built_in_metrics():
    from extremal.cli.main import _METRIC_HELP
    from extremal.examples import METRICS

    assert set(_METRIC_HELP) == set(METRICS)


def test_failure_meanings_name_real_statuses():
    from extremal.cli._exit import _MEANING, failure
    from extremal.numerics import Status

    assert set(_MEANING) <= {status.name for status in Status}
    assert failure(Status.CONJUGATE).startswith("CONJUGATE (the end points")
