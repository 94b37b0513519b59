"""examples/train_digits.py runs end to end with a tiny step budget."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("matplotlib")
pytest.importorskip("sklearn")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "train_digits.py"


def test_example_writes_the_figure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("train_digits", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    out = tmp_path / "images" / "training.png"
    runs = module.main(steps=4, out=out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with_prodigy = importlib.util.find_spec("prodigyopt") is not None
    assert [run.name for run in runs] == (["muon", "prodigy", "adamw"] if with_prodigy else ["muon", "adamw"])
    for run in runs:
        assert len(run.loss) == len(run.lr) == 4
        assert all(value > 0 for value in run.loss)
        assert all(rate > 0 for rate in run.lr)
        assert 0.0 < run.test_loss < 1.0
