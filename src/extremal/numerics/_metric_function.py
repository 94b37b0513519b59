r"""Metrics given as plain Python functions :math:`x \mapsto g(x)`, and how to differentiate them.

Geodesics need :math:`\partial_k g_{ij}`. Three strategies, chosen by passing an object:

* :class:`SymbolicTrace` calls the function once on SymPy symbols (NumPy ufuncs such as
  ``np.sin`` are intercepted), which gives an exact :class:`~extremal.symbolic.Metric`;
  everything downstream is then compiled with CSE as for a symbolic metric.
* :class:`TorchAutodiff` calls it on ``torch`` tensors and takes forward-mode derivatives
  (``torch.func.jvp``) — for functions with branches or library calls SymPy cannot follow.
* :class:`CentralDifference` uses second-order central differences; it is never chosen
  automatically.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import NDArray

from extremal._optional import require
from extremal.errors import InputError, TraceError
from extremal.numerics._checks import count
from extremal.symbolic._metric import Metric
from extremal.symbolic._values import as_sympy

__all__ = [
    "CentralDifference",
    "MetricFunction",
    "SymbolicTrace",
    "TorchAutodiff",
    "formula_accelerations",
    "metric_jet",
    "trace_metric",
]

_UNARY: dict[str, Callable[[sp.Expr], sp.Expr]] = {
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "arcsin": sp.asin, "arccos": sp.acos, "arctan": sp.atan,
    "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh, "arcsinh": sp.asinh, "arccosh": sp.acosh,
    "arctanh": sp.atanh, "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "absolute": sp.Abs,
    "square": lambda a: a**2, "reciprocal": lambda a: 1 / a, "negative": operator.neg, "positive": operator.pos,
}
_BINARY: dict[str, Callable[[sp.Expr, sp.Expr], sp.Expr]] = {
    "add": operator.add, "subtract": operator.sub, "multiply": operator.mul, "true_divide": operator.truediv,
    "divide": operator.truediv, "power": operator.pow, "arctan2": sp.atan2, "hypot": lambda a, b: sp.sqrt(a**2 + b**2),
}


def _unwrap(value: Any) -> sp.Expr:
    if isinstance(value, _Traced):
        return value.expr
    if isinstance(value, bool | np.bool_):
        raise TypeError("cannot trace a bool; a metric entry must be a number")
    if isinstance(value, int | float | complex | np.integer | np.floating | np.complexfloating):
        return as_sympy(value)
    if isinstance(value, sp.Expr):
        return value
    raise TypeError(f"cannot trace a value of type {type(value).__name__}")


class _Traced:
    """A SymPy expression that NumPy ufuncs and Python arithmetic map back to SymPy."""

    __slots__ = ("expr",)
    __array_priority__ = 1000

    def __init__(self, expr: sp.Expr) -> None:
        self.expr = expr

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> _Traced:
        function = _UNARY.get(ufunc.__name__) or _BINARY.get(ufunc.__name__)
        if method != "__call__" or kwargs or function is None:
            raise TypeError(f"numpy.{ufunc.__name__} cannot be traced symbolically")
        return _Traced(function(*(_unwrap(a) for a in inputs)))

    def _binary(self, other: Any, op: Callable[[Any, Any], Any], reflected: bool = False) -> _Traced:
        a, b = self.expr, _unwrap(other)
        return _Traced(op(b, a) if reflected else op(a, b))

    def __add__(self, o: Any) -> _Traced: return self._binary(o, operator.add)
    def __radd__(self, o: Any) -> _Traced: return self._binary(o, operator.add, True)
    def __sub__(self, o: Any) -> _Traced: return self._binary(o, operator.sub)
    def __rsub__(self, o: Any) -> _Traced: return self._binary(o, operator.sub, True)
    def __mul__(self, o: Any) -> _Traced: return self._binary(o, operator.mul)
    def __rmul__(self, o: Any) -> _Traced: return self._binary(o, operator.mul, True)
    def __truediv__(self, o: Any) -> _Traced: return self._binary(o, operator.truediv)
    def __rtruediv__(self, o: Any) -> _Traced: return self._binary(o, operator.truediv, True)
    def __pow__(self, o: Any) -> _Traced: return self._binary(o, operator.pow)
    def __rpow__(self, o: Any) -> _Traced: return self._binary(o, operator.pow, True)
    def __neg__(self) -> _Traced: return _Traced(-self.expr)
    def __pos__(self) -> _Traced: return self
    def __abs__(self) -> _Traced: return _Traced(sp.Abs(self.expr))


for _name, _fn in _UNARY.items():
    setattr(_Traced, _name, lambda self, _fn=_fn: _Traced(_fn(self.expr)))


@dataclass(frozen=True, slots=True)
class SymbolicTrace:
    """Differentiate a metric function exactly by calling it on SymPy symbols.

    Examples
    --------
    >>> SymbolicTrace()
    SymbolicTrace()
    """


@dataclass(frozen=True, slots=True)
class TorchAutodiff:
    """Differentiate a metric function by forward-mode automatic differentiation in torch.

    The function is called with a ``torch.Tensor`` of shape (n, k) and must use torch (or
    Python) operations. Needs the ``torch`` extra.

    Examples
    --------
    >>> TorchAutodiff()
    TorchAutodiff()
    """


@dataclass(frozen=True, slots=True)
class CentralDifference:
    r"""Differentiate by central differences, :math:`\partial_k g \approx (g(x + h e_k) - g(x - h e_k)) / 2h`.

    Error :math:`O(h^2)` plus round-off :math:`O(\epsilon/h)`; use only when neither
    :class:`SymbolicTrace` nor :class:`TorchAutodiff` applies.

    Examples
    --------
    >>> CentralDifference(step=1e-5).step
    1e-05
    """

    step: float = 1e-5

    def __post_init__(self) -> None:
        if isinstance(self.step, bool) or not (isinstance(self.step, int | float) and 0 < self.step < 1):
            raise InputError(f"step must be a number in (0, 1); got {self.step!r}. A typical value is 1e-5.")


Differentiation = SymbolicTrace | TorchAutodiff | CentralDifference


@dataclass(frozen=True, slots=True)
class MetricFunction:
    """A metric given numerically: ``function(x)`` returns the n×n matrix ``g`` at ``x``.

    Parameters
    ----------
    function : callable
        ``function(x) -> g``; ``x`` supports ``x[i]`` (row ``i`` of shape (k,), or a symbol when
        traced); ``g`` is an n×n nested sequence or array whose entries are numbers or rows.
    dim : int
        Number of coordinates ``n``.
    differentiation : SymbolicTrace, TorchAutodiff, CentralDifference or None
        How to obtain :math:`\\partial g`; ``None`` tries :class:`SymbolicTrace`, then
        :class:`TorchAutodiff`.

    Examples
    --------
    >>> sphere = MetricFunction(lambda x: [[1, 0], [0, np.sin(x[0])**2]], dim=2)
    >>> trace_metric(sphere).g
    Matrix([
    [1,            0],
    [0, sin(x0)**2]])
    """

    function: Callable[[Any], Any]
    dim: int
    differentiation: Differentiation | None = None

    def __post_init__(self) -> None:
        if not callable(self.function):
            raise InputError(f"function must be callable as function(x) -> g; got {type(self.function).__name__}.")
        count("dim", self.dim, "Pass the number of coordinates, e.g. dim=2.")
        if self.differentiation is not None and not isinstance(
            self.differentiation, SymbolicTrace | TorchAutodiff | CentralDifference
        ):
            raise InputError(
                "differentiation must be SymbolicTrace(), TorchAutodiff(), CentralDifference() or None; "
                f"got {self.differentiation!r}."
            )


def _check_shape(g: Any, n: int) -> None:
    try:
        shape = (len(g), *{len(row) for row in g})
    except TypeError:
        shape = np.shape(g)
    if tuple(shape) != (n, n):
        raise InputError(
            f"the metric function returned shape {tuple(shape)} but dim={n}; it must return an "
            f"{n}x{n} matrix g[i][j] (entries may be numbers or arrays of shape (k,))."
        )


# What a metric function raises when it does something symbols cannot: branch on a value
# (TypeError), call a method SymPy objects lack (AttributeError), index or reshape by value
# (IndexError, ValueError), or reach a SymPy function with no symbolic rule (NotImplementedError).
_UNTRACEABLE = (TypeError, ValueError, AttributeError, IndexError, NotImplementedError)


def trace_metric(metric: MetricFunction) -> Metric:
    """Call ``metric.function`` on symbols ``x0, x1, ...`` and return the exact :class:`Metric`.

    Raises
    ------
    TraceError
        If the function cannot be traced (value-dependent branches, unsupported calls).
    InputError
        If it returns a matrix of the wrong shape, or a non-symmetric one.

    Examples
    --------
    >>> trace_metric(MetricFunction(lambda x: np.diag([1.0, x[0]**2]), dim=2)).g
    Matrix([
    [1.0,     0],
    [  0, x0**2]])
    """
    n = metric.dim
    symbols = sp.symbols(f"x0:{n}", real=True)
    x = np.empty(n, dtype=object)
    x[:] = [_Traced(s) for s in symbols]
    try:
        result = metric.function(x)
        g = np.array(result, dtype=object)
    except _UNTRACEABLE as exc:
        raise TraceError(
            f"the metric function could not be traced with SymPy symbols ({type(exc).__name__}: {exc}). "
            "Write it with arithmetic and NumPy ufuncs and without branches on x, or pass "
            "differentiation=TorchAutodiff()."
        ) from None
    _check_shape(g, n)
    if g.ndim != 2:
        raise InputError(f"the metric function returned an array of shape {g.shape}; expected ({n}, {n}).")
    try:
        entries = [[_unwrap(g[i, j]) for j in range(n)] for i in range(n)]
    except TypeError as exc:
        raise InputError(
            f"the metric function returned an entry that is not a number or an expression of x ({exc}); "
            "each g[i][j] must be a real number or built from x with arithmetic and NumPy functions."
        ) from None
    matrix = sp.ImmutableMatrix(entries)
    constant = not any(matrix.has(s) for s in symbols)
    return Metric(symbols, matrix, constant=constant)


def _not_real(i: int, j: int, entry: Any, why: str) -> InputError:
    shown = repr(entry)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return InputError(
        f"the metric function returned g[{i}][{j}] = {shown} ({type(entry).__name__}), {why}; each entry must be "
        "real numbers: a number or an array of shape (k,) for points x of shape (n, k)."
    )


def _stack_numpy(g: Any, n: int, k: int) -> NDArray[np.float64]:
    _check_shape(g, n)
    out = np.empty((n, n, k))
    for i in range(n):
        for j in range(n):
            entry = g[i][j]
            try:
                value = np.asarray(entry)
                if value.dtype.kind not in "iuf":
                    raise _not_real(i, j, entry, f"of dtype {value.dtype}")
                out[i, j] = np.broadcast_to(value.astype(np.float64), (k,))
            except (TypeError, ValueError) as exc:
                if isinstance(exc, InputError):
                    raise
                raise _not_real(i, j, entry, str(exc)) from None
    return out


def _stack_torch(torch: Any, g: Any, n: int, k: int) -> Any:
    _check_shape(g, n)
    rows = []
    for i in range(n):
        row = []
        for j in range(n):
            e = g[i][j]
            if isinstance(e, bool) or (isinstance(e, torch.Tensor) and (e.is_complex() or e.dtype == torch.bool)):
                raise _not_real(i, j, e, "not real")
            if not isinstance(e, torch.Tensor):
                try:
                    e = torch.tensor(float(e), dtype=torch.float64)
                except (TypeError, ValueError) as exc:
                    raise _not_real(i, j, e, str(exc)) from None
            row.append(e.expand(k) if e.dim() == 0 else e)
        rows.append(torch.stack(row))
    return torch.stack(rows)


def metric_jet(
    metric: MetricFunction, x: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    r"""Numeric :math:`g_{ij}(x)` and :math:`\partial_l g_{ij}(x)` for a batch of points.

    Parameters
    ----------
    metric : MetricFunction
        With ``differentiation`` :class:`TorchAutodiff` or :class:`CentralDifference`.
    x : ndarray, shape (n, k)
        Points, component-major.

    Returns
    -------
    g : ndarray, shape (n, n, k)
    dg : ndarray, shape (n, n, n, k)
        ``dg[i, j, l]`` is :math:`\partial_l g_{ij}`.
    """
    n, k = x.shape
    if isinstance(metric.differentiation, CentralDifference):
        h = metric.differentiation.step * np.maximum(1.0, np.abs(x))
        g = _stack_numpy(metric.function(x), n, k)
        dg = np.empty((n, n, n, k))
        for l in range(n):
            e = np.zeros_like(x)
            e[l] = h[l]
            dg[:, :, l] = (_stack_numpy(metric.function(x + e), n, k) - _stack_numpy(metric.function(x - e), n, k)) / (
                2 * h[l]
            )
        return g, dg
    torch = require("torch", extra="torch")
    X = torch.as_tensor(x, dtype=torch.float64)

    def G(X: Any) -> Any:
        return _stack_torch(torch, metric.function(X), n, k)

    derivatives = []
    value: Any = None
    for l in range(n):
        tangent = torch.zeros_like(X)
        tangent[l] = 1.0
        try:
            value, dgl = torch.func.jvp(G, (X,), (tangent,))
        except (TypeError, RuntimeError) as exc:
            raise InputError(
                f"the metric function could not be differentiated with torch ({type(exc).__name__}: {exc}). "
                "Write it with torch operations (torch.sin, ...) or pass differentiation=CentralDifference()."
            ) from None
        derivatives.append(dgl)
    return value.detach().numpy(), torch.stack(derivatives, dim=2).detach().numpy()


def formula_accelerations(
    g: NDArray[np.float64], dg: NDArray[np.float64], v: NDArray[np.float64]
) -> NDArray[np.float64]:
    r"""The Christoffel formula evaluated on arrays: geodesic accelerations from ``g``, ``dg`` and ``v``.

    The numeric counterpart of :func:`~extremal.symbolic._geodesic.geodesic_accelerations`
    with :class:`~extremal.symbolic.Formula`, for metrics known only through numbers: with
    :math:`\Gamma_{l,ij} = \tfrac12(\partial_i g_{lj} + \partial_j g_{li} - \partial_l g_{ij})` contracted with
    :math:`v^iv^j`, it solves

    .. math:: g_{kl}\,a^l = -\Gamma_{k,ij}v^iv^j = -(\partial_i g_{kj} - \tfrac12\partial_k g_{ij})\,v^iv^j .

    Parameters
    ----------
    g : ndarray, shape (n, n, k)
        :math:`g_{ij}` at ``k`` points.
    dg : ndarray, shape (n, n, n, k)
        ``dg[i, j, l]`` :math:`= \partial_l g_{ij}`, as returned by :func:`metric_jet`.
    v : ndarray, shape (n, k)
        Velocities.

    Returns
    -------
    ndarray, shape (n, k)
        :math:`a^k = -\Gamma^k_{ij}v^iv^j`; NaN at points where :math:`g` is singular or a value is not finite.

    References
    ----------
    Su Jianlin, "Understanding Riemannian geometry, 3: Geodesics", https://kexue.fm/archives/3977, eq. (20).

    Examples
    --------
    The unit sphere at :math:`\theta = \pi/4` moving along :math:`\phi`: :math:`\ddot\theta = \sin\theta\cos\theta`.

    >>> th = np.array([np.pi / 4])
    >>> g = np.array([[[1.0], [0.0]], [[0.0], np.sin(th)**2]])
    >>> dg = np.zeros((2, 2, 2, 1)); dg[1, 1, 0] = 2 * np.sin(th) * np.cos(th)
    >>> formula_accelerations(g, dg, np.array([[0.0], [1.0]])).ravel().round(12) + 0.0
    array([0.5, 0. ])
    """
    n = g.shape[0]
    w = np.einsum("ljik,ik,jk->lk", dg, v, v) - 0.5 * np.einsum("ijlk,ik,jk->lk", dg, v, v)
    G = np.moveaxis(g, -1, 0).copy()
    with np.errstate(invalid="ignore", over="ignore"):
        det = np.linalg.det(G)
    bad = ~np.isfinite(det) | (det == 0) | ~np.all(np.isfinite(w), axis=0)
    G[bad] = np.eye(n)
    a = -np.linalg.solve(G, np.where(bad, 0.0, w).T[..., None])[..., 0].T
    a[:, bad] = np.nan
    return np.asarray(a, dtype=np.float64)
