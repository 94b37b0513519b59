r"""Muon's matrix signs shared among the ranks of a process group.

Every rank of a data-parallel job holds the same averaged gradient (DDP) or a row shard of
it (FSDP2), so every rank could compute every matrix sign; the Newton–Schulz work then
does not shrink as ranks are added. Here each matrix has one owner: the matrices are
sorted by size, largest first, and dealt out round-robin (:func:`rounds`), so the ranks
get nearly equal work; each owner computes the directions of its matrices, and the
directions are gathered so that every rank applies all of them (:func:`share`).

- Replicated matrices (plain tensors under DDP, replicated ``DTensor``): the owner computes
  ``direction(full)`` and an ``all_gather`` per round hands it to every rank.
- Row-sharded matrices (``DTensor`` with placement ``Shard(0)`` on a 1-D mesh, as
  ``torch.distributed.fsdp.fully_shard`` makes them): an ``all_to_all`` per round brings
  the shards of each matrix to its owner, which computes the direction of the whole matrix,
  and a second ``all_to_all`` sends each rank its rows of it. No rank ever holds a full
  matrix it does not own.

The collectives of one round run asynchronously while the next round is computed. The
direction is moved bit for bit, so every rank applies exactly what a single process
would compute.

References
----------
K. Jordan et al., modded-nanogpt (2024), the distributed ``Muon`` of the speedrun records
from 2024-10-17 on: https://github.com/KellerJordan/modded-nanogpt (each rank
orthogonalises every ``world_size``-th matrix, ``all_gather`` of the updates).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from extremal._optional import require

if TYPE_CHECKING:
    import torch
else:
    torch = require("torch", extra="torch")

__all__ = ["Piece", "rounds", "shard_rows", "share"]


def rounds(sizes: Sequence[int], world: int) -> list[list[int]]:
    """The indices of ``sizes`` sorted largest first and cut into rounds of ``world``.

    In each round the item at position ``r`` belongs to rank ``r``; the last round may be
    shorter. Equal sizes keep their order, so every rank computes the same rounds.

    Examples
    --------
    >>> rounds([10, 40, 20, 40, 5], 2)
    [[1, 3], [2, 0], [4]]
    """
    order = sorted(range(len(sizes)), key=lambda i: -sizes[i])
    return [order[start : start + world] for start in range(0, len(order), world)]


def shard_rows(rows: int, world: int) -> list[int]:
    """The number of rows each rank holds of ``rows`` rows split as ``torch.chunk`` splits them.

    This is how ``DTensor``'s ``Shard(0)`` (and so ``fully_shard``) lays out a parameter:
    ``ceil(rows / world)`` rows per rank, the last ones shorter or empty.

    Examples
    --------
    >>> shard_rows(5, 4)
    [2, 2, 1, 0]
    """
    chunk = -(-rows // world)
    return [max(0, min(chunk, rows - r * chunk)) for r in range(world)]


@dataclass(frozen=True, slots=True)
class Piece:
    """One matrix to orthogonalise: the part this rank holds and the whole shape.

    ``local`` is the whole tensor when ``sharded`` is false, else this rank's rows of it.
    """

    local: torch.Tensor
    shape: torch.Size
    sharded: bool

    @property
    def numel(self) -> int:
        return self.shape.numel()


def share(
    pieces: Sequence[Piece],
    direction: Callable[[int, torch.Tensor], torch.Tensor],
    group: Any,
) -> list[torch.Tensor]:
    """Each piece's direction, restricted to the rows this rank holds, each computed by one rank only.

    ``direction(i, full)`` returns the direction of ``pieces[i]`` from the whole matrix
    ``full`` (shape ``pieces[i].shape``, same dtype); it is called on the owner of piece
    ``i`` only. Every rank of ``group`` must call this with pieces of the same shapes, in
    the same order, all of one dtype and device, all sharded or all not.
    """
    import torch.distributed as dist

    world = dist.get_world_size(group)
    rank = dist.get_rank(group)
    if world == 1:
        return [direction(i, piece.local) for i, piece in enumerate(pieces)]
    results: list[torch.Tensor | None] = [None] * len(pieces)
    plan = rounds([piece.numel for piece in pieces], world)
    if pieces and pieces[0].sharded:
        _share_sharded(pieces, plan, direction, group, world, rank, results)
    else:
        _share_replicated(pieces, plan, direction, group, world, rank, results)
    return cast("list[torch.Tensor]", results)


def _share_replicated(
    pieces: Sequence[Piece],
    plan: list[list[int]],
    direction: Callable[[int, torch.Tensor], torch.Tensor],
    group: Any,
    world: int,
    rank: int,
    results: list[torch.Tensor | None],
) -> None:
    """Owners compute, then one ``all_gather`` of flat buffers (padded to the round's largest) per round."""
    import torch.distributed as dist

    pending = []
    for members in plan:
        first = pieces[members[0]].local
        length = max(pieces[i].numel for i in members)
        send = torch.zeros(length, dtype=first.dtype, device=first.device)
        if rank < len(members):
            mine = direction(members[rank], pieces[members[rank]].local)
            results[members[rank]] = mine
            send[: mine.numel()] = mine.reshape(-1)
        received = [torch.empty_like(send) for _ in range(world)]
        pending.append((members, received, dist.all_gather(received, send, group=group, async_op=True)))
    for members, received, work in pending:
        work.wait()
        for position, i in enumerate(members):
            if position != rank:
                results[i] = received[position][: pieces[i].numel].view(pieces[i].shape)


def _share_sharded(
    pieces: Sequence[Piece],
    plan: list[list[int]],
    direction: Callable[[int, torch.Tensor], torch.Tensor],
    group: Any,
    world: int,
    rank: int,
    results: list[torch.Tensor | None],
) -> None:
    """Per round: ``all_to_all`` of the shards to the owner, the owner computes, ``all_to_all`` of its rows back."""
    import torch.distributed as dist

    def held(i: int, r: int) -> int:
        """Elements of piece ``i`` held by rank ``r``."""
        shape = pieces[i].shape
        return shard_rows(shape[0], world)[r] * (pieces[i].numel // shape[0]) if shape[0] else 0

    gathers = []
    for members in plan:
        first = pieces[members[0]].local
        send = torch.cat([pieces[i].local.reshape(-1) for i in members])
        send_splits = [held(i, rank) for i in members] + [0] * (world - len(members))
        own = members[rank] if rank < len(members) else None
        receive_splits = [held(own, r) for r in range(world)] if own is not None else [0] * world
        received = torch.empty(sum(receive_splits), dtype=first.dtype, device=first.device)
        work = dist.all_to_all_single(received, send, receive_splits, send_splits, group=group, async_op=True)
        gathers.append((members, own, send_splits, receive_splits, received, work))
    scatters = []
    for members, own, send_splits, receive_splits, received, work in gathers:
        work.wait()
        first = pieces[members[0]].local
        if own is not None:
            back = direction(own, received.view(pieces[own].shape)).reshape(-1)
        else:
            back = torch.empty(0, dtype=first.dtype, device=first.device)
        mine = torch.empty(sum(send_splits), dtype=first.dtype, device=first.device)
        work = dist.all_to_all_single(mine, back, send_splits, receive_splits, group=group, async_op=True)
        scatters.append((members, mine, work))
    for members, mine, work in scatters:
        work.wait()
        start = 0
        for i in members:
            local = pieces[i].local
            results[i] = mine[start : start + local.numel()].view(local.shape)
            start += local.numel()
