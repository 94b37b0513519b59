"""Muon(distributed=True) under DDP and FSDP2 (gloo, 2 CPU processes): each rank computes its
share of the matrix signs, and the result equals one process bit for bit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
dist = pytest.importorskip("torch.distributed")

from _data_parallel import average_shard_gradients, global_batches, shard  # noqa: E402

import extremal.optim._muon as muon_module  # noqa: E402
from extremal.errors import InputError  # noqa: E402
from extremal.optim import Muon, NewtonSchulz, SVDPolar, muon_param_groups  # noqa: E402
from extremal.optim._distributed import rounds, shard_rows  # noqa: E402

WORLD = 2
STEPS = 3
BATCH = 16
METHODS = {"svd": SVDPolar(), "ns-float32": NewtonSchulz(dtype=torch.float32), "ns-bfloat16": NewtonSchulz()}
MODES = ("ddp", "fsdp")

needs_gloo = pytest.mark.skipif(not dist.is_available() or not dist.is_gloo_available(), reason="needs gloo")


class Net(torch.nn.Module):
    """Matrices of several sizes: a fused query-key-value weight (3 blocks), a conv weight
    (N-D), a 5-row weight (uneven shards on 2 ranks), a 1-row weight (an empty shard)."""

    def __init__(self) -> None:
        super().__init__()
        self.qkv = torch.nn.Linear(16, 48)
        self.proj = torch.nn.Linear(48, 32)
        self.conv = torch.nn.Conv1d(2, 3, 3)
        self.odd = torch.nn.Linear(42, 5)
        self.gate = torch.nn.Linear(5, 1, bias=False)
        self.head = torch.nn.Linear(5, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.proj(torch.relu(self.qkv(x))))
        h = torch.relu(self.conv(h.reshape(-1, 2, 16))).flatten(1)
        h = self.odd(h)
        return self.head(h * torch.sigmoid(self.gate(h)))


# Each Muon matrix and the shape its matrix sign is computed on (the fused weight as 3 blocks).
MATRICES = {
    "qkv.weight": (3, 16, 16),
    "proj.weight": (32, 48),
    "conv.weight": (3, 6),
    "odd.weight": (5, 42),
    "gate.weight": (1, 5),
}


def make_model() -> Net:
    torch.manual_seed(0)
    return Net()


def make_optimizer(model: Net, method: Any, distributed: bool) -> Muon:
    groups = muon_param_groups(model, head=[model.head], split={model.qkv.weight: 3})
    return Muon(groups, lr=0.02, weight_decay=0.01, method=method, distributed=distributed)


def count_msign(calls: list[tuple[int, ...]], real: Any) -> Any:
    """A stand-in for the matrix sign inside Muon that records the shape of each call."""

    def counted(M: torch.Tensor, method: Any) -> torch.Tensor:
        calls.append(tuple(M.shape))
        return real(M, method)

    return counted


def train_distributed(rank: int, mode: str, method: Any) -> tuple[dict[str, torch.Tensor], list[tuple[int, ...]]]:
    model = make_model()
    if mode == "ddp":
        wrapped: torch.nn.Module = torch.nn.parallel.DistributedDataParallel(model)
    else:
        from torch.distributed.fsdp import fully_shard

        for module in (model.qkv, model.proj, model.conv, model.odd, model.gate, model.head):
            fully_shard(module)
        wrapped = fully_shard(model)
    opt = make_optimizer(model, method, distributed=True)
    calls: list[tuple[int, ...]] = []
    real, muon_module.msign = muon_module.msign, count_msign(calls, muon_module.msign)
    try:
        for batch in global_batches(STEPS, BATCH):
            x, y = shard(batch, rank, WORLD)
            opt.zero_grad()
            torch.nn.functional.cross_entropy(wrapped(x), y).backward()
            opt.step()
    finally:
        muon_module.msign = real
    params = {name: _full(p) for name, p in model.named_parameters()}
    buffers = {
        f"buffer:{name}": _full(opt.state[p]["momentum_buffer"])
        for name, p in model.named_parameters()
        if name in MATRICES
    }
    return {**params, **buffers}, calls


def _full(t: torch.Tensor) -> torch.Tensor:
    return t.full_tensor() if hasattr(t, "full_tensor") else t.detach().clone()


def refused_layouts() -> list[str]:
    """Messages for the DTensor layouts that cannot be shared (a shard along dimension 1)."""
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.tensor import Shard, distribute_tensor

    mesh = init_device_mesh("cpu", (WORLD,))
    weight = torch.nn.Parameter(distribute_tensor(torch.zeros(4, 4), mesh, [Shard(1)]))
    with pytest.raises(InputError, match="Shard\\(0\\)") as caught:
        Muon([weight], distributed=True)
    return [str(caught.value)]


def settings() -> dict[str, Any]:
    """What copies keep of ``distributed``, and what a compiled step does with it."""
    import copy
    import pickle

    weight = torch.nn.Parameter(torch.ones(2, 2))
    with_group = Muon([weight], distributed=dist.group.WORLD)
    found: dict[str, Any] = {
        "deepcopy shares the group": copy.deepcopy(with_group).distributed is dist.group.WORLD,
        "pickle keeps True": pickle.loads(pickle.dumps(Muon([weight], distributed=True))).distributed is True,
    }
    with pytest.raises(TypeError, match="cannot be pickled") as caught:
        pickle.dumps(with_group)
    found["pickle refuses a group"] = str(caught.value)
    weight.grad = torch.ones(2, 2)
    real, torch.compiler.is_compiling = torch.compiler.is_compiling, lambda: True
    try:
        with pytest.raises(InputError, match="compiled") as caught:
            Muon([weight], distributed=True).step()
    finally:
        torch.compiler.is_compiling = real
    found["compiled step refused"] = str(caught.value)
    return found


def worker(rank: int, init_file: str, out_dir: str) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=WORLD)
    results = {
        (mode, name): train_distributed(rank, mode, method) for name, method in METHODS.items() for mode in MODES
    }
    extra = {"refused": refused_layouts(), "settings": settings()}
    torch.save({"results": results, **extra}, Path(out_dir) / f"rank{rank}.pt")
    dist.destroy_process_group()


def single_process(method: Any) -> tuple[dict[str, torch.Tensor], list[tuple[int, ...]]]:
    """One process, same global batches: average the shard gradients as the all-reduce does."""
    model = make_model()
    opt = make_optimizer(model, method, distributed=False)
    calls: list[tuple[int, ...]] = []
    real, muon_module.msign = muon_module.msign, count_msign(calls, muon_module.msign)
    try:
        for batch in global_batches(STEPS, BATCH):
            average_shard_gradients(model, batch, WORLD)
            opt.step()
    finally:
        muon_module.msign = real
    params = {name: p.detach().clone() for name, p in model.named_parameters()}
    buffers = {
        f"buffer:{name}": opt.state[p]["momentum_buffer"] for name, p in model.named_parameters() if name in MATRICES
    }
    return {**params, **buffers}, calls


@pytest.fixture(scope="module")
def distributed_runs(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    out = tmp_path_factory.mktemp("muon_distributed")
    torch.multiprocessing.spawn(worker, args=(str(out / "store"), str(out)), nprocs=WORLD, join=True)
    return [torch.load(out / f"rank{r}.pt", weights_only=False) for r in range(WORLD)]


@needs_gloo
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", list(METHODS))
def test_equals_single_process_bit_for_bit(distributed_runs: list[dict[str, Any]], mode: str, name: str) -> None:
    reference, _ = single_process(METHODS[name])
    for rank, run in enumerate(distributed_runs):
        values, _ = run["results"][(mode, name)]
        assert values.keys() == reference.keys()
        for key, value in reference.items():
            assert torch.equal(values[key], value), f"rank {rank}: {key}"


@needs_gloo
@pytest.mark.parametrize("mode", MODES)
def test_each_rank_computes_its_share(distributed_runs: list[dict[str, Any]], mode: str) -> None:
    _, reference_calls = single_process(METHODS["svd"])
    assert sorted(reference_calls) == sorted(list(MATRICES.values()) * STEPS)
    params = dict(make_model().named_parameters())
    shapes = list(MATRICES.values())
    plan = rounds([params[name].numel() for name in MATRICES], WORLD)
    share = [sorted(shapes[members[r]] for members in plan if r < len(members)) for r in range(WORLD)]
    assert [len(s) for s in share] == [3, 2]  # the largest and the third largest go to rank 0
    for rank, run in enumerate(distributed_runs):
        _, calls = run["results"][(mode, "svd")]
        assert sorted(calls) == sorted(share[rank] * STEPS), f"rank {rank}"


@needs_gloo
def test_layouts_that_cannot_be_shared_are_refused(distributed_runs: list[dict[str, Any]]) -> None:
    for run in distributed_runs:
        assert "placements (Shard(dim=1),)" in run["refused"][0]


@needs_gloo
def test_copies_keep_the_setting_and_compiling_is_refused(distributed_runs: list[dict[str, Any]]) -> None:
    found = distributed_runs[0]["settings"]
    assert found["deepcopy shares the group"] is True
    assert found["pickle keeps True"] is True
    assert "Pickle opt.state_dict() instead" in found["pickle refuses a group"]
    assert "distributed=False" in found["compiled step refused"]


def test_rounds_deal_largest_first() -> None:
    assert rounds([1, 9, 4, 9, 2, 7], 3) == [[1, 3, 5], [2, 4, 0]]
    assert rounds([], 2) == []
    assert rounds([3, 3, 3], 1) == [[0], [1], [2]]


@pytest.mark.parametrize(("rows", "world"), [(5, 2), (1, 2), (8, 4), (5, 4), (0, 3), (7, 3)])
def test_shard_rows_match_torch_chunk(rows: int, world: int) -> None:
    chunks = [len(c) for c in torch.arange(rows).chunk(world)] if rows else []
    assert shard_rows(rows, world) == chunks + [0] * (world - len(chunks))


def test_distributed_needs_an_initialised_process_group(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dist, "is_initialized", lambda: False)  # whatever this process has set up
    with pytest.raises(InputError, match="init_process_group"):
        Muon([torch.nn.Parameter(torch.zeros(2, 2))], distributed=True)


def test_distributed_setting_is_checked() -> None:
    with pytest.raises(InputError, match="distributed must be False, True or a"):
        Muon([torch.nn.Parameter(torch.zeros(2, 2))], distributed="yes")
