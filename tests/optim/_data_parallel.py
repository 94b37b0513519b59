"""Data-parallel training on one process, for the tests that compare it with gloo ranks.

Global batches of a 16-feature, 4-class problem, each rank's shard of one, and the gradient
that the ranks' all-reduce computes (the mean of the shard gradients), so that one process
can take exactly the steps the ranks take.
"""

from __future__ import annotations

import torch


def global_batches(steps: int, batch: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """``steps`` batches of ``batch`` inputs (16 features) and labels (4 classes), the same on every rank."""
    gen = torch.Generator().manual_seed(1)
    return [(torch.randn(batch, 16, generator=gen), torch.randint(0, 4, (batch,), generator=gen)) for _ in range(steps)]


def shard(batch: tuple[torch.Tensor, torch.Tensor], rank: int, world: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Rank ``rank``'s contiguous share of ``batch``."""
    x, y = batch
    size = len(x) // world
    return x[rank * size : (rank + 1) * size], y[rank * size : (rank + 1) * size]


def average_shard_gradients(model: torch.nn.Module, batch: tuple[torch.Tensor, torch.Tensor], world: int) -> None:
    """Set each ``p.grad`` to the mean of the ``world`` shards' cross-entropy gradients, as the all-reduce does."""
    shard_grads = []
    for rank in range(world):
        model.zero_grad()
        x, y = shard(batch, rank, world)
        torch.nn.functional.cross_entropy(model(x), y).backward()
        shard_grads.append([p.grad.clone() for p in model.parameters()])
    for p, *grads in zip(model.parameters(), *shard_grads, strict=True):
        p.grad = sum(grads[1:], grads[0]) / world
