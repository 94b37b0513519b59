"""demo_figures moves its pictures into place only when all of them were made."""

import os

import pytest

import extremal.plot._demo as demo
from extremal.plot import demo_figures

plt = pytest.importorskip("matplotlib.pyplot")


def tiny():
    fig = plt.figure(figsize=(1, 1))
    fig.add_subplot().plot([0, 1], [1, 0])
    return fig


def broken():
    raise RuntimeError("the third picture failed")


def names(figures):
    return [name for name, _ in figures]


@pytest.fixture
def three_tiny(monkeypatch):  # every picture, drawn as a tiny figure
    figures = tuple((name, tiny) for name, _ in demo._FIGURES)
    monkeypatch.setattr(demo, "_FIGURES", figures)
    return figures


def test_a_new_folder_gets_every_picture_and_nothing_else(tmp_path, three_tiny):
    out = tmp_path / "a" / "b"
    paths = demo_figures(out)
    assert paths == [out / name for name in names(three_tiny)]
    assert sorted(os.listdir(out)) == sorted(names(three_tiny))
    assert os.listdir(tmp_path / "a") == ["b"]
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in paths)


def test_earlier_pictures_are_replaced_and_other_files_kept(tmp_path, three_tiny):
    first = names(three_tiny)[0]
    (tmp_path / first).write_bytes(b"old")
    (tmp_path / "notes.txt").write_text("mine")
    demo_figures(tmp_path)
    assert (tmp_path / first).read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert sorted(os.listdir(tmp_path)) == sorted([*names(three_tiny), "notes.txt"])


@pytest.mark.parametrize("exists", [True, False])
def test_a_failing_picture_changes_nothing(tmp_path, monkeypatch, exists):
    figures = tuple(demo._FIGURES)
    monkeypatch.setattr(demo, "_FIGURES", ((figures[0][0], tiny), (figures[1][0], tiny), (figures[2][0], broken)))
    out = tmp_path / "figs"
    if exists:
        out.mkdir()
        (out / figures[0][0]).write_bytes(b"old")
    with pytest.raises(RuntimeError, match="third picture"):
        demo_figures(out)
    if exists:
        assert os.listdir(out) == [figures[0][0]] and (out / figures[0][0]).read_bytes() == b"old"
    else:
        assert not out.exists()
    assert os.listdir(tmp_path) == (["figs"] if exists else [])


def test_without_torch_the_training_pictures_are_left_out_and_left_alone(tmp_path, three_tiny, monkeypatch):
    monkeypatch.setattr(demo, "ml_available", lambda: False)
    (tmp_path / "isotropy.png").write_bytes(b"old")
    paths = demo_figures(tmp_path)
    assert [p.name for p in paths] == [name for name in names(three_tiny) if name not in demo._NEED_TORCH]
    assert (tmp_path / "isotropy.png").read_bytes() == b"old"
    assert not (tmp_path / "learning_rates.png").exists()


def test_the_training_pictures_are_named_in_the_figure_list():
    assert set(names(demo._FIGURES)) >= demo._NEED_TORCH
