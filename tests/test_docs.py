"""The documentation: the tutorial notebooks execute, and the site builds offline."""

import ast
import pathlib
import subprocess
import sys

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs"


def _execute(name):
    notebook = nbformat.read(DOCS / "tutorials" / f"{name}.ipynb", as_version=4)
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3").execute()
    outputs = [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    return outputs


def _balanced(latex):
    depth = 0
    for char in latex:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def test_symbolic_tutorial_renders_latex():
    outputs = _execute("symbolic")
    latex = [out.data["text/latex"] for out in outputs if "text/latex" in out.get("data", {})]
    assert len(latex) >= 3
    assert all(text.startswith("$") and text.endswith("$") and _balanced(text) for text in latex)


def test_numerics_tutorial_shows_figures_inline(monkeypatch):
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel picks Jupyter's inline backend
    outputs = _execute("numerics")
    pictures = [out for out in outputs if "image/png" in out.get("data", {})]
    assert len(pictures) >= 2  # plot_chart and plot_newton_jacobi display inline


def test_optimizers_tutorial_trains():
    pytest.importorskip("torch")
    outputs = _execute("optimizers")
    losses = ast.literal_eval(outputs[-2].data["text/plain"])  # the notebook's (first, last) losses
    assert losses[1] < 0.1 * losses[0]


def test_site_builds_offline(tmp_path):
    pytest.importorskip("sphinx")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-b", "html", str(DOCS), str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    api = (tmp_path / "api.html").read_text()
    for name in ("christoffel", "geodesics", "msign", "limits"):
        assert name in api
