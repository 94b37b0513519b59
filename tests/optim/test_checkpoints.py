"""Checkpoints: plain state dicts that ``torch.load`` reads with its defaults, and exact resumption.

Each resumption test trains ``k`` steps, saves model, optimizer and scheduler with
``torch.save``, loads them with a plain ``torch.load`` (``weights_only=True``, as Hugging
Face ``Trainer`` and Lightning do), builds fresh objects with other settings, loads the
state and trains ``n`` more steps: the parameters equal an uninterrupted run of ``k + n``
steps bit for bit.
"""

from __future__ import annotations

import io
from collections import OrderedDict
from typing import Any

import pytest

torch = pytest.importorskip("torch")

from extremal.errors import InputError  # noqa: E402
from extremal.optim import (  # noqa: E402
    MINIMAX_QUINTIC,
    AdaGradNorm,
    AspectRatioScale,
    GradNormLR,
    GradNormRecorder,
    InverseSquare,
    LastIterate,
    MatchAdamWRMS,
    MsignMethod,
    Muon,
    NewtonSchulz,
    RefinedCausal,
    SVDPolar,
    muon_param_groups,
)
from extremal.optim._checkpoint import library_kinds  # noqa: E402

K, N = 4, 4
PLAIN = (type(None), bool, int, float, str)


def non_plain(obj: object, path: str = "state_dict") -> list[str]:
    """Paths of every value ``torch.load(weights_only=True)`` would not be given by a plain checkpoint."""
    if isinstance(obj, torch.Tensor) or type(obj) in PLAIN:
        return []
    if type(obj) in (list, tuple):
        return [bad for i, v in enumerate(obj) for bad in non_plain(v, f"{path}[{i}]")]  # type: ignore[arg-type]
    if type(obj) in (dict, OrderedDict):  # a module's state_dict is an OrderedDict
        found = [f"{path} key {k!r}" for k in obj if type(k) not in (int, str)]  # type: ignore[attr-defined]
        return found + [bad for k, v in obj.items() for bad in non_plain(v, f"{path}[{k!r}]")]
    return [f"{path}: {type(obj).__name__}"]


def reload(checkpoint: dict[str, Any]) -> dict[str, Any]:
    """``torch.save`` then ``torch.load`` with its defaults (``weights_only=True``)."""
    assert non_plain(checkpoint) == []
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    buffer.seek(0)
    loaded: dict[str, Any] = torch.load(buffer)
    return loaded


def batch() -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(1)
    return torch.randn(32, 5, generator=gen), torch.randint(0, 3, (32,), generator=gen)


def make_model(seed: int) -> torch.nn.Sequential:
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Linear(5, 12), torch.nn.Tanh(), torch.nn.Linear(12, 6), torch.nn.Tanh(), torch.nn.Linear(6, 3)
    )


def train(model: torch.nn.Module, opt: torch.optim.Optimizer, sched: Any, steps: int) -> None:
    x, y = batch()
    for _ in range(steps):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        if sched is not None:
            sched.step()


def muon_for(model: torch.nn.Sequential, method: Any = None, scale: Any = None, **options: Any) -> Muon:
    """Muon on a split group (the first weight as 3 blocks), a plain group and the AdamW group."""
    groups = muon_param_groups(model, split={model[0].weight: 3})
    assert [(g["use_muon"], g.get("split")) for g in groups] == [(True, 1), (True, 3), (False, None)]
    if scale is not None:
        groups[1]["scale"] = AspectRatioScale() if isinstance(scale, MatchAdamWRMS) else MatchAdamWRMS(0.25)
    settings = {"method": method, "scale": scale}
    return Muon(groups, **{k: v for k, v in settings.items() if v is not None}, **options)


def assert_same_parameters(a: torch.nn.Module, b: torch.nn.Module) -> None:
    for (name, p), q in zip(a.named_parameters(), b.parameters(), strict=True):
        assert torch.equal(p, q), name


METHODS = [
    NewtonSchulz(),
    NewtonSchulz(coeffs=MINIMAX_QUINTIC, steps=5, dtype=torch.float32),
    NewtonSchulz(steps=3, dtype=None),
    SVDPolar(),
    SVDPolar(rtol=1e-3),
]
SCALES = [MatchAdamWRMS(0.3), AspectRatioScale()]


@pytest.mark.parametrize("scale", SCALES, ids=repr)
@pytest.mark.parametrize("method", METHODS, ids=repr)
def test_muon_resumes_bit_for_bit(method: NewtonSchulz | SVDPolar, scale: MatchAdamWRMS | AspectRatioScale) -> None:
    model = make_model(0)
    opt = muon_for(model, method, scale, lr=0.02)
    reference = make_model(0)
    ref_opt = muon_for(reference, method, scale, lr=0.02)
    train(reference, ref_opt, None, K + N)

    train(model, opt, None, K)
    saved = reload({"model": model.state_dict(), "opt": opt.state_dict()})
    resumed = make_model(7)
    resumed.load_state_dict(saved["model"])
    resumed_opt = muon_for(resumed, lr=0.5)
    resumed_opt.load_state_dict(saved["opt"])
    assert [g["method"] for g in resumed_opt.param_groups] == [g["method"] for g in opt.param_groups]
    assert [g["scale"] for g in resumed_opt.param_groups] == [g["scale"] for g in opt.param_groups]
    assert non_plain(saved) == []
    train(resumed, resumed_opt, None, N)
    assert_same_parameters(resumed, reference)
    assert resumed_opt.state_dict()["param_groups"] == ref_opt.state_dict()["param_groups"]


def test_muon_state_dict_is_plain_and_leaves_live_groups_alone() -> None:
    model = make_model(0)
    opt = muon_for(model, NewtonSchulz(coeffs=MINIMAX_QUINTIC), MatchAdamWRMS(0.3), nonfinite="raise")
    train(model, opt, None, 2)
    state = opt.state_dict()
    assert non_plain(state) == []
    assert state["param_groups"][0]["method"] == {
        "type": "NewtonSchulz",
        "coeffs": [list(c) for c in MINIMAX_QUINTIC],
        "steps": 5,
        "dtype": "torch.bfloat16",
    }
    assert state["param_groups"][1]["scale"] == {"type": "AspectRatioScale"}
    assert opt.param_groups[0]["method"] == NewtonSchulz(coeffs=MINIMAX_QUINTIC)
    assert opt.param_groups[1]["scale"] == AspectRatioScale()


def test_muon_loads_a_state_dict_that_holds_objects() -> None:
    model = make_model(0)
    state = muon_for(model).state_dict()
    state["param_groups"][0]["method"] = SVDPolar(rtol=0.1)
    fresh = muon_for(make_model(0))
    fresh.load_state_dict(state)
    assert fresh.param_groups[0]["method"] == SVDPolar(rtol=0.1)


def muon_state_with(method: object) -> dict[str, Any]:
    state = muon_for(make_model(0)).state_dict()
    state["param_groups"][1]["method"] = method
    return state


@pytest.mark.parametrize(
    ("method", "match"),
    [
        ({"type": "Cholesky"}, r"\['method'\] must be one of NewtonSchulz, SVDPolar.*'Cholesky'"),
        ("NewtonSchulz", r"param_groups'\]\[1\]\['method'\] must be one of"),
        ({"type": "NewtonSchulz", "stepz": 3}, "NewtonSchulz has no field stepz"),
        ({"type": "NewtonSchulz", "steps": 0}, r"\['method'\]: NewtonSchulz.steps must be an int >= 1"),
        ({"type": "NewtonSchulz", "dtype": "torch.int32"}, "NewtonSchulz.dtype must be a floating torch dtype"),
        ({"type": "SVDPolar", "rtol": "torch.nonsense"}, "SVDPolar.rtol must be a float"),
    ],
)
def test_muon_refuses_unknown_or_invalid_strategies(method: object, match: str) -> None:
    opt = muon_for(make_model(0))
    before = [dict(g) for g in opt.param_groups]
    with pytest.raises(InputError, match=match):
        opt.load_state_dict(muon_state_with(method))
    assert opt.param_groups == before


def test_muon_refuses_another_optimizers_state_dict() -> None:
    model = make_model(0)
    adamw = torch.optim.AdamW([{"params": g["params"]} for g in muon_param_groups(model, split={model[0].weight: 3})])
    with pytest.raises(InputError, match=r"param_groups'\]\[0\] lacks the Muon keys .*method"):
        muon_for(model).load_state_dict(adamw.state_dict())


def test_muon_refuses_to_write_a_strategy_subclass() -> None:
    class Tuned(NewtonSchulz):
        pass

    opt = Muon(make_model(0).parameters(), method=Tuned(steps=2))
    with pytest.raises(InputError, match=r"param_groups\[0\]\['method'\] is a Tuned;.*Use one of those classes"):
        opt.state_dict()


def sgd_for(model: torch.nn.Module) -> torch.optim.SGD:
    return torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.5)


RULES = [AdaGradNorm(), InverseSquare(), LastIterate(total_steps=K + N + 2), RefinedCausal(total_steps=K + N + 2)]


@pytest.mark.parametrize("radius", [None, 1.5], ids=["estimated", "given"])
@pytest.mark.parametrize("rule", RULES, ids=repr)
def test_grad_norm_lr_resumes_bit_for_bit(rule: Any, radius: float | None) -> None:
    reference = make_model(0)
    ref_opt = sgd_for(reference)
    ref_sched = GradNormLR(ref_opt, rule, radius)
    train(reference, ref_opt, ref_sched, K + N)

    model = make_model(0)
    opt = sgd_for(model)
    sched = GradNormLR(opt, rule, radius)
    train(model, opt, sched, K)
    saved = reload({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict()})
    resumed = make_model(7)
    resumed.load_state_dict(saved["model"])
    resumed_opt = torch.optim.SGD(resumed.parameters(), lr=3.0)
    resumed_sched = GradNormLR(resumed_opt, LastIterate(total_steps=1), radius, reps_rel=0.1)
    resumed_opt.load_state_dict(saved["opt"])
    resumed_sched.load_state_dict(saved["sched"])
    assert resumed_sched.rule == rule
    assert resumed_sched.current_radius == sched.current_radius
    train(resumed, resumed_opt, resumed_sched, N)
    assert_same_parameters(resumed, reference)
    assert resumed_sched.norms.tolist() == ref_sched.norms.tolist()
    assert resumed_sched.current_radius == ref_sched.current_radius
    if radius is None:  # the estimate went on growing after the resumption, from the saved start point
        assert ref_sched.current_radius > sched.current_radius
    assert resumed_sched.get_last_lr() == ref_sched.get_last_lr()
    assert resumed_sched.last_epoch == ref_sched.last_epoch


def test_grad_norm_lr_over_muon_resumes_bit_for_bit() -> None:
    reference = make_model(0)
    ref_opt = muon_for(reference, SVDPolar(), AspectRatioScale(), lr=0.05)
    ref_sched = GradNormLR(ref_opt, AdaGradNorm(), radius=3.0)
    train(reference, ref_opt, ref_sched, K + N)

    model = make_model(0)
    opt = muon_for(model, SVDPolar(), AspectRatioScale(), lr=0.05)
    sched = GradNormLR(opt, AdaGradNorm(), radius=3.0)
    train(model, opt, sched, K)
    saved = reload({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict()})
    assert {"grad_norm", "radius", "initial_lr"} <= set(saved["opt"]["param_groups"][0])
    resumed = make_model(7)
    resumed.load_state_dict(saved["model"])
    resumed_opt = muon_for(resumed)
    resumed_sched = GradNormLR(resumed_opt, InverseSquare(), radius=1.0)
    resumed_opt.load_state_dict(saved["opt"])
    resumed_sched.load_state_dict(saved["sched"])
    train(resumed, resumed_opt, resumed_sched, N)
    assert_same_parameters(resumed, reference)


def test_grad_norm_lr_keeps_a_custom_rule() -> None:
    class Constant:
        def rate(self, norms: Any, radius: float = 1.0, weights: Any = None) -> float:
            return 0.1

    model = make_model(0)
    opt = sgd_for(model)
    sched = GradNormLR(opt, Constant(), radius=1.0)
    train(model, opt, sched, 2)
    state = reload({"sched": sched.state_dict()})["sched"]
    assert state["rule"] is None
    other = Constant()
    resumed = GradNormLR(sgd_for(make_model(0)), other, radius=1.0)
    resumed.load_state_dict(state)
    assert resumed.rule is other
    assert resumed.norms.tolist() == sched.norms.tolist()


@pytest.mark.parametrize(
    ("rule", "match"),
    [
        ({"type": "Cosine"}, r"state_dict\['rule'\] must be one of AdaGradNorm, InverseSquare, LastIterate"),
        ({"type": "LastIterate"}, "missing 1 required positional argument: 'total_steps'"),
        ({"type": "AdaGradNorm", "radius": 2.0}, "AdaGradNorm has no field radius; its fields are none"),
        ({"type": "RefinedCausal", "total_steps": 0}, r"state_dict\['rule'\]: total_steps must be"),
    ],
)
def test_grad_norm_lr_refuses_unknown_or_invalid_rules(rule: dict[str, Any], match: str) -> None:
    opt = sgd_for(make_model(0))
    sched = GradNormLR(opt, AdaGradNorm())
    state = {**sched.state_dict(), "rule": rule, "skipped": 5}
    with pytest.raises(InputError, match=match):
        sched.load_state_dict(state)
    assert sched.rule == AdaGradNorm() and sched.skipped == 0


def test_recorder_state_loads_with_torch_defaults() -> None:
    model = make_model(0)
    opt = sgd_for(model)
    rec = GradNormRecorder(opt)
    train(model, opt, None, 3)
    state = reload({"rec": rec.state_dict()})["rec"]
    other = GradNormRecorder(sgd_for(make_model(7)))
    other.load_state_dict(state)
    assert other.norms.tolist() == rec.norms.tolist()
    assert other.distances.tolist() == rec.distances.tolist()
    for a, b in zip(other._initial, rec._initial, strict=True):
        assert torch.equal(a, b)


class Float64Polar(MsignMethod):
    """A method of one's own: valid for Muon, but a checkpoint could not name it."""

    __slots__ = ()

    def polar(self, M: torch.Tensor) -> torch.Tensor:
        return SVDPolar().polar(M.double()).to(M.dtype)


def test_checkpoints_name_only_extremal_methods() -> None:
    class Tuned(NewtonSchulz):  # defined outside extremal: left out like Float64Polar
        pass

    assert library_kinds(MsignMethod) == (NewtonSchulz, SVDPolar)
    model = make_model(0)
    opt = Muon(model.parameters(), method=Float64Polar())
    train(model, opt, None, 1)
    with pytest.raises(InputError, match=r"\['method'\] is a Float64Polar;.*can only write NewtonSchulz, SVDPolar"):
        opt.state_dict()


def test_a_group_that_holds_the_method_itself_loads() -> None:
    opt = muon_for(make_model(0))
    state = opt.state_dict()
    state["param_groups"][1]["method"] = NewtonSchulz(steps=3)
    opt.load_state_dict(state)
    assert opt.param_groups[1]["method"] == NewtonSchulz(steps=3)
