r"""Metrics :math:`ds^2 = g_{ij}\,dx^i dx^j`: from a line element, a matrix or an embedding.

A metric *is* a Lagrangian: :meth:`Metric.lagrangian` gives
:math:`L = \tfrac12 g_{ij}\dot x^i \dot x^j`, whose Euler–Lagrange equations are the
geodesic equations [1]_.

References
----------
.. [1] Su Jianlin, "Understanding Riemannian geometry, 3: Geodesics", https://kexue.fm/archives/3977, eq. (22).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any, TypeVar

import numpy as np
import sympy as sp

from extremal.errors import InputError, SingularMetricError
from extremal.symbolic._boundary import guarded
from extremal.symbolic._coordinates import CoordinateMap, jacobian_determinant, leading_sign, point_transformation
from extremal.symbolic._lagrangian import Lagrangian, velocity_symbol
from extremal.symbolic._parsing import as_symbols, check_name_clashes, check_same_symbols, parse
from extremal.symbolic._simplification import is_zero, matrix_determinant, matrix_inverse, probably_nonzero, readable

__all__ = ["Metric", "euclidean"]

_EQUATION_PREFIX = re.compile(r"^\s*ds\s*(\*\*|\^)\s*2\s*=")


def _matrix(components: object, names: dict[str, sp.Symbol]) -> sp.ImmutableMatrix:
    """The components as a matrix; strings and numbers in them are read by :func:`parse`."""
    n = len(names)
    if isinstance(components, str | sp.Basic) and not isinstance(components, sp.MatrixBase):
        raise InputError(
            f"g must be a square {n}x{n} matrix; got {type(components).__name__}. For a line element use "
            "Metric.from_line_element(text, coords)."
        )
    try:
        rows = components.tolist() if hasattr(components, "tolist") else [list(row) for row in components]  # type: ignore[attr-defined, union-attr]
        matrix = sp.ImmutableMatrix(
            [[parse(c, names, f"g[{i},{j}]") for j, c in enumerate(row)] for i, row in enumerate(rows)]
        )
    except (TypeError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"g must be a square {n}x{n} matrix of expressions; could not read it ({exc}).") from None
    if matrix.shape != (n, n):
        raise InputError(
            f"g has shape {matrix.shape} but there are {n} coords; pass an {n}x{n} matrix."
        )
    return matrix


def _free_symbols(components: object) -> set[sp.Symbol]:
    """Free symbols of the SymPy entries of a matrix or nested rows (strings have none yet)."""
    if isinstance(components, sp.Basic | sp.MatrixBase):
        return set(components.free_symbols)
    if isinstance(components, Sequence) and not isinstance(components, str):
        return set().union(*(_free_symbols(c) for c in components)) if components else set()
    return set()


def _chart_positive(base: sp.Expr, coords: Sequence[sp.Symbol]) -> bool:
    """A coordinate, the sine of one (r > 0, 0 < θ < π in the textbook chart), or non-negative
    for every real value of its symbols (``x**2 + y**2``)."""
    if base in coords or (isinstance(base, sp.sin) and base.args[0] in coords):
        return True
    real = {s: sp.Dummy(s.name, real=True) for s in base.free_symbols}
    return bool(base.xreplace(real).is_nonnegative)


def _sqrt_abs(expr: sp.Expr, coords: Sequence[sp.Symbol]) -> sp.Expr:
    """:math:`\\sqrt{|e|}` of a product: even powers come out as ``|f|`` (``f`` for a radius or a
    polar sine), the odd-power factors stay under one root."""
    root, rest = sp.S.One, sp.S.One
    for factor in sp.Mul.make_args(sp.factor(expr)):
        base, power = factor.as_base_exp()
        if power.is_Integer and power.is_even:
            root *= (base if _chart_positive(base, coords) else sp.Abs(base)) ** (power / 2)
        else:
            rest *= factor
    rest = sp.expand(rest)
    return root * (sp.sqrt(rest) if leading_sign(rest) > 0 else sp.sqrt(-rest))


def _check_generated_names(coords: Sequence[sp.Symbol]) -> None:
    check_name_clashes(
        {q.name: "a coordinate" for q in coords},
        [(f"d{q.name}", f"the differential of {q.name}") for q in coords]
        + [(velocity_symbol(q).name, f"the velocity of {q.name}") for q in coords],
    )


@dataclass(frozen=True)
class Metric:
    r"""A (pseudo-)Riemannian metric :math:`g_{ij}(x)` in the coordinates ``coords``.

    Parameters
    ----------
    coords : str or sequence of Symbol
        The chart, e.g. ``"r theta"``.
    g : matrix-like, shape (n, n)
        Symmetric, non-degenerate components (strings are parsed).
    constant : bool
        Set True when no coordinate appears in ``g`` on purpose (a flat chart).

    Raises
    ------
    InputError
        If ``g`` is not square n×n, not symmetric, or mentions no coordinate
        (and ``constant`` is False), or names a coordinate with other assumptions.
    SingularMetricError
        If ``det g`` is identically zero.

    Examples
    --------
    >>> th, ph = sp.symbols("theta phi")
    >>> Metric((th, ph), sp.diag(1, sp.sin(th)**2)).det
    sin(theta)**2
    """

    coords: tuple[sp.Symbol, ...]
    g: sp.ImmutableMatrix
    constant: bool = False

    @guarded("the metric")
    def __post_init__(self) -> None:
        coords = as_symbols(self.coords, "coords", within=_free_symbols(self.g))
        _check_generated_names(coords)
        g = _matrix(self.g, {q.name: q for q in coords})
        if any(c.has(sp.I) for c in g):
            raise InputError(
                f"g has complex components ({next(c for c in g if c.has(sp.I))}); a metric must be real. "
                "For a Lorentzian signature write the sign, e.g. -dt**2 + dx**2."
            )
        object.__setattr__(self, "coords", coords)
        object.__setattr__(self, "g", g)
        self._check_symbols()
        for i in range(len(coords)):
            for j in range(i + 1, len(coords)):
                if not is_zero(g[i, j] - g[j, i]):
                    raise InputError(
                        f"g is not symmetric: g[{i},{j}] = {g[i, j]} but g[{j},{i}] = {g[j, i]}. "
                        "Pass a symmetric matrix (each off-diagonal term once, in both places)."
                    )
        if not (probably_nonzero(self.det) or not is_zero(self.det)):
            raise SingularMetricError(
                f"the metric in coords {coords} is degenerate: det g = 0 identically. "
                "Check for a repeated or missing coordinate direction."
            )

    def _check_symbols(self) -> None:
        check_same_symbols(self.coords, self.g, "metric g")
        depends = any(self.g.has(q) for q in self.coords)
        if not depends and not self.constant:
            raise InputError(
                f"no coordinate of {self.coords} appears in g = {self.g.tolist()}. If the "
                "components are constant on purpose (a flat chart) pass constant=True; "
                "otherwise check the coordinate names."
            )

    @classmethod
    @guarded("the metric of the line element")
    def from_line_element(
        cls, line_element: str | sp.Expr, coords: str | Iterable[str | sp.Symbol]
    ) -> Metric:
        """Read ``ds**2 = g_ij dx^i dx^j`` with differentials written ``d<coord>``.

        Examples
        --------
        >>> m = Metric.from_line_element("dr**2 + r**2*dtheta**2", "r theta")
        >>> m.g
        Matrix([
        [1,    0],
        [0, r**2]])
        """
        symbols = as_symbols(coords, "coords")
        _check_generated_names(symbols)
        differentials = [sp.Symbol(f"d{q.name}") for q in symbols]
        names = {q.name: q for q in symbols} | {d.name: d for d in differentials}
        if isinstance(line_element, str):
            line_element = _EQUATION_PREFIX.sub("", line_element)
        expr = sp.expand(parse(line_element, names, "line element"))
        n = len(symbols)
        g = sp.zeros(n, n)
        for term in sp.Add.make_args(expr):
            powers = [sp.degree(term, d) for d in differentials]
            if sum(powers) != 2:
                unknown = sorted(
                    s.name for s in term.free_symbols
                    if s.name.startswith("d") and s not in differentials and s not in symbols
                )
                if unknown:
                    raise InputError(
                        f"the differential {unknown[0]} in term {term} names no coordinate; "
                        f"coords are {', '.join(q.name for q in symbols)}. Add it to coords."
                    )
                raise InputError(
                    f"term {term} of the line element is not quadratic in the differentials "
                    f"{', '.join(d.name for d in differentials)}; every term needs exactly two."
                )
            i, j = (k for k, p in enumerate(powers) for _ in range(p))
            coeff = term / (differentials[i] * differentials[j])
            if i == j:
                g[i, i] += coeff
            else:
                g[i, j] += coeff / 2
                g[j, i] += coeff / 2
        return cls(symbols, sp.ImmutableMatrix(g), constant=not any(g.has(q) for q in symbols))

    @classmethod
    @guarded("the induced metric")
    def from_embedding(
        cls,
        embedding: Sequence[str | sp.Expr],
        coords: str | Iterable[str | sp.Symbol],
        ambient: Metric | None = None,
    ) -> Metric:
        r"""Induced metric :math:`g_{ij} = G_{ab}\,\partial_i X^a \partial_j X^b` of a surface ``X(u)``.

        ``ambient`` is the metric of the embedding space, Euclidean by default.

        Examples
        --------
        >>> m = Metric.from_embedding(
        ...     ["a*sin(u)*cos(v)", "a*sin(u)*sin(v)", "a*cos(u)"], "u v")
        >>> m.g
        Matrix([
        [a**2,                0],
        [   0, a**2*sin(u)**2]])
        """
        symbols = as_symbols(coords, "coords")
        names = {q.name: q for q in symbols}
        X = sp.Matrix([parse(x, names, "embedding component") for x in embedding])
        G = euclidean(len(X)).g if ambient is None else ambient.g
        if ambient is not None:
            if len(ambient.coords) != len(X):
                raise InputError(
                    f"the embedding has {len(X)} components but the ambient metric has "
                    f"{len(ambient.coords)} coords; give one component per ambient coordinate."
                )
            G = G.subs(dict(zip(ambient.coords, X, strict=True)), simultaneous=True)
        J = X.jacobian(symbols)
        g = (J.T * G * J).applyfunc(readable)
        return cls(symbols, sp.ImmutableMatrix(g))

    @guarded("the pulled-back metric")
    def pullback(
        self,
        mapping: CoordinateMap,
        new_coords: str | Iterable[str | sp.Symbol],
    ) -> Metric:
        r"""The same metric in new coordinates: :math:`g' = J^T g J`, :math:`J = \partial x/\partial x'`.

        ``mapping`` gives each old coordinate as a function of the new ones.

        Raises
        ------
        SingularMetricError
            If the coordinate change is not invertible (``det J = 0`` identically).

        Examples
        --------
        >>> flat = Metric.from_line_element("dx**2 + dy**2", "x y")
        >>> flat.pullback({"x": "r*cos(theta)", "y": "r*sin(theta)"}, "r theta").g
        Matrix([
        [1,    0],
        [0, r**2]])
        """
        new = as_symbols(new_coords, "new_coords")
        old_exprs = point_transformation(self.coords, mapping, new)
        J = sp.Matrix(old_exprs).jacobian(new)
        jacobian_determinant(J, new)
        G = self.g.subs(dict(zip(self.coords, old_exprs, strict=True)), simultaneous=True)
        g = (J.T * G * J).applyfunc(readable)
        return Metric(new, sp.ImmutableMatrix(g), constant=not any(g.has(q) for q in new))

    @property
    def dim(self) -> int:
        """Number of coordinates."""
        return len(self.coords)

    @cached_property
    @guarded("det g")
    def det(self) -> sp.Expr:
        """Determinant of ``g``."""
        return matrix_determinant(self.g)

    @cached_property
    @guarded("the inverse metric")
    def inverse(self) -> sp.ImmutableMatrix:
        r"""The inverse metric :math:`g^{ij}`."""
        return matrix_inverse(self.g)

    @cached_property
    @guarded("the volume element")
    def volume_element(self) -> sp.Expr:
        r""":math:`\sqrt{|\det g|}`; a squared radius or polar sine comes out as itself (r > 0, 0 < θ < π),
        any other squared factor ``f**2`` as ``|f|``.

        Examples
        --------
        >>> Metric.from_line_element("dr**2 + r**2*dth**2 + r**2*sin(th)**2*dph**2",
        ...                          "r th ph").volume_element
        r**2*sin(th)
        """
        det = self.det
        return _sqrt_abs(leading_sign(det) * det, self.coords)

    def lagrangian(self, parameter: str | sp.Symbol = "s") -> Lagrangian:
        r"""The geodesic Lagrangian :math:`L = \tfrac12 g_{ij}\dot x^i\dot x^j`.

        References
        ----------
        Su Jianlin, "Understanding Riemannian geometry, 3: Geodesics", https://kexue.fm/archives/3977, eq. (22).

        Examples
        --------
        >>> Metric.from_line_element("dr**2 + r**2*dtheta**2", "r theta").lagrangian().expr
        r**2*thetadot**2/2 + rdot**2/2
        """
        v = sp.Matrix([velocity_symbol(q) for q in self.coords])
        return Lagrangian(sp.expand((v.T * self.g * v)[0] / 2), self.coords, parameter)

    def subs(self, *args: Any, **kwargs: Any) -> Metric:
        """The metric with ``g.subs(*args, **kwargs)``, in the same coordinates.

        Meant for parameters (``M``, ``a``, ...); to change coordinates use :meth:`pullback`.

        Examples
        --------
        >>> Metric.from_line_element("dr**2 + a**2*r**2*dtheta**2", "r theta").subs("a", 2).g
        Matrix([
        [1,      0],
        [0, 4*r**2]])
        """
        g = self.g.subs(*args, **kwargs)
        return Metric(self.coords, sp.ImmutableMatrix(g), constant=not any(g.has(q) for q in self.coords))

    def line_element(self) -> sp.Expr:
        """The quadratic form :math:`g_{ij}\\,dx^i dx^j` with differentials ``d<coord>``."""
        d = sp.Matrix([sp.Symbol(f"d{q.name}") for q in self.coords])
        return sp.expand((d.T * self.g * d)[0])

    def line_element_terms(self) -> list[tuple[sp.Expr, int, int]]:
        r"""``(coefficient, i, j)`` of each term :math:`c\,dx^i dx^j` (``i <= j``), coefficients factored.

        Examples
        --------
        >>> Metric.from_line_element("-(1 - 2*M/r)*dt**2 + dr**2/(1 - 2*M/r)", "t r").line_element_terms()
        [(-(-2*M + r)/r, 0, 0), (r/(-2*M + r), 1, 1)]
        """
        terms = []
        for i in range(self.dim):
            for j in range(i, self.dim):
                c = self.g[i, j] if i == j else 2 * self.g[i, j]
                if c != 0:
                    terms.append((sp.factor(c) if sp.count_ops(c) <= _FACTOR_OPS else c, i, j))
        return terms

    def display(self, unicode: bool = True) -> sp.Expr:
        """The line element grouped by differential pair, in coordinate order, for printing.

        Examples
        --------
        >>> sp.sstr(Metric.from_line_element("r**2*dth**2 + dr**2", "r th").display(False), order="none")
        'dr**2 + r**2*dth**2'
        """

        def d(q: sp.Symbol) -> sp.Symbol:
            return sp.Symbol("d" + (sp.pretty(q, use_unicode=True) if unicode else q.name))

        terms = []
        for c, i, j in self.line_element_terms():
            pair = d(self.coords[i]) ** 2 if i == j else d(self.coords[i]) * d(self.coords[j])
            terms.append(pair if c == 1 else -pair if c == -1 else sp.Mul(c, pair, evaluate=False))
        return sp.Add(*terms, evaluate=False)

    def _repr_latex_(self) -> str:
        r"""``ds^2 = -\frac{r - 2 M}{r}\,\mathrm{d}t^{2} + ...``: grouped by pair, coefficients factored."""
        parts = []
        for c, i, j in self.line_element_terms():
            di, dj = (rf"\mathrm{{d}}{sp.latex(self.coords[k])}" for k in (i, j))
            pair = f"{di}^{{2}}" if i == j else rf"{di}\,{dj}"
            if c == 1:
                parts.append(pair)
            elif c == -1:
                parts.append("-" + pair)
            else:
                text = sp.latex(c)
                parts.append(rf"\left({text}\right){pair}" if c.is_Add else rf"{text}\,{pair}")
        body = " + ".join(parts).replace("+ - ", "- ").replace("+ -", "- ") or "0"
        return f"$ds^2 = {body}$"

    def _latex(self, printer: Any) -> str:
        """``sympy.latex(metric)``: the same line element as in Jupyter."""
        return self._repr_latex_().strip("$")

    def _pretty(self, printer: Any) -> Any:
        """``sympy.pprint(metric)``: ``ds² = ...`` in coordinate order, differentials after their coefficients."""
        unicode = bool(printer._use_unicode)
        body = type(printer)(printer._settings | {"order": "none"})._print(self.display(unicode))
        return type(body)(*body.left("ds² = " if unicode else "ds**2 = "))

    def __str__(self) -> str:
        return f"ds**2 = {sp.sstr(self.display(unicode=False), order='none')}"


R = TypeVar("R")


def require_metric(value: object, what: str = "metric") -> Metric:
    """``value`` if it is a :class:`Metric`, else an :class:`InputError` saying how to build one."""
    if not isinstance(value, Metric):
        raise InputError(
            f"{what} must be a Metric; got {type(value).__name__}. Build one with Metric(coords, matrix) or "
            "Metric.from_line_element('dr**2 + r**2*dtheta**2', 'r theta')."
        )
    return value


def cached_by_metric(function: Callable[[Metric], R]) -> Callable[[Metric], R]:
    """``functools.lru_cache`` keyed by the metric, after checking it is one (``cache_clear`` kept)."""
    cached = lru_cache(maxsize=64)(function)

    @functools.wraps(function)
    def wrapper(metric: Metric) -> R:
        return cached(require_metric(metric))

    wrapper.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
    return wrapper


_FACTOR_OPS = 200  # factoring larger coefficients for display costs more than it helps


def euclidean(n: int, coords: str | Iterable[str | sp.Symbol] | None = None) -> Metric:
    """The flat metric of :math:`\\mathbb{R}^n` in Cartesian coordinates (default ``x0 ... x{n-1}``)."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise InputError(f"n must be a positive integer (the dimension); got {n!r}.")
    symbols = as_symbols(coords if coords is not None else [f"x{i}" for i in range(n)], "coords")
    if len(symbols) != n:
        raise InputError(f"euclidean({n}) needs {n} coords; got {len(symbols)}: {', '.join(map(str, symbols))}.")
    return Metric(symbols, sp.ImmutableMatrix(sp.eye(int(n))), constant=True)
