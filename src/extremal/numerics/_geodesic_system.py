r"""A metric compiled to numbers: the geodesic right-hand side, :math:`g(x)` and conserved momenta.

The geodesic equations :math:`\ddot x^k = -\Gamma^k_{ij}\dot x^i\dot x^j` become the
first-order system for :math:`y = (x, v)`,

.. math:: \dot x = v, \qquad \dot v^k = -\Gamma^k_{ij}(x)\,v^i v^j .

For a symbolic :class:`~extremal.symbolic.Metric` the right-hand side is generated code
(CSE over all components) for :func:`~extremal.symbolic._geodesic.geodesic_accelerations`;
for a :class:`MetricFunction` that cannot be traced it is the same Christoffel formula
evaluated on arrays, :func:`~._metric_function.formula_accelerations`, with numeric derivatives.
Coordinates absent from :math:`g` are Killing directions; their momenta
:math:`p_k = g_{kj}v^j` are conserved and reported.

The chart ends where :math:`g` degenerates, blows up or jumps. For a symbolic metric these
places are the zeros of the irreducible factors of :math:`\det g` and of the denominators of
the components (``r`` and ``sin(theta)`` in spherical coordinates, ``r - 2`` in
Schwarzschild's), and of the arguments of ``Heaviside``, ``sign``, ``floor`` and of the
conditions of ``Piecewise``; for a metric function, the zeros of :math:`\det g`. Their signs
along a path, combined into one function :attr:`GeodesicSystem.boundary`, change exactly
when the path leaves the chart, even where :math:`\det g = r^4\sin^2\theta` itself keeps its sign.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import sympy as sp
from numpy.typing import NDArray

from extremal.errors import InputError
from extremal.numerics._compile import CompiledFunction, compile_function, compile_rhs, scalar_lines
from extremal.numerics._metric_function import (
    MetricFunction,
    SymbolicTrace,
    TorchAutodiff,
    TraceError,
    formula_accelerations,
    metric_jet,
    trace_metric,
)
from extremal.symbolic._geodesic import geodesic_accelerations
from extremal.symbolic._lagrangian import velocity_symbol
from extremal.symbolic._metric import Metric

__all__ = ["GeodesicSystem", "geodesic_system"]

Array = NDArray[np.float64]


@dataclass(frozen=True, slots=True, eq=False)
class GeodesicSystem:
    r"""Numeric callables for the geodesics of one metric.

    Attributes
    ----------
    coords : tuple of str
        Coordinate names.
    rhs : callable
        ``rhs(s, y)`` with ``y = (x, v)`` of shape (2n, k); returns shape (2n, k).
    metric : callable
        ``metric(x)`` with ``x`` of shape (n, k); returns ``g`` of shape (n, n, k).
    jet : callable
        ``jet(x)`` with ``x`` of shape (n, k); returns ``g`` of shape (n, n, k) and
        ``dg[i, j, l]`` :math:`= \partial_l g_{ij}` of shape (n, n, n, k).
    momenta : tuple of (str, callable)
        Conserved momenta ``p_q(x, v)`` of the coordinates ``q`` absent from ``g``; each
        callable takes ``x, v`` of shape (n, k) and returns shape (k,).
    boundary : callable or None
        ``boundary(s, y)`` with the state ``y = (x, v)`` of shape (2n, k) returns shape (k,): a
        function that changes sign, or vanishes, exactly where a path leaves the chart (``None``
        when nothing bounds it); a :class:`ChartEdges` for a symbolic metric.
    """

    coords: tuple[str, ...]
    rhs: Callable[[Array, Array], Array]
    metric: Callable[[Array], Array]
    jet: Callable[[Array], tuple[Array, Array]]
    momenta: tuple[tuple[str, Callable[[Array, Array], Array]], ...]
    boundary: Callable[[Array, Array], Array] | None = None

    @property
    def dim(self) -> int:
        """Number of coordinates ``n``."""
        return len(self.coords)

    def norm(self, x: Array, v: Array) -> Array:
        r""":math:`g_{ij}(x)v^iv^j` for ``x, v`` of shape (n, k); returns shape (k,)."""
        return np.einsum("ijk,ik,jk->k", self.metric(x), v, v)


# Functions whose derivative needs real arguments (d|x|/dx = sign(x) only for real x).
_NEEDS_REAL = (sp.Abs, sp.sign, sp.re, sp.im, sp.arg, sp.conjugate)
_STEPS = (sp.floor, sp.ceiling, sp.frac)


def _real_coords(metric: Metric) -> tuple[tuple[sp.Symbol, ...], sp.ImmutableMatrix]:
    """The coordinates as real symbols where ``g`` needs them to be differentiated, and ``g`` in them."""
    if not metric.g.has(*_NEEDS_REAL):
        return metric.coords, metric.g
    real = {q: sp.Symbol(q.name, real=True) for q in metric.coords if q.is_real is None}
    return tuple(real.get(q, q) for q in metric.coords), sp.ImmutableMatrix(metric.g.xreplace(real))


def _check_real(metric: Metric) -> None:
    """Refuse complex components and infinite constants: a metric of the numerics must be real."""
    for (i, j), c in np.ndenumerate(np.array(metric.g.tolist(), dtype=object)):
        if c.has(sp.I):
            raise InputError(
                f"the metric component g[{i},{j}] = {c} is complex (it contains I); numerical geodesics need a real "
                "metric. Pass real components, e.g. the real part sp.re(...) or a rewritten expression."
            )
        if c.has(sp.zoo, sp.oo, sp.nan, -sp.oo):
            raise InputError(
                f"the metric component g[{i},{j}] = {c} is infinite or undefined; pass finite components."
            )


# What SymPy's cancel and factor_list raise on expressions they have no algorithm for (roots of
# sums, functions of functions, some coefficient domains); those parts are then kept whole.
_NOT_FACTORABLE = (sp.PolynomialError, NotImplementedError, TypeError, ValueError)


def _factors(expr: sp.Expr) -> list[sp.Expr]:
    """Irreducible factors (with a coordinate in them) of the numerator and denominator of ``expr``."""
    try:
        num, den = sp.fraction(sp.cancel(sp.together(expr)))
    except _NOT_FACTORABLE:
        num, den = sp.fraction(expr)
    found: list[sp.Expr] = []
    for part in (num, den):
        try:
            bases = [b for b, _ in sp.factor_list(part)[1]]
        except _NOT_FACTORABLE:
            bases = list(sp.Mul.make_args(part))
        found.extend(b for b in bases if b.free_symbols)
    return found


def _edges(g: sp.ImmutableMatrix, coords: tuple[sp.Symbol, ...]) -> list[sp.Expr]:
    """Expressions whose zeros bound the chart: factors of det g and of the denominators, and jumps."""
    edges = _factors(g.det(method="berkowitz"))
    for c in set(g):
        edges.extend(_factors(sp.denom(sp.together(c))))
        edges.extend(a.args[0] for a in c.atoms(sp.Heaviside, sp.sign))
        edges.extend(sp.sin(sp.pi * a.args[0]) for a in c.atoms(*_STEPS))
        for piecewise in c.atoms(sp.Piecewise):
            for _, condition in piecewise.args:
                edges.extend(
                    r.lhs - r.rhs for r in sp.preorder_traversal(condition) if isinstance(r, sp.Rel)
                )
    unique: list[sp.Expr] = []
    for e in edges:
        if e.free_symbols & set(coords) and e not in unique and -e not in unique:
            unique.append(e)
    return unique


def _smooth_part(expr: sp.Expr) -> sp.Expr:
    """``expr`` away from the jumps of ``g``: DiracDelta and derivatives of step functions are zero there."""
    expr = expr.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.S.Zero)
    return expr.replace(
        lambda e: isinstance(e, sp.Derivative) and isinstance(e.expr, _STEPS), lambda e: sp.S.Zero
    )


@dataclass(frozen=True, slots=True)
class ChartEdges:
    r"""The chart's edge as an event function of the state ``y = (x, v)``.

    :math:`b(x) = \prod_k \operatorname{sign} e_k(x)\cdot\min_k |e_k(x)|` changes sign, or
    vanishes, exactly where one of the expressions :math:`e_k` does. Call it as ``edges(s, y)``
    with ``y`` of shape (2n, k) (or any array whose first n rows are the coordinates); it also
    writes itself as scalar code for the compiled integrator (:meth:`scalar_code`). Equal
    expressions make equal edges (a copy sent to a worker finds the compiled code of the original).
    """

    coords: tuple[sp.Symbol, ...]
    expressions: tuple[sp.Expr, ...]
    _values: CompiledFunction = field(compare=False, repr=False)

    def __call__(self, s: Array, y: Array) -> Array:
        with np.errstate(all="ignore"):
            values = self._values(0.0, y[: len(self.coords)])
            return np.prod(np.sign(values), axis=0) * np.min(np.abs(values), axis=0)  # type: ignore[no-any-return]

    def __dask_tokenize__(self) -> tuple[str, ...]:
        """Dask's key for the edges: their source (tokenizing the expressions costs ~30 ms)."""
        return ("extremal.ChartEdges", self._values.source)

    def scalar_code(self, slot: int) -> str:
        """Lines that set ``out[slot]`` from the state ``y`` (coordinates ``y[0], ..., y[n-1]``)."""
        lines, values = scalar_lines(self.expressions, self.coords, None, prefix=f"_edge{slot}_")
        smallest = f"_edge{slot}_min"
        lines.append(f"{smallest} = abs({values[0]})")
        for v in values[1:]:  # a NaN anywhere is the minimum, as in numpy.min
            lines.append(f"{smallest} = {smallest} if {smallest} < abs({v}) or {smallest} != {smallest} else abs({v})")
        signs = " * ".join(f"numpy.sign({v})" for v in values)
        return "\n".join([*lines, f"out[{slot}] = {signs} * {smallest}"])


def _boundary(edges: list[sp.Expr], coords: tuple[sp.Symbol, ...], time: sp.Symbol) -> ChartEdges | None:
    if not edges:
        return None
    return ChartEdges(coords, tuple(edges), compile_function(coords, edges, time))


def _fresh(name: str, taken: tuple[sp.Symbol, ...]) -> sp.Symbol:
    names = {q.name for q in taken}
    while name in names:
        name += "_"
    return sp.Symbol(name)


def _symbolic(metric: Metric) -> GeodesicSystem:
    _check_real(metric)
    n = metric.dim
    x, g = _real_coords(metric)
    real_metric = metric if x == metric.coords else Metric(x, g)
    v = tuple(velocity_symbol(q) for q in x)
    acceleration = [_smooth_part(a) for a in geodesic_accelerations(real_metric)]
    for a in acceleration:
        left = a.atoms(sp.Derivative, sp.Subs)
        if left:
            raise InputError(
                f"the geodesic equations of this metric contain {sorted(map(str, left))[0]}, which cannot be "
                "evaluated numerically: the metric is not differentiable in closed form. Write it with "
                "differentiable functions (or declare the coordinates real, e.g. sp.symbols('x', real=True))."
            )
    s = _fresh("s", (*x, *v))
    rhs = compile_rhs((*x, *v), (*v, *acceleration), s)
    g_function = compile_function(x, list(g), s)

    derivatives = [_smooth_part(sp.diff(g[i, j], q)) for i in range(n) for j in range(n) for q in x]
    dg = compile_function(x, [*g, *derivatives], s)

    def metric_at(points: Array) -> Array:
        return g_function(0.0, points).reshape((n, n, *np.shape(points)[1:]))

    def jet(points: Array) -> tuple[Array, Array]:
        values = dg(0.0, points)
        k = np.shape(points)[1:]
        return values[: n * n].reshape((n, n, *k)), values[n * n :].reshape((n, n, n, *k))

    momenta = []
    for k, q in enumerate(x):
        if not g.has(q):
            p = compile_function((*x, *v), [sum(g[k, j] * v[j] for j in range(n))], s)
            momenta.append((f"p_{q.name}", lambda xx, vv, p=p: p(0.0, np.concatenate([xx, vv]))[0]))
    boundary = _boundary(_edges(g, x), x, s)
    return GeodesicSystem(tuple(q.name for q in x), rhs, metric_at, jet, tuple(momenta), boundary)


def _numeric(metric: MetricFunction) -> GeodesicSystem:
    n = metric.dim

    def metric_at(points: Array) -> Array:
        flat = points.reshape(n, -1)
        return metric_jet(metric, flat)[0].reshape((n, n, *points.shape[1:]))

    def rhs(s: Array, y: Array) -> Array:
        x, v = y[:n], y[n:]
        g, dg = metric_jet(metric, x)
        return np.concatenate([v, formula_accelerations(g, dg, v)])

    def jet(points: Array) -> tuple[Array, Array]:
        return metric_jet(metric, points)

    def boundary(s: Array, y: Array) -> Array:
        with np.errstate(all="ignore"):
            return np.asarray(np.linalg.det(np.moveaxis(metric_at(y[:n]), -1, 0)), dtype=np.float64)

    return GeodesicSystem(tuple(f"x{i}" for i in range(n)), rhs, metric_at, jet, (), boundary)


def geodesic_system(metric: Metric | MetricFunction) -> GeodesicSystem:
    """Compile ``metric`` for numerical geodesics (cached per metric).

    Parameters
    ----------
    metric : Metric or MetricFunction
        A symbolic metric with numeric parameters only, or a metric function.

    Returns
    -------
    GeodesicSystem

    Raises
    ------
    InputError
        If the metric has free parameters, or a metric function cannot be differentiated.

    Examples
    --------
    >>> sphere = Metric.from_line_element("dth**2 + sin(th)**2*dph**2", "th ph")
    >>> system = geodesic_system(sphere)
    >>> system.rhs(0.0, np.array([[np.pi / 2], [0.0], [0.0], [1.0]])).ravel().round(12) + 0.0
    array([0., 1., 0., 0.])
    >>> [name for name, _ in system.momenta]
    ['p_ph']
    """
    if not isinstance(metric, Metric | MetricFunction):
        raise InputError(
            f"metric must be a Metric or a MetricFunction; got {type(metric).__name__}. "
            "Build one with Metric.from_line_element(...) or MetricFunction(f, dim)."
        )
    return _compiled(metric)


@lru_cache(maxsize=64)
def _compiled(metric: Metric | MetricFunction) -> GeodesicSystem:
    if isinstance(metric, Metric):
        parameters = sorted(s.name for s in metric.g.free_symbols if s not in metric.coords)
        if parameters:
            imaginary = " (I is a symbol here, not the imaginary unit; a metric must be real)" * ("I" in parameters)
            raise InputError(
                f"the metric has free parameters {', '.join(parameters)}{imaginary}; numerical geodesics need "
                f"numbers. Substitute them first, e.g. Metric(m.coords, m.g.subs({{'{parameters[0]}': 1}}))."
            )
        return _symbolic(metric)
    strategy = metric.differentiation
    if strategy is None or isinstance(strategy, SymbolicTrace):
        try:
            return _compiled(trace_metric(metric))
        except TraceError:
            if strategy is not None:
                raise
        metric = MetricFunction(metric.function, metric.dim, TorchAutodiff())
    return _numeric(metric)
