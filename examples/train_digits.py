"""Train an autoencoder on scikit-learn's digits with no learning rate to choose, against Prodigy and Muon.

One real training run of the autoencoder 64→32→8→32→64 (tanh; each 8x8 digit squeezed
through 8 numbers and reconstructed, mean squared error, batch 128) for each of:

- ``adamw``: the recommended untuned set-up, ``torch.optim.AdamW(lr=1.0)`` driven by
  :class:`GradNormLR` in the parameter-free mode (``radius=None``: the distance to the
  solution is estimated online, so ``lr=1.0`` is a multiplier and nothing is tuned);
- ``prodigy``: the Prodigy optimizer at its defaults, the other untuned choice (only when
  ``prodigyopt`` is installed: ``pip install prodigyopt``, part of the ``bench`` extra);
- ``muon``: extremal's :class:`Muon` at the README's rate ``lr=3e-2`` with a cosine decay
  over the known number of steps (Muon on the hidden matrices, AdamW on the biases and the
  last layer, at the same rate): a rate and a horizon chosen beforehand.

Writes a figure with the training loss and the learning rate against the step.
``benchmarks/bench_parameter_free.py`` compares the untuned set-up with Prodigy on six tasks.

Run: ``python examples/train_digits.py [--steps 300] [--out docs/images/training.png]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
from dataclasses import dataclass
from pathlib import Path

import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from extremal._optional import require
from extremal.optim import AdaGradNorm, GradNormLR, Muon, muon_param_groups

MUON_LR = 3e-2
TARGET = 0.03
BATCH = 128


@dataclass(frozen=True, slots=True)
class Run:
    name: str
    loss: list[float]
    lr: list[float]
    test_loss: float


def data() -> tuple[torch.Tensor, torch.Tensor]:
    """Digits scaled to [0, 1], split 80/20 (stratified): ``x_train, x_test``."""
    digits = load_digits()
    x_tr, x_te = train_test_split(digits.data / 16.0, test_size=0.2, random_state=0, stratify=digits.target)
    return torch.tensor(x_tr, dtype=torch.float32), torch.tensor(x_te, dtype=torch.float32)


def autoencoder(seed: int) -> torch.nn.Sequential:
    """The autoencoder 64→32→8→32→64 (tanh), initialised after ``torch.manual_seed(seed)``."""
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Linear(64, 32),
        torch.nn.Tanh(),
        torch.nn.Linear(32, 8),
        torch.nn.Tanh(),
        torch.nn.Linear(8, 32),
        torch.nn.Tanh(),
        torch.nn.Linear(32, 64),
    )


def train(name: str, steps: int, seed: int = 0) -> Run:
    """Train with ``name`` ("muon", "prodigy" or "adamw") for ``steps`` steps; loss on the full train set."""
    x_tr, x_te = data()
    model = autoencoder(seed)
    scheduler: torch.optim.lr_scheduler.LRScheduler | None
    if name == "muon":
        optimizer: torch.optim.Optimizer = Muon(muon_param_groups(model), lr=MUON_LR, weight_decay=0.0)
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)
    elif name == "prodigy":
        optimizer = require("prodigyopt", extra="bench").Prodigy(model.parameters(), lr=1.0, weight_decay=0.0)
        scheduler = None
    else:
        optimizer = torch.optim.AdamW(model.parameters(), lr=1.0, weight_decay=0.0)
        scheduler = GradNormLR(optimizer, AdaGradNorm())  # radius=None: parameter-free
    generator = torch.Generator().manual_seed(1000 + seed)
    losses, rates = [], []
    for _ in range(steps):
        batch = x_tr[torch.randint(0, len(x_tr), (BATCH,), generator=generator)]
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(model(batch), batch).backward()
        optimizer.step()
        group = optimizer.param_groups[0]
        rates.append(float(group["lr"]) * float(group.get("d", 1.0)))  # Prodigy's rate is lr * d
        if scheduler is not None:
            scheduler.step()
        with torch.no_grad():
            losses.append(float(torch.nn.functional.mse_loss(model(x_tr), x_tr)))
    with torch.no_grad():
        test_loss = float(torch.nn.functional.mse_loss(model(x_te), x_te))
    return Run(name, losses, rates, test_loss)


def plot(runs: list[Run], out: Path) -> None:
    """Two panels: training loss (log scale) and learning rate, against the step."""
    matplotlib = require("matplotlib", extra="plot")
    matplotlib.use("Agg")
    plt = require("matplotlib.pyplot", extra="plot")
    labels = {
        "adamw": "AdamW + GradNormLR, parameter-free (no lr)",
        "prodigy": "Prodigy, defaults (no lr)",
        "muon": f"Muon, cosine over the run, lr {MUON_LR:g}",
    }
    fig, (ax_loss, ax_lr) = plt.subplots(1, 2, figsize=(9.0, 3.4), dpi=100)
    for run in runs:
        steps = range(1, len(run.loss) + 1)
        label = f"{labels[run.name]}: test loss {run.test_loss:.4f}"
        ax_loss.semilogy(steps, run.loss, label=label, lw=1.4)
        ax_lr.plot(steps, run.lr, label=labels[run.name], lw=1.4)
    ax_loss.axhline(TARGET, color="0.6", lw=0.8, ls="--")
    ax_loss.set(xlabel="step", ylabel="reconstruction MSE (full train set)", title="loss")
    ax_lr.set(xlabel="step", ylabel="learning rate (first param group)", title="learning rate", yscale="log")
    ax_loss.legend(fontsize=7)
    ax_lr.legend(fontsize=7)
    fig.suptitle(f"Autoencoder 64-32-8-32-64 on scikit-learn digits, batch {BATCH}", fontsize=10)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)


def main(steps: int = 300, out: Path = Path("docs/images/training.png"), seed: int = 0) -> list[Run]:
    """Train each optimizer (Prodigy when installed), write the figure to ``out`` and return the runs."""
    torch.set_num_threads(1)
    names = ["muon", "prodigy", "adamw"] if importlib.util.find_spec("prodigyopt") else ["muon", "adamw"]
    runs = [train(name, steps, seed) for name in names]
    plot(runs, out)
    for run in runs:
        reached = next((i + 1 for i, value in enumerate(run.loss) if value <= TARGET), math.inf)
        print(
            f"{run.name}: final train loss {run.loss[-1]:.4f}, steps to {TARGET} {reached}, "
            f"test loss {run.test_loss:.4f}"
        )
    return runs


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path("docs/images/training.png"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    main(args.steps, args.out, args.seed)
