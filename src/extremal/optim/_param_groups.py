"""Parameter groups for :class:`~extremal.optim.Muon`: matrices to Muon, the rest (and the head) to AdamW.

The output head and the embeddings are found from the model's structure: the model is traced
with ``torch.fx`` and the head is every matrix the output is computed from without passing
through another matrix (a ``Linear`` head, or a weight used directly, as in a tied
``h @ embed.weight.T``); untraceable models fall back to a tied ``Linear``, a ``Linear`` of the
vocabulary's size, then the last ``Linear``; ``head=`` overrides all of this.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from extremal._optional import require
from extremal.errors import InputError
from extremal.optim._muon import check_split

if TYPE_CHECKING:
    import torch
else:
    torch = require("torch", extra="torch")

__all__ = ["muon_param_groups"]


def muon_param_groups(
    model: torch.nn.Module,
    *,
    head: Sequence[torch.nn.Module] | None = None,
    split: Mapping[torch.Tensor, int] | None = None,
    muon_options: Mapping[str, Any] | None = None,
    adamw_options: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Split a model's parameters into Muon groups and an AdamW group, and say why.

    AdamW gets: parameters with fewer than 2 dimensions (biases, norm gains), the weights of
    every ``torch.nn.Embedding`` and ``torch.nn.EmbeddingBag``, and every parameter of the
    output head. Muon gets the remaining matrices and N-D (e.g. conv) weights. A parameter
    shared by several modules (tied embeddings) is listed once, in the AdamW group.

    The output head is found from the model's structure, wherever it is defined: the
    model is traced with ``torch.fx`` and the head is every matrix that the output is
    computed from without passing another matrix, a ``torch.nn.Linear`` or a weight used
    directly (``h @ self.embed.weight.T``, tied embeddings). When the model cannot be
    traced (control flow that depends on the data), the head is each ``torch.nn.Linear``
    whose weight is an embedding's (tied), else each one with as many outputs as an
    embedding has rows (the vocabulary), else the last ``torch.nn.Linear`` in
    ``model.modules()`` order. ``head=`` overrides all of this.

    Fused weights are orthogonalised block by block (the group key ``split``, see
    :func:`muon_update`): the input and hidden weights of ``torch.nn.GRU`` (3 gates) and
    ``torch.nn.LSTM`` (4 gates), and the ``in_proj_weight`` of
    ``torch.nn.MultiheadAttention`` (query, key, value); ``split`` adds others, such as a
    ``torch.nn.Linear(d, 3 * d)`` that computes query, key and value at once. Each number
    of blocks gets its own Muon group.

    Parameters
    ----------
    model : torch.nn.Module
        The model.
    head : sequence of torch.nn.Module or None
        The output head; ``None`` finds it (see above), ``()`` routes no head to AdamW.
    split : mapping from parameter to int, or None
        Number of stacked row blocks of further fused weights; it overrides the
        detected value (``{p: 1}`` turns block-wise orthogonalisation off for ``p``).
    muon_options, adamw_options : mapping or None
        Extra group keys (for example ``{"lr": 3e-4}``) for each group.

    Returns
    -------
    list of dict
        ``[{"params": [...], "use_muon": True, "split": 1, ...}, ...,
        {"params": [...], "use_muon": False, ...}]`` for :class:`Muon`; an empty group is
        left out. Each group also holds ``"names"`` (from ``model.named_parameters()``; not
        torch's ``"names"``, which would forbid adding unnamed groups later) and
        ``"routes"``, why each parameter is in that group (both kept in ``state_dict()``):
        ``"matrix"``, ``"vector"``, ``"embedding"`` or ``"output head (...)"`` with how the
        head was found (``traced``, ``given``, ``tied to an embedding``, ``vocabulary
        size``, ``last Linear``).

    Raises
    ------
    InputError
        If ``model`` is not a module, ``head`` holds something else, or a ``split`` value
        does not divide the first dimension of its parameter.

    Examples
    --------
    >>> import torch
    >>> model = torch.nn.Sequential(torch.nn.Embedding(10, 4), torch.nn.Linear(4, 4), torch.nn.Linear(4, 10))
    >>> for g in muon_param_groups(model):
    ...     print(g["use_muon"], list(zip(g["names"], g["routes"])))
    True [('1.weight', 'matrix')]
    False [('0.weight', 'embedding'), ('1.bias', 'vector'), ('2.weight', 'output head (traced)'), ('2.bias', 'vector')]
    >>> gru = torch.nn.GRU(4, 8)
    >>> [(g.get("split"), [tuple(p.shape) for p in g["params"]]) for g in muon_param_groups(gru, head=())]
    [(3, [(24, 4), (24, 8)]), (None, [(24,), (24,)])]
    """
    if not isinstance(model, torch.nn.Module):
        raise InputError(f"model must be a torch.nn.Module; got {type(model).__name__}.")
    if head is not None:
        for h in head:
            if not isinstance(h, torch.nn.Module):
                raise InputError(f"head must hold torch.nn.Module objects; got {type(h).__name__}.")
        head_ids, how = {id(p) for h in head for p in h.parameters()}, "given"
    else:
        head_ids, how = _find_head(model)
    embedding_ids: set[int] = set()
    blocks: dict[int, int] = {}
    for m in model.modules():
        if isinstance(m, torch.nn.Embedding | torch.nn.EmbeddingBag):
            embedding_ids.update(id(p) for p in m.parameters())
        elif isinstance(m, torch.nn.GRU | torch.nn.LSTM):
            gates = 3 if isinstance(m, torch.nn.GRU) else 4
            for name, p in m.named_parameters(recurse=False):
                if name.startswith(("weight_ih", "weight_hh")):
                    blocks[id(p)] = gates
        elif isinstance(m, torch.nn.MultiheadAttention) and m.in_proj_weight is not None:
            blocks[id(m.in_proj_weight)] = 3
    for weight, k in (split or {}).items():
        check_split(k, weight.shape, "muon_param_groups")
        blocks[id(weight)] = k
    muon_groups: dict[int, dict[str, list[Any]]] = {}
    adamw: dict[str, list[Any]] = {"params": [], "names": [], "routes": []}
    for name, p in model.named_parameters():
        if p.ndim < 2 or p.numel() == 0:
            target, route = adamw, "vector"
        elif id(p) in embedding_ids:
            target, route = adamw, "embedding"
        elif id(p) in head_ids:
            target, route = adamw, f"output head ({how})"
        else:
            k = blocks.get(id(p), 1)
            target = muon_groups.setdefault(k, {"params": [], "names": [], "routes": []})
            route = "matrix" if k == 1 else f"matrix, {k} blocks"
        target["params"].append(p)
        target["names"].append(name)
        target["routes"].append(route)
    groups: list[dict[str, Any]] = [
        {**lists, "use_muon": True, "split": k, **(muon_options or {})} for k, lists in sorted(muon_groups.items())
    ]
    if adamw["params"]:
        groups.append({**adamw, "use_muon": False, **(adamw_options or {})})
    return groups


def _find_head(model: torch.nn.Module) -> tuple[set[int], str]:
    """The ids of the output head's parameters, and how they were found (see :func:`muon_param_groups`)."""
    traced = _traced_head(model)
    if traced is not None:
        return traced, "traced"
    linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    embeddings = [m for m in model.modules() if isinstance(m, torch.nn.Embedding | torch.nn.EmbeddingBag)]
    tied = [m for m in linears if any(m.weight is e.weight for e in embeddings)]
    if tied:
        return {id(p) for m in tied for p in m.parameters()}, "tied to an embedding"
    vocabulary = {e.weight.shape[0] for e in embeddings}
    sized = [m for m in linears if m.out_features in vocabulary]
    if sized:
        return {id(p) for m in sized for p in m.parameters()}, "vocabulary size"
    return {id(p) for m in linears[-1:] for p in m.parameters()}, "last Linear"


def _traced_head(model: torch.nn.Module) -> set[int] | None:
    """Parameters the output is computed from through no other matrix, by ``torch.fx``; ``None`` if untraceable."""
    try:
        graph = torch.fx.symbolic_trace(model).graph
    except Exception:  # fx raises many kinds of error for data-dependent Python control flow
        return None
    modules = dict(model.named_modules())
    params = dict(model.named_parameters(remove_duplicate=False))
    # The matrices each node is computed from when it depends on parameters alone
    # (self.embed.weight.T is the embedding's weight, as an operand).
    weights: dict[Any, set[int]] = {}
    for node in graph.nodes:
        if node.op == "get_attr" and node.target in params and params[node.target].ndim >= 2:
            weights[node] = {id(params[node.target])}
        elif node.op in ("call_function", "call_method") and node.all_input_nodes:
            inputs = node.all_input_nodes
            if all(n in weights for n in inputs):
                weights[node] = set().union(*(weights[n] for n in inputs))
    found: set[int] = set()
    todo = [node for node in graph.nodes if node.op == "output"]
    seen: set[Any] = set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        if node.op == "call_module":
            own = list(modules[node.target].parameters(recurse=False))
            if any(p.ndim >= 2 for p in own):
                found.update(id(p) for p in own)
                continue
        if node in weights:
            found.update(weights[node])
            continue
        operands = [weights[n] for n in node.all_input_nodes if n in weights]
        if operands:  # an operation with a weight as an operand: the head, whatever its data input
            found.update(*operands)
            continue
        todo.extend(node.all_input_nodes)
    return found
