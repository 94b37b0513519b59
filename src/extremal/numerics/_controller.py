r"""Step-size control: accept a step or not, and propose the next one, from its error estimate.

Each integration method owns one controller (:attr:`DormandPrince853.controller`); the
whole-array loop and the compiled integrator both read their tolerances and limits from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

__all__ = ["ConstantStep", "ErrorController"]

Array = NDArray[np.float64]
Mask = NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class ErrorController:
    r"""The integral controller of Hairer, Nørsett & Wanner (*Solving ODEs I*, Sec. II.4).

    A step whose weighted RMS error (scaled by :math:`a + r\max(|y_n|, |y_{n+1}|)`) is at most 1
    is accepted; the next step is :math:`h \cdot \mathrm{clip}(0.9\,\mathrm{err}^{-1/(q+1)}, 0.2, 10)`,
    at most :math:`h` right after a rejection, :math:`q` the order of the error estimator.

    Examples
    --------
    >>> c = ErrorController(rtol=1e-8, atol=1e-10, error_order=4)
    >>> accept, h = c.propose(np.array([0.5, 4.0]), np.array([0.1, 0.1]), np.array([False, False]))
    >>> accept.tolist(), h.round(4).tolist()
    ([True, False], [0.1034, 0.0682])
    """

    rtol: float
    atol: float
    error_order: int
    safety: float = 0.9
    min_factor: float = 0.2
    max_factor: float = 10.0
    adaptive: ClassVar[bool] = True

    @property
    def exponent(self) -> float:
        """:math:`-1/(q+1)`."""
        return -1.0 / (self.error_order + 1)

    def scale(self, y: Array, y_new: Array, out: Array, work: Array) -> Array:
        """:math:`a + r\\max(|y|, |y_{new}|)` into ``out`` (``work`` is scratch of the same shape)."""
        np.abs(y, out=out)
        np.maximum(out, np.abs(y_new, out=work), out=out)
        out *= self.rtol
        out += self.atol
        return out

    def propose(self, err: Array, h: Array, rejected_last: Mask) -> tuple[Mask, Array]:
        """Which steps are accepted, and the next step sizes (``err`` NaN counts as infinite)."""
        accept = err <= 1.0
        with np.errstate(divide="ignore"):
            factor = np.clip(self.safety * err**self.exponent, self.min_factor, self.max_factor)
        factor = np.where(accept & rejected_last, np.minimum(factor, 1.0), factor)
        return accept, h * factor


@dataclass(frozen=True, slots=True)
class ConstantStep:
    """The same step ``dt`` every time; a step is accepted when the right-hand side stayed finite.

    Examples
    --------
    >>> ConstantStep(0.1).propose(np.array([True, False]), np.array([0.1, 0.1]), np.array([False, False]))
    (array([ True, False]), array([0.1, 0.1]))
    """

    dt: float
    adaptive: ClassVar[bool] = False

    def propose(self, finite: Mask, h: Array, rejected_last: Mask) -> tuple[Mask, Array]:
        """Accept the finite steps; the next step is ``h`` again."""
        return finite, h
