r"""Raising and lowering one index of a tensor with the metric.

.. math::
    T^{\cdots a \cdots} = g^{ab}\,T^{\cdots}{}_{b}{}^{\cdots},\qquad
    T_{\cdots a \cdots} = g_{ab}\,T^{\cdots b \cdots}

(Wald, *General Relativity*, section 2.4). Mixed-index tensors come from these: the mixed
Ricci tensor :math:`R^a{}_b` is ``raise_index(ricci_tensor(m), m, 0)``, the mixed Einstein
tensor :math:`G^a{}_b` is ``raise_index(einstein_tensor(m), m, 0)``. The result is a plain
:class:`~._components.Components` with the new index positions in ``upper``; the symmetries
of the input type need not survive a raised index, so no subclass is kept.
"""

from __future__ import annotations

import itertools

import sympy as sp

from extremal.errors import InputError
from extremal.symbolic._boundary import guarded
from extremal.symbolic._components import Components
from extremal.symbolic._metric import Metric, require_metric
from extremal.symbolic._simplification import readable

__all__ = ["lower_index", "raise_index"]


def tensor_of(tensor: object, metric: Metric) -> Components:
    """``tensor``, checked to be a tensor result in the coordinates of ``metric``; InputError otherwise."""
    require_metric(metric, "metric")
    if not isinstance(tensor, Components):
        raise InputError(
            f"tensor must be a tensor result such as ricci_tensor(metric); got {type(tensor).__name__}."
        )
    if tensor.coords != metric.coords:
        raise InputError(
            f"tensor is in coords {tensor.coords} but metric in {metric.coords}; use the metric the tensor came from."
        )
    return tensor


def _check(tensor: object, metric: Metric, slot: int, want_upper: bool) -> Components:
    tensor = tensor_of(tensor, metric)
    if isinstance(slot, bool) or not isinstance(slot, int) or not 0 <= slot < tensor.rank:
        raise InputError(f"slot must be an index position 0..{tensor.rank - 1}; got {slot!r}.")
    if tensor.upper[slot] != want_upper:
        position = "upper" if tensor.upper[slot] else "lower"
        fix = "lower_index" if tensor.upper[slot] else "raise_index"
        raise InputError(f"index {slot} of {tensor.name.lstrip(chr(92))} is already {position}; use {fix} instead.")
    return tensor


def _move(tensor: Components, matrix: sp.MatrixBase, slot: int, upper: bool) -> Components:
    n, shape = matrix.shape[0], tensor.shape
    out = sp.MutableDenseNDimArray.zeros(*shape)
    for index in itertools.product(*(range(k) for k in shape)):
        terms = []
        for e in range(n):
            if matrix[index[slot], e] == 0:
                continue
            component = tensor.array[(*index[:slot], e, *index[slot + 1:])]
            if component != 0:
                terms.append(matrix[index[slot], e] * component)
        if terms:
            out[index] = readable(sp.Add(*terms))
    positions = (*tensor.upper[:slot], upper, *tensor.upper[slot + 1:])
    return Components(tensor.coords, sp.ImmutableDenseNDimArray(out), tensor.name, positions)


@guarded("the raised index")
def raise_index(tensor: Components, metric: Metric, slot: int) -> Components:
    r"""Raise index ``slot`` of ``tensor``: :math:`T^{\cdots a\cdots} = g^{ab}T_{\cdots b\cdots}`.

    Parameters
    ----------
    tensor : Components
        Any tensor result (``ricci_tensor(m)``, ``riemann_tensor(m)``, ``weyl_tensor(m)``, ...)
        whose index ``slot`` is lower.
    metric : Metric
        The metric the tensor was computed from (same coordinates).
    slot : int
        The index position, ``0`` for the first.

    Returns
    -------
    Components
        The same components with index ``slot`` upper.

    Raises
    ------
    InputError
        If ``slot`` is out of range or already upper, or the coordinates differ.

    Examples
    --------
    >>> from extremal.symbolic import ricci_tensor
    >>> m = Metric.from_line_element("dtheta**2 + sin(theta)**2*dphi**2", "theta phi")
    >>> mixed = raise_index(ricci_tensor(m), m, 0)
    >>> mixed.upper, mixed[1, 1]
    ((True, False), 1)
    """
    _check(tensor, metric, slot, want_upper=False)
    return _move(tensor, metric.inverse, slot, upper=True)


@guarded("the lowered index")
def lower_index(tensor: Components, metric: Metric, slot: int) -> Components:
    r"""Lower index ``slot`` of ``tensor``: :math:`T_{\cdots a\cdots} = g_{ab}T^{\cdots b\cdots}`.

    Parameters are as for :func:`raise_index`; index ``slot`` must be upper.

    Examples
    --------
    >>> from extremal.symbolic import riemann_tensor
    >>> m = Metric.from_line_element("dtheta**2 + sin(theta)**2*dphi**2", "theta phi")
    >>> lowered = lower_index(riemann_tensor(m), m, 0)
    >>> lowered.upper, lowered[0, 1, 0, 1]
    ((False, False, False, False), sin(theta)**2)
    """
    _check(tensor, metric, slot, want_upper=True)
    return _move(tensor, metric.g, slot, upper=False)
