r"""The sums behind the distance estimate of :class:`~extremal.optim.GradNormLR` on Adam/AdamW.

With :math:`λ_t = d_t^2` and :math:`β_3 = \sqrt{β_2}`, one step updates

.. math:: N_t = β_3 N_{t-1} + λ_t\, g_t\cdot(θ_1 - θ_t), \qquad s_t = β_3 s_{t-1} + λ_t g_t,

and the estimate is :math:`N_t/\|s_t\|_1`. Both are sums over coordinates, so a fixed sample of
the coordinates estimates their ratio: a model of at least :data:`LARGE` elements keeps
:math:`θ_1` and :math:`s` for one block of :data:`BLOCK` consecutive elements in every
:data:`EVERY` (every tensor of fewer than ``BLOCK * EVERY`` elements whole), which cuts the
passes over memory and the two copies of the model it keeps to an eighth. Smaller models use
every coordinate.

Example
-------
>>> import torch
>>> big = torch.arange(3 * BLOCK * EVERY, dtype=torch.float32)
>>> sampled(big, EVERY).shape == (3, BLOCK)
True
>>> sampled(torch.ones(5), EVERY).shape
torch.Size([1, 5])
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from extremal._optional import require

if TYPE_CHECKING:
    import torch
else:
    torch = require("torch", extra="torch")

BLOCK = 1024  # elements per sampled block (4 kB in float32: whole cache lines, one stream)
EVERY = 8  # one block in EVERY is kept, for models of at least LARGE elements
LARGE = 1 << 20
_CHUNK_ELEMENTS = 1 << 17  # elements of one pass through the scratch buffer, which stays in cache


def sampling(elements: int) -> int:
    """One block in how many is kept for a model of ``elements`` elements (1: all of them)."""
    return EVERY if elements >= LARGE else 1


def sampled(t: Any, every: int) -> Any:
    """The kept coordinates of ``t`` as a 2-D view: rows of :data:`BLOCK` elements, one row in
    ``every``, or the whole tensor as one row when it is smaller than ``BLOCK * every`` (or
    ``every`` is 1). No copy for a contiguous ``t``."""
    flat = t.reshape(-1)
    rows = flat.numel() // BLOCK
    if every == 1 or rows < every:
        return flat.view(1, -1)
    return flat[: rows * BLOCK].view(rows, BLOCK)[::every]


def sample_copies(params: list[Any], every: int) -> list[Any]:
    """Contiguous copies of the kept coordinates of each parameter."""
    return [sampled(p.detach(), every).clone(memory_format=torch.contiguous_format) for p in params]


def update_sums(
    params: list[Any], initial: list[Any], sums: list[Any], *, beta3: float, weight: float, every: int
) -> tuple[float, float]:
    r"""Update ``sums`` to :math:`s_t` in place; return :math:`g_t\cdot(θ_1-θ_t)` and :math:`\|s_t\|_1`
    over the kept coordinates (``weight`` is :math:`λ_t`; a parameter without a gradient only decays).

    The work goes through one scratch buffer of :data:`_CHUNK_ELEMENTS`, so no temporary the
    size of a parameter is allocated (on the CPU that costs more than the arithmetic)."""
    dots, norms = [], []
    scratch: dict[Any, Any] = {}
    with torch.no_grad():
        for p, p1, s in zip(params, initial, sums, strict=True):
            if s.dtype not in scratch:
                scratch[s.dtype] = torch.empty(_CHUNK_ELEMENTS, dtype=s.dtype, device=s.device)
            buffer = scratch[s.dtype]
            if p.grad is None:
                s.mul_(beta3)
            grad = None if p.grad is None else sampled(p.grad.detach(), every)
            point = sampled(p.detach(), every)
            for where in _chunks(s.shape):
                s_part = s[where]
                work = buffer[: s_part.numel()].view(s_part.shape)
                if grad is not None:
                    g = grad[where].to(s.dtype)
                    torch.sub(p1[where], point[where].to(s.dtype), out=work)
                    dots.append(work.mul_(g).sum())
                    s_part.mul_(beta3).add_(g, alpha=weight)
                norms.append(torch.abs(s_part, out=work).sum())
        values = torch.stack([*dots, *norms]).to(torch.float64).tolist() if norms else []  # one transfer
    return math.fsum(values[: len(dots)]), math.fsum(values[len(dots) :])


def _chunks(shape: tuple[int, int]) -> Any:
    """Index pairs that cut a ``(rows, width)`` sample into pieces of at most :data:`_CHUNK_ELEMENTS`."""
    rows, width = shape
    if width >= _CHUNK_ELEMENTS:
        for row in range(rows):
            for first in range(0, width, _CHUNK_ELEMENTS):
                yield row, slice(first, first + _CHUNK_ELEMENTS)
    else:
        step = _CHUNK_ELEMENTS // max(width, 1)
        for first in range(0, rows, step):
            yield slice(first, first + step), slice(None)
