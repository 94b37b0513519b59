"""Muon across processes: per-rank Newton–Schulz time with 1 and 2 processes (gloo, CPU).

The Muon matrices of a few transformer-like stacks (per layer: the fused query-key-value
weight ``3d × d`` orthogonalised as 3 blocks, the attention output ``d × d``, the
feed-forward ``4d × d`` and ``d × 4d``) get a fixed random gradient, the same on every rank
(as after DDP's all-reduce), and ``Muon.step()`` runs repeatedly. Each rank records the time
spent inside the matrix sign (the default ``NewtonSchulz()``, 5 steps in bfloat16) and the
time of the whole step. Setups:

- ``1 process``: every matrix sign in one process;
- ``2 procs, DDP, each all``: 2 processes, ``distributed=False``, each computes every sign;
- ``2 procs, DDP, shared``: ``distributed=True``, plain tensors, ``all_gather`` of directions;
- ``2 procs, FSDP2, shared``: ``distributed=True``, parameters and gradients as ``DTensor``
  sharded along rows (the layout of ``fully_shard``), ``all_to_all`` to the owner and back.

Every process runs torch on one thread, so 2 processes need 2 free cores; the load average
is printed before and after. Each row gives the median over the timed steps and the spread
``(max - min) / median``; ``NS vs 1 proc`` is the rank's Newton–Schulz time over that of the
single process (about ``1/2`` when the work is shared evenly and the two processes do not
slow each other down), ``NS vs each all`` over that of the 2-process run in which every rank
computes every sign (same contention for cores, so about ``1/2`` as well), and ``NS flops``
the rank's share of the Newton–Schulz flops (``NewtonSchulz.flops``; exactly the work
computed, whatever the load). The step time includes the collectives, which on gloo over
one machine cost more than they would on a GPU interconnect.

Run: ``python benchmarks/bench_muon_distributed.py [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist

import _common

SETUPS = ("1 process", "2 procs, DDP, each all", "2 procs, DDP, shared", "2 procs, FSDP2, shared")


def shapes(d: int, layers: int) -> list[tuple[tuple[int, int], int]]:
    """``((rows, cols), split)`` of every Muon matrix of ``layers`` transformer blocks of width ``d``."""
    block = [((3 * d, d), 3), ((d, d), 1), ((4 * d, d), 1), ((d, 4 * d), 1)]
    return block * layers


def run(rank: int, world: int, setup: str, case: list[tuple[tuple[int, int], int]], repeats: int) -> dict[str, Any]:
    """Time ``repeats`` steps (after one warm-up) on this rank: Newton–Schulz and whole-step seconds."""
    import extremal.optim._muon as muon_module
    from extremal.optim import Muon

    torch.manual_seed(0)
    full = [(torch.randn(rows, cols) / cols**0.5, torch.randn(rows, cols), split) for (rows, cols), split in case]
    if "FSDP2" in setup:
        from torch.distributed.device_mesh import init_device_mesh
        from torch.distributed.tensor import Shard, distribute_tensor

        mesh = init_device_mesh("cpu", (world,))
        params = [torch.nn.Parameter(distribute_tensor(w, mesh, [Shard(0)])) for w, _, _ in full]
        grads = [distribute_tensor(g, mesh, [Shard(0)]) for _, g, _ in full]
    else:
        params = [torch.nn.Parameter(w.clone()) for w, _, _ in full]
        grads = [g for _, g, _ in full]
    groups: dict[int, list[torch.nn.Parameter]] = {}
    for p, (_, _, split) in zip(params, full, strict=True):
        groups.setdefault(split, []).append(p)
    opt = Muon([{"params": ps, "split": k} for k, ps in groups.items()], lr=1e-3, distributed="shared" in setup)
    spent = [0.0]
    calls = [0]
    work = [0]
    real = muon_module.msign

    def timed(M: torch.Tensor, method: Any) -> torch.Tensor:
        start = time.perf_counter()
        out = real(M, method)
        spent[0] += time.perf_counter() - start
        calls[0] += 1
        work[0] += M[..., 0, 0].numel() * method.flops(M.shape[-2], M.shape[-1])
        return out

    muon_module.msign = timed
    ns, steps = [], []
    try:
        for k in range(repeats + 1):
            for p, g in zip(params, grads, strict=True):
                p.grad = g
            if world > 1:
                dist.barrier()
            spent[0], calls[0], work[0] = 0.0, 0, 0
            start = time.perf_counter()
            opt.step()
            if k:
                steps.append(time.perf_counter() - start)
                ns.append(spent[0])
    finally:
        muon_module.msign = real
    return {"ns": ns, "step": steps, "matrices": calls[0], "flops": work[0]}


def worker(rank: int, world: int, init_file: str, out: str, setup: str, case: list, repeats: int) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    result = run(rank, world, setup, case, repeats)
    dist.destroy_process_group()
    Path(out, f"rank{rank}.json").write_text(json.dumps(result))


def measure(setup: str, case: list, repeats: int) -> list[dict[str, Any]]:
    """One result per rank."""
    if setup == "1 process":
        return [run(0, 1, setup, case, repeats)]
    with tempfile.TemporaryDirectory() as out:
        torch.multiprocessing.spawn(
            worker, args=(2, str(Path(out, "store")), out, setup, case, repeats), nprocs=2, join=True
        )
        return [json.loads(Path(out, f"rank{r}.json").read_text()) for r in range(2)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one small stack, few repeats (CI)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    cases = {"d=128, 2 layers": (128, 2)} if args.quick else {"d=256, 4 layers": (256, 4), "d=512, 2 layers": (512, 2)}
    repeats = 3 if args.quick else 7
    _common.header(["torch", "extremal"], threads="torch threads 1 per process")
    print(f"# {repeats} timed steps after one warm-up; Newton–Schulz = NewtonSchulz() (5 steps, bfloat16)")
    rows = []
    for name, (d, layers) in cases.items():
        case = shapes(d, layers)
        single = each_all = total = None
        for setup in SETUPS:
            results = measure(setup, case, repeats)
            if setup == "1 process":
                single, total = statistics.median(results[0]["ns"]), results[0]["flops"]
            if "each all" in setup:
                each_all = statistics.median(ns for r in results for ns in r["ns"])
            for rank, result in enumerate(results):
                ns, ns_spread = _common.median_spread(result["ns"])
                step, step_spread = _common.median_spread(result["step"])
                rows.append([
                    name, setup, str(rank), f"{result['matrices']}/{len(case)}",
                    f"{result['flops'] / total:.2f}",
                    f"{1e3 * ns:.1f}", f"{ns_spread:.2f}", _common.ratio(ns, single),
                    _common.ratio(ns, each_all) if each_all is not None else "",
                    f"{1e3 * step:.1f}", f"{step_spread:.2f}",
                ])
        print(f"# done: {name} (median step of the last setup {1e3 * statistics.median(result['step']):.0f} ms)")
    _common.table(
        "Muon.step() per rank: Newton–Schulz and whole-step time (ms)",
        ["case", "setup", "rank", "signs", "NS flops", "NS ms", "spread", "NS vs 1 proc", "NS vs each all",
         "step ms", "spread"],
        rows,
    )
    print(_common.load_line("end"))


if __name__ == "__main__":
    main()
