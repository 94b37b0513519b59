"""--format json, --out .npz/.csv and --x0-file/--v0-file of the numerical subcommands."""

import json
import math

import numpy as np
import pytest

from extremal import Metric, geodesics
from extremal.cli.main import main
from extremal.numerics import DormandPrince853

pytest.importorskip("matplotlib")

SPHERE = ["dth**2 + sin(th)**2*dph**2", "--coords", "th ph"]


def run_json(argv, capsys):
    code = main(["--format", "json", *argv])
    captured = capsys.readouterr()
    return code, json.loads(captured.out)


def test_geodesic_json_matches_the_great_circle_and_reports_a_failed_row(tmp_path, capsys):
    out = tmp_path / "g.png"
    code, doc = run_json(["geodesic", *SPHERE, "--x0", "1,0", "--v0", "0.3,0.4", "--x0", "0,0", "--v0", "0,1",
                          "--s", "0:2", "--out", str(out)], capsys)
    assert code == 3 and doc["exit_code"] == 3 and doc["exit_meaning"].startswith("some rows failed")
    assert doc["metric"] == "ds**2 = dth**2 + sin(th)**2*dph**2" and doc["picture"] == str(out)
    good, bad = doc["rows"]
    assert good["status"] == "SUCCESS" and good["success"] is True
    speed = math.sqrt(0.3**2 + math.sin(1) ** 2 * 0.4**2)
    assert abs(good["length"] - 2 * speed) < 1e-9
    batch = geodesics(Metric.from_line_element(SPHERE[0], "th ph"), [[1.0, 0.0]], [[0.3, 0.4]],
                      np.linspace(0, 2, 200), method=DormandPrince853(rtol=1e-10, atol=1e-10))
    assert np.allclose(good["x_final"], batch.x_final[0], atol=1e-12)
    assert bad["status"] == "OUTSIDE_CHART" and bad["success"] is False and "outside the chart" in bad["message"]
    assert bad["x_final"] is None and bad["length"] is None and all(v is None for v in bad["drift"].values())


def test_every_row_failed_is_exit_4_with_null_picture(tmp_path, capsys):
    out = tmp_path / "g.png"
    code, doc = run_json(["geodesic", *SPHERE, "--x0", "0,0", "--v0", "0,1", "--out", str(out)], capsys)
    assert code == 4 and doc["exit_code"] == 4 and doc["picture"] is None and not out.exists()
    assert doc["rows"][0]["length"] is None


@pytest.mark.parametrize("cmd", [
    ["shortest-path", *SPHERE, "--from", "1,0", "--to", "2,2.5"],
    ["trajectory", "xdot**2/2 - x**2/2", "--coords", "x", "--q0", "1", "--v0", "0", "--t", "1", "--samples", "20"],
    ["newton-jacobi", "--potential", "(x**2 + 4*y**2)/2", "--energy", "2", "--s", "1", "--samples", "20"],
])
def test_other_subcommands_print_one_json_document(cmd, tmp_path, capsys):
    code, doc = run_json([*cmd, "--out", str(tmp_path / "p.png")], capsys)
    assert code == 0 and doc["rows"][0]["success"] is True and doc["picture"] == str(tmp_path / "p.png")
    if cmd[0] == "shortest-path":
        exact = math.acos(math.cos(1) * math.cos(2) + math.sin(1) * math.sin(2) * math.cos(2.5))
        assert abs(doc["rows"][0]["length"] - exact) < 1e-10


@pytest.mark.parametrize("cmd", [
    ["geodesic", "dx**2 + dy**2", "--coords", "x y", "--x0", "-1,0", "--v0", "-1,-0.5"],
    ["shortest-path", "dx**2 + dy**2", "--coords", "x y", "--from", "-1,0", "--to", "2,-4"],
    ["trajectory", "xdot**2/2 - x**2/2", "--coords", "x", "--q0", "-1", "--v0", "-0.5", "--samples", "20"],
    ["newton-jacobi", "--potential", "-(x**2 + y**2)/2", "--x0", "-1,0", "--v0", "0,-1", "--energy", "-0.1",
     "--samples", "20"],
])
def test_format_json_after_a_numeric_subcommand_with_negative_vectors(cmd, tmp_path, capsys):
    assert main([*cmd, "--out", str(tmp_path / "after.npz" if cmd[0] == "geodesic" else tmp_path / "after.png"),
                 "--format", "json"]) == 0
    after = json.loads(capsys.readouterr().out)
    code, before = run_json([*cmd, "--out", str(tmp_path / "before.npz" if cmd[0] == "geodesic" else
                                                  tmp_path / "before.png")], capsys)
    assert code == 0 and after["command"] == cmd[0] and after["rows"][0]["success"] is True
    assert after["rows"] == before["rows"]


def test_shortest_path_failure_json_has_null_length(tmp_path, capsys):
    code, doc = run_json(["shortest-path", *SPHERE, "--from", "0.5,0", "--to", "2.6415926535897931,3.141592653589793",
                          "--out", str(tmp_path / "sp.png")], capsys)
    assert code == 4 and doc["rows"][0]["status"] == "CONJUGATE" and doc["rows"][0]["length"] is None
    assert doc["picture"] is None


def test_geodesic_npz_and_csv_round_trip(tmp_path, capsys):
    argv = ["geodesic", *SPHERE, "--x0", "1,0", "--v0", "0.3,0.4", "--x0", "0,0", "--v0", "0,1",
            "--s", "0:1", "--samples", "7"]
    batch = geodesics(Metric.from_line_element(SPHERE[0], "th ph"), [[1.0, 0.0], [0.0, 0.0]],
                      [[0.3, 0.4], [0.0, 1.0]], np.linspace(0, 1, 7), method=DormandPrince853(rtol=1e-10, atol=1e-10))
    assert main([*argv, "--out", str(tmp_path / "g.npz")]) == 3
    with np.load(tmp_path / "g.npz", allow_pickle=False) as data:
        for name in ("s", "x", "v", "status"):
            np.testing.assert_array_equal(data[name], getattr(batch, name))
        assert data["coords"].tolist() == ["th", "ph"]
    assert main([*argv, "--out", str(tmp_path / "g.csv")]) == 3
    header = (tmp_path / "g.csv").read_text().splitlines()[0]
    assert header == "row,s,th,ph,v_th,v_ph,status"
    table = np.loadtxt(tmp_path / "g.csv", delimiter=",", skiprows=1)
    assert table.shape == (14, 7)
    np.testing.assert_array_equal(table[:, 1], batch.s.reshape(-1))
    np.testing.assert_array_equal(table[:, 2:4], batch.x.reshape(-1, 2))
    np.testing.assert_array_equal(table[:, 4:6], batch.v.reshape(-1, 2))
    np.testing.assert_array_equal(table[:, 6], np.repeat(batch.status, 7))
    assert "wrote" in capsys.readouterr().out


def test_trajectory_npz_round_trip_and_default_name_is_never_replaced(tmp_path, capsys, monkeypatch):
    out = tmp_path / "t.npz"
    assert main(["trajectory", "xdot**2/2 - x**2/2", "--coords", "x", "--q0", "1", "--v0", "0", "--t", "3.14159",
                 "--samples", "5", "--out", str(out)]) == 0
    with np.load(out, allow_pickle=False) as data:
        assert data["q"].shape == (1, 5, 1) and data["t"].shape == (1, 5) and data["qdot"].shape == (1, 5, 1)
        assert abs(data["q"][0, -1, 0] + 1) < 1e-5
    monkeypatch.chdir(tmp_path)
    (tmp_path / "trajectory.png").write_bytes(b"old")
    assert main(["trajectory", "xdot**2/2", "--coords", "x", "--q0", "1", "--v0", "0"]) == 2
    assert (tmp_path / "trajectory.png").read_bytes() == b"old"
    capsys.readouterr()


@pytest.mark.parametrize("suffix", ["csv", "txt", "npy"])
def test_batch_files_of_three_rows_give_three_rows(suffix, tmp_path, capsys):
    x0 = np.array([[1.0, 0.0], [1.2, 0.1], [0.5, 0.0]])
    v0 = np.array([[0.0, 1.0], [0.3, 1.0], [0.1, 1.0]])
    files = []
    for name, values in (("x0", x0), ("v0", v0)):
        path = tmp_path / f"{name}.{suffix}"
        if suffix == "npy":
            np.save(path, values)
        else:
            np.savetxt(path, values, delimiter="," if suffix == "csv" else " ")
        files.append(str(path))
    code, doc = run_json(["geodesic", *SPHERE, "--x0-file", files[0], "--v0-file", files[1],
                          "--out", str(tmp_path / "g.png")], capsys)
    assert code == 0 and len(doc["rows"]) == 3
    code, doc = run_json(["trajectory", "(xdot**2 + ydot**2)/2", "--coords", "x y", "--q0-file", files[0],
                          "--v0-file", files[1], "--out", str(tmp_path / "t.png")], capsys)
    assert code == 0 and len(doc["rows"]) == 3
    assert np.allclose([r["q_final"] for r in doc["rows"]], x0 + 10 * v0)


@pytest.mark.parametrize("content, word", [
    ("1,2,3\n4,5\n", "could not be read"),
    ("", "shape"),
    ("a,b\n", "could not be read"),
    ("1,2,3\n", "3"),
])
def test_bad_batch_files_are_exit_2_and_one_line(content, word, tmp_path, capsys):
    bad = tmp_path / "x0.csv"
    bad.write_text(content)
    code = main(["geodesic", *SPHERE, "--x0-file", str(bad), "--v0", "0,1", "--out", str(tmp_path / "g.png")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith("extremal: error:") and word in err
    assert not (tmp_path / "g.png").exists()


def test_bad_batch_file_names_and_pickles_are_refused(tmp_path, capsys):
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    for argv in (["--x0-file", str(tmp_path / "missing.csv"), "--v0", "0,1"],
                 ["--x0-file", str(tmp_path / "x.json"), "--v0", "0,1"],
                 ["--x0-file", str(tmp_path / "obj.npy"), "--v0", "0,1"],
                 ["--x0", "1,0", "--x0-file", str(tmp_path / "obj.npy"), "--v0", "0,1"],
                 ["--v0", "0,1"]):
        code = main(["geodesic", *SPHERE, *argv, "--out", str(tmp_path / "g.png")])
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1 and "--x0" in err, err
