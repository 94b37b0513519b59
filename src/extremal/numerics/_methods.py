r"""Integration methods: a tableau plus its step-size controller, as small immutable values.

Every method has the same shape: ``tableau``, ``order``, ``controller`` and ``max_steps``.

Adaptive methods keep, for every trajectory separately, the weighted RMS error

.. math:: \mathrm{err} = \Big\| \frac{h\sum_i e_i k_i}{a + r\max(|y_n|, |y_{n+1}|)} \Big\|_{\mathrm{rms}}

(:math:`a` = ``atol``, :math:`r` = ``rtol``) below one and rescale the step by
:math:`0.9\,\mathrm{err}^{-1/(q+1)}` (clipped to :math:`[0.2, 10]`), :math:`q` the order of
the error estimator (Hairer, Nørsett & Wanner, *Solving ODEs I*, Sec. II.4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from extremal.errors import InputError
from extremal.numerics._checks import count, positive
from extremal.numerics._controller import ConstantStep, ErrorController
from extremal.numerics._tableaux import DOP853_TABLEAU, DOPRI5_TABLEAU, ButcherTableau

__all__ = ["DormandPrince54", "DormandPrince853", "FixedStep", "Method"]

_STEPS_HINT = "Pass the number of steps allowed per trajectory, e.g. max_steps=100_000."


class _Adaptive:
    """What the adaptive methods share: their order and a controller with their tolerances."""

    __slots__ = ()
    rtol: float
    atol: float

    if TYPE_CHECKING:

        @property
        def tableau(self) -> ButcherTableau: ...

    @property
    def order(self) -> int:
        """Order of the propagated solution (5 or 8)."""
        return self.tableau.order

    @property
    def controller(self) -> ErrorController:
        """The step-size controller with these tolerances."""
        return ErrorController(self.rtol, self.atol, self.tableau.error_order)


def _check_adaptive(method: DormandPrince54 | DormandPrince853) -> None:
    hint = "Typical values are 1e-6 to 1e-12."
    positive("rtol", method.rtol, hint, at_most=1.0)
    positive("atol", method.atol, hint)
    if method.rtol < 1e-15:
        raise InputError(f"rtol={method.rtol!r} is below double precision; pass rtol >= 1e-15.")
    count("max_steps", method.max_steps, _STEPS_HINT)


@dataclass(frozen=True, slots=True)
class DormandPrince54(_Adaptive):
    """Dormand–Prince 5(4) with per-trajectory adaptive steps and quartic dense output.

    Parameters
    ----------
    rtol, atol : float
        Relative and absolute tolerance of the local error estimate: finite, ``atol > 0`` and
        ``1e-15 <= rtol <= 1``.
    max_steps : int
        Accepted plus rejected steps allowed per trajectory before ``Status.MAX_STEPS`` (at least 1).

    Raises
    ------
    InputError
        For a tolerance or step count out of range (booleans are not numbers).

    Examples
    --------
    >>> DormandPrince54(rtol=1e-8).tableau.name
    'DOPRI5'
    """

    rtol: float = 1e-8
    atol: float = 1e-10
    max_steps: int = 100_000

    def __post_init__(self) -> None:
        _check_adaptive(self)

    @property
    def tableau(self) -> ButcherTableau:
        """The Dormand–Prince 5(4) tableau, :data:`DOPRI5_TABLEAU`."""
        return DOPRI5_TABLEAU


@dataclass(frozen=True, slots=True)
class DormandPrince853(_Adaptive):
    """Dormand–Prince 8(5,3) (Hairer's DOP853): the method of choice below ``rtol = 1e-8``.

    Parameters
    ----------
    rtol, atol : float
        Relative and absolute tolerance of the local error estimate: finite, ``atol > 0`` and
        ``1e-15 <= rtol <= 1``.
    max_steps : int
        Accepted plus rejected steps allowed per trajectory before ``Status.MAX_STEPS`` (at least 1).

    Raises
    ------
    InputError
        For a tolerance or step count out of range (booleans are not numbers).

    Examples
    --------
    >>> DormandPrince853(rtol=1e-10, atol=1e-10).tableau.order
    8
    """

    rtol: float = 1e-10
    atol: float = 1e-12
    max_steps: int = 100_000

    def __post_init__(self) -> None:
        _check_adaptive(self)

    @property
    def tableau(self) -> ButcherTableau:
        """The Dormand–Prince 8(5,3) tableau, :data:`DOP853_TABLEAU`."""
        return DOP853_TABLEAU


@dataclass(frozen=True, slots=True)
class FixedStep:
    """Any tableau with a constant step ``dt`` (the last step is shortened to land on the end).

    Useful to measure a method's order: the global error scales as ``dt**tableau.order``.

    Parameters
    ----------
    tableau : ButcherTableau
        ``DOPRI5_TABLEAU``, ``DOP853_TABLEAU`` or another explicit tableau.
    dt : float
        The step, finite and > 0.
    max_steps : int
        Steps allowed per trajectory before ``Status.MAX_STEPS`` (at least 1).

    Raises
    ------
    InputError
        For a non-finite or non-positive ``dt``, a bad ``max_steps`` or a tableau of the wrong type.

    Examples
    --------
    >>> FixedStep(DOPRI5_TABLEAU, dt=0.1).max_steps
    100000
    """

    tableau: ButcherTableau
    dt: float
    max_steps: int = 100_000

    def __post_init__(self) -> None:
        positive("dt", self.dt, "Pass the step of the independent variable, e.g. dt=0.01.")
        count("max_steps", self.max_steps, _STEPS_HINT)
        if not isinstance(self.tableau, ButcherTableau):
            raise InputError(
                "tableau must be a ButcherTableau such as DOPRI5_TABLEAU or DOP853_TABLEAU; "
                f"got {type(self.tableau).__name__}."
            )

    @property
    def order(self) -> int:
        """Order of the tableau's propagated solution."""
        return self.tableau.order

    @property
    def controller(self) -> ConstantStep:
        """Constant steps of ``dt``."""
        return ConstantStep(self.dt)


Method = DormandPrince54 | DormandPrince853 | FixedStep
