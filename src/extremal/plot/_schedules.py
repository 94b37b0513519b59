"""Pictures of learning-rate schedules beside the gradient norms they come from (matplotlib, ``plot`` extra)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from extremal.errors import InputError
from extremal.plot._geodesics import pyplot

__all__ = ["plot_schedule"]


def _curve(values: ArrayLike, name: str, size: int | None) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a 1-D sequence of numbers; got {type(values).__name__}.") from None
    if array.ndim != 1 or array.size == 0:
        raise InputError(f"{name} must be a non-empty 1-D sequence of numbers; got shape {array.shape}.")
    if size is not None and array.size != size:
        raise InputError(f"{name} has {array.size} entries; it needs one per step, {size} like the norms.")
    return array


def plot_schedule(
    norms: ArrayLike, rates: ArrayLike | Mapping[str, ArrayLike], ax: Any = None
) -> Any:
    r"""Draw the gradient norms :math:`G_t` (left axis, log scale) and learning rates :math:`η_t` (right axis).

    Parameters
    ----------
    norms : array_like, shape (T,)
        Gradient norms, one per step.
    rates : array_like, shape (T,), or mapping of label to array_like
        One schedule, or several to compare (each drawn and labelled).
    ax : matplotlib Axes, optional
        Where to draw the norms; the rates go on its twin. A new figure by default.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    InputError
        If a curve is not a non-empty 1-D sequence of numbers, or its length differs from ``norms``.

    Examples
    --------
    >>> from extremal.optim import refined
    >>> g = np.array([4.0, 2.0, 1.0, 1.0, 1.0])
    >>> fig = plot_schedule(g, {"refined": refined(g, radius=1.0)})
    >>> [a.get_ylabel() for a in fig.axes]
    ['gradient norm G_t', 'learning rate η_t']
    """
    g = _curve(norms, "norms", None)
    curves = dict(rates) if isinstance(rates, Mapping) else {"η_t": rates}
    checked = {label: _curve(values, f"rates[{label!r}]", g.size) for label, values in curves.items()}
    if ax is None:
        fig = pyplot().figure(figsize=(6.0, 3.6), layout="constrained")
        ax = fig.add_subplot()
    fig = ax.figure
    steps = np.arange(1, g.size + 1)
    ax.semilogy(steps, np.where(g > 0, g, np.nan), color="0.55", lw=1.0, label="G_t")
    ax.set_xlabel("step t")
    ax.set_ylabel("gradient norm G_t")
    right = ax.twinx()
    for index, (label, values) in enumerate(checked.items()):
        right.plot(steps, values, color=f"C{index}", lw=1.6, label=label)
    right.set_ylabel("learning rate η_t")
    right.set_ylim(bottom=0.0)
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    right.legend(handles, [h.get_label() for h in handles], fontsize=8, loc="upper right")
    return fig
