"""GradNormLR's cost: SGD and AdamW with the scheduler against the plain optimizers (and Prodigy).

An MLP 1024→1024→1024→1024→10 (ReLU, 3.2M parameters; 256 wide with ``--quick``) is trained
on one fixed random batch by ``torch.optim.SGD(momentum=0.5)`` three ways: plain, with
``GradNormLR(opt, AdaGradNorm(), radius=10)`` and with ``GradNormLR(opt, AdaGradNorm())`` in
the parameter-free mode (which measures ``‖θ_t - θ_1‖``); and by ``torch.optim.AdamW`` plain
and in the parameter-free mode (the correlation estimate, which keeps θ₁ and a gradient
sum), beside Prodigy when ``prodigyopt`` is installed. The runs of one family are timed in
turn within each round, after a warm-up past the parameter-free mode's first phase, so a
change of machine speed moves them alike; the table gives the median seconds of a whole
training step (forward, backward, optimizer step, scheduler) and of the optimizer step with
its scheduler alone, the median of the per-round ratios to the plain optimizer with their
spread ``(max - min) / median``, and the size of the optimizer's and the scheduler's
``state_dict`` as ``torch.save`` writes them.

Run: ``python benchmarks/bench_grad_norm_lr.py [--quick]``.
"""

from __future__ import annotations

import argparse
import io
import statistics
from collections.abc import Callable

import torch

import _common
from extremal.optim import AdaGradNorm, GradNormLR

torch.set_num_threads(1)

SGD_KINDS = ("plain SGD", "GradNormLR, radius=10", "GradNormLR, parameter-free")
ADAMW_KINDS = ("plain AdamW", "AdamW + GradNormLR, parameter-free", "Prodigy")


def mlp(width: int) -> torch.nn.Sequential:
    torch.manual_seed(0)
    layers: list[torch.nn.Module] = []
    for _ in range(3):
        layers += [torch.nn.Linear(width, width), torch.nn.ReLU()]
    return torch.nn.Sequential(*layers, torch.nn.Linear(width, 10))


class Run:
    """One model, its optimizer and (but for the plain optimizers) its GradNormLR, on one fixed batch."""

    def __init__(self, kind: str, width: int, batch: int) -> None:
        self.model = mlp(width)
        params = self.model.parameters()
        self.sched = None
        if kind in ADAMW_KINDS:
            if kind == "Prodigy":
                self.opt = _common.optional("prodigyopt").Prodigy(params, lr=1.0)
            else:
                self.opt = torch.optim.AdamW(params, lr=1e-3 if kind == ADAMW_KINDS[0] else 1.0)
                if kind == ADAMW_KINDS[1]:
                    self.sched = GradNormLR(self.opt, AdaGradNorm())
        else:
            multiplier = 0.01 if kind == SGD_KINDS[0] else 0.5
            self.opt = torch.optim.SGD(params, lr=multiplier, momentum=0.5)
            if kind != SGD_KINDS[0]:
                self.sched = GradNormLR(self.opt, AdaGradNorm(), radius=10.0 if kind == SGD_KINDS[1] else None)
        gen = torch.Generator().manual_seed(1)
        self.x = torch.randn(batch, width, generator=gen)
        self.y = torch.randint(0, 10, (batch,), generator=gen)

    def backward(self) -> None:
        self.opt.zero_grad()
        torch.nn.functional.cross_entropy(self.model(self.x), self.y).backward()

    def update(self) -> None:
        self.opt.step()
        if self.sched is not None:
            self.sched.step()

    def whole_step(self) -> None:
        self.backward()
        self.update()

    def state_bytes(self) -> int:
        """Bytes of the optimizer's and the scheduler's ``state_dict`` together."""
        buffer = io.BytesIO()
        torch.save({"opt": self.opt.state_dict(), "sched": None if self.sched is None else self.sched.state_dict()},
                   buffer)
        return buffer.tell()


def timed(fns: list[Callable[[], None]], repeats: int) -> list[tuple[float, float, float]]:
    """Median seconds of each callable, and the median and spread of its per-round ratio to the first."""
    times = _common.interleaved(fns, repeats)
    out = []
    for series in times:
        ratio, spread = _common.median_spread([t / ref for t, ref in zip(series, times[0], strict=True)])
        out.append((statistics.median(series), ratio, spread))
    return out


def benchmark(quick: bool) -> None:
    width = 256 if quick else 1024
    repeats = 10 if quick else 40
    warmup = 20 if quick else 80
    params = sum(p.numel() for p in mlp(width).parameters())
    families = [SGD_KINDS, ADAMW_KINDS if _common.optional("prodigyopt") else ADAMW_KINDS[:2]]
    for kinds, batch in [(kinds, batch) for kinds in families for batch in (64, 256)]:
        runs = [Run(kind, width, batch) for kind in kinds]
        for run in runs:
            for _ in range(warmup):
                run.whole_step()
        whole = timed([run.whole_step for run in runs], repeats)
        for run in runs:
            run.backward()  # the optimizer steps below reuse these gradients
        update = timed([run.update for run in runs], repeats)
        rows = []
        for kind, run, (w_s, w_ratio, w_spread), (u_s, u_ratio, u_spread) in zip(kinds, runs, whole, update,
                                                                                   strict=True):
            rows.append([kind, f"{w_s * 1e3:.2f}", f"{w_ratio:.3f} ± {w_spread:.2f}", f"{u_s * 1e3:.2f}",
                         f"{u_ratio:.3f} ± {u_spread:.2f}", f"{run.state_bytes() / 1e6:.2f}"])
        _common.table(
            f"MLP {width} wide ({params / 1e6:.1f}M parameters), batch {batch}, {repeats} interleaved rounds "
            f"after {warmup} steps (ratio: median of per-round ratios to {kinds[0]} ± relative spread)",
            ["method", "step ms", "step / plain", "opt.step ms", "opt.step / plain", "optimizer + scheduler state MB"],
            rows,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 256-wide MLP, fewer rounds (CI)")
    args = parser.parse_args()
    _common.header(["torch", "extremal"], threads=f"torch threads {torch.get_num_threads()}")
    benchmark(args.quick)
    print(_common.load_line("end"))


if __name__ == "__main__":
    main()
