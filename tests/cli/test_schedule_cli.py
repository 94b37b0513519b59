"""``extremal schedule`` and ``extremal bound``: rates and bounds from logged gradient norms, one-line errors."""

import contextlib
import io
import json
import os
import pathlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extremal.cli.main import main
from extremal.optim import (
    constant_optimal,
    inverse_square_optimal,
    last_iterate_bound_best_final_rate,
    last_iterate_constant,
    refined,
    weighted_average_bound,
)

NORMS = np.array([3.0, 2.0, 1.5, 1.0, 1.0, 0.9, 0.8, 0.8])
DISTANCES = np.array([0.0, 0.5, 0.9, 1.2, 1.4, 1.5, 1.6, 1.6])


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_error(err, *words):
    assert err.startswith("extremal: error: ") and err.count("\n") == 1, err
    for word in words:
        assert word in err, (word, err)


@pytest.fixture
def log(tmp_path):
    path = tmp_path / "log.csv"
    rows = [f"{t},{g!r},{d!r}" for t, (g, d) in enumerate(zip(NORMS.tolist(), DISTANCES.tolist(), strict=True), 1)]
    path.write_text("step,grad_norm,distance\n" + "\n".join(rows) + "\n")
    return path


@pytest.mark.parametrize(
    ("rule", "function"),
    [("refine", refined), ("inverse-square", inverse_square_optimal), ("constant", constant_optimal),
     ("last-iterate", last_iterate_constant)],
)
def test_each_rule_writes_the_library_rates(capsys, tmp_path, log, rule, function):
    out_csv = tmp_path / "s.csv"
    code, out, err = run(capsys, "schedule", rule, "--grad-norms", log, "--radius", "2", "--out", out_csv)
    assert (code, err) == (0, "")
    lines = out_csv.read_text().splitlines()
    assert lines[0] == "step,grad_norm,lr" and len(lines) == 1 + NORMS.size
    lrs = np.array([float(line.split(",")[2]) for line in lines[1:]])
    np.testing.assert_array_equal(lrs, function(NORMS, 2.0))
    assert f"wrote {out_csv}" in out and "R = 2" in out


def test_refine_takes_r_from_the_logged_distances_and_writes_json_and_a_picture(capsys, tmp_path, log):
    out_json, picture = tmp_path / "s.json", tmp_path / "s.png"
    code, _, _ = run(capsys, "schedule", "refine", "--grad-norms", log, "--out", out_json, "--plot", picture)
    assert code == 0
    doc = json.loads(out_json.read_text())
    assert doc["radius"] == DISTANCES.max() and doc["steps"] == NORMS.size
    np.testing.assert_array_equal(doc["lrs"], refined(NORMS, DISTANCES.max()))
    expected = last_iterate_bound_best_final_rate(doc["lrs"][:-1], NORMS, DISTANCES.max())
    assert doc["bound"] == {"function": "last_iterate_bound_best_final_rate", "value": expected}
    assert picture.read_bytes()[:4] == b"\x89PNG"


def test_json_format_prints_one_document(capsys, log):
    code, out, _ = run(capsys, "--format", "json", "schedule", "refine", "--grad-norms", log, "--peak-lr", "0.3",
                       "--cap", "1")
    assert code == 0
    doc = json.loads(out)
    assert doc["command"] == "schedule" and doc["exit_code"] == 0 and doc["data"] is None
    assert max(doc["lrs"]) == pytest.approx(0.3, rel=1e-12)
    np.testing.assert_allclose(doc["lrs"], refined(NORMS, doc["radius"], cap=1.0), rtol=1e-15)


def test_steps_resample_the_logged_profile(capsys, log):
    code, out, _ = run(capsys, "--format", "json", "schedule", "constant", "--grad-norms", log, "--radius", "1",
                       "--steps", "15")
    doc = json.loads(out)
    assert code == 0 and len(doc["lrs"]) == len(doc["grad_norms"]) == 15 and doc["logged_steps"] == NORMS.size
    assert doc["grad_norms"][0] == NORMS[0] and doc["grad_norms"][-1] == pytest.approx(NORMS[-1])


def test_smooth_uses_the_trailing_root_mean_square(capsys, log):
    code, out, _ = run(capsys, "--format", "json", "schedule", "constant", "--grad-norms", log, "--radius", "1",
                       "--smooth", "2")
    g = json.loads(out)["grad_norms"]
    assert code == 0 and g[0] == NORMS[0] and g[1] == pytest.approx(np.sqrt((NORMS[0] ** 2 + NORMS[1] ** 2) / 2))


@pytest.mark.parametrize(
    ("name", "content"),
    [("n.txt", "# G_t\n3\n2\n1.5\n1\n1\n0.9\n0.8\n0.8\n"),
     ("n.json", json.dumps(NORMS.tolist())),
     ("n.json", json.dumps({"grad_norm": NORMS.tolist(), "note": "first run"})),
     ("n.npy", None)],
)
def test_every_log_layout_gives_the_same_rates(capsys, tmp_path, name, content):
    path = tmp_path / name
    if content is None:
        np.save(path, NORMS)
    else:
        path.write_text(content)
    code, out, err = run(capsys, "--format", "json", "schedule", "inverse-square", "--grad-norms", path,
                         "--radius", "1")
    assert (code, err) == (0, "")
    np.testing.assert_array_equal(json.loads(out)["lrs"], inverse_square_optimal(NORMS, 1.0))


def test_bound_evaluates_logged_rates_and_the_article_schedules(capsys, tmp_path, log):
    out_csv = tmp_path / "s.csv"
    run(capsys, "schedule", "refine", "--grad-norms", log, "--radius", "2", "--out", out_csv)
    code, out, err = run(capsys, "--format", "json", "bound", "--grad-norms", log, "--lrs", out_csv, "--radius", "2")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    rows = {row["schedule"]: row for row in doc["rows"]}
    assert list(rows) == ["logged rates (--lrs)", "R/sqrt(V_T)", "R G_t^-2/sqrt(Q_T)", "R/sqrt(T V~_T)", "refined"]
    logged = rows["logged rates (--lrs)"]
    assert logged["bounds"]["avg-weighted"] == weighted_average_bound(refined(NORMS, 2.0), NORMS, 2.0)
    assert sorted(logged["not_applicable"]) == ["avg", "last-1", "old-avg"]  # the refined rates rise first
    assert rows["R/sqrt(V_T)"]["bounds"]["old-avg"] == pytest.approx(2.0 * np.sqrt(np.sum(NORMS**2)) / NORMS.size)
    code, text, _ = run(capsys, "bound", "--grad-norms", log, "--radius", "2")
    assert code == 0 and "last-2" in text and "logged rates" not in text and "—" in text


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["schedule", "refine", "--grad-norms", "{tmp}/missing.csv", "--radius", "1"], ["no such file"]),
        (["schedule", "refine", "--grad-norms", "{tmp}/log.xlsx", "--radius", "1"], ["must end in"]),
        (["schedule", "refine", "--grad-norms", "{log}", "--radius", "1", "--peak-lr", "1"], ["not both"]),
        (["schedule", "constant", "--grad-norms", "{log}", "--radius", "1", "--cap", "1"], ["--cap"]),
        (["schedule", "refine", "--grad-norms", "{log}", "--radius", "-1"], ["--radius"]),
        (["schedule", "refine", "--grad-norms", "{log}", "--radius", "1", "--steps", "0"], ["--steps"]),
        (["schedule", "refine", "--grad-norms", "{log}", "--radius", "1", "--out", "{tmp}/s.txt"], [".csv or .json"]),
        (["schedule", "refine", "--grad-norms", "{log}", "--radius", "1", "--plot", "{tmp}/s.xyz"], ["--plot"]),
        (["schedule", "refine", "--grad-norms", "{log}", "--radius", "1", "--column", "loss"], ["'loss'", "columns"]),
        (["schedule", "fancy", "--grad-norms", "{log}"], ["invalid choice"]),
        (["bound", "--grad-norms", "{log}", "--radius", "1", "--lrs", "{log}"], ["no column", "learning rates"]),
    ],
)
def test_bad_options_are_one_line_and_exit_2(capsys, tmp_path, log, argv, words):
    argv = [a.format(tmp=tmp_path, log=log) for a in argv]
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    one_error(err, *words)
    assert sorted(os.listdir(tmp_path)) == ["log.csv"]


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("a.csv", "", ["empty"]),
        ("a.csv", "grad_norm\n", ["no gradient norms"]),
        ("a.csv", "1\nx\n", ["line 2", "not a number"]),
        ("a.csv", "1,2\n3,4\n", ["no header"]),
        ("a.csv", "a,a\n1,2\n", ["distinct"]),
        ("a.csv", "g\n1\n2,3\n", ["line 3", "fields"]),
        ("a.csv", "1\nnan\n", ["entry 2", "finite"]),
        ("a.csv", "1\n-2\n", ["non-negative"]),
        ("a.csv", "1\n0\n", ["positive"]),
        ("a.txt", b"\xff\xfe\x00", ["UTF-8"]),
        ("a.json", "[1, NaN]", ["not valid JSON"]),
        ("a.json", '{"grad_norm": [1, "2"]}', ["no key"]),
        ("a.json", '"text"', ["JSON str"]),
        ("a.json", "[1, true]", ["numbers only"]),
        ("a.json", "[" * 100_000, ["not valid JSON"]),
        ("a.npy", b"\x93NUMPY not really", ["could not be read"]),
        ("a.npy", np.zeros((2, 3)), ["shape"]),
        ("a.npy", np.array(["a"]), ["numbers"]),
    ],
)
def test_bad_logs_are_one_line_and_exit_2(capsys, tmp_path, name, content, words):
    path = tmp_path / name
    if isinstance(content, np.ndarray):
        np.save(path, content)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    code, out, err = run(capsys, "schedule", "refine", "--grad-norms", path, "--radius", "1")
    assert (code, out) == (2, "")
    one_error(err, "--grad-norms", *words)


def test_without_radius_or_distances_the_error_says_what_to_pass(capsys, tmp_path):
    path = tmp_path / "n.txt"
    path.write_text("3\n2\n1\n")
    code, _, err = run(capsys, "schedule", "refine", "--grad-norms", path)
    assert code == 2
    one_error(err, "--radius", "--peak-lr", "distance")
    code, _, err = run(capsys, "bound", "--grad-norms", path)
    assert code == 2
    one_error(err, "--radius", "distance")


def test_a_pickled_npy_is_refused_not_loaded(capsys, tmp_path):
    path = tmp_path / "a.npy"
    np.save(path, np.array([{"norm": 1.0}], dtype=object), allow_pickle=True)
    code, _, err = run(capsys, "schedule", "refine", "--grad-norms", path, "--radius", "1")
    assert code == 2
    one_error(err, "--grad-norms", "pickle")


def test_a_log_over_max_size_is_refused(capsys, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("1\n" * 50)
    code, _, err = run(capsys, "--max-size", "10", "schedule", "refine", "--grad-norms", path, "--radius", "1")
    assert code == 2
    one_error(err, "--max-size")


# A fuzz test: random file contents and option values never escape as an exception or a traceback.
contents = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200),
    st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 5)), max_size=12).map(
        lambda xs: "\n".join(repr(x) for x in xs)),
    st.lists(st.floats(0, 1e6), min_size=0, max_size=12).map(json.dumps),
    st.recursive(st.none() | st.booleans() | st.floats() | st.text(max_size=5),
                 lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
                 max_leaves=10).map(lambda doc: json.dumps(doc, allow_nan=True)),
)
option_values = st.one_of(
    st.sampled_from(["", "0", "-1", "1", "2.5", "nan", "inf", "1e999", "true", "abc", "3", "grad_norm"]),
    st.text(max_size=8).filter(lambda s: "/" not in s and "\x00" not in s),
)
options = st.lists(
    st.tuples(st.sampled_from(["--steps", "--radius", "--peak-lr", "--cap", "--smooth", "--column", "--lr-column"]),
              option_values),
    max_size=3,
)


@settings(max_examples=120, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(content=contents, suffix=st.sampled_from(["csv", "txt", "json", "npy"]), extra=options,
       command=st.sampled_from([["schedule", "refine"], ["schedule", "constant"], ["bound"]]))
def test_random_logs_and_options_end_with_0_or_one_error_line(tmp_path, content, suffix, extra, command):
    path = pathlib.Path(tmp_path) / f"log.{suffix}"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    argv = [*command, "--grad-norms", str(path), "--radius", "1"]
    takes = ("--radius", "--smooth", "--column", "--lr-column") if command == ["bound"] else (
        "--steps", "--radius", "--peak-lr", "--cap", "--smooth", "--column")
    argv += [f"{name}={value}" for name, value in extra if name in takes]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--timeout", "5", "--max-size", "10000", *argv])
    lines = err.getvalue().splitlines()
    assert code in (0, 2), (argv, code, lines)
    assert all(line.startswith(("extremal: error: ", "extremal: warning: ")) for line in lines), (argv, lines)
    assert sum(line.startswith("extremal: error: ") for line in lines) == (code == 2), (argv, lines)
    if code == 0 and "--format" not in argv:
        assert "R = " in out.getvalue()
