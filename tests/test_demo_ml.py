"""The demo's steps of the isotropy and learning-rate articles: each checked, and left out cleanly without torch."""

import pytest

import extremal.demo as demo
from extremal.cli.main import main
from extremal.demo import ISOTROPY, LEARNING_RATES, DemoStep, demo_steps


def ml_steps():
    return [step for step in demo_steps() if step.article in (ISOTROPY, LEARNING_RATES)]


def test_the_refined_schedule_is_derived_without_torch(monkeypatch):
    monkeypatch.setattr(demo, "ml_available", lambda: False)
    steps = ml_steps()
    assert {step.article for step in steps} == {LEARNING_RATES}
    assert [step.equation for step in steps] == [
        "(eq:int-approx)", "after (eq:int-approx)", "before (eq:last-2-opt-lr)", "(eq:last-2-opt-lr)"]
    assert all(step.matches is not False for step in steps)
    assert sum(step.matches is True for step in steps) == 3


def test_every_isotropy_and_learning_rate_check_holds():
    pytest.importorskip("torch")
    steps = ml_steps()
    assert not [step.title for step in steps if step.matches is False]
    isotropy = [step for step in steps if step.article is ISOTROPY]
    assert len(isotropy) == 5 and all(step.matches for step in isotropy)
    checked = [step for step in steps if step.article is LEARNING_RATES and step.matches]
    assert len(checked) >= 10
    assert all(step.equation.startswith(("§", "(", "after", "before")) for step in steps)


def test_the_refined_second_run_beats_the_logged_first_run():
    pytest.importorskip("torch")
    case = demo.training_case()
    assert case.norms.shape == case.refined_lrs.shape == case.second_loss.shape == (demo.TRAINING_STEPS,)
    assert case.second_loss[-1] < 0.7 * case.first_loss[-1]
    assert case.refined_lrs[-1] == 0.0 and 0 < case.refined_lrs.argmax() < demo.TRAINING_STEPS - 1


def test_muon_and_sgd_take_the_feature_space_step_on_whitened_inputs_and_signsgd_does_not():
    pytest.importorskip("torch")
    case = demo.isotropy_case()
    assert case.gaps["SGD"] < 1e-10 and case.gaps["Muon"] < 1e-10 and case.gaps["SignSGD"] > 0.1
    assert all(raw < white for raw, white in case.cosines.values())
    assert case.condition[1] == pytest.approx(1.0)


def test_the_command_line_notes_missing_torch_in_one_line(monkeypatch, capsys):
    monkeypatch.setattr(demo, "ml_available", lambda: False)
    monkeypatch.setattr(demo, "demo_steps", lambda: iter([DemoStep(LEARNING_RATES, "(x)", "a step", "text", True)]))
    assert main(["demo", "--figures", "none"]) == 0
    out = capsys.readouterr().out
    assert "[(x)] a step  [matches the article]\ntext" in out
    notes = [line for line in out.splitlines() if "torch" in line]
    assert notes == ["no isotropy or training steps: torch is not installed (pip install 'extremal[torch]')"]


def test_a_step_that_differs_exits_2_with_one_line(monkeypatch, capsys):
    steps = [DemoStep(LEARNING_RATES, "(leq:last-2)", "good", "1", True),
             DemoStep(ISOTROPY, "§Beyond SGD", "bad", "2", False)]
    monkeypatch.setattr(demo, "demo_steps", lambda: iter(steps))
    assert main(["demo", "--figures", "none"]) == 2
    captured = capsys.readouterr()
    assert "[DIFFERS from the article]" in captured.out
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("extremal: error: 1 demo step(s) differ")
    assert "https://kexue.fm/archives/11549 §Beyond SGD" in captured.err


def test_json_format_prints_text_results_as_json_strings(monkeypatch, capsys):
    import json

    monkeypatch.setattr(demo, "demo_steps", lambda: iter([DemoStep(ISOTROPY, "§x", "t", "a\nb", True)]))
    assert main(["--format", "json", "demo", "--figures", "none"]) == 0
    last = capsys.readouterr().out.strip().splitlines()
    assert json.loads(next(line for line in last if line.startswith('"'))) == "a\nb"
