r"""Stage combinations and the dense-output interpolant of the whole-array loop.

The scaled stages of a step are stored as ``Z`` of shape (S + 1, d, k): ``Z[0]`` the start
state :math:`y_n` and ``Z[j + 1] = h k_j`` (component-major, one column per trajectory), so
a stage state :math:`y_n + h\sum_j a_{sj}k_j` is one product of the row
``(1, a_{s0}, a_{s1}, ...)`` with the leading rows of ``Z``, and the interpolant

.. math:: y(t_n + \theta h) = y_n + \sum_s \Big(\sum_p d_{sp}\theta^{p+1}\Big) h k_s

one product with the tableau's dense coefficients.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from extremal.numerics._tableaux import ButcherTableau

__all__ = ["combine", "extra_stages", "interpolate", "stage_coefficients"]

Array = NDArray[np.float64]
Evaluate = Callable[[Array, Array, Array, Array], object]
"""``evaluate(t, y, out, scale)``: the right-hand side at ``(t, y)`` times ``scale``, into ``out``."""


def stage_coefficients(tab: ButcherTableau) -> Array:
    """Rows ``(1, a_{s0}, ..., a_{s,s-1})`` acting on ``(y, h k_0, h k_1, ...)``.

    Examples
    --------
    >>> from extremal.numerics._tableaux import DOPRI5_TABLEAU
    >>> stage_coefficients(DOPRI5_TABLEAU)[1, :2].tolist()
    [1.0, 0.2]
    """
    coef = np.zeros((tab.n_dense_stages, tab.n_dense_stages + 1))
    coef[:, 0] = 1.0
    coef[:, 1:] = tab.a
    return coef


def combine(coef: Array, Z: Array, out: Array) -> Array:
    """``out = sum_j coef[j] * Z[j]`` over the leading ``len(coef)`` rows of ``Z`` (one BLAS call)."""
    rows, d, k = Z.shape
    with np.errstate(invalid="ignore", over="ignore"):
        np.matmul(coef, Z.reshape(rows, d * k)[: coef.size], out=out.reshape(d * k))
    return out


def extra_stages(tab: ButcherTableau, coef: Array, evaluate: Evaluate, t: Array, hs: Array, Z: Array) -> None:
    """Fill the rows of ``Z`` only the dense output needs (DOP853's three), in place."""
    ys = np.empty(Z.shape[1:])
    for s in range(tab.n_stages + 1, tab.n_dense_stages):
        combine(coef[s, : s + 1], Z, ys)
        evaluate(t + tab.c[s] * hs, ys, Z[s + 1], hs)


def interpolate(tab: ButcherTableau, Z: Array, theta: Array) -> Array:
    """The interpolant at ``theta`` (shape (k,), in [0, 1]) from the scaled stages ``Z``, shape (d, k)."""
    powers = theta[None, :] ** np.arange(1, tab.dense.shape[1] + 1)[:, None]
    weights = tab.dense @ powers
    return Z[0] + np.einsum("sk,sdk->dk", weights, Z[1:])  # type: ignore[no-any-return]
