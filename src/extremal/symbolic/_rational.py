r"""Exact rational-function arithmetic for tensor components.

Each component is held as :math:`N / \prod_i f_i^{e_i}`: ``N`` a sparse polynomial over
:math:`\mathbb{Q}` and the :math:`f_i` monic irreducible polynomials from a shared
*denominator base*. The generators of the polynomial ring are the free symbols, the pairs
:math:`(\cos u, \sin u)` of each trigonometric argument, :math:`e^u`, named constants, and
the unknown functions together with their partial derivatives (pre-allocated up to a fixed
extra order). Each trigonometric pair obeys :math:`\sin^2 u = 1 - \cos^2 u`, which keeps
numerators of degree at most one in :math:`\sin u` and denominators free of it; the
representation is then canonical, so a component is zero exactly when its numerator is
the zero polynomial (Davenport, Siret & Tournier, *Computer Algebra*, §2.4; the field
:math:`\mathbb{Q}(\cos u)[\sin u]` is a quadratic extension of :math:`\mathbb{Q}(\cos u)`).

Derivatives follow the chain rule on the generators
(:math:`\partial\sin u = \cos u\,\partial u`, :math:`\partial e^u = e^u\,\partial u`,
:math:`\partial f_\alpha = f_{\alpha + e_k}`) and the logarithmic derivative of the factored
denominator, which never needs a polynomial gcd. Floats become positive parameters
(:mod:`._floats`): the arithmetic stays exact, and :meth:`RationalField.to_sympy` evaluates
them once, at the precision of the input, dropping sums that cancel to rounding level.
Expressions with other atoms (non-integer powers, ``Abs``, ``log``, ...) raise
:class:`Unsupported`, and callers then use plain SymPy.
"""

from __future__ import annotations

import functools
import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Any, cast

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.polys.domains import QQ
from sympy.polys.rings import PolyElement, ring

from extremal.symbolic._floats import Magnitudes
from extremal.symbolic._values import as_sympy

__all__ = ["Frac", "RationalField", "Unsupported", "field_for", "solve_linear"]

_TRIG = (sp.sin, sp.cos, sp.tan, sp.cot, sp.sec, sp.csc)


class Unsupported(Exception):
    """An expression holds an atom the rational representation cannot model exactly."""


def _scan(expr: sp.Expr, found: dict[str, set]) -> None:
    """Collect the generators ``expr`` needs, or raise :class:`Unsupported`."""
    if expr.is_Rational:
        return
    if expr.is_Float:
        found["floats"].add(expr)
    elif expr.is_Symbol:
        found["symbols"].add(expr)
    elif isinstance(expr, sp.NumberSymbol):
        found["constants"].add(expr)
    elif expr.is_Add or expr.is_Mul:
        for arg in expr.args:
            _scan(arg, found)
    elif expr.is_Pow:
        if not expr.exp.is_Integer:
            raise Unsupported(f"non-integer power {expr}")
        _scan(expr.base, found)
    elif isinstance(expr, _TRIG):
        _scan(expr.args[0], found)
        found["trig"].add(expr.args[0])
    elif isinstance(expr, sp.exp):
        _scan(expr.args[0], found)
        found["exp"].add(expr.args[0])
    elif isinstance(expr, AppliedUndef):
        _check_function(expr)
        found["functions"].add((expr, ()))
    elif isinstance(expr, sp.Derivative) and isinstance(expr.expr, AppliedUndef):
        _check_function(expr.expr)
        counts = dict(expr.variable_count)
        found["functions"].add((expr.expr, tuple(counts.get(v, 0) for v in expr.expr.args)))
    else:
        raise Unsupported(f"atom {expr}")


def _check_function(f: sp.Expr) -> None:
    args = f.args
    if not all(a.is_Symbol for a in args) or len(set(args)) != len(args):
        raise Unsupported(f"function {f} of non-symbol arguments")


def _multi_indices(arity: int, order: int) -> list[tuple[int, ...]]:
    return [
        alpha
        for total in range(order + 1)
        for alpha in itertools.product(range(total + 1), repeat=arity)
        if sum(alpha) == total
    ]


def _derivative_atom(f: sp.Expr, alpha: tuple[int, ...]) -> sp.Expr:
    if not any(alpha):
        return f
    return sp.Derivative(f, *[(v, k) for v, k in zip(f.args, alpha, strict=True) if k])


class RationalField:
    """Ring generators, derivative rules and the shared denominator base for some expressions.

    Build one with :func:`field_for`; convert with :meth:`element` and back with
    :meth:`to_sympy`. ``depth`` is how many derivatives of unknown functions beyond those in
    ``exprs`` get generators.

    Examples
    --------
    >>> th = sp.Symbol("theta")
    >>> F = RationalField([sp.sin(th)], (th,), 1)
    >>> x = F.element(sp.sin(th)**3 + sp.sin(th)*sp.cos(th)**2)
    >>> F.to_sympy(x), F.to_sympy(x.diff(0)), bool(x - F.element(sp.sin(th)))
    (sin(theta), cos(theta), False)
    """

    def __init__(self, exprs: Sequence[sp.Expr], coords: Sequence[sp.Symbol], depth: int) -> None:
        found: dict[str, set] = defaultdict(set)
        for e in exprs:
            _scan(as_sympy(e), found)
        self.coords = tuple(coords)
        atoms: list[sp.Expr] = list(self.coords)
        atoms += sorted(found["symbols"] - set(coords), key=sp.default_sort_key)
        atoms += sorted(found["constants"], key=sp.default_sort_key)
        self.magnitudes = Magnitudes(found["floats"])
        atoms += self.magnitudes.symbols
        trig_args = sorted(found["trig"], key=sp.default_sort_key)
        for u in trig_args:
            atoms += [sp.cos(u), sp.sin(u)]
        exp_args = sorted(found["exp"], key=sp.default_sort_key)
        atoms += [sp.exp(u) for u in exp_args]
        orders: dict[sp.Expr, int] = defaultdict(int)
        for f, alpha in found["functions"]:
            orders[f] = max(orders[f], sum(alpha))
        functions = {
            f: _multi_indices(len(f.args), orders[f] + depth)
            for f in sorted(orders, key=sp.default_sort_key)
        }
        atoms += [_derivative_atom(f, a) for f, alphas in functions.items() for a in alphas]
        self.atoms: tuple[sp.Expr, ...] = tuple(atoms)
        self._index = {a: i for i, a in enumerate(atoms)}
        self._params = frozenset(self._index[p] for p in self.magnitudes.symbols)
        self.ring, *self.gens = ring([sp.Dummy(f"g{i}") for i in range(len(atoms))], QQ)
        self._quads: list[tuple[int, PolyElement]] = []
        for u in trig_args:
            c = self._index[sp.cos(u)]
            self._quads.append((c + 1, 1 - self.gens[c] ** 2))
        self._powers: dict[tuple[int, int], PolyElement] = {}
        self.base: list[PolyElement] = []
        self._base_index: dict[PolyElement, int] = {}
        self._derivs = self._generator_derivatives(trig_args, exp_args, functions)

    def _symbol_poly(self, expr: sp.Expr, what: str) -> PolyElement:
        """``expr`` as a polynomial in the plain symbols, or raise :class:`Unsupported`."""
        value = self.element(expr)
        symbols = {self._index[s] for s in expr.free_symbols} | self._params
        if value.den or any(
            any(m[i] for i in range(len(m)) if i not in symbols) for m in value.num.itermonoms()
        ):
            raise Unsupported(f"{what} {expr} is not a polynomial in the symbols")
        return value.num

    def _generator_derivatives(
        self,
        trig_args: list[sp.Expr],
        exp_args: list[sp.Expr],
        functions: dict[sp.Expr, list[tuple[int, ...]]],
    ) -> list[dict[int, PolyElement | None]]:
        """``derivs[k][g]``: d(generator g)/d(coords[k]); ``None`` past the allocated order."""
        derivs: list[dict[int, PolyElement | None]] = [{} for _ in self.coords]
        xs = [self.gens[self._index[x]] for x in self.coords]
        for k in range(len(self.coords)):
            derivs[k][self._index[self.coords[k]]] = self.ring.one
        for u in trig_args:
            c = self._index[sp.cos(u)]
            du = self._symbol_poly(u, "trigonometric argument")
            for k, x in enumerate(xs):
                dk = du.diff(x)
                if dk:
                    derivs[k][c] = -self.gens[c + 1] * dk
                    derivs[k][c + 1] = self.gens[c] * dk
        for u in exp_args:
            e = self._index[sp.exp(u)]
            du = self._symbol_poly(u, "exponent")
            for k, x in enumerate(xs):
                dk = du.diff(x)
                if dk:
                    derivs[k][e] = self.gens[e] * dk
        for f, alphas in functions.items():
            for alpha in alphas:
                g = self._index[_derivative_atom(f, alpha)]
                for p, v in enumerate(f.args):
                    if v not in self.coords:
                        continue
                    nxt = (*alpha[:p], alpha[p] + 1, *alpha[p + 1 :])
                    derivs[self.coords.index(v)][g] = (
                        self.gens[self._index[_derivative_atom(f, nxt)]] if nxt in alphas else None
                    )
        return derivs

    # -- polynomials ---------------------------------------------------------------------

    def reduce(self, p: PolyElement) -> PolyElement:
        """Apply :math:`\\sin^2 u = 1 - \\cos^2 u` until every sine has degree at most one."""
        for s, value in self._quads:
            if p.degree(s) < 2:
                continue
            groups: dict[int, dict] = defaultdict(dict)
            for m, c in p.items():
                k, r = divmod(m[s], 2)
                groups[k][(*m[:s], r, *m[s + 1 :])] = c
            p = self.ring.zero
            for k, terms in groups.items():
                p += self.ring(terms) * self._value_power(s, value, k)
        return p

    def _value_power(self, s: int, value: PolyElement, k: int) -> PolyElement:
        key = (-1 - s, k)
        if key not in self._powers:
            self._powers[key] = value**k
        return self._powers[key]

    def base_power(self, i: int, k: int) -> PolyElement:
        """``base[i] ** k``, cached."""
        if k == 1:
            return self.base[i]
        key = (i, k)
        if key not in self._powers:
            self._powers[key] = self.base[i] ** k
        return self._powers[key]

    def poly_diff(self, p: PolyElement, k: int) -> PolyElement:
        """Total derivative of the polynomial ``p`` along ``coords[k]`` (chain rule)."""
        out = self.ring.zero
        if p.is_ground:
            return out
        for g, dg in self._derivs[k].items():
            if p.degree(g) <= 0:
                continue
            if dg is None:
                raise Unsupported(f"derivative of {self.atoms[g]} beyond the allocated order")
            out += p.diff(self.gens[g]) * dg
        return self.reduce(out)

    def register(self, p: PolyElement) -> tuple[object, dict[int, int]]:
        """Factor ``p`` (free of sines) over the base: ``p = c * prod base[i]**k``."""
        if p.is_ground:
            return p.LC, {}
        known, scale = _normalise(p)
        if known in self._base_index:
            return scale, {self._base_index[known]: 1}
        coeff, factors = p.factor_list()
        exps: dict[int, int] = {}
        for f, k in factors:
            f, scale = _normalise(f)
            coeff *= scale**k
            i = self._base_index.get(f)
            if i is None:
                i = self._base_index[f] = len(self.base)
                self.base.append(f)
            exps[i] = exps.get(i, 0) + k
        return coeff, exps

    # -- conversion ----------------------------------------------------------------------

    def element(self, expr: sp.Expr) -> Frac:
        """``expr`` as a :class:`Frac`; raise :class:`Unsupported` for foreign atoms."""
        return self._convert(as_sympy(expr))

    def _convert(self, expr: sp.Expr) -> Frac:
        if expr.is_Rational:
            return Frac(self, self.ring.ground_new(QQ(int(expr.p), int(expr.q))), ())
        if expr.is_Float:
            return self.zero if expr.is_zero else self._convert(self.magnitudes.hide(expr))
        if expr.is_Add:
            return self.sum(self._convert(a) for a in expr.args)
        if expr.is_Mul:
            out = self.one
            for a in expr.args:
                out = out * self._convert(a)
            return out
        if expr.is_Pow and expr.exp.is_Integer:
            base = self._convert(expr.base)
            if expr.exp < 0:
                base = base.inverse()
            return base ** abs(int(expr.exp))
        if isinstance(expr, sp.tan):
            return self._convert(sp.sin(expr.args[0])) * self._convert(sp.cos(expr.args[0])).inverse()
        if isinstance(expr, sp.cot):
            return self._convert(sp.cos(expr.args[0])) * self._convert(sp.sin(expr.args[0])).inverse()
        if isinstance(expr, sp.sec):
            return self._convert(sp.cos(expr.args[0])).inverse()
        if isinstance(expr, sp.csc):
            return self._convert(sp.sin(expr.args[0])).inverse()
        i = self._index.get(expr)
        if i is None:
            raise Unsupported(f"atom {expr}")
        return Frac(self, self.gens[i], ())

    def sum(self, items: Iterable[Frac]) -> Frac:
        """Sum over one common denominator, multiplying each numerator once."""
        items = [t for t in items if t.num]
        if len(items) <= 1:
            return items[0] if items else self.zero
        target: dict[int, int] = {}
        for t in items:
            for i, k in t.den:
                target[i] = max(target.get(i, 0), k)
        num = self.ring.zero
        for t in items:
            num += t._expand(target)
        return Frac(self, num, _freeze(target))

    def inverse_matrix(self, g: Sequence[Sequence[Frac]]) -> list[list[Frac]]:
        r"""Inverse of a square matrix of elements by cofactors, :math:`(g^{-1})_{ij} = C_{ji}/\det g`.

        Minors are shared between cofactors; sparse matrices cost little.
        """
        n = len(g)
        minors: dict[tuple[tuple[int, ...], tuple[int, ...]], Frac] = {}

        def minor(rows: tuple[int, ...], cols: tuple[int, ...]) -> Frac:
            if not rows:
                return self.one
            key = (rows, cols)
            if key not in minors:
                r, rest = rows[0], rows[1:]
                minors[key] = self.sum(
                    (g[r][c] * minor(rest, cols[:p] + cols[p + 1 :])).scale((-1) ** p)
                    for p, c in enumerate(cols)
                    if g[r][c]
                ).cancel()
            return minors[key]

        full = tuple(range(n))
        det = minor(full, full)
        if not det:
            raise ZeroDivisionError("singular matrix")
        det_inv = det.inverse()
        return [
            [
                (minor(full[:j] + full[j + 1 :], full[:i] + full[i + 1 :]) * det_inv)
                .scale((-1) ** (i + j))
                .cancel()
                for j in range(n)
            ]
            for i in range(n)
        ]

    @property
    def one(self) -> Frac:
        """The unit element."""
        return Frac(self, self.ring.one, ())

    @property
    def zero(self) -> Frac:
        """The zero element."""
        return Frac(self, self.ring.zero, ())

    def negligible(self, value: Frac) -> bool:
        """True when ``value`` is zero, or zero to within the rounding of its float parameters."""
        return not value.num or (bool(self._params) and not self._evaluate(value.num))

    def _evaluate(self, p: PolyElement) -> dict[tuple[int, ...], tuple[Fraction, bool]]:
        """Coefficients of ``p`` with the float parameters evaluated, keyed by the other exponents.

        Each value comes with whether a parameter went into it; sums that cancel to rounding
        level (:meth:`Magnitudes.negligible`) are dropped.
        """
        params = sorted(self._params)
        groups: dict[tuple[int, ...], list] = {}
        for m, c in p.items():
            key = tuple(0 if i in self._params else e for i, e in enumerate(m))
            used = [(self.atoms[i], m[i]) for i in params if m[i]]
            rational = cast(Any, c)
            v = Fraction(int(rational.numerator), int(rational.denominator)) * self.magnitudes.value(used)
            group = groups.setdefault(key, [Fraction(0), Fraction(0), False])
            group[0] += v
            group[1] += abs(v)
            group[2] = group[2] or bool(used)
        return {
            key: (total, inexact)
            for key, (total, scale, inexact) in groups.items()
            if total and not (inexact and self.magnitudes.negligible(total, scale))
        }

    def _monomial(self, key: tuple[int, ...]) -> sp.Expr:
        return sp.Mul(*[a**k for a, k in zip(self.atoms, key, strict=True) if k])

    def _float_form(self, value: Frac) -> sp.Expr:
        """``value`` with its float parameters evaluated; each denominator factor made monic."""
        number = self.magnitudes.number
        constant, inexact = Fraction(1), False
        exact_den, factors = [], []
        for i, k in value.den:
            if not any(self.base[i].degree(self.gens[p]) > 0 for p in self._params):
                exact_den.append((i, k))
                continue
            groups = self._evaluate(self.base[i])
            if not groups:
                raise ZeroDivisionError(f"a denominator factor of {value} vanishes to rounding level")
            lead = max(groups)
            lc, lc_inexact = groups[lead]
            constant /= lc**k
            inexact = inexact or lc_inexact
            if any(lead):
                factors.append(sp.Add(*[
                    number(v / lc, flag or lc_inexact) * self._monomial(key) for key, (v, flag) in groups.items()
                ]) ** k)
        num = sp.Add(*[
            number(v * constant, flag or inexact) * self._monomial(key)
            for key, (v, flag) in self._evaluate(value.num).items()
        ])
        if num == 0:
            return sp.S.Zero
        return num / (self._den_expr(tuple(exact_den), "sin") * sp.Mul(*factors))

    def to_sympy(self, value: Frac) -> sp.Expr:
        """A readable SymPy expression for ``value``: the shortest of a few exact forms.

        With float parameters the numbers are evaluated (:meth:`_float_form`).
        """
        value = value.cancel()
        if not value.num:
            return sp.S.Zero
        if self._params:
            return self._float_form(value)
        candidates = []
        for eliminate in ("sin", "cos") if self._quads else ("sin",):
            num = value.num if eliminate == "sin" else self._cos_form(value.num)
            den_expr = self._den_expr(value.den, eliminate)
            candidates.append(self._factored(num) / den_expr)
            if 1 < len(num) <= 3:
                candidates.append(sp.Add(*[self._factored(self.ring({m: c})) / den_expr
                                           for m, c in num.items()]))
        return min(candidates, key=_size) if len(candidates) > 1 else candidates[0]

    def _factored(self, p: PolyElement) -> sp.Expr:
        """``p`` with its rational content and common monomial pulled out."""
        p, content = _normalise(p)
        monomial = tuple(map(min, zip(*p.itermonoms(), strict=True)))
        if any(monomial):
            p = self.ring({tuple(e - k for e, k in zip(m, monomial, strict=True)): c
                           for m, c in p.items()})
        factor = sp.Mul(*[a**k for a, k in zip(self.atoms, monomial, strict=True) if k])
        rational = cast(Any, content)
        return sp.Rational(int(rational.numerator), int(rational.denominator)) * factor * p.as_expr(
            *self.atoms
        )

    def _cos_form(self, p: PolyElement) -> PolyElement:
        """Rewrite ``p`` with :math:`\\cos^2 u = 1 - \\sin^2 u` (for display only)."""
        for s, _ in self._quads:
            c = s - 1
            if p.degree(c) < 2:
                continue
            value = 1 - self.gens[s] ** 2
            groups: dict[int, dict] = defaultdict(dict)
            for m, coeff in p.items():
                k, r = divmod(m[c], 2)
                groups[k][(*m[:c], r, *m[c + 1 :])] = coeff
            p = sum((self.ring(t) * value**k for k, t in groups.items()), self.ring.zero)
        return p

    def _den_expr(self, den: tuple[tuple[int, int], ...], eliminate: str) -> sp.Expr:
        """The factored denominator, with each :math:`(\\cos u - 1)(\\cos u + 1) = -\\sin^2 u`."""
        exps = dict(den)
        out = sp.S.One
        for s, _ in self._quads:
            c = self.gens[s - 1]
            minus, plus = self._base_index.get(c - 1), self._base_index.get(c + 1)
            if minus is None or plus is None:
                continue
            m = min(exps.get(minus, 0), exps.get(plus, 0))
            if m:
                out *= (-self.atoms[s] ** 2) ** m
                exps[minus] -= m
                exps[plus] -= m
        for i, k in exps.items():
            if k:
                f = self.base[i] if eliminate == "sin" else self._cos_form(self.base[i])
                out *= f.as_expr(*self.atoms) ** k
        return out


def _size(expr: sp.Expr) -> tuple:
    """Ordering for display candidates: fewer operations, then fewer sums."""
    return sp.count_ops(expr), sum(1 for e in sp.preorder_traversal(expr) if e.is_Add), sp.default_sort_key(expr)


def _normalise(f: PolyElement) -> tuple[PolyElement, object]:
    """``f = scale * g`` with ``g`` of coprime integer coefficients, mostly positive."""
    content = functools.reduce(QQ.gcd, f.coeffs())
    g = f.quo_ground(content)
    if 2 * sum(c < 0 for c in g.coeffs()) > len(g) or (
        2 * sum(c < 0 for c in g.coeffs()) == len(g) and g.LC < 0
    ):
        g, content = -g, -content
    return g, content


def _merge(a: tuple[tuple[int, int], ...], b: tuple[tuple[int, int], ...], op) -> dict[int, int]:
    out = dict(a)
    for i, k in b:
        out[i] = op(out.get(i, 0), k)
    return out


def _freeze(exps: dict[int, int]) -> tuple[tuple[int, int], ...]:
    return tuple(sorted((i, k) for i, k in exps.items() if k))


class Frac:
    r"""An element :math:`N / \prod_i f_i^{e_i}` of a :class:`RationalField`.

    ``num`` is reduced (degree at most one in every sine); ``den`` is a sorted tuple of
    ``(base index, exponent)``. Supports ``+ - *``, integer powers, :meth:`inverse`,
    :meth:`diff` and :meth:`cancel`.
    """

    __slots__ = ("den", "field", "num")

    def __init__(self, field: RationalField, num: PolyElement, den: tuple[tuple[int, int], ...]):
        self.field, self.num, self.den = field, num, den if num else ()

    def __bool__(self) -> bool:
        return bool(self.num)

    def _expand(self, target: dict[int, int]) -> PolyElement:
        num = self.num
        own = dict(self.den)
        for i, k in target.items():
            extra = k - own.get(i, 0)
            if extra:
                num = num * self.field.base_power(i, extra)
        return num

    def __add__(self, other: Frac) -> Frac:
        if not other.num:
            return self
        if not self.num:
            return other
        if self.den == other.den:
            return Frac(self.field, self.num + other.num, self.den)
        target = _merge(self.den, other.den, max)
        return Frac(self.field, self._expand(target) + other._expand(target), _freeze(target))

    def __neg__(self) -> Frac:
        return Frac(self.field, -self.num, self.den)

    def __sub__(self, other: Frac) -> Frac:
        return self + (-other)

    def __mul__(self, other: Frac) -> Frac:
        if not self.num or not other.num:
            return self.field.zero
        num = self.num * other.num
        if self.field._quads:
            num = self.field.reduce(num)
        return Frac(self.field, num, _freeze(_merge(self.den, other.den, int.__add__)))

    def scale(self, c: object) -> Frac:
        """Multiply by a rational number ``c``."""
        return Frac(self.field, self.num * QQ.convert(c), self.den)

    def __pow__(self, k: int) -> Frac:
        out = self.field.one
        for _ in range(k):
            out = out * self
        return out

    def inverse(self) -> Frac:
        """``1 / self``; sines are cleared from the new denominator by conjugation."""
        F = self.field
        if not self.num:
            raise ZeroDivisionError("inverse of zero")
        num = F.ring.one
        for i, k in self.den:
            num = num * F.base_power(i, k)
        den = self.num
        for s, value in F._quads:
            if den.degree(s) == 1:
                a = F.ring({m: c for m, c in den.items() if m[s] == 0})
                b = (den - a).quo(F.gens[s])
                conj = a - b * F.gens[s]
                num = F.reduce(num * conj)
                den = F.reduce(a * a - b * b * value)
        coeff, exps = F.register(den)
        return Frac(F, num * QQ(1) / coeff, _freeze(exps))

    def diff(self, k: int) -> Frac:
        r"""Derivative along ``coords[k]``: :math:`(N' D - N D')/D^2` via the factored ``D``."""
        F = self.field
        if not self.num:
            return self
        num = F.poly_diff(self.num, k)
        grow = [(i, e, F.poly_diff(F.base[i], k)) for i, e in self.den]
        grow = [(i, e, d) for i, e, d in grow if d]
        if not grow:
            return Frac(F, num, self.den)
        full = F.ring.one
        for i, _, _ in grow:
            full = full * F.base[i]
        out = num * full
        for i, e, d in grow:
            out -= self.num * d * full.exquo(F.base[i]) * e
        exps = dict(self.den)
        for i, _, _ in grow:
            exps[i] += 1
        return Frac(F, F.reduce(out), _freeze(exps))

    def cancel(self) -> Frac:
        """Divide out every base factor the numerator still contains."""
        F = self.field
        if not self.num or not self.den:
            return self
        num, exps = self.num, dict(self.den)
        for i, k in self.den:
            f = F.base[i]
            while k:
                q, r = num.div(f)
                if r:
                    break
                num, k = q, k - 1
            exps[i] = k
        return Frac(F, num, _freeze(exps))


@functools.lru_cache(maxsize=64)
def field_for(exprs: tuple[sp.Expr, ...], coords: tuple[sp.Symbol, ...], depth: int) -> RationalField:
    """The shared :class:`RationalField` for ``exprs`` (raises :class:`Unsupported`)."""
    return RationalField(exprs, coords, depth)


def solve_linear(matrix: sp.MatrixBase, rhs: sp.MatrixBase) -> tuple[sp.Expr, ...]:
    """Solve ``matrix * x = rhs`` exactly; each entry of ``x`` comes back readable.

    Raises :class:`Unsupported` for entries outside the rational representation and
    ``ZeroDivisionError`` for a singular ``matrix``.

    Examples
    --------
    >>> r = sp.Symbol("r")
    >>> solve_linear(sp.Matrix([[1, 0], [0, r**2]]), sp.Matrix([r, 2]))
    (r, 2/r**2)
    """
    n = matrix.shape[0]
    field = RationalField([*matrix, *rhs], (), 0)
    g = [[field.element(matrix[i, j]) for j in range(n)] for i in range(n)]
    b = [field.element(x) for x in rhs]
    inv = field.inverse_matrix(g)
    return tuple(
        field.to_sympy(field.sum(inv[i][j] * b[j] for j in range(n) if inv[i][j] and b[j]))
        for i in range(n)
    )
