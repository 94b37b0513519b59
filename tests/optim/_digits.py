"""scikit-learn's digits and a plain minibatch loop, for the tests that train a small model on them."""

from __future__ import annotations

from typing import Any

import torch


def digits(*, standardise: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """The 1797 digits as float32 features (scaled to [0, 1], or to zero mean and unit variance) and labels."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    x = (x - x.mean(0)) / (x.std(0) + 1e-8) if standardise else x / 16.0
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y)


def train(model: torch.nn.Module, opt: Any, x: torch.Tensor, y: torch.Tensor, steps: int, seed: int,
          sched: Any = None) -> float:
    """``steps`` cross-entropy steps on minibatches of 128 drawn with replacement (the draws seeded with
    ``seed``); ``sched.step()`` after each when given. Returns the loss on all of ``x``."""
    gen = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        idx = torch.randint(0, len(x), (128,), generator=gen)
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
        opt.step()
        if sched is not None:
            sched.step()
    with torch.no_grad():
        return float(torch.nn.functional.cross_entropy(model(x), y))
