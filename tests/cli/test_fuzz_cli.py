"""Random command lines never escape as an exception: main returns a documented exit code, errors are one line."""

import argparse
import contextlib
import io
import os
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extremal.cli.main import build_parser, main

pytest.importorskip("matplotlib")

TEMPLATES = {
    "euler-lagrange": ["xdot**2/2 - x**2/2", "--coords", "x"],
    "christoffel": ["dr**2 + r**2*dth**2", "--coords", "r th"],
    "geodesic-equations": ["dr**2 + r**2*dth**2", "--coords", "r th"],
    "curvature": ["--metric", "sphere"],
    "laplacian": ["dr**2 + r**2*dth**2", "--coords", "r th"],
    "transform": ["xdot**2/2", "--coords", "x", "--to", "u", "--map", "x=2*u"],
    "jacobi": ["dx**2 + dy**2", "--coords", "x y", "--potential", "x**2"],
    "geodesic": ["dx**2 + dy**2", "--coords", "x y", "--x0", "0,0", "--v0", "1,0", "--samples", "5", "--out", "g.png"],
    "shortest-path": ["dx**2 + dy**2", "--coords", "x y", "--from", "0,0", "--to", "1,1", "--samples", "5",
                      "--out", "p.png"],
    "trajectory": ["xdot**2/2", "--coords", "x", "--q0", "0", "--v0", "1", "--samples", "5", "--out", "t.png"],
    "newton-jacobi": ["--potential", "x**2", "--samples", "5", "--out", "n.png"],
    "demo": ["--figures", "none"],
}

SUBPARSERS = next(a.choices for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
# Options whose values could make the work unbounded or write outside the scratch folder get safe values only.
GUARDED = {"--timeout", "--figures", "-h", "--help"}
OPTIONS = {name: sorted(set(p._option_string_actions) - GUARDED) for name, p in SUBPARSERS.items()}


def safe(text):
    """No path separators and no name made of dots only, so any file lands in the scratch folder."""
    return "/" not in text and "\\" not in text and text.strip(".") != "" and not text.startswith("--ti")


numbers = st.one_of(
    st.integers(-10**6, 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.lists(st.floats(-5, 5).map(lambda x: f"{x:g}"), min_size=0, max_size=4).map(",".join),
    st.tuples(st.floats(-9, 9), st.floats(-9, 9)).map(lambda p: f"{p[0]:g}:{p[1]:g}"),
)
junk = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "-", "--", "=", "-x", "-(x**2+y**2)/2", "nan", "inf", "-1", "true", "x" * 5000,
                     "(" * 300 + "x" + ")" * 300, "10**10**10", "x**99999", "ẋ²", "0x1p3", "1e999", "δS"]),
).filter(safe)
values = st.one_of(numbers, junk)


@st.composite
def argvs(draw):
    command = draw(st.sampled_from(sorted(TEMPLATES)))
    args = list(TEMPLATES[command]) if draw(st.integers(0, 5)) else []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["option", "option", "positional", "drop", "insert"]))
        if kind == "option" and OPTIONS[command]:
            args += [draw(st.sampled_from(OPTIONS[command])), draw(values)]
        elif kind == "positional" and args and not args[0].startswith("--"):
            args[0] = draw(values)
        elif kind == "drop" and args:
            del args[draw(st.integers(0, len(args) - 1))]
        elif kind == "insert":
            args.insert(draw(st.integers(0, len(args))), draw(values))
    if draw(st.integers(0, 9)) == 0:
        args += ["--timeout", draw(st.sampled_from(["-1", "abc", "", "inf", "nan", "0.5", "1e-3"]))]
    if draw(st.integers(0, 19)) == 0:
        args += ["--figures", draw(st.sampled_from(["none", "", "figs", "f.png"]))]
    return ["--timeout", "1", "--max-size", "100000", command, *args]


@pytest.fixture(scope="module")
def scratch():
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        try:
            yield folder
        finally:
            os.chdir(here)


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(argv=argvs())
def test_random_command_lines_end_with_a_documented_code(scratch, argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    assert code in (0, 2, 3, 4), (argv, code)
    lines = err.getvalue().splitlines()
    assert all(line.startswith(("extremal: error: ", "extremal: warning: ")) for line in lines), (argv, lines)
    assert sum(line.startswith("extremal: error: ") for line in lines) == (code == 2), (argv, lines)
    assert os.path.realpath(os.getcwd()) == os.path.realpath(scratch)
