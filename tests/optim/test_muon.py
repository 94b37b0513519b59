"""Muon: pure update functions, the optimizer against a plain reference, routing, checkpoints, bad input."""

from __future__ import annotations

import copy
import io
import math
import pickle
import warnings
from typing import Any

import pytest

torch = pytest.importorskip("torch")

from _digits import digits  # noqa: E402
from _digits import train as train_on_digits  # noqa: E402

from extremal.errors import InputError  # noqa: E402
from extremal.optim import (  # noqa: E402
    AspectRatioScale,
    MatchAdamWRMS,
    Muon,
    NewtonSchulz,
    SVDPolar,
    adamw_update,
    muon_param_groups,
    muon_update,
)

EXACT = SVDPolar()


def reference_run(
    weights: list[torch.Tensor],
    grads: list[list[torch.Tensor]],
    *,
    lr: float,
    momentum: float,
    nesterov: bool,
    weight_decay: float,
    rms: float | None,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
) -> list[torch.Tensor]:
    """Muon for matrices and AdamW for vectors, written out plainly (``rms=None``: aspect-ratio scale)."""
    W = [w.clone() for w in weights]
    buf = [torch.zeros_like(w) for w in W]
    m1 = [torch.zeros_like(w) for w in W]
    m2 = [torch.zeros_like(w) for w in W]
    for t, step_grads in enumerate(grads, start=1):
        for i, g in enumerate(step_grads):
            if W[i].ndim >= 2:
                buf[i] = momentum * buf[i] + (1 - momentum) * g
                mixed = (1 - momentum) * g + momentum * buf[i] if nesterov else buf[i]
                mat = mixed.reshape(mixed.shape[0], -1)
                U, _, Vh = torch.linalg.svd(mat, full_matrices=False)
                rows, cols = mat.shape
                s = rms * math.sqrt(max(rows, cols)) if rms is not None else math.sqrt(max(1.0, rows / cols))
                step = s * (U @ Vh).reshape(W[i].shape)
            else:
                m1[i] = betas[0] * m1[i] + (1 - betas[0]) * g
                m2[i] = betas[1] * m2[i] + (1 - betas[1]) * g * g
                mhat = m1[i] / (1 - betas[0] ** t)
                vhat = m2[i] / (1 - betas[1] ** t)
                step = mhat / (vhat.sqrt() + eps)
            W[i] = W[i] * (1 - lr * weight_decay) - lr * step
    return W


def random_grads(shapes: list[tuple[int, ...]], steps: int, seed: int = 0) -> list[list[torch.Tensor]]:
    gen = torch.Generator().manual_seed(seed)
    return [[torch.randn(s, generator=gen, dtype=torch.float64) for s in shapes] for _ in range(steps)]


SHAPES = [(6, 4), (3, 9), (5, 2, 3, 3), (7,)]


@pytest.mark.parametrize("nesterov", [True, False])
@pytest.mark.parametrize("rms", [0.2, None])
def test_optimizer_matches_reference(nesterov: bool, rms: float | None) -> None:
    gen = torch.Generator().manual_seed(1)
    weights = [torch.randn(s, generator=gen, dtype=torch.float64) for s in SHAPES]
    grads = random_grads(SHAPES, steps=5)
    hyper = {"lr": 0.05, "momentum": 0.9, "nesterov": nesterov, "weight_decay": 0.1}
    params = [torch.nn.Parameter(w.clone()) for w in weights]
    scale = MatchAdamWRMS(rms) if rms is not None else AspectRatioScale()
    opt = Muon(params, method=EXACT, scale=scale, **hyper)
    for step_grads in grads:
        for p, g in zip(params, step_grads, strict=True):
            p.grad = g.clone()
        opt.step()
    expected = reference_run(weights, grads, rms=rms, **hyper)
    for p, w in zip(params, expected, strict=True):
        torch.testing.assert_close(p.detach(), w, atol=1e-12, rtol=1e-12)


def test_adamw_path_matches_torch_adamw() -> None:
    gen = torch.Generator().manual_seed(2)
    w = torch.randn(5, 3, generator=gen)
    a = torch.nn.Parameter(w.clone())
    b = torch.nn.Parameter(w.clone())
    ours = Muon([{"params": [a], "use_muon": False}], lr=0.01, weight_decay=0.05, betas=(0.8, 0.99), eps=1e-6)
    ref = torch.optim.AdamW([b], lr=0.01, weight_decay=0.05, betas=(0.8, 0.99), eps=1e-6)
    for _ in range(6):
        g = torch.randn(5, 3, generator=gen)
        a.grad, b.grad = g.clone(), g.clone()
        ours.step()
        ref.step()
    torch.testing.assert_close(a, b, atol=1e-7, rtol=0)


@pytest.mark.parametrize("nesterov", [True, False])
def test_eager_step_equals_the_pure_updates_bit_for_bit(nesterov: bool) -> None:
    """The eager step updates its buffers in place; it must give the bits of muon_update/adamw_update."""
    from extremal.optim import adamw_update, muon_update

    gen = torch.Generator().manual_seed(5)
    W, V = torch.randn(6, 4, generator=gen), torch.randn(4, generator=gen)
    pw, pv = torch.nn.Parameter(W.clone()), torch.nn.Parameter(V.clone())
    lr, wd, betas, eps = 0.02, 0.1, (0.9, 0.95), 1e-8
    opt = Muon([pw, pv], lr=lr, weight_decay=wd, nesterov=nesterov, betas=betas, eps=eps)
    buf, m, s = torch.zeros(6, 4), torch.zeros(4), torch.zeros(4)
    for t in range(1, 6):
        gw, gv = torch.randn(6, 4, generator=gen), torch.randn(4, generator=gen)
        pw.grad, pv.grad = gw.clone(), gv.clone()
        opt.step()
        u, buf = muon_update(gw, buf, momentum=0.95, nesterov=nesterov)
        W.mul_(1.0 - lr * wd).add_(u, alpha=-lr)
        uv, m, s = adamw_update(gv, m, s, t, betas=betas, eps=eps)
        V.mul_(1.0 - lr * wd).add_(uv, alpha=-lr)
        assert torch.equal(pw.detach(), W) and torch.equal(pv.detach(), V)
        assert torch.equal(opt.state[pw]["momentum_buffer"], buf) and torch.equal(opt.state[pv]["exp_avg_sq"], s)


@pytest.mark.skipif(not hasattr(torch.optim, "Muon"), reason="torch.optim.Muon is not available")
@pytest.mark.parametrize(("scale", "adjust"), [(AspectRatioScale(), "original"), (MatchAdamWRMS(), "match_rms_adamw")])
def test_matches_torch_muon(scale: MatchAdamWRMS | AspectRatioScale, adjust: str) -> None:
    gen = torch.Generator().manual_seed(3)
    shapes = [(32, 16), (16, 48)]
    a = [torch.nn.Parameter(torch.randn(s, generator=gen)) for s in shapes]
    b = [torch.nn.Parameter(p.detach().clone()) for p in a]
    ours = Muon(a, lr=0.02, weight_decay=0.1, scale=scale)
    ref = torch.optim.Muon(b, lr=0.02, weight_decay=0.1, adjust_lr_fn=adjust)
    for _ in range(4):
        for pa, pb in zip(a, b, strict=True):
            g = torch.randn(pa.shape, generator=gen)
            pa.grad, pb.grad = g.clone(), g.clone()
        ours.step()
        ref.step()
    for pa, pb in zip(a, b, strict=True):
        torch.testing.assert_close(pa, pb, atol=2e-3, rtol=0)


@pytest.mark.parametrize("shape", [(64, 16), (16, 64), (32, 32), (8, 2, 3, 3)])
def test_update_rms_matches_adamw_convention(shape: tuple[int, ...]) -> None:
    g = torch.randn(shape, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    u, _ = muon_update(g, torch.zeros_like(g), method=EXACT)
    assert float(u.pow(2).mean().sqrt()) == pytest.approx(0.2, rel=1e-10)
    u_ns, _ = muon_update(g.float(), torch.zeros_like(g.float()))
    assert 0.2 * 0.68 <= float(u_ns.pow(2).mean().sqrt()) <= 0.2 * 1.21
    u_ar, _ = muon_update(g, torch.zeros_like(g), method=EXACT, scale=AspectRatioScale())
    rows, cols = shape[0], math.prod(shape[1:])
    expected = math.sqrt(max(1.0, rows / cols)) / math.sqrt(max(rows, cols))
    assert float(u_ar.pow(2).mean().sqrt()) == pytest.approx(expected, rel=1e-10)


def test_conv_weight_is_flattened() -> None:
    g = torch.randn(4, 3, 2, 2, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    u, buf = muon_update(g, torch.zeros_like(g), method=EXACT)
    u2, buf2 = muon_update(g.reshape(4, 12), torch.zeros(4, 12, dtype=torch.float64), method=EXACT)
    assert u.shape == g.shape
    torch.testing.assert_close(u.reshape(4, 12), u2)
    torch.testing.assert_close(buf.reshape(4, 12), buf2)


@pytest.mark.parametrize(("shape", "split"), [((12, 5), 3), ((8, 3), 4), ((6, 2, 3), 2)])
@pytest.mark.parametrize("rms", [0.2, None])
def test_split_update_is_msign_per_block(shape: tuple[int, ...], split: int, rms: float | None) -> None:
    gen = torch.Generator().manual_seed(8)
    g = torch.randn(shape, generator=gen, dtype=torch.float64)
    buf = torch.randn(shape, generator=gen, dtype=torch.float64)
    scale = MatchAdamWRMS(rms) if rms is not None else AspectRatioScale()
    u, new_buf = muon_update(g, buf, momentum=0.9, method=EXACT, scale=scale, split=split)
    expected_buf = 0.9 * buf + 0.1 * g
    torch.testing.assert_close(new_buf, expected_buf)
    mixed = (0.1 * g + 0.9 * expected_buf).reshape(shape[0], -1)
    rows = shape[0] // split
    for i in range(split):
        block = mixed[i * rows : (i + 1) * rows]
        U, _, Vh = torch.linalg.svd(block, full_matrices=False)
        s = scale.factor(*block.shape)
        torch.testing.assert_close(u.reshape(shape[0], -1)[i * rows : (i + 1) * rows], s * U @ Vh)
    u_ns, _ = muon_update(g.float(), buf.float(), momentum=0.9, scale=scale, split=split)
    assert u_ns.shape == g.shape
    torch.testing.assert_close(u_ns.double(), u, atol=0.35 * float(u.abs().max()), rtol=0)


def test_split_one_is_the_plain_update() -> None:
    g = torch.randn(6, 4, generator=torch.Generator().manual_seed(9))
    u1, b1 = muon_update(g, torch.zeros_like(g), split=1)
    u0, b0 = muon_update(g, torch.zeros_like(g))
    assert torch.equal(u1, u0) and torch.equal(b1, b0)


def test_optimizer_applies_split_per_group() -> None:
    gen = torch.Generator().manual_seed(10)
    w = torch.randn(9, 4, generator=gen, dtype=torch.float64)
    fused = torch.nn.Parameter(w.clone())
    parts = [torch.nn.Parameter(w[i * 3 : (i + 1) * 3].clone()) for i in range(3)]
    opt_fused = Muon([{"params": [fused], "split": 3}], lr=0.1, method=EXACT, weight_decay=0.01)
    opt_parts = Muon(parts, lr=0.1, method=EXACT, weight_decay=0.01)
    for _ in range(4):
        g = torch.randn(9, 4, generator=gen, dtype=torch.float64)
        fused.grad = g.clone()
        for i, p in enumerate(parts):
            p.grad = g[i * 3 : (i + 1) * 3].clone()
        opt_fused.step()
        opt_parts.step()
    torch.testing.assert_close(fused.detach(), torch.cat([p.detach() for p in parts]))
    assert opt_fused.param_groups[0]["split"] == 3


def test_param_group_helper_splits_fused_weights() -> None:
    class Fused(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = torch.nn.Embedding(11, 8)
            self.gru = torch.nn.GRU(8, 8, batch_first=True)
            self.lstm = torch.nn.LSTM(8, 4, batch_first=True)
            self.attn = torch.nn.MultiheadAttention(4, 2, batch_first=True)
            self.qkv = torch.nn.Linear(4, 12, bias=False)
            self.mix = torch.nn.Linear(4, 4)
            self.out = torch.nn.Linear(4, 11)

    model = Fused()
    groups = muon_param_groups(model, split={model.qkv.weight: 3})
    by_split = {g.get("split"): {id(p) for p in g["params"]} for g in groups}
    assert by_split[1] == {id(model.attn.out_proj.weight), id(model.mix.weight)}
    assert by_split[3] == {
        id(p) for p in (model.gru.weight_ih_l0, model.gru.weight_hh_l0, model.attn.in_proj_weight, model.qkv.weight)
    }
    assert by_split[4] == {id(model.lstm.weight_ih_l0), id(model.lstm.weight_hh_l0)}
    assert id(model.out.weight) in by_split[None] and id(model.embed.weight) in by_split[None]
    assert sum(len(g["params"]) for g in groups) == len(list(model.parameters()))
    opt = Muon(groups)
    assert [g["split"] for g in opt.param_groups] == [1, 3, 4, 1]
    off = muon_param_groups(model, split={model.gru.weight_ih_l0: 1})
    assert any(p is model.gru.weight_ih_l0 for p in off[0]["params"])


def test_bad_split() -> None:
    with pytest.raises(InputError, match="split=3 must divide"):
        Muon([{"params": [torch.nn.Parameter(torch.zeros(4, 2))], "split": 3}])
    with pytest.raises(InputError, match="split must be an int >= 1"):
        Muon([torch.nn.Parameter(torch.zeros(4, 2))], split=0)
    with pytest.raises(InputError, match="split=2 must divide"):
        muon_update(torch.zeros(3, 2), torch.zeros(3, 2), split=2)
    with pytest.raises(InputError, match="split=5 must divide"):
        muon_param_groups(torch.nn.Linear(3, 4), split={torch.nn.Linear(3, 4).weight: 5})
    vector_ok = Muon([{"params": [torch.nn.Parameter(torch.zeros(5))], "split": 2}])
    assert vector_ok.param_groups[0]["split"] == 2


def test_update_functions_are_pure() -> None:
    g = torch.randn(3, 5, generator=torch.Generator().manual_seed(6))
    buf = torch.randn(3, 5, generator=torch.Generator().manual_seed(7))
    g0, buf0 = g.clone(), buf.clone()
    muon_update(g, buf)
    adamw_update(g, buf, buf.abs(), 3)
    assert torch.equal(g, g0) and torch.equal(buf, buf0)


def test_routing_by_shape_and_by_group() -> None:
    w = torch.nn.Parameter(torch.randn(4, 3))
    bias = torch.nn.Parameter(torch.randn(4))
    forced = torch.nn.Parameter(torch.randn(4, 3))
    opt = Muon([{"params": [w, bias]}, {"params": [forced], "use_muon": False}])
    for p in (w, bias, forced):
        p.grad = torch.ones_like(p)
    opt.step()
    assert set(opt.state[w]) == {"momentum_buffer"}
    assert set(opt.state[bias]) == {"step", "exp_avg", "exp_avg_sq"}
    assert set(opt.state[forced]) == {"step", "exp_avg", "exp_avg_sq"}


class TinyLM(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = torch.nn.Embedding(11, 8)
        self.conv = torch.nn.Conv1d(8, 8, 3, padding=1)
        self.hidden = torch.nn.Linear(8, 16)
        self.norm = torch.nn.LayerNorm(16)
        self.out = torch.nn.Linear(16, 11)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv(self.embed(x).transpose(1, 2)).transpose(1, 2)
        return self.out(self.norm(torch.relu(self.hidden(h))))


def test_param_group_helper_routes_embeddings_head_and_vectors() -> None:
    model = TinyLM()
    muon_group, adamw_group = muon_param_groups(model, adamw_options={"lr": 3e-3})
    assert muon_group["use_muon"] is True and adamw_group["use_muon"] is False
    assert {id(p) for p in muon_group["params"]} == {id(model.conv.weight), id(model.hidden.weight)}
    assert adamw_group["lr"] == 3e-3
    assert len(muon_group["params"]) + len(adamw_group["params"]) == len(list(model.parameters()))
    no_head = muon_param_groups(model, head=())
    assert any(p is model.out.weight for p in no_head[0]["params"])
    model.out.weight = model.embed.weight
    muon_group, adamw_group = muon_param_groups(model)
    assert sum(p is model.embed.weight for p in adamw_group["params"]) == 1
    opt = Muon(muon_param_groups(TinyLM()))
    assert [g["use_muon"] for g in opt.param_groups] == [True, False]


def test_param_group_helper_bad_input() -> None:
    with pytest.raises(InputError, match=r"torch\.nn\.Module"):
        muon_param_groups([torch.zeros(2, 2)])  # type: ignore[arg-type]
    with pytest.raises(InputError, match="head"):
        muon_param_groups(TinyLM(), head=["out"])  # type: ignore[list-item]


def make_problem(seed: int = 0) -> tuple[torch.nn.Module, torch.Tensor, torch.Tensor]:
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(6, 12), torch.nn.Tanh(), torch.nn.Linear(12, 3))
    gen = torch.Generator().manual_seed(seed + 1)
    x = torch.randn(40, 6, generator=gen)
    y = torch.randint(0, 3, (40,), generator=gen)
    return model, x, y


def train(model: torch.nn.Module, opt: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor, steps: int) -> None:
    for _ in range(steps):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()


def test_state_dict_round_trip_continues_identically() -> None:
    model, x, y = make_problem()
    opt = Muon(model.parameters(), lr=0.01)
    train(model, opt, x, y, 3)
    buffer = io.BytesIO()
    torch.save({"model": model.state_dict(), "opt": opt.state_dict()}, buffer)
    buffer.seek(0)
    saved = torch.load(buffer)
    clone, _, _ = make_problem(seed=9)
    clone.load_state_dict(saved["model"])
    clone_opt = Muon(clone.parameters(), lr=0.5)
    clone_opt.load_state_dict(saved["opt"])
    assert clone_opt.param_groups[0]["lr"] == 0.01
    train(model, opt, x, y, 3)
    train(clone, clone_opt, x, y, 3)
    for p, q in zip(model.parameters(), clone.parameters(), strict=True):
        assert torch.equal(p, q)


def test_closure_and_param_group_learning_rates() -> None:
    model, x, y = make_problem()
    twin = copy.deepcopy(model)
    first, second = list(model[0].parameters()), list(model[2].parameters())
    opt = Muon([{"params": first, "lr": 0.02}, {"params": second, "lr": 0.0}])

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert isinstance(loss, torch.Tensor) and loss.item() > 0
    twin_opt = Muon([{"params": list(twin[0].parameters()), "lr": 0.02}])
    train(twin, twin_opt, x, y, 1)
    for p, q in zip(model[0].parameters(), twin[0].parameters(), strict=True):
        assert torch.equal(p, q)
    for p, q in zip(model[2].parameters(), twin[2].parameters(), strict=True):
        assert torch.equal(p, q)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_nonfinite_gradient_is_skipped_without_touching_state(bad: float) -> None:
    model, x, y = make_problem()
    opt = Muon(model.parameters(), lr=0.01)
    train(model, opt, x, y, 2)
    params_before = [p.detach().clone() for p in model.parameters()]
    state_before = copy.deepcopy(opt.state_dict()["state"])
    opt.zero_grad()
    torch.nn.functional.cross_entropy(model(x), y).backward()
    model[2].bias.grad[0] = bad
    opt.step()
    assert opt.param_groups[0]["skipped_steps"] == 1
    for p, q in zip(model.parameters(), params_before, strict=True):
        assert torch.equal(p, q)
    state_after = opt.state_dict()["state"]
    for key, entry in state_before.items():
        for name, value in entry.items():
            assert torch.equal(torch.as_tensor(state_after[key][name]), torch.as_tensor(value))
    train(model, opt, x, y, 1)
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_nonfinite_gradient_can_raise() -> None:
    model, x, y = make_problem()
    opt = Muon(model.parameters(), nonfinite="raise")
    before = [p.detach().clone() for p in model.parameters()]
    opt.zero_grad()
    torch.nn.functional.cross_entropy(model(x), y).backward()
    model[0].weight.grad[1, 2] = float("nan")
    with pytest.raises(InputError, match=r"params'\]\[0\] \(shape \(12, 6\)\) has a non-finite gradient"):
        opt.step()
    for p, q in zip(model.parameters(), before, strict=True):
        assert torch.equal(p, q)
    assert opt.state_dict()["state"] == {}


@pytest.mark.parametrize(
    ("param", "match"),
    [
        (torch.zeros(5), r"shape \(5,\), which Muon cannot orthogonalise"),
        (torch.zeros(()), r"shape \(\), which Muon cannot orthogonalise"),
        (torch.zeros(0, 3), r"shape \(0, 3\), which Muon cannot orthogonalise"),
    ],
)
def test_shapes_muon_cannot_orthogonalise(param: torch.Tensor, match: str) -> None:
    with pytest.raises(InputError, match=match):
        Muon([{"params": [torch.nn.Parameter(param)], "use_muon": True}])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"lr": -1.0}, "lr"),
        ({"momentum": 1.0}, "momentum"),
        ({"weight_decay": -0.1}, "weight_decay"),
        ({"betas": (0.9, 1.0)}, "betas"),
        ({"eps": 0.0}, "eps"),
        ({"nesterov": "yes"}, "nesterov"),
        ({"method": "newton-schulz"}, "method"),
        ({"scale": "moonlight"}, r"scale must be MatchAdamWRMS\(\.\.\.\) or AspectRatioScale\(\.\.\.\)"),
        ({"nonfinite": "ignore"}, "nonfinite"),
        ({"lr": True}, "lr"),
        ({"lr": float("nan")}, "lr"),
        ({"lr": float("inf")}, "lr"),
        ({"momentum": False}, "momentum"),
        ({"weight_decay": True}, "weight_decay"),
        ({"eps": True}, "eps"),
        ({"betas": (True, 0.9)}, "betas"),
        ({"split": True}, "split"),
    ],
)
def test_bad_hyperparameters(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InputError, match=match):
        Muon([torch.nn.Parameter(torch.zeros(2, 2))], **kwargs)  # type: ignore[arg-type]


def test_bad_group_and_parameter_kinds() -> None:
    with pytest.raises(InputError, match=r"param_groups\[0\]: use_muon"):
        Muon([{"params": [torch.nn.Parameter(torch.zeros(2, 2))], "use_muon": "yes"}])
    with pytest.raises(InputError, match="complex"):
        Muon([torch.nn.Parameter(torch.zeros(2, 2, dtype=torch.complex64))])
    with pytest.raises(InputError, match="momentum"):
        Muon([{"params": [torch.nn.Parameter(torch.zeros(2, 2))], "momentum": -0.5}])
    p = torch.nn.Parameter(torch.zeros(3, 2))
    opt = Muon([p])
    p.grad = torch.zeros(3, 2).to_sparse()
    with pytest.raises(InputError, match="sparse"):
        opt.step()
    with pytest.raises(InputError, match="adamw_update"):
        muon_update(torch.zeros(3), torch.zeros(3))
    with pytest.raises(InputError, match="rms"):
        MatchAdamWRMS(0.0)
    with pytest.raises(InputError, match="rms"):
        MatchAdamWRMS(True)  # type: ignore[arg-type]


def test_learns_digits_to_a_loss_target() -> None:
    pytest.importorskip("sklearn.datasets")
    x, y = digits()
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10)
    )
    opt = Muon(muon_param_groups(model), lr=0.02, weight_decay=0.0)
    loss = train_on_digits(model, opt, x, y, steps=60, seed=0)
    with torch.no_grad():
        accuracy = (model(x).argmax(1) == y).float().mean().item()
    assert loss < 0.15
    assert accuracy > 0.96


def mixed_model(seed: int = 0) -> torch.nn.Sequential:
    """Two Muon matrices and AdamW vectors, in float64 so compiled and eager agree to round-off."""
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(6, 12), torch.nn.Tanh(), torch.nn.Linear(12, 3)).double()


def loss_of(model: torch.nn.Module, seed: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(16, 6, generator=gen, dtype=torch.float64)
    y = torch.randint(0, 3, (16,), generator=gen)
    return torch.nn.functional.cross_entropy(model(x), y)


@pytest.mark.parametrize("method", [SVDPolar(), NewtonSchulz(dtype=None)], ids=repr)
def test_compiled_step_is_one_graph_and_equals_the_eager_step(method: SVDPolar | NewtonSchulz) -> None:
    # backend="aot_eager": Dynamo and AOTAutograd trace the whole step (fullgraph=True fails on any
    # graph break or host read); Inductor code generation would add ~30 s on two CPU cores.
    from torch._dynamo.testing import CompileCounterWithBackend

    torch._dynamo.reset()
    compiled_model, eager_model = mixed_model(), mixed_model()
    compiled = Muon(compiled_model.parameters(), lr=torch.tensor(0.02, dtype=torch.float64), method=method)
    eager = Muon(eager_model.parameters(), lr=0.02, method=method)
    counter = CompileCounterWithBackend("aot_eager")
    step = torch.compile(compiled.step, fullgraph=True, backend=counter)
    for t in range(8):
        for model, opt in ((compiled_model, compiled), (eager_model, eager)):
            opt.zero_grad()
            loss_of(model, t).backward()
            if t == 3:
                model[0].weight.grad[0, 0] = float("nan")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            step()
            eager.step()
        if t == 1:
            graphs = counter.frame_count  # the first step creates the state, the second traces the steady step
        rate = 0.02 * 0.8**t  # a schedule that changes the rate at every step
        for a, b in zip(compiled.param_groups, eager.param_groups, strict=True):
            a["lr"].fill_(rate)
            b["lr"] = rate
    assert counter.frame_count == graphs  # no recompile: not for the new rates, nor for the skipped step
    assert int(compiled.param_groups[0]["skipped_steps"]) == 1
    moved = False
    for p, q, p0 in zip(compiled_model.parameters(), eager_model.parameters(), mixed_model().parameters(), strict=True):
        torch.testing.assert_close(p, q, rtol=1e-12, atol=1e-12)
        moved = moved or not torch.equal(p, p0)
    assert moved
    for key in ("step", "exp_avg", "exp_avg_sq", "momentum_buffer"):
        for p, q in zip(compiled_model.parameters(), eager_model.parameters(), strict=True):
            if key in eager.state[q]:
                torch.testing.assert_close(compiled.state[p][key], eager.state[q][key], rtol=1e-12, atol=1e-12)


def test_compiled_step_refuses_to_raise_on_the_host() -> None:
    torch._dynamo.reset()
    p = torch.nn.Parameter(torch.randn(4, 3))
    opt = Muon([p], nonfinite="raise")
    p.grad = torch.randn(4, 3)
    with pytest.raises(RuntimeError, match="nonfinite='skip'"):
        torch.compile(opt.step, fullgraph=True, backend="eager")()


def test_nonfinite_skip_warns_once_at_the_callers_line_and_counts() -> None:
    model, x, y = make_problem()
    opt = Muon(model.parameters(), lr=0.01)
    for expected in (1, 2):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        model[0].weight.grad[0, 0] = float("inf")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            opt.step()
        assert [(w.category, w.filename) for w in caught] == ([(RuntimeWarning, __file__)] if expected == 1 else [])
        assert int(opt.param_groups[0]["skipped_steps"]) == expected
    assert opt.state_dict()["param_groups"][0]["skipped_steps"] == 2


def test_maximize_is_descent_on_the_negated_objective() -> None:
    model, x, y = make_problem()
    twin = copy.deepcopy(model)
    up = Muon(model.parameters(), lr=0.01, maximize=True)
    down = Muon(twin.parameters(), lr=0.01)
    for _ in range(3):
        up.zero_grad()
        down.zero_grad()
        (-torch.nn.functional.cross_entropy(model(x), y)).backward()
        torch.nn.functional.cross_entropy(twin(x), y).backward()
        up.step()
        down.step()
    for p, q in zip(model.parameters(), twin.parameters(), strict=True):
        assert torch.equal(p, q)
    assert up.param_groups[0]["maximize"] is True


def test_foreach_is_accepted_off_and_refused_on() -> None:
    p = torch.nn.Parameter(torch.zeros(2, 2))
    assert Muon([p], foreach=False).defaults["maximize"] is False
    with pytest.raises(InputError, match="foreach=True is not available"):
        Muon([p], foreach=True)
    with pytest.raises(InputError, match="maximize"):
        Muon([p], maximize=1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "duplicate", [copy.deepcopy, lambda opt: pickle.loads(pickle.dumps(opt))], ids=["deepcopy", "pickle"]
)
def test_copies_keep_the_nonfinite_setting_and_plain_checkpoints(duplicate: Any) -> None:
    p = torch.nn.Parameter(torch.randn(4, 3))
    skipping = duplicate(Muon([p], lr=0.1))
    raising = duplicate(Muon([p], nonfinite="raise"))
    assert (skipping.nonfinite, raising.nonfinite) == ("skip", "raise")
    q = skipping.param_groups[0]["params"][0]
    before = q.detach().clone()
    q.grad = torch.full((4, 3), float("nan"))
    with pytest.warns(RuntimeWarning, match="skipped a step"):
        skipping.step()
    assert torch.equal(q, before) and int(skipping.param_groups[0]["skipped_steps"]) == 1
    r = raising.param_groups[0]["params"][0]
    r.grad = torch.full((4, 3), float("nan"))
    with pytest.raises(InputError, match="non-finite gradient"):
        raising.step()
    assert skipping.state_dict()["param_groups"][0]["method"]["type"] == "NewtonSchulz"
    # A copy loads a checkpoint of an optimizer that was never copied (torch's __setstate__ adds
    # "differentiable" to the copy's defaults only; accelerate's wrapper does the same).
    fresh = Muon([torch.nn.Parameter(torch.randn(4, 3))], lr=0.1)
    skipping.load_state_dict(fresh.state_dict())
    assert skipping.param_groups[0]["lr"] == 0.1


def test_tensor_learning_rate_equals_the_float_one_and_checkpoints_plainly() -> None:
    model, x, y = make_problem()
    twin = copy.deepcopy(model)
    with_tensor = Muon(model.parameters(), lr=torch.tensor([0.01]))
    with_float = Muon(twin.parameters(), lr=0.01)
    assert with_tensor.param_groups[0]["lr"].shape == ()
    train(model, with_tensor, x, y, 3)
    train(twin, with_float, x, y, 3)
    for p, q in zip(model.parameters(), twin.parameters(), strict=True):
        assert torch.equal(p, q)
    buffer = io.BytesIO()
    torch.save(with_tensor.state_dict(), buffer)
    buffer.seek(0)
    resumed = Muon(copy.deepcopy(model).parameters(), lr=0.5)
    resumed.load_state_dict(torch.load(buffer))
    assert torch.equal(resumed.param_groups[0]["lr"], torch.tensor(0.01))
    with pytest.raises(InputError, match="one floating value"):
        Muon(model.parameters(), lr=torch.tensor([0.1, 0.2]))
    with pytest.raises(InputError, match="lr must be finite"):
        Muon(model.parameters(), lr=torch.tensor(-1.0))


class TiedLM(torch.nn.Module):
    """Embedding reused as the output projection in forward; the feed-forward output is the last Linear."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = torch.nn.Embedding(11, 8)
        self.up = torch.nn.Linear(8, 16)
        self.down = torch.nn.Linear(16, 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.embed(x)
        h = h + self.down(torch.relu(self.up(h)))
        return h @ self.embed.weight.T


class HeadFirst(torch.nn.Module):
    """A classifier whose head is defined before its body."""

    def __init__(self) -> None:
        super().__init__()
        self.head = torch.nn.Linear(32, 10)
        self.body = torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.ReLU(), torch.nn.Linear(32, 32))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.relu(self.body(x)))


class Untraceable(HeadFirst):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.sum() > 0:  # data-dependent control flow: torch.fx cannot trace it
            x = -x
        return super().forward(x)


def routes(groups: list[dict[str, Any]]) -> dict[str, tuple[bool, str]]:
    return {n: (g["use_muon"], r) for g in groups for n, r in zip(g["names"], g["routes"], strict=True)}


def test_tied_embedding_is_the_head_and_the_feed_forward_weights_take_muon() -> None:
    model = TiedLM()
    found = routes(muon_param_groups(model))
    assert found == {
        "embed.weight": (False, "embedding"),
        "up.weight": (True, "matrix"),
        "up.bias": (False, "vector"),
        "down.weight": (True, "matrix"),
        "down.bias": (False, "vector"),
    }
    # A Linear head that shares the embedding's weight (as Hugging Face ties it) adds no other head.
    lm = TinyLM()
    lm.out.weight = lm.embed.weight
    found = routes(muon_param_groups(lm))
    assert found["embed.weight"] == (False, "embedding") and "out.weight" not in found
    assert found["hidden.weight"] == (True, "matrix") and found["out.bias"] == (False, "vector")


def test_head_defined_before_the_body_is_found() -> None:
    model = HeadFirst()
    groups = muon_param_groups(model)
    assert routes(groups) == {
        "head.weight": (False, "output head (traced)"),
        "head.bias": (False, "vector"),
        "body.0.weight": (True, "matrix"),
        "body.0.bias": (False, "vector"),
        "body.2.weight": (True, "matrix"),
        "body.2.bias": (False, "vector"),
    }
    opt = Muon(groups)
    assert opt.state_dict()["param_groups"][0]["names"] == ["body.0.weight", "body.2.weight"]


def test_untraceable_model_falls_back_and_says_so_and_head_overrides() -> None:
    model = Untraceable()
    # Without a trace, and with no embedding, the last Linear in module order is taken (here wrongly),
    # and the route says how it was chosen; head= fixes it.
    assert routes(muon_param_groups(model))["body.2.weight"] == (False, "output head (last Linear)")
    fixed = routes(muon_param_groups(model, head=[model.head]))
    assert fixed["head.weight"] == (False, "output head (given)")
    assert fixed["body.2.weight"] == (True, "matrix")


def test_groups_take_unnamed_groups_beside_them() -> None:
    model = HeadFirst()
    extra = torch.nn.Parameter(torch.zeros(3, 3))
    opt = Muon([*muon_param_groups(model), {"params": [extra]}])
    torch.optim.AdamW([muon_param_groups(model)[-1], {"params": [extra]}])
    assert opt.param_groups[-1]["use_muon"] is None and "names" not in opt.param_groups[-1]
