r"""Mechanics as geometry, numerically [1]_: Newton's paths are Jacobi-metric geodesics.

For :math:`L = \tfrac12 g_{ij}\dot x^i\dot x^j - U(x)` at energy :math:`E` the paths are the
geodesics of :math:`\tilde g = (E - U)\,g` (eq. (84) of [1]_). Started with the same velocity
:math:`x'(0) = \dot x(0)`, the geodesic keeps :math:`\tilde g(x', x') = 2(E - U_0)^2`, and
comparing with :math:`g(\dot x, \dot x) = 2(E - U)` gives the clock

.. math:: \frac{dt}{ds} = \frac{E - U(x_0)}{E - U(x(s))},

integrated with the geodesic. Newton's trajectory is then sampled at the same times
:math:`t(s)` and the two curves are compared point by point.

References
----------
.. [1] Su Jianlin, "Understanding Riemannian geometry, 8: Geometry everywhere (mechanics made
   geometric)", https://kexue.fm/archives/4046.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy as sp
from numpy.typing import ArrayLike, NDArray

from extremal.errors import InputError
from extremal.numerics._checks import batch_rows, check_size, real_array, samples
from extremal.numerics._compile import CompiledFunction, compile_function, compile_rhs
from extremal.numerics._methods import DormandPrince853, Method
from extremal.numerics._runge_kutta import integrate
from extremal.numerics._status import HasStatus, Status
from extremal.numerics._trajectories import compile_lagrangian
from extremal.symbolic._geodesic import geodesic_accelerations
from extremal.symbolic._jacobi import jacobi_metric, mechanical_lagrangian
from extremal.symbolic._lagrangian import velocity_symbol
from extremal.symbolic._metric import Metric
from extremal.symbolic._parsing import parse

__all__ = ["JacobiComparison", "newton_vs_jacobi"]

Array = NDArray[np.float64]


@dataclass(frozen=True, slots=True, eq=False)
class JacobiComparison(HasStatus):
    """Newton's trajectories beside the Jacobi-metric geodesics with matching initial data.

    Attributes
    ----------
    coords : tuple of str
    s : ndarray, shape (N, m)
        Affine parameter of the Jacobi geodesic.
    t : ndarray, shape (N, m)
        Newtonian time :math:`t(s)` from the clock equation.
    x_jacobi, x_newton : ndarray, shape (N, m, n)
        The geodesic and Newton's trajectory at the same times.
    energy : ndarray, shape (N,)
        :math:`E = \\tfrac12 g(v_0, v_0) + U(x_0)`.
    status : ndarray, shape (N,)
        Worst :class:`Status` of the two integrations.
    """

    coords: tuple[str, ...]
    s: Array
    t: Array
    x_jacobi: Array
    x_newton: Array
    energy: Array
    status: NDArray[np.int8]

    def distance(self) -> Array:
        """Largest coordinate distance between the two curves at equal times, shape (N,)."""
        gap = np.linalg.norm(self.x_jacobi - self.x_newton, axis=-1)
        return np.nanmax(gap, axis=1)


@lru_cache(maxsize=32)
def _jacobi_system(kinetic: Metric, potential: sp.Expr) -> tuple[CompiledFunction, CompiledFunction]:
    x = kinetic.coords
    n = len(x)
    E, c = sp.Symbol("E_jacobi"), sp.Symbol("c_jacobi")
    w = tuple(velocity_symbol(q) for q in x)
    acceleration = list(geodesic_accelerations(jacobi_metric(kinetic, potential, E)))
    t, s = sp.Symbol("t_clock"), sp.Symbol("s")
    states = (*x, *w, t, E, c)
    rhs = compile_rhs(states, (*w, *acceleration, c / (E - potential), 0, 0), s)
    kinetic_energy = sum(kinetic.g[i, j] * w[i] * w[j] for i in range(n) for j in range(n)) / 2
    energies = compile_function((*x, *w), [kinetic_energy + potential, potential], s)
    return rhs, energies


def newton_vs_jacobi(
    kinetic: Metric,
    potential: str | sp.Expr,
    x0: ArrayLike,
    v0: ArrayLike,
    s: float | ArrayLike,
    *,
    energy: float | ArrayLike | None = None,
    method: Method | None = None,
) -> JacobiComparison:
    r"""Integrate Newton's equations and the Jacobi-metric geodesics from the same data and compare.

    Parameters
    ----------
    kinetic : Metric
        The kinetic metric :math:`g` (:math:`T = \tfrac12 g\dot x\dot x`), numeric.
    potential : str or sympy.Expr
        :math:`U(x)` with numeric parameters.
    x0, v0 : array_like, shape (n,) or (N, n)
        Initial position and Newtonian velocity; :math:`E` follows from them.
    s : float or array_like, shape (m,)
        The samples of the geodesic's affine parameter; or its end (start 0), which gives 101
        evenly spaced samples on :math:`[0, s]`, where the two curves are compared.
    energy : float or array_like, shape (N,), optional
        Total energy :math:`E`; ``v0`` then only gives the direction and is rescaled so that
        :math:`\tfrac12 g(v_0, v_0) + U(x_0) = E`.
    method : DormandPrince54, DormandPrince853 or FixedStep
        Used for both; default ``DormandPrince853(rtol=1e-12, atol=1e-12)``.

    Returns
    -------
    JacobiComparison

    Raises
    ------
    InputError
        If the shapes are wrong or the values not real numbers, ``s`` is zero or not finite,
        :math:`E \le U(x_0)` (no motion: the Jacobi metric degenerates), or ``energy`` is given
        with a zero direction ``v0``. A row whose ``x0`` or ``v0`` is not finite is not an error:
        it gets ``Status.NONFINITE``.
    LimitError
        If N × m × (2n + 3) values would exceed ``extremal.limits(max_size=...)``.

    Examples
    --------
    A 2-D harmonic oscillator, :math:`U = (x^2 + 4y^2)/2`:

    >>> flat = Metric.from_line_element("dx**2 + dy**2", "x y")
    >>> c = newton_vs_jacobi(flat, "(x**2 + 4*y**2)/2", [1.0, 0.5], [0.3, 0.7], 2.0)
    >>> bool(c.distance()[0] < 1e-9)
    True

    The same orbit family at a prescribed energy:

    >>> c = newton_vs_jacobi(flat, "(x**2 + 4*y**2)/2", [1.0, 0.5], [0.3, 0.7], 2.0, energy=3.0)
    >>> float(c.energy[0])
    3.0
    """
    if not isinstance(kinetic, Metric):
        raise InputError(f"kinetic must be a Metric; got {type(kinetic).__name__}.")
    n = kinetic.dim
    U = parse(potential, {q.name: q for q in kinetic.coords}, "potential")
    rhs, energies = _jacobi_system(kinetic, U)
    names = tuple(q.name for q in kinetic.coords)
    X0, V0 = batch_rows(n, names, x0=x0, v0=v0)
    N = X0.shape[0]
    sampled = samples("s", s, "parameter")
    check_size("newton_vs_jacobi", rows=N, samples=sampled.size, components=2 * n + 3)
    finite = np.all(np.isfinite(X0), axis=1) & np.all(np.isfinite(V0), axis=1)
    with np.errstate(all="ignore"):
        E, U0 = energies(0.0, np.concatenate([X0, V0], axis=1).T)
    if energy is not None:
        target = real_array("energy", energy, f"a number or shape ({N},)")
        try:
            target = np.broadcast_to(target, (N,))
        except ValueError:
            raise InputError(
                f"energy must be a number or an array of shape ({N},); got shape {target.shape}."
            ) from None
        if not np.all(np.isfinite(target)):
            raise InputError(f"energy must be finite; got {energy!r}.")
        kinetic_now = np.where(finite, E - U0, 1.0)
        U0 = np.where(finite, U0, target - 1.0)
        if np.any(~(kinetic_now > 0)):
            bad = int(np.flatnonzero(~(kinetic_now > 0))[0])
            raise InputError(
                f"v0[{bad}] = {V0[bad].tolist()} gives no direction to rescale to energy={target[bad]}; "
                "pass a nonzero v0."
            )
        if np.any(~(target > U0)):
            bad = int(np.flatnonzero(~(target > U0))[0])
            raise InputError(
                f"energy={target[bad]} is not above U(x0[{bad}]) = {U0[bad]}: x0 lies outside the region the "
                "motion can reach (where the Jacobi metric (E - U) g is positive). Raise the energy or move x0."
            )
        V0 = V0 * np.sqrt((target - U0) / kinetic_now)[:, None]
        E = target.copy()
    with np.errstate(invalid="ignore"):
        moving = (E - U0 > 0) | ~finite
    if not np.all(moving):
        bad = int(np.flatnonzero(~moving)[0])
        raise InputError(
            f"row {bad} has E - U(x0) = {E[bad] - U0[bad]} <= 0: the particle is at rest, where the Jacobi metric "
            "(E - U) g degenerates. Give it a nonzero velocity v0."
        )
    method = DormandPrince853(rtol=1e-12, atol=1e-12) if method is None else method
    with np.errstate(invalid="ignore"):
        y0 = np.concatenate([X0, V0, np.zeros((N, 1)), E[:, None], (E - U0)[:, None]], axis=1)
    geo = integrate(rhs, y0, (sampled[0], sampled[-1]), method, t_eval=sampled)
    clock = geo.y[..., 2 * n]
    ok = geo.success & np.all(np.isfinite(clock), axis=1)
    x_newton = np.full((N, sampled.size, n), np.nan)
    status = geo.status.copy()
    if np.any(ok):
        rows = np.flatnonzero(ok)
        times = np.maximum.accumulate(clock[rows], axis=1)  # t(s) may stall by a rounding step near a collision
        newton = integrate(
            compile_lagrangian(mechanical_lagrangian(kinetic, U)),
            np.concatenate([X0[rows], V0[rows]], axis=1),
            (0.0, times[:, -1]),
            method,
            t_eval=times,
        )
        x_newton[rows] = newton.y[..., :n]
        status[rows] = np.maximum(status[rows], newton.status)
    return JacobiComparison(
        coords=tuple(q.name for q in kinetic.coords),
        s=np.broadcast_to(sampled, (N, sampled.size)).copy(),
        t=clock,
        x_jacobi=geo.y[..., :n],
        x_newton=x_newton,
        energy=E,
        status=np.where(status == Status.EVENT, Status.SUCCESS, status).astype(np.int8),
    )
