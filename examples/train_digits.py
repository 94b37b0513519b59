"""Train an MLP on scikit-learn's digits with no learning rate to choose, against Muon.

One real training run of the MLP 64→256→256→10 (ReLU, batch 128) for each of:

- ``adamw``: the recommended untuned set-up, ``torch.optim.AdamW(lr=1.0)`` driven by
  :class:`GradNormLR` in the parameter-free mode (``radius=None``: the distance to the
  solution is estimated online, so ``lr=1.0`` is a multiplier and nothing is tuned);
- ``muon``: extremal's :class:`Muon` at the README's rate ``lr=3e-2`` with a cosine decay
  (Muon on the hidden matrices, AdamW on the biases and the head, at the same rate).

Writes a figure with the training loss and the learning rate against the step.
``benchmarks/bench_parameter_free.py`` compares the untuned set-up with Prodigy on six tasks.

Run: ``python examples/train_digits.py [--steps 300] [--out docs/images/training.png]``.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from pathlib import Path

import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from extremal._optional import require
from extremal.optim import AdaGradNorm, GradNormLR, Muon, muon_param_groups

MUON_LR = 3e-2
TARGET = 0.01


@dataclass(frozen=True, slots=True)
class Run:
    name: str
    loss: list[float]
    lr: list[float]
    accuracy: float


def data() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Digits scaled to [0, 1], split 80/20 (stratified): ``x_train, y_train, x_test, y_test``."""
    digits = load_digits()
    x_tr, x_te, y_tr, y_te = train_test_split(
        digits.data / 16.0, digits.target, test_size=0.2, random_state=0, stratify=digits.target
    )
    return (
        torch.tensor(x_tr, dtype=torch.float32),
        torch.tensor(y_tr),
        torch.tensor(x_te, dtype=torch.float32),
        torch.tensor(y_te),
    )


def mlp(seed: int) -> torch.nn.Sequential:
    """The MLP 64→256→256→10 (ReLU), initialised after ``torch.manual_seed(seed)``."""
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Linear(64, 256),
        torch.nn.ReLU(),
        torch.nn.Linear(256, 256),
        torch.nn.ReLU(),
        torch.nn.Linear(256, 10),
    )


def train(name: str, steps: int, seed: int = 0) -> Run:
    """Train with ``name`` ("muon" or "adamw") for ``steps`` steps; loss on the full train set."""
    x_tr, y_tr, x_te, y_te = data()
    model = mlp(seed)
    scheduler: torch.optim.lr_scheduler.LRScheduler
    if name == "muon":
        optimizer: torch.optim.Optimizer = Muon(muon_param_groups(model), lr=MUON_LR, weight_decay=0.0)
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)
    else:
        optimizer = torch.optim.AdamW(model.parameters(), lr=1.0, weight_decay=0.0)
        scheduler = GradNormLR(optimizer, AdaGradNorm())  # radius=None: parameter-free
    generator = torch.Generator().manual_seed(1000 + seed)
    losses, rates = [], []
    for _ in range(steps):
        idx = torch.randint(0, len(x_tr), (128,), generator=generator)
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x_tr[idx]), y_tr[idx]).backward()
        optimizer.step()
        rates.append(float(optimizer.param_groups[0]["lr"]))
        scheduler.step()
        with torch.no_grad():
            losses.append(float(torch.nn.functional.cross_entropy(model(x_tr), y_tr)))
    with torch.no_grad():
        accuracy = float((model(x_te).argmax(1) == y_te).float().mean())
    return Run(name, losses, rates, accuracy)


def plot(runs: list[Run], out: Path) -> None:
    """Two panels: training loss (log scale) and learning rate, against the step."""
    matplotlib = require("matplotlib", extra="plot")
    matplotlib.use("Agg")
    plt = require("matplotlib.pyplot", extra="plot")
    labels = {
        "adamw": "AdamW + GradNormLR, parameter-free (no lr)",
        "muon": f"Muon, cosine, lr {MUON_LR:g}",
    }
    fig, (ax_loss, ax_lr) = plt.subplots(1, 2, figsize=(9.0, 3.4), dpi=100)
    for run in runs:
        steps = range(1, len(run.loss) + 1)
        label = f"{labels[run.name]}: test acc {run.accuracy:.3f}"
        ax_loss.semilogy(steps, run.loss, label=label, lw=1.4)
        ax_lr.plot(steps, run.lr, label=labels[run.name], lw=1.4)
    ax_loss.axhline(TARGET, color="0.6", lw=0.8, ls="--")
    ax_loss.set(xlabel="step", ylabel="training loss (full train set)", title="loss")
    ax_lr.set(xlabel="step", ylabel="learning rate (first param group)", title="learning rate", yscale="log")
    ax_loss.legend(fontsize=7)
    ax_lr.legend(fontsize=7)
    fig.suptitle("MLP 64-256-256-10 on scikit-learn digits, batch 128", fontsize=10)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)


def main(steps: int = 300, out: Path = Path("docs/images/training.png"), seed: int = 0) -> list[Run]:
    """Train both optimizers, write the figure to ``out`` and return the runs."""
    torch.set_num_threads(1)
    runs = [train("muon", steps, seed), train("adamw", steps, seed)]
    plot(runs, out)
    for run in runs:
        reached = next((i + 1 for i, value in enumerate(run.loss) if value <= TARGET), math.inf)
        print(
            f"{run.name}: final train loss {run.loss[-1]:.2e}, steps to {TARGET} {reached}, "
            f"test accuracy {run.accuracy:.4f}"
        )
    return runs


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path("docs/images/training.png"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    main(args.steps, args.out, args.seed)
