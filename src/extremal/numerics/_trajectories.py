r"""Trajectories of any Lagrangian: its Euler–Lagrange equations, compiled and integrated in batches.

The solved equations :math:`\ddot q = A(q, \dot q, t)` become the first-order system
:math:`\frac{d}{dt}(q, \dot q) = (\dot q, A)`; when :math:`L` does not depend on :math:`t`
explicitly, the energy :math:`H = \dot q\,\partial L/\partial\dot q - L` is conserved and its
drift is reported.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray

from extremal.errors import InputError
from extremal.numerics._checks import batch_rows, check_size, samples
from extremal.numerics._chunked import Executor, Progress
from extremal.numerics._compile import (
    Backend,
    CompiledFunction,
    NumbaBackend,
    check_backend,
    compile_function,
    compile_rhs,
    with_backend,
)
from extremal.numerics._events import Event
from extremal.numerics._methods import DormandPrince853, Method
from extremal.numerics._runge_kutta import integrate
from extremal.numerics._status import HasStatus
from extremal.symbolic._lagrangian import Lagrangian, energy, euler_lagrange

__all__ = ["TrajectoryBatch", "compile_lagrangian", "trajectories"]

Array = NDArray[np.float64]


@dataclass(frozen=True, slots=True, eq=False)
class TrajectoryBatch(HasStatus):
    """N trajectories sampled at m times, as arrays (batch, sample, component).

    Attributes
    ----------
    coords : tuple of str
    t : ndarray, shape (N, m)
    q, qdot : ndarray, shape (N, m, n)
        NaN after a trajectory stopped early.
    t_final : ndarray, shape (N,)
    q_final, qdot_final : ndarray, shape (N, n)
    status : ndarray, shape (N,)
        :class:`Status` codes.
    energy : ndarray, shape (N, m) or None
        :math:`H` at the samples, when :math:`L` has no explicit time dependence.
    drift : ndarray, shape (N,) or None
        :math:`\\max |H - H(t_0)|` over the samples and the end point (``energy_drift`` before,
        a deprecated alias for one release).
    """

    coords: tuple[str, ...]
    t: Array
    q: Array
    qdot: Array
    t_final: Array
    q_final: Array
    qdot_final: Array
    status: NDArray[np.int8]
    energy: Array | None
    drift: Array | None

    @property
    def energy_drift(self) -> Array | None:
        """Deprecated alias of :attr:`drift`, the spelling :class:`GeodesicBatch` uses."""
        warnings.warn(
            "TrajectoryBatch.energy_drift is renamed drift, as in GeodesicBatch; energy_drift goes in the next "
            "release.",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.drift


@lru_cache(maxsize=64)
def compile_lagrangian(lagrangian: Lagrangian) -> CompiledFunction:
    r"""The Euler–Lagrange equations as a first-order right-hand side in :math:`(q, \dot q)` (cached).

    Examples
    --------
    >>> rhs = compile_lagrangian(Lagrangian.parse("xdot**2/2 - x**2/2", "x"))
    >>> rhs(0.0, np.array([[1.0], [0.0]]))
    array([[ 0.],
           [-1.]])
    """
    L = lagrangian
    return compile_rhs((*L.coords, *L.velocities), (*L.velocities, *euler_lagrange(L).solved_accelerations), L.time)


@lru_cache(maxsize=64)
def _energy(lagrangian: Lagrangian) -> CompiledFunction | None:
    L = lagrangian
    return None if L.expr.has(L.time) else compile_function((*L.coords, *L.velocities), [energy(L)], L.time)


def trajectories(
    lagrangian: Lagrangian,
    q0: ArrayLike,
    qdot0: ArrayLike,
    t: ArrayLike,
    *,
    method: Method | None = None,
    events: Sequence[Event] = (),
    strict: bool = False,
    backend: Backend | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> TrajectoryBatch:
    r"""Integrate the Euler–Lagrange equations of ``lagrangian`` for N initial conditions.

    Parameters
    ----------
    lagrangian : Lagrangian
        With numeric parameters only (substitute symbols such as ``mu`` first).
    q0, qdot0 : array_like, shape (n,) or (N, n)
        Initial coordinates and velocities.
    t : float or array_like, shape (m,)
        The output times, starting at the first; or the end time (start 0), which gives 101 evenly
        spaced times on :math:`[0, t]`, read from the dense output of the integrator (no extra
        steps), enough to plot the trajectories as smooth curves.
    method : DormandPrince54, DormandPrince853 or FixedStep
        Default ``DormandPrince853(rtol=1e-10, atol=1e-12)``.
    events : sequence of Event
        Terminal events on the state ``(q, qdot)`` of shape (2n, k).
    strict : bool
        Raise :class:`IntegrationError` if a trajectory failed.
    backend : Backend or None
        Where the step loop runs (see :func:`integrate`): by default the compiled integrator when
        numba is installed and the events are :func:`crossing` events, else the NumPy loop.
    executor : executor or None
        Run the batch in chunks on this executor's workers, e.g. ``dask.distributed.Client(...)``.
    progress : callable or None
        ``progress(done, total)`` as chunks of trajectories finish.

    Returns
    -------
    TrajectoryBatch
        A row whose ``q0`` or ``qdot0`` is not finite gets ``Status.NONFINITE``; the others are
        integrated as usual.

    Raises
    ------
    InputError
        For wrongly shaped or non-numeric inputs, a zero or non-finite ``t``, an option out of
        range, or a Lagrangian with free parameters.
    LimitError
        If N × m × 2n values would exceed ``extremal.limits(max_size=...)``.

    References
    ----------
    Su Jianlin, "Changing coordinates with the calculus of variations", https://kexue.fm/archives/3181,
    eq. (3): the two-body action in polar coordinates.

    Examples
    --------
    The planar two-body problem in polar coordinates, a circular orbit:

    >>> L = Lagrangian.parse("(rdot**2 + r**2*thetadot**2)/2 + 1/r", "r theta")
    >>> b = trajectories(L, [1.0, 0.0], [0.0, 1.0], 2 * np.pi)
    >>> b.q_final.round(8) + 0.0, bool(b.drift[0] < 1e-12)
    (array([[1.        , 6.28318531]]), True)
    """
    if not isinstance(lagrangian, Lagrangian):
        raise InputError(
            f"lagrangian must be a Lagrangian; got {type(lagrangian).__name__}. "
            "Use Lagrangian.parse('xdot**2/2 - x**2/2', 'x')."
        )
    rhs, H = compile_lagrangian(lagrangian), _energy(lagrangian)
    if backend is not None:
        check_backend(backend)
        if not isinstance(backend, NumbaBackend):
            rhs = with_backend(rhs, backend)
    n = len(lagrangian.coords)
    coords = tuple(q.name for q in lagrangian.coords)
    Q0, V0 = batch_rows(n, coords, q0=q0, qdot0=qdot0)
    N = Q0.shape[0]
    y0 = np.concatenate([Q0, V0], axis=1)
    times = samples("t", t, "time")
    check_size("trajectories", rows=N, samples=times.size, components=2 * n)
    method = DormandPrince853(rtol=1e-10, atol=1e-12) if method is None else method
    sol = integrate(
        rhs, y0, (times[0], times[-1]), method, t_eval=times, events=events, strict=strict, backend=backend,
        executor=executor, progress=progress,
    )
    H_along = H_drift = None
    if H is not None:
        with np.errstate(invalid="ignore"):
            H0 = H(times[0], y0.T)[0]
            H_along = H(sol.t, np.moveaxis(sol.y, -1, 0))[0]
            H_end = H(sol.t_final, sol.y_final.T)[0]
            H_drift = np.fmax(np.nanmax(np.abs(H_along - H0[:, None]), axis=1, initial=0.0), np.abs(H_end - H0))
    return TrajectoryBatch(
        coords=tuple(q.name for q in lagrangian.coords),
        t=sol.t,
        q=sol.y[..., :n],
        qdot=sol.y[..., n:],
        t_final=sol.t_final,
        q_final=sol.y_final[:, :n],
        qdot_final=sol.y_final[:, n:],
        status=sol.status,
        energy=H_along,
        drift=H_drift,
    )
