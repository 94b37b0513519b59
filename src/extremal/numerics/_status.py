"""Per-trajectory outcome codes shared by every batched solver."""

from __future__ import annotations

from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

__all__ = ["HasStatus", "Status", "status_counts", "succeeded"]


class Status(IntEnum):
    """Outcome of one trajectory (or one boundary-value solve) in a batch.

    Examples
    --------
    >>> Status(0).name, Status.EVENT.name
    ('SUCCESS', 'EVENT')
    """

    SUCCESS = 0
    """Reached the end of the requested interval (or converged)."""
    EVENT = 1
    """Stopped early because an event function changed sign."""
    MAX_STEPS = 2
    """Ran out of the method's ``max_steps``."""
    STEP_TOO_SMALL = 3
    """The step size collapsed (below ``2**-40`` of the span, or 10 ulps of ``t``): a singularity ahead."""
    NONFINITE = 4
    """An initial value was NaN or infinite, or the right-hand side became so along the path."""
    OUTSIDE_CHART = 5
    """The initial point is outside the chart (``det g`` zero, NaN or infinite there), or the path left
    the chart: it stopped on the edge, where a factor of ``det g`` or of a denominator of ``g``
    changes sign (``r = 0``, a pole ``theta = 0``, a horizon), or where ``g`` jumps."""
    NOT_CONVERGED = 6
    """A boundary-value solve did not reach its tolerance."""
    CONJUGATE = 7
    """A boundary-value solve converged, but the geodesic passes or ends at a point conjugate to its
    start, so it is not the shortest path between its end points."""


def status_counts(status: NDArray[np.int8]) -> dict[str, int]:
    """Count the members of a ``status`` array by name, e.g. ``{'SUCCESS': 9, 'EVENT': 1}``.

    Examples
    --------
    >>> status_counts(np.array([0, 0, 1], dtype=np.int8))
    {'SUCCESS': 2, 'EVENT': 1}
    """
    values, counts = np.unique(np.asarray(status), return_counts=True)
    return {Status(int(v)).name: int(c) for v, c in zip(values, counts, strict=True)}


def succeeded(status: NDArray[np.int8]) -> NDArray[np.bool_]:
    """``True`` where a ``status`` array says ``SUCCESS`` or ``EVENT``: the row reached its end or an event.

    Examples
    --------
    >>> succeeded(np.array([Status.SUCCESS, Status.EVENT, Status.MAX_STEPS], dtype=np.int8)).tolist()
    [True, True, False]
    """
    status = np.asarray(status)
    return (status == Status.SUCCESS) | (status == Status.EVENT)


class HasStatus:
    """Base of the batch results: their ``success`` comes from their ``status`` field, defined here once."""

    __slots__ = ()
    status: NDArray[np.int8]

    @property
    def success(self) -> NDArray[np.bool_]:
        """``True`` where the row reached its end or an event (see :func:`succeeded`), shape (N,)."""
        return succeeded(self.status)
