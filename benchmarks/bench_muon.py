"""Muon on the digits MLP: steps to train loss 0.01 against AdamW and torch.optim.Muon, each tuned.

MLP 64→256→256→10 (ReLU) on scikit-learn's digits (the model and the 80/20 split of
``examples/train_digits.py``), minibatches of 128 drawn with replacement, a cosine decay to
zero over a horizon of T steps for every optimizer, weight decay 0.01. Each optimizer is
tuned over a small grid of learning rates and horizons; the chosen pair is the one with the
fewest median steps to the target train loss (full training set, evaluated after every
step), ties broken by median test accuracy (measured after the T steps). Prints, for every
pair: median steps to the target over the seeds and median final test accuracy; then one
summary row per optimizer. Matrices of the hidden layers take the Muon step; embeddings-style
parameters do not occur, and the biases and the output head take AdamW
(``muon_param_groups``), for both Muon implementations. extremal's Muon runs with its default
scale (0.2·√max(m,n), AdamW's RMS), with the minimax Newton–Schulz coefficients, and with the
√max(1, m/n) scale (its AdamW path at 3e-3).

Run: ``python benchmarks/bench_muon.py [--quick]``.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable

import torch

import _common
from extremal.optim import MINIMAX_QUINTIC, AspectRatioScale, Muon, NewtonSchulz, muon_param_groups

torch.set_num_threads(1)

TARGET = 0.01
WEIGHT_DECAY = 0.01


Factory = Callable[[torch.nn.Module, float], list[torch.optim.Optimizer]]


def make_adamw(model: torch.nn.Module, lr: float) -> list[torch.optim.Optimizer]:
    return [torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=WEIGHT_DECAY)]


def make_ours(model: torch.nn.Module, lr: float) -> list[torch.optim.Optimizer]:
    return [Muon(muon_param_groups(model), lr=lr, weight_decay=WEIGHT_DECAY)]


def make_ours_minimax(model: torch.nn.Module, lr: float) -> list[torch.optim.Optimizer]:
    method = NewtonSchulz(MINIMAX_QUINTIC)
    return [Muon(muon_param_groups(model), lr=lr, weight_decay=WEIGHT_DECAY, method=method)]


def make_ours_aspect(model: torch.nn.Module, lr: float) -> list[torch.optim.Optimizer]:
    groups = muon_param_groups(model, adamw_options={"lr": 3e-3})
    return [Muon(groups, lr=lr, weight_decay=WEIGHT_DECAY, scale=AspectRatioScale())]


def make_torch_muon(model: torch.nn.Module, lr: float) -> list[torch.optim.Optimizer]:
    muon_group, adamw_group = muon_param_groups(model)
    return [
        torch.optim.Muon(muon_group["params"], lr=lr, weight_decay=WEIGHT_DECAY, adjust_lr_fn="match_rms_adamw"),
        torch.optim.AdamW(adamw_group["params"], lr=lr, weight_decay=WEIGHT_DECAY),
    ]


def muon_run(make: Factory, lr: float, seed: int, steps: int, d: tuple[torch.Tensor, ...]) -> tuple[float, float]:
    x_tr, y_tr, x_te, y_te = d
    model = _common.digits_mlp(seed)
    opts = make(model, lr)
    groups = [g for opt in opts for g in opt.param_groups]
    base = [g["lr"] for g in groups]
    gen = torch.Generator().manual_seed(1000 + seed)
    hit = math.inf
    for t in range(steps):
        for g, lr0 in zip(groups, base, strict=True):
            g["lr"] = lr0 * 0.5 * (1.0 + math.cos(math.pi * t / steps))
        idx = torch.randint(0, len(x_tr), (128,), generator=gen)
        model.zero_grad()
        torch.nn.functional.cross_entropy(model(x_tr[idx]), y_tr[idx]).backward()
        for opt in opts:
            opt.step()
        if hit == math.inf:
            with torch.no_grad():
                if torch.nn.functional.cross_entropy(model(x_tr), y_tr).item() <= TARGET:
                    hit = t + 1
    with torch.no_grad():
        accuracy = (model(x_te).argmax(1) == y_te).float().mean().item()
    return hit, accuracy


def muon_benchmark(quick: bool) -> None:
    """Muon against AdamW and torch.optim.Muon: steps to train loss 0.01 on digits."""
    fmt_steps = _common.fmt_steps
    horizons = [100] if quick else [60, 120, 300]
    seeds = [0] if quick else [0, 1, 2]
    optimizers: list[tuple[str, Factory, list[float]]] = [
        ("AdamW (cosine)", make_adamw, [3e-3] if quick else [1e-3, 3e-3, 1e-2]),
        ("Muon, extremal, 0.2·√max(m,n)", make_ours, [1e-2] if quick else [3e-3, 1e-2, 3e-2]),
        ("Muon, extremal, minimax NS", make_ours_minimax, [1e-2] if quick else [3e-3, 1e-2, 3e-2]),
        ("Muon, extremal, √max(1,m/n)", make_ours_aspect, [0.05] if quick else [0.02, 0.05, 0.1]),
    ]
    if hasattr(torch.optim, "Muon"):
        optimizers.append(("torch.optim.Muon + AdamW", make_torch_muon, [1e-2] if quick else [3e-3, 1e-2, 3e-2]))
    d = _common.digits_split()
    print(
        f"\n(M) Muon on digits: train {len(d[0])} / test {len(d[2])}, batch 128, "
        f"cosine horizons {horizons}, seeds {seeds}, target train loss {TARGET}"
    )
    print("| optimizer | lr | horizon | median steps to train loss ≤ 0.01 | median test accuracy | seconds per run |")
    print("|---|---|---|---|---|---|")
    summary = []
    for name, make, rates in optimizers:
        best = None
        for lr in rates:
            for steps in horizons:
                start = time.perf_counter()
                outcomes = [muon_run(make, lr, seed, steps, d) for seed in seeds]
                seconds = (time.perf_counter() - start) / len(seeds)
                hit = statistics.median(o[0] for o in outcomes)
                acc = statistics.median(o[1] for o in outcomes)
                print(f"| {name} | {lr:g} | {steps} | {fmt_steps(hit)} | {acc:.4f} | {seconds:.2f} |")
                key = (hit, -acc)
                if best is None or key < best[0]:
                    best = (key, (lr, steps), outcomes)
        summary.append((name, best))
    print()
    print("| optimizer (tuned lr, horizon) | steps to target per seed | median | test accuracy per seed | median |")
    print("|---|---|---|---|---|")
    for name, (_, (lr, steps), outcomes) in summary:
        hits = ", ".join(fmt_steps(o[0]) for o in outcomes)
        accs = ", ".join(f"{o[1]:.3f}" for o in outcomes)
        med_hit = fmt_steps(statistics.median(o[0] for o in outcomes))
        med_acc = statistics.median(o[1] for o in outcomes)
        print(f"| {name} (lr {lr:g}, {steps}) | {hits} | {med_hit} | {accs} | {med_acc:.4f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one rate, one horizon, one seed (CI)")
    args = parser.parse_args()
    _common.header(["torch", "extremal", "sklearn"], threads=f"torch threads {torch.get_num_threads()}")
    muon_benchmark(args.quick)
    print(_common.load_line("end"))


if __name__ == "__main__":
    main()
