"""Muon under DistributedDataParallel (gloo, 2 CPU processes) equals one process bit for bit."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
dist = pytest.importorskip("torch.distributed")

from _data_parallel import average_shard_gradients, global_batches, shard  # noqa: E402

from extremal.optim import Muon, muon_param_groups  # noqa: E402

pytestmark = pytest.mark.skipif(not dist.is_available() or not dist.is_gloo_available(), reason="needs gloo")

WORLD = 2
STEPS = 4
BATCH = 32


def make_model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 32), torch.nn.ReLU(), torch.nn.Linear(32, 4)
    )


def make_optimizer(model: torch.nn.Module) -> Muon:
    return Muon(muon_param_groups(model), lr=0.02, weight_decay=0.01)


def worker(rank: int, init_file: str, out_dir: str) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=WORLD)
    model = make_model()
    ddp = torch.nn.parallel.DistributedDataParallel(model)
    opt = make_optimizer(model)
    for batch in global_batches(STEPS, BATCH):
        x, y = shard(batch, rank, WORLD)
        opt.zero_grad()
        torch.nn.functional.cross_entropy(ddp(x), y).backward()
        opt.step()
    torch.save({"model": model.state_dict(), "opt": opt.state_dict()}, Path(out_dir) / f"rank{rank}.pt")
    dist.destroy_process_group()


def single_process_shards() -> torch.nn.Module:
    """One process, same global batches: average the shard gradients as the all-reduce does."""
    model = make_model()
    opt = make_optimizer(model)
    for batch in global_batches(STEPS, BATCH):
        average_shard_gradients(model, batch, WORLD)
        opt.step()
    return model


def single_process_full_batch() -> torch.nn.Module:
    model = make_model()
    opt = make_optimizer(model)
    for x, y in global_batches(STEPS, BATCH):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    return model


def test_ddp_two_processes_bit_identical_to_single_process(tmp_path: Path) -> None:
    torch.multiprocessing.spawn(worker, args=(str(tmp_path / "store"), str(tmp_path)), nprocs=WORLD, join=True)
    results = [torch.load(tmp_path / f"rank{r}.pt") for r in range(WORLD)]
    reference = single_process_shards().state_dict()
    full = single_process_full_batch().state_dict()
    for name, value in reference.items():
        for result in results:
            assert torch.equal(result["model"][name], value), name
        torch.testing.assert_close(full[name], value, atol=1e-5, rtol=1e-5)
    for key, entry in results[0]["opt"]["state"].items():
        for field, value in entry.items():
            assert torch.equal(torch.as_tensor(results[1]["opt"]["state"][key][field]), torch.as_tensor(value))
