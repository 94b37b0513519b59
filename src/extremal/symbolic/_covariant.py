r"""The covariant derivative of a tensor, with the Christoffel symbols of its metric.

.. math::
    \nabla_c T^{a\cdots}{}_{b\cdots} = \partial_c T^{a\cdots}{}_{b\cdots}
        + \Gamma^a_{cd}\,T^{d\cdots}{}_{b\cdots} + \cdots
        - \Gamma^d_{cb}\,T^{a\cdots}{}_{d\cdots} - \cdots

(Wald, *General Relativity*, eq. 3.1.14). The derivative index is appended last, so for a
rank-k tensor the result has k + 1 indices, the last one lower.
"""

from __future__ import annotations

import itertools

import sympy as sp

from extremal.symbolic._boundary import guarded
from extremal.symbolic._calculus import diff_real
from extremal.symbolic._christoffel import christoffel
from extremal.symbolic._components import Components
from extremal.symbolic._metric import Metric, require_metric
from extremal.symbolic._simplification import readable
from extremal.symbolic._tensors import tensor_of

__all__ = ["covariant_derivative", "metric_tensor"]


def metric_tensor(metric: Metric) -> Components:
    """The metric itself as a tensor result :math:`g_{ab}`, e.g. to check :math:`\\nabla g = 0`.

    Examples
    --------
    >>> metric_tensor(Metric.from_line_element("dr**2 + r**2*dth**2", "r th"))[1, 1]
    r**2
    """
    require_metric(metric, "metric")
    return Components(metric.coords, sp.ImmutableDenseNDimArray(metric.g.tolist()), "g", (False, False))


@guarded("the covariant derivative")
def covariant_derivative(tensor: Components, metric: Metric) -> Components:
    r"""The covariant derivative :math:`\nabla_c T`, with the derivative index ``c`` last.

    Parameters
    ----------
    tensor : Components
        Any tensor result (``ricci_tensor(m)``, ``raise_index(einstein_tensor(m), m, 0)``,
        ``metric_tensor(m)``, ...) in the coordinates of ``metric``.
    metric : Metric
        The metric whose Christoffel symbols define the connection.

    Returns
    -------
    Components
        Shape ``(*tensor.shape, n)``; ``upper`` is ``tensor.upper`` followed by ``False``.

    Examples
    --------
    The metric is covariantly constant:

    >>> m = Metric.from_line_element("dtheta**2 + sin(theta)**2*dphi**2", "theta phi")
    >>> covariant_derivative(metric_tensor(m), m).nonzero()
    {}
    """
    tensor = tensor_of(tensor, metric)
    n, shape, upper = metric.dim, tensor.shape, tensor.upper
    gamma = christoffel(metric).array
    out = sp.MutableDenseNDimArray.zeros(*shape, n)
    for index in itertools.product(*(range(k) for k in shape)):
        for c in range(n):
            terms = [diff_real(tensor.array[index], metric.coords[c])]
            for slot, is_upper in enumerate(upper):
                for d in range(n):
                    moved = tensor.array[(*index[:slot], d, *index[slot + 1:])]
                    if moved == 0:
                        continue
                    if is_upper:
                        terms.append(gamma[index[slot], c, d] * moved)
                    else:
                        terms.append(-gamma[d, c, index[slot]] * moved)
            out[(*index, c)] = readable(sp.Add(*terms))
    return Components(tensor.coords, sp.ImmutableDenseNDimArray(out), rf"\nabla {tensor.name}", (*upper, False))
