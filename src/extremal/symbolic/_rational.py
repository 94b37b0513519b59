r"""Exact arithmetic for tensor components: one field in which zero has one form.

Each component is held as :math:`N / \prod_i f_i^{e_i}`: ``N`` a sparse polynomial over
:math:`\mathbb{Q}` in the generators of :mod:`._generators` (symbols, units of the
elementary functions, radicals, unknown functions and their derivatives, float
parameters), the :math:`f_i` irreducible polynomials from a shared *denominator base*.
Some generators are algebraic, :math:`s^d = v` with ``v`` free of ``s``: the sine of each
trigonometric pair (:math:`v = 1 - \cos^2 u`), the hyperbolic sine
(:math:`v = \cosh^2 u - 1`), radicals (:math:`\rho^L = N D^{L-1}`) and :math:`i`
(:math:`v = -1`). Numerators are reduced to degree below ``d`` in each, and denominators
are kept free of them (an inverse multiplies by the adjugate of the multiplication
matrix, the conjugate for :math:`d = 2`). The representation is then canonical, so a
component is zero exactly when its numerator is the zero polynomial (Davenport, Siret &
Tournier, *Computer Algebra*, §2.4).

The guarantee needs the generators to be independent. It holds for symbols, units of the
elementary functions, unknown functions and one radical of a non-power; with several
radicals, nested ones, or other functions (``log``, ``atan``, ...) an identity between
generators could go unseen, and :attr:`RationalField.certain` is False: a zero is still
a proof, a nonzero is then confirmed numerically (:func:`._simplification.zero_test`).

Derivatives follow the chain rule on the generators (:math:`\partial\sin u = \cos u\,\partial u`,
:math:`\partial\rho = \rho\,\partial v/(L v)`, :math:`\partial f_\alpha = f_{\alpha + e_k}`,
SymPy's derivative for other functions) and the logarithmic derivative of the factored
denominator, which never needs a polynomial gcd. Floats become positive parameters
(:mod:`._floats`): the arithmetic stays exact, and :meth:`RationalField.to_sympy` evaluates
them once, at the precision of the input, dropping sums that cancel to rounding level.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, cast

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.polys.domains import QQ
from sympy.polys.rings import PolyElement, ring

from extremal.symbolic._floats import Magnitudes
from extremal.symbolic._generators import (
    HYPERBOLIC,
    TRIG,
    Scan,
    Unsupported,
    linear_terms,
    non_smooth,
)
from extremal.symbolic._values import as_sympy

__all__ = [
    "Frac", "RationalField", "Unsupported", "canonical_form", "determinant", "field_for", "inverse", "solve_linear",
]

_MAX_OPAQUE = 24
_MAX_ADJUGATE = 6
_FACTOR_TERMS = 40
_FULL_FACTOR_TERMS = 12
_FACTOR_DEGREE = 4
_REWRITE_OPS = 80


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


def _composite_atom(f: sp.Expr, alpha: tuple[int, ...]) -> sp.Expr:
    r""":math:`\partial^\alpha f` at ``f``'s arguments, as SymPy writes it (``Subs`` of a derivative)."""
    if not any(alpha):
        return f
    xi = [sp.Dummy(f"xi_{p + 1}") for p in range(len(f.args))]
    derivative = sp.Derivative(f.func(*xi), *[(v, k) for v, k in zip(xi, alpha, strict=True) if k])
    return sp.Subs(derivative, tuple(xi), tuple(f.args))


def _sympy_derivative(atom: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """SymPy's derivative of ``atom``, with Bessel functions of integer order written through orders 0 and 1."""
    d = sp.diff(atom, x)
    bessel = [b for b in d.atoms(sp.besselj, sp.bessely, sp.besseli, sp.besselk)
              if b.args[0].is_Integer and b.args[0] not in (0, 1)]
    return d.xreplace({b: sp.expand_func(b) for b in bessel}) if bessel else d


@dataclass(frozen=True)
class _Relation:
    """An algebraic generator: ``gens[index] ** degree == value``; ``level`` orders a tower."""

    index: int
    degree: int
    value: PolyElement
    level: int


class RationalField:
    """Ring generators, relations, derivative rules and the shared denominator base.

    Build one with :func:`field_for`; convert with :meth:`element` and back with
    :meth:`to_sympy`. ``depth`` is how many derivatives of unknown functions beyond those in
    ``exprs`` get generators; ``coords`` are the variables of :meth:`Frac.diff`.

    Examples
    --------
    >>> th = sp.Symbol("theta")
    >>> F = RationalField([sp.sin(2*th), sp.sin(th)], (th,), 1)
    >>> x = F.element(sp.sin(2*th) - 2*sp.sin(th)*sp.cos(th))
    >>> bool(x), F.to_sympy(F.element(sp.sin(th)**3 + sp.sin(th)*sp.cos(th)**2).diff(0))
    (False, cos(theta))
    """

    def __init__(self, exprs: Sequence[sp.Expr], coords: Sequence[sp.Symbol], depth: int) -> None:
        self.coords = tuple(coords)
        raw = [as_sympy(e) for e in exprs]
        exprs = [_normalise_opaque(e) for e in raw]
        scan = Scan()
        for e in exprs:
            scan.visit(e)
        scan.symbols |= set(self.coords)
        self._opaque_derivatives = self._close_opaque(scan)
        self.magnitudes = Magnitudes(scan.floats)
        self._kinds: list[tuple] = []
        atoms: list[sp.Expr] = []

        def add(atom: sp.Expr, *kind: Any) -> int:
            atoms.append(atom)
            self._kinds.append(kind)
            return len(atoms) - 1

        for x in self.coords:
            add(x, "symbol")
        for x in sorted(scan.symbols - set(self.coords), key=sp.default_sort_key):
            add(x, "symbol")
        for c in sorted(scan.constants, key=sp.default_sort_key):
            add(c, "constant")
        for p in self.magnitudes.symbols:
            add(p, "constant")
        if scan.imaginary:
            add(sp.I, "imaginary")
        self._scale = scan.units()
        self._pair: dict[tuple[str, sp.Expr], tuple[int, int]] = {}
        self._exp: dict[sp.Expr, int] = {}
        cos_of = {"trig": (sp.cos, sp.sin), "hyp": (sp.cosh, sp.sinh)}
        for family, table in self._scale.items():
            for t, g in sorted(table.items(), key=lambda tg: sp.default_sort_key(tg[0])):
                unit = g * t
                if family == "exp":
                    atom = sp.exp(unit)
                    if not isinstance(atom, sp.exp):
                        raise Unsupported(f"exp({unit}) is not a new function")
                    self._exp[t] = add(atom, "exp", unit)
                    continue
                c_func, s_func = cos_of[family]
                c = add(c_func(unit), "c" + family, unit)
                s = add(s_func(unit), "s" + family, unit)
                self._pair[(family, t)] = (c, s)
        functions = self._function_orders(scan, depth)
        self._function_gens = {
            _derivative_atom(f, alpha): add(_derivative_atom(f, alpha), "function", f, alpha, alphas)
            for f, alphas in functions.items()
            for alpha in alphas
        }
        self._composite_gens: dict[tuple[sp.Expr, tuple[int, ...]], int] = {}
        for f in scan.composites:
            alphas = _multi_indices(len(f.args), depth)
            for alpha in alphas:
                self._composite_gens[(f, alpha)] = add(_composite_atom(f, alpha), "composite", f, alpha, alphas)
        for atom in scan.opaque:
            add(atom, "opaque")
        self._signs = {w: add(sp.sign(w), "sign", w) for w in scan.signs}
        roots = sorted(scan.roots.items(), key=lambda bl: (_nesting(bl[0]), sp.default_sort_key(bl[0])))
        self._roots = {base: add(base ** sp.Rational(1, L), "root", base, L) for base, L in roots}
        self.atoms: tuple[sp.Expr, ...] = tuple(atoms)
        self._index = {a: i for i, a in enumerate(atoms) if self._kinds[i][0] in ("symbol", "constant", "imaginary",
                                                                             "function", "opaque", "composite")}
        self._params = frozenset(self._index[p] for p in self.magnitudes.symbols)
        self.ring, *self.gens = ring([sp.Dummy(f"g{i}") for i in range(len(atoms))], QQ)
        self._powers: dict[tuple[int, int], PolyElement] = {}
        self.base: list[PolyElement] = []
        self._base_index: dict[PolyElement, int] = {}
        self._cache: dict[sp.Expr, Frac] = {}
        self._factorizations: dict[PolyElement, tuple[Any, list[tuple[PolyElement, int]]]] = {}
        self._multiples: dict[tuple[str, sp.Expr, int], tuple[Frac, Frac]] = {}
        self._derivatives: dict[tuple[int, int], Frac | None] = {}
        self._relations: list[_Relation] = []
        self.certain = not (scan.opaque or scan.signs)
        self._normalised = any(e != r for e, r in zip(exprs, raw, strict=True))
        self._display = list(atoms)
        self._abs: dict[sp.Expr, sp.Expr] = {}
        self._root_den: dict[int, Frac] = {}
        self._add_relations(roots)
        self._shown = self._display
        self._functions = any(kind[0] not in ("symbol", "constant", "ctrig", "strig", "chyp", "shyp", "imaginary")
                              for kind in self._kinds)
        self._placeholders = [
            a if self._kinds[i][0] in ("symbol", "constant") else sp.Dummy(f"G{i}") for i, a in enumerate(self._display)
        ]
        self._moving = [
            [g for g in range(len(atoms)) if self._depends(g, x)] for x in self.coords
        ]

    @property
    def smooth(self) -> bool:
        """True when every generator that moves with a coordinate has its derivative in the field."""
        return all(
            d is not None or not atom.has(x)
            for atom, derivatives in self._opaque_derivatives.items()
            for d, x in zip(derivatives, self.coords, strict=True)
        )

    # -- construction --------------------------------------------------------------------

    def _close_opaque(self, scan: Scan) -> dict[sp.Expr, list[sp.Expr | None]]:
        """SymPy's derivatives of the opaque atoms, their own atoms added to ``scan``."""
        out: dict[sp.Expr, list[sp.Expr | None]] = {}
        if not self.coords:
            return out
        pending = list(scan.opaque)
        while pending:
            atom = pending.pop()
            derivatives: list[sp.Expr | None] = []
            for x in self.coords:
                if non_smooth(atom) or not atom.has(x):
                    derivatives.append(None if atom.has(x) else sp.S.Zero)
                    continue
                d = _sympy_derivative(atom, x)
                if d.has(sp.Subs, sp.Integral) or any(
                    not isinstance(a.expr, AppliedUndef) for a in d.atoms(sp.Derivative)
                ):
                    derivatives.append(None)
                    continue
                before = set(scan.opaque)
                scan.visit(d)
                new = [a for a in scan.opaque if a not in before]
                if len(scan.opaque) > _MAX_OPAQUE:
                    for a in new:
                        del scan.opaque[a]
                    derivatives.append(None)
                    continue
                pending += new
                derivatives.append(d)
            out[atom] = derivatives
        return out

    @staticmethod
    def _function_orders(scan: Scan, depth: int) -> dict[sp.Expr, list[tuple[int, ...]]]:
        orders: dict[sp.Expr, int] = defaultdict(int)
        for f, alpha in scan.functions:
            orders[f] = max(orders[f], sum(alpha))
        return {f: _multi_indices(len(f.args), orders[f] + depth) for f in sorted(orders, key=sp.default_sort_key)}

    def _add_relations(self, roots: list[tuple[sp.Expr, int]]) -> None:
        """Relations of the pairs, of ``i`` and of the radicals (in order of nesting)."""
        for (family, _t), (c, s) in self._pair.items():
            value = 1 - self.gens[c] ** 2 if family == "trig" else self.gens[c] ** 2 - 1
            self._push(_Relation(s, 2, value, 1))
        if sp.I in self._index:
            self._push(_Relation(self._index[sp.I], 2, -self.ring.one, 1))
        for w, i in self._signs.items():
            self._push(_Relation(i, 2, self.ring.one, 1))
            self._abs[self._display[i]] = sp.Abs(w) / w
        levels = {r.index: r.level for r in self._relations}
        for base, L in roots:
            rho = self._roots[base]
            b = self.element(base).cancel()
            den = self.ring.one
            for i, k in b.den:
                den = den * self.base_power(i, k)
            value = self.reduce(b.num * den ** (L - 1))
            level = 1 + max((levels.get(g, 0) for g in range(len(self.gens)) if value.degree(g) > 0), default=0)
            if level > 1 or len(roots) > 1 or _is_power(value, L):
                self.certain = False
            levels[rho] = level
            self._push(_Relation(rho, L, value, level))
            self._root_den[rho] = Frac(self, self.ring.one, b.den)
            self._display[rho] = den.as_expr(*self._display) * self.atoms[rho]

    def _push(self, relation: _Relation) -> None:
        self._relations.append(relation)
        self._relations.sort(key=lambda r: -r.level)

    def _depends(self, g: int, x: sp.Symbol) -> bool:
        kind = self._kinds[g]
        if kind[0] == "symbol":
            return self.atoms[g] == x
        if kind[0] in ("constant", "imaginary", "sign"):
            return False
        if kind[0] == "root":
            return kind[1].has(x)
        if kind[0] == "function":
            return x in kind[1].args
        if kind[0] == "composite":
            return kind[1].has(x)
        return self.atoms[g].has(x) if kind[0] == "opaque" else kind[1].has(x)

    # -- derivatives of the generators ----------------------------------------------------

    def derivative(self, g: int, k: int) -> Frac | None:
        """:math:`\\partial(\\text{generator } g)/\\partial x_k`; None where the field has no generator for it."""
        key = (g, k)
        if key not in self._derivatives:
            self._derivatives[key] = self._derivative(g, k)
        return self._derivatives[key]

    def _derivative(self, g: int, k: int) -> Frac | None:
        kind = self._kinds[g]
        gen = Frac(self, self.gens[g], ())
        if kind[0] == "symbol":
            return self.one if self.atoms[g] == self.coords[k] else self.zero
        if kind[0] in ("ctrig", "strig", "chyp", "shyp", "exp"):
            du = self.element(kind[1]).diff(k)
            if kind[0] == "exp":
                return gen * du
            partner = Frac(self, self.gens[g + 1 if kind[0][0] == "c" else g - 1], ())
            return (-partner if kind[0] == "ctrig" else partner) * du
        if kind[0] == "function":
            f, alpha, alphas = kind[1:]
            p = f.args.index(self.coords[k])
            nxt = (*alpha[:p], alpha[p] + 1, *alpha[p + 1 :])
            return Frac(self, self.gens[self._function_gens[_derivative_atom(f, nxt)]], ()) if nxt in alphas else None
        if kind[0] == "composite":
            f, alpha, alphas = kind[1:]
            terms = []
            for p, u in enumerate(f.args):
                du = self.element(u).diff(k)
                if not du:
                    continue
                nxt = (*alpha[:p], alpha[p] + 1, *alpha[p + 1 :])
                if nxt not in alphas:
                    return None
                terms.append(Frac(self, self.gens[self._composite_gens[(f, nxt)]], ()) * du)
            return self.sum(terms)
        if kind[0] == "root":
            relation = next(r for r in self._relations if r.index == g)
            value = Frac(self, relation.value, ())
            return (gen * self.poly_diff(relation.value, k) * value.inverse()).scale(sp.Rational(1, relation.degree))
        if kind[0] == "opaque":
            d = self._opaque_derivatives.get(self.atoms[g], [None] * len(self.coords))[k]
            return None if d is None else self.element(d)
        return self.zero

    # -- polynomials ---------------------------------------------------------------------

    def reduce(self, p: PolyElement) -> PolyElement:
        """Apply every relation :math:`s^d = v` until each algebraic generator has degree below ``d``."""
        for relation in self._relations:
            if p.degree(relation.index) >= relation.degree:
                p = self._reduce_by(p, relation)
        return p

    def _reduce_by(self, p: PolyElement, relation: _Relation) -> PolyElement:
        s, d = relation.index, relation.degree
        groups: dict[int, dict] = defaultdict(dict)
        for m, c in p.items():
            k, r = divmod(m[s], d)
            groups[k][(*m[:s], r, *m[s + 1 :])] = c
        out = self.ring.zero
        for k, terms in groups.items():
            out += self.ring(terms) * self._value_power(relation, k)
        return out

    def _value_power(self, relation: _Relation, k: int) -> PolyElement:
        key = (-1 - relation.index, k)
        if key not in self._powers:
            self._powers[key] = self.reduce(relation.value**k) if k > 1 else relation.value**k
        return self._powers[key]

    def base_power(self, i: int, k: int) -> PolyElement:
        """``base[i] ** k``, cached."""
        if k == 1:
            return self.base[i]
        key = (i, k)
        if key not in self._powers:
            self._powers[key] = self.base[i] ** k
        return self._powers[key]

    def poly_diff(self, p: PolyElement, k: int) -> Frac:
        """Total derivative of the polynomial ``p`` along ``coords[k]`` (chain rule)."""
        poly, fracs = self.ring.zero, []
        if p.is_ground:
            return self.zero
        for g in self._moving[k]:
            if p.degree(g) <= 0:
                continue
            dg = self.derivative(g, k)
            if dg is None:
                raise Unsupported(f"no derivative of {self.atoms[g]} in this field")
            if not dg:
                continue
            part = p.diff(self.gens[g]) * dg.num
            if dg.den:
                fracs.append(Frac(self, self.reduce(part), dg.den))
            else:
                poly += part
        out = Frac(self, self.reduce(poly), ())
        return self.sum([out, *fracs]) if fracs else out

    def register(self, p: PolyElement) -> tuple[object, dict[int, int]]:
        """Factor ``p`` (free of algebraic generators) over the base: ``p = c * prod base[i]**k``."""
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

    def eliminate(self, num: PolyElement, den: PolyElement) -> tuple[PolyElement, PolyElement]:
        """``num/den`` with every algebraic generator cleared from ``den`` (highest level first)."""
        for relation in self._relations:
            s, d = relation.index, relation.degree
            if den.degree(s) <= 0:
                continue
            if d == 2:
                a = self.ring({m: c for m, c in den.items() if m[s] == 0})
                b = (den - a).quo(self.gens[s])
                num = self.reduce(num * (a - b * self.gens[s]))
                den = self.reduce(a * a - b * b * relation.value)
            else:
                adjugate, den = self._adjugate_column(den, relation)
                num = self.reduce(num * adjugate)
            if not den:
                raise Unsupported("a denominator vanishes in this field (its radicals are not independent)")
        return num, den

    def _adjugate_column(self, alpha: PolyElement, relation: _Relation) -> tuple[PolyElement, PolyElement]:
        """First column of the adjugate of multiplication by ``alpha`` (a polynomial in ``s``), and the determinant."""
        s, d = relation.index, relation.degree
        if d > _MAX_ADJUGATE:
            raise Unsupported(f"a root of degree {d} in a denominator")
        columns = []
        power = self.ring.one
        for _ in range(d):
            column: list[dict] = [{} for _ in range(d)]
            for m, c in self._reduce_by(alpha * power, relation).items():
                column[m[s]][(*m[:s], 0, *m[s + 1 :])] = c
            columns.append([self.ring(t) for t in column])
            power = power * self.gens[s]
        matrix = [[columns[j][i] for j in range(d)] for i in range(d)]
        cofactors = [(-1) ** i * _determinant([row[:i] + row[i + 1 :] for row in matrix[1:]]) for i in range(d)]
        det = sum((matrix[0][i] * cofactors[i] for i in range(d)), self.ring.zero)
        adjugate = sum((cofactors[i] * self.gens[s] ** i for i in range(d)), self.ring.zero)
        return adjugate, det

    # -- conversion ----------------------------------------------------------------------

    def element(self, expr: sp.Expr) -> Frac:
        """``expr`` as a :class:`Frac`; raise :class:`Unsupported` for atoms outside the field."""
        expr = as_sympy(expr)
        return self._convert(_normalise_opaque(expr) if self._normalised else expr)

    def _multiplier(self, family: str, t: sp.Expr, coeff: sp.Rational) -> int:
        """``coeff`` over the scale of ``t``'s unit, an integer."""
        scale = self._scale[family].get(t)
        if scale is None or not (coeff / scale).is_Integer:
            raise Unsupported(f"{coeff}*{t} is not a multiple of a unit of this field")
        return int(coeff / scale)

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
        if expr.is_Pow:
            return self._power(expr)
        if expr in self._cache:
            return self._cache[expr]
        if isinstance(expr, TRIG):
            value = self._trig(expr)
        elif isinstance(expr, HYPERBOLIC):
            value = self._hyperbolic(expr)
        elif isinstance(expr, sp.exp) or expr is sp.E:
            value = self._exponential(expr.args[0] if expr.args else sp.S.One)
        elif isinstance(expr, sp.Abs | sp.sign) and expr.args[0] in self._signs:
            sign = Frac(self, self.gens[self._signs[expr.args[0]]], ())
            value = sign * self._convert(expr.args[0]) if isinstance(expr, sp.Abs) else sign
        else:
            i = self._index.get(expr)
            if i is None:
                raise Unsupported(f"atom {expr}")
            value = Frac(self, self.gens[i], ())
        self._cache[expr] = value
        return value

    def _power(self, expr: sp.Pow) -> Frac:
        exp = expr.exp
        if exp.is_Float and sp.Rational(exp).q in range(1, 13):
            exp = sp.Rational(exp)
        if exp.is_Integer:
            base = self._convert(expr.base)
            if exp < 0:
                base = base.inverse()
            return base ** abs(int(exp))
        rho = self._roots.get(expr.base) if exp.is_Rational else None
        if rho is None:
            i = self._index.get(expr)
            if i is None:
                raise Unsupported(f"atom {expr}")
            return Frac(self, self.gens[i], ())
        L = self._kinds[rho][2]
        root = Frac(self, self.gens[rho], ()) * self._root_den[rho]
        k = int(exp * L)
        return root.inverse() ** -k if k < 0 else root**k

    def _multiple(self, family: str, t: sp.Expr, k: int) -> tuple[Frac, Frac]:
        """:math:`(\\cos ku, \\sin ku)` (or the hyperbolic pair) for the unit of ``t``."""
        if k < 0:
            c, s = self._multiple(family, t, -k)
            return c, -s
        key = (family, t, k)
        if key not in self._multiples:
            ci, si = self._pair[(family, t)]
            one_c, one_s = Frac(self, self.gens[ci], ()), Frac(self, self.gens[si], ())
            if k == 0:
                self._multiples[key] = (self.one, self.zero)
            elif k == 1:
                self._multiples[key] = (one_c, one_s)
            else:
                c, s = self._multiple(family, t, k - 1)
                sign = -1 if family == "trig" else 1
                self._multiples[key] = (c * one_c + (s * one_s).scale(sign), s * one_c + c * one_s)
        return self._multiples[key]

    def _combined(self, family: str, arg: sp.Expr) -> tuple[Frac, Frac]:
        terms, pi = linear_terms(arg, family == "trig")
        c, s = (self.element(sp.cos(pi * sp.pi)), self.element(sp.sin(pi * sp.pi))) if pi else (self.one, self.zero)
        sign = -1 if family == "trig" else 1
        for coeff, t in terms:
            ck, sk = self._multiple(family, t, self._multiplier(family, t, coeff))
            c, s = c * ck + (s * sk).scale(sign), s * ck + c * sk
        return c, s

    def _trig(self, expr: sp.Expr) -> Frac:
        c, s = self._combined("trig", expr.args[0])
        return _ratio(type(expr), sp.sin, sp.cos, sp.tan, sp.cot, sp.sec, sp.csc, c, s)

    def _hyperbolic(self, expr: sp.Expr) -> Frac:
        c, s = self._combined("hyp", expr.args[0])
        return _ratio(type(expr), sp.sinh, sp.cosh, sp.tanh, sp.coth, sp.sech, sp.csch, c, s)

    def _exponential(self, arg: sp.Expr) -> Frac:
        terms, _ = linear_terms(arg, False)
        out = self.one
        for coeff, t in terms:
            if t in self._scale["hyp"]:
                c, s = self._multiple("hyp", t, self._multiplier("hyp", t, coeff))
                out = out * (c + s)
                continue
            k = self._multiplier("exp", t, coeff)
            e = Frac(self, self.gens[self._exp[t]], ())
            out = out * (e.inverse() ** -k if k < 0 else e**k)
        return out

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
        minors = _Minors(self, g)
        full = tuple(range(len(g)))
        det = minors(full, full)
        if not det:
            raise ZeroDivisionError("singular matrix")
        det_inv = det.inverse()
        return [
            [
                (minors(full[:j] + full[j + 1 :], full[:i] + full[i + 1 :]) * det_inv)
                .scale((-1) ** (i + j))
                .cancel()
                for j in range(len(g))
            ]
            for i in range(len(g))
        ]

    def determinant(self, g: Sequence[Sequence[Frac]]) -> Frac:
        """Determinant of a square matrix of elements, by expansion in shared minors."""
        full = tuple(range(len(g)))
        return _Minors(self, g)(full, full)

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
        return sp.Mul(*[a**k for a, k in zip(self._shown, key, strict=True) if k])

    def _float_form(self, value: Frac) -> sp.Expr:
        """``value`` with its float parameters evaluated; each denominator factor made monic."""
        number = self.magnitudes.number
        constant, inexact = Fraction(1), False
        exact_den, factors = [], []
        for i, k in value.den:
            if not any(self.base[i].degree(p) > 0 for p in self._params):
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
        return num / (self._den_expr(tuple(exact_den)) * sp.Mul(*factors))

    def as_expr(self, value: Frac) -> sp.Expr:
        """``value`` as one SymPy ratio, exactly as held (floats evaluated): the canonical form."""
        value = value.cancel()
        if not value.num:
            return sp.S.Zero
        if self._params:
            return self._float_form(value)
        return self._shorter_with_abs(self._factored(value.num) / self._den_expr(value.den))

    def _shorter_with_abs(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` or, if shorter, ``expr`` with :math:`\\operatorname{sign} w = |w|/w`."""
        return min(expr, expr.xreplace(self._abs), key=_size) if self._abs else expr

    def to_sympy(self, value: Frac) -> sp.Expr:
        """A readable SymPy expression for ``value``: the shortest of a few exact forms.

        With float parameters the numbers are evaluated (:meth:`_float_form`).
        """
        value = value.cancel()
        if not value.num:
            return sp.S.Zero
        if self._params and not self._exact_in_floats(value):
            return self._float_form(value)
        self._shown = self._placeholders  # candidates are built and compared with a symbol per generator
        try:
            best = min(self._candidates(value), key=_size)
        finally:
            self._shown = self._display
        best = best.xreplace({p: a for p, a in zip(self._placeholders, self._display, strict=True) if p is not a})
        if self._abs:
            best = min(best, best.xreplace(self._abs), key=_size)
        if self._exp and sp.count_ops(best) <= _REWRITE_OPS:
            best = min(best, sp.powsimp(best, combine="exp"), _hyperbolic_form(best), key=_size)
        return best

    def _candidates(self, value: Frac) -> list[sp.Expr]:
        candidates = []
        den_expr = self._den_expr(value.den)
        for alternate in self._alternatives([key for key, (c, _s) in self._pair.items() if self._squares(value, c)]):
            num = self._alternate(value.num, alternate)
            candidates += [n / den_expr for n in self._numerator_forms(num)]
            if 1 < len(num) <= 3:
                candidates.append(sp.Add(*[self._factored(self.ring({m: c})) / den_expr for m, c in num.items()]))
            expanded = self._expanded_den(value.den)
            if expanded is not None:
                den, content = _normalise(self._alternate(expanded, alternate))
                candidates += [n / self._factored(den) for n in self._numerator_forms(num.quo_ground(content))]
        if self._params:
            candidates = [self.magnitudes.restore(c) for c in candidates] + [self._float_form(value)]
        return candidates

    def _squares(self, value: Frac, c: int) -> bool:
        """Whether ``value`` holds the square of generator ``c`` (in its numerator or whole denominator)."""
        return value.num.degree(c) >= 2 or sum(k * self.base[i].degree(c) for i, k in value.den) >= 2

    def _exact_in_floats(self, value: Frac) -> bool:
        """True when no sum in ``value`` cancels to rounding level, so its exact forms show the same numbers."""
        polys = [value.num, *(self.base[i] for i, _ in value.den)]
        return all(
            len(self._evaluate(p)) == len({tuple(0 if i in self._params else e for i, e in enumerate(m)) for m in p})
            for p in polys
        )

    def _alternatives(self, keys: list | None = None) -> list[frozenset]:
        """Which pairs (of ``keys``, default all) to show in the other Pythagorean form: every subset of up to
        three pairs, else none or all."""
        keys = list(self._pair) if keys is None else keys
        if len(keys) > 3:
            return [frozenset(), frozenset(keys)]
        return [frozenset(c) for r in range(len(keys) + 1) for c in itertools.combinations(keys, r)]

    def _numerator_forms(self, p: PolyElement) -> list[sp.Expr]:
        """``p`` with its content and common monomial pulled out, fully factored when small, and collected
        by the monomials of its function generators with each coefficient factored."""
        forms = [self._factored(p)]
        if _worth_factoring(p):
            forms.append(self._fully_factored(p))
        collected = self._collected(p) if self._functions else None
        if collected is not None:
            forms.append(collected)
        return forms

    def _collected(self, p: PolyElement) -> sp.Expr | None:
        """``p`` as a sum over monomials in its non-symbol generators, each coefficient in its shortest form."""
        plain = [self._kinds[i][0] in ("symbol", "constant") for i in range(len(self.atoms))]
        groups: dict[tuple[int, ...], dict] = defaultdict(dict)
        for m, c in p.items():
            key = tuple(0 if flat else e for flat, e in zip(plain, m, strict=True))
            groups[key][tuple(e if flat else 0 for flat, e in zip(plain, m, strict=True))] = c
        if len(groups) in (1, len(p)):
            return None
        return sp.Add(*[self._monomial(key) * self._shortest(self.ring(terms)) for key, terms in groups.items()])

    def _shortest(self, p: PolyElement) -> sp.Expr:
        """``p`` with content and monomial pulled out, or fully factored where that is cheap and shorter."""
        factored = self._factored(p)
        return min(factored, self._fully_factored(p), key=_size) if _worth_factoring(p) else factored

    def _fully_factored(self, p: PolyElement) -> sp.Expr:
        """``p`` as a product of irreducible polynomials, each in its shorter Pythagorean form."""
        if p not in self._factorizations:
            self._factorizations[p] = p.factor_list()
        coeff, factors = self._factorizations[p]
        rational = cast(Any, coeff)
        return sp.Rational(int(rational.numerator), int(rational.denominator)) * sp.Mul(
            *[self._factor_expr(f) ** k for f, k in factors]
        )

    def _factor_expr(self, f: PolyElement) -> sp.Expr:
        """One factor as an expression, with every pair in whichever Pythagorean form is shorter."""
        squared = [key for key, (c, _s) in self._pair.items() if f.degree(c) >= 2]
        forms = (self._alternate(f, which).as_expr(*self._shown) for which in self._alternatives(squared))
        return min(forms, key=_size) if squared else f.as_expr(*self._shown)

    def _expanded_den(self, den: tuple[tuple[int, int], ...]) -> PolyElement | None:
        """The denominator as one polynomial, when it has several factors and stays small."""
        if sum(k for _, k in den) < 2:
            return None
        out = self.ring.one
        for i, k in den:
            out = out * self.base_power(i, k)
            if len(out) > _FACTOR_TERMS:
                return None
        return out

    def _factored(self, p: PolyElement) -> sp.Expr:
        """``p`` with its rational content and common monomial pulled out."""
        p, content = _normalise(p)
        monomial = tuple(map(min, zip(*p.itermonoms(), strict=True)))
        if any(monomial):
            p = self.ring({tuple(e - k for e, k in zip(m, monomial, strict=True)): c
                           for m, c in p.items()})
        factor = self._monomial(monomial)
        rational = cast(Any, content)
        return sp.Rational(int(rational.numerator), int(rational.denominator)) * factor * p.as_expr(
            *self._shown
        )

    def _alternate(self, p: PolyElement, which: frozenset) -> PolyElement:
        """Rewrite ``p`` with :math:`\\cos^2 u = 1 - \\sin^2 u` (:math:`\\cosh^2 u = 1 + \\sinh^2 u`) for the pairs
        in ``which``, for display."""
        for key in which:
            c, s = self._pair[key]
            if p.degree(c) < 2:
                continue
            value = 1 - self.gens[s] ** 2 if key[0] == "trig" else 1 + self.gens[s] ** 2
            groups: dict[int, dict] = defaultdict(dict)
            for m, coeff in p.items():
                k, r = divmod(m[c], 2)
                groups[k][(*m[:c], r, *m[c + 1 :])] = coeff
            p = sum((self.ring(t) * value**k for k, t in groups.items()), self.ring.zero)
        return p

    def _den_expr(self, den: tuple[tuple[int, int], ...]) -> sp.Expr:
        """The factored denominator, with :math:`(\\cos u - 1)(\\cos u + 1) = -\\sin^2 u` (or :math:`\\sinh^2 u`)."""
        exps = dict(den)
        out = sp.S.One
        for (family, _t), (ci, si) in self._pair.items():
            c = self.gens[ci]
            minus, plus = self._base_index.get(c - 1), self._base_index.get(c + 1)
            if minus is None or plus is None:
                continue
            m = min(exps.get(minus, 0), exps.get(plus, 0))
            if m:
                square = self._shown[si] ** 2
                out *= (-square if family == "trig" else square) ** m
                exps[minus] -= m
                exps[plus] -= m
        for i, k in exps.items():
            if k:
                out *= self._factor_expr(self.base[i]) ** k
        return out


class _Minors:
    """Minors of a matrix of elements, each computed once: ``minors(rows, cols)``."""

    def __init__(self, field: RationalField, g: Sequence[Sequence[Frac]]) -> None:
        self.field, self.g = field, g
        self.known: dict[tuple[tuple[int, ...], tuple[int, ...]], Frac] = {}

    def __call__(self, rows: tuple[int, ...], cols: tuple[int, ...]) -> Frac:
        if not rows:
            return self.field.one
        key = (rows, cols)
        if key not in self.known:
            r, rest = rows[0], rows[1:]
            self.known[key] = self.field.sum(
                (self.g[r][c] * self(rest, cols[:p] + cols[p + 1 :])).scale((-1) ** p)
                for p, c in enumerate(cols)
                if self.g[r][c]
            ).cancel()
        return self.known[key]


@functools.lru_cache(maxsize=256)
def _hyperbolic_form(expr: sp.Expr) -> sp.Expr:
    """``expr`` with :math:`e^u = \\cosh u + \\sinh u`, in its readable form (for display)."""
    rewritten = expr.replace(lambda e: isinstance(e, sp.exp), lambda e: sp.cosh(e.args[0]) + sp.sinh(e.args[0]))
    if rewritten.has(sp.exp, sp.E):
        return expr
    try:
        field = RationalField([rewritten], (), 0)
        return field.to_sympy(field.element(rewritten))
    except Unsupported:
        return expr


def _ratio(kind: type, sin: type, cos: type, tan: type, cot: type, sec: type, csc: type, c: Frac, s: Frac) -> Frac:
    """``kind`` (one of the six functions) from its cosine and sine."""
    if kind is sin:
        return s
    if kind is cos:
        return c
    if kind is tan:
        return s * c.inverse()
    if kind is cot:
        return c * s.inverse()
    return c.inverse() if kind is sec else s.inverse()


def _worth_factoring(p: PolyElement) -> bool:
    """Whether full factorization is cheap enough for display: a few terms, each generator of low degree.

    Wang's algorithm on Kerr's Riemann numerators (degree 8 in r) costs seconds and seldom
    shortens them; content, common monomials and collection still apply there.
    """
    return 1 < len(p) <= _FULL_FACTOR_TERMS and max(p.degrees()) <= _FACTOR_DEGREE


def _nesting(expr: sp.Expr) -> int:
    """How deep radicals nest in ``expr``."""
    inner = [_nesting(a) for a in expr.args if isinstance(a, sp.Expr)]
    own = 1 if expr.is_Pow and expr.exp.is_Rational and not expr.exp.is_Integer else 0
    return own + max(inner, default=0)


def _is_power(value: PolyElement, L: int) -> bool:
    """True when ``value`` is, up to a rational factor, an ``L``-th power of a polynomial."""
    if value.is_ground:
        return False
    _coeff, factors = value.factor_list()
    return all(k % L == 0 for _f, k in factors)


def _determinant(matrix: list[list[PolyElement]]) -> PolyElement:
    """Determinant of a square matrix (at least 1x1) of polynomials, by cofactors along the first row."""
    if len(matrix) == 1:
        return matrix[0][0]
    return sum(
        ((-1) ** j * matrix[0][j] * _determinant([row[:j] + row[j + 1 :] for row in matrix[1:]])
         for j in range(len(matrix)) if matrix[0][j]),
        matrix[0][0].ring.zero,
    )


def _normalise_opaque(expr: sp.Expr) -> sp.Expr:
    r"""``expr`` with the arguments of functions the field keeps whole (``log``, ``Abs``, ...) in canonical form,
    and nested square roots of numbers denested (:math:`\sqrt{3 + 2\sqrt2} = 1 + \sqrt2`)."""
    if expr.is_Atom or not isinstance(expr, sp.Expr):
        return expr
    args = [_normalise_opaque(a) if isinstance(a, sp.Expr) else a for a in expr.args]
    kept = (TRIG + HYPERBOLIC + (sp.exp, sp.Derivative))
    if (
        isinstance(expr, kept) or expr.is_Add or expr.is_Mul or isinstance(expr, AppliedUndef)
        or (expr.is_Pow and expr.exp.is_Rational)
    ):
        out = expr.func(*args) if args != list(expr.args) else expr
        if out.is_Pow and out.base.is_number and _nesting(out.base) and not out.exp.is_Integer:
            return sp.sqrtdenest(out)
        return out
    args = [canonical_form(a) if isinstance(a, sp.Expr) and not a.is_Atom else a for a in args]
    return expr.func(*args) if args != list(expr.args) else expr


@functools.lru_cache(maxsize=1024)
def canonical_form(expr: sp.Expr) -> sp.Expr:
    """``expr`` in the canonical form of its own field (unchanged outside any field)."""
    try:
        field = RationalField([expr], (), 0)
        return field.as_expr(field.element(expr))
    except Unsupported:
        return expr


def _size(expr: sp.Expr) -> tuple[int, int]:
    """Ordering for display candidates: fewer nodes in the expression tree, then fewer sums.

    One traversal (``sympy.count_ops`` costs several times more, and Kerr's Riemann tensor
    shows 64 components); ties keep the first candidate, so the choice is deterministic.
    """
    nodes = adds = 0
    for e in sp.preorder_traversal(expr):
        nodes += 1
        adds += e.is_Add
    return nodes, adds


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

    ``num`` is reduced (below the degree of every relation); ``den`` is a sorted tuple of
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
        if self.field._relations:
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
        """``1 / self``; algebraic generators are cleared from the new denominator."""
        F = self.field
        if not self.num:
            raise ZeroDivisionError("inverse of zero")
        num = F.ring.one
        for i, k in self.den:
            num = num * F.base_power(i, k)
        num, den = F.eliminate(num, self.num)
        coeff, exps = F.register(den)
        return Frac(F, num * QQ(1) / coeff, _freeze(exps))

    def diff(self, k: int) -> Frac:
        r"""Derivative along ``coords[k]``: :math:`N'/D - (N/D)\sum_i e_i f_i'/f_i` for :math:`D = \prod f_i^{e_i}`."""
        F = self.field
        if not self.num:
            return self
        num = F.poly_diff(self.num, k)
        grow = [(i, e, F.poly_diff(F.base[i], k)) for i, e in self.den]
        grow = [(i, e, d) for i, e, d in grow if d]
        if not grow:
            return num * Frac(F, F.ring.one, self.den)
        if num.den or any(d.den for _, _, d in grow):
            terms = [num * Frac(F, F.ring.one, self.den)]
            for i, e, d in grow:
                terms.append(Frac(F, -self.num * e, _freeze(_merge(self.den, ((i, 1),), int.__add__))) * d)
            return F.sum(terms)
        full = F.ring.one
        for i, _, _ in grow:
            full = full * F.base[i]
        out = num.num * full
        for i, e, d in grow:
            out -= self.num * d.num * cast(PolyElement, _exact_quotient(full, F.base[i])) * e
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
            while k and _may_divide(num, f):
                q = _exact_quotient(num, f)
                if q is None:
                    break
                num, k = q, k - 1
            exps[i] = k
        return Frac(F, num, _freeze(exps))


_PRIME = 2**61 - 1
_POINT = [random.Random(20261130).randrange(2, _PRIME) for _ in range(256)]


def _may_divide(num: PolyElement, f: PolyElement) -> bool:
    """False when ``f`` certainly does not divide ``num``: the remainder of their images is not zero.

    The image keeps the variable of highest degree in ``f`` and puts fixed random residues
    modulo the prime :math:`2^{61} - 1` for the others; division of the images is then a
    univariate long division in :math:`\\mathbb{F}_p`, far cheaper than SymPy's
    multivariate division, which recomputes the leading term at every step.
    """
    degrees = f.degrees()
    v = max(range(len(degrees)), key=degrees.__getitem__)
    if degrees[v] <= 0 or len(degrees) > len(_POINT):
        return True
    try:
        top, den = _image(f, v), _image(num, v)
    except ValueError:  # a coefficient's denominator is divisible by the prime
        return True
    lead = top.get(degrees[v], 0)
    if not lead:
        return True
    rem = [den.get(k, 0) for k in range(max(den, default=0) + 1)]
    inverse_lead = pow(lead, -1, _PRIME)
    for k in range(len(rem) - 1, degrees[v] - 1, -1):
        factor = rem[k] * inverse_lead % _PRIME
        if factor:
            for j, c in top.items():
                rem[k - degrees[v] + j] = (rem[k - degrees[v] + j] - factor * c) % _PRIME
    return not any(rem[: degrees[v]])


def _exact_quotient(num: PolyElement, f: PolyElement) -> PolyElement | None:
    """``num / f`` when ``f`` divides ``num`` exactly, else None.

    Long division in lex order with the remainder's monomials on a heap, so the leading term
    is found in :math:`O(\\log n)` rather than by a scan of the whole remainder each step.
    """
    lead_f, lead_c = max(f.items())
    rest_f = [(m, c) for m, c in f.items() if m != lead_f]
    remainder = dict(num.items())
    heap = [tuple(-e for e in m) for m in remainder]
    heapq.heapify(heap)
    quotient: dict[tuple[int, ...], Any] = {}
    while heap:
        m = tuple(-e for e in heapq.heappop(heap))
        c = remainder.pop(m, None)
        if not c:
            continue
        shift = tuple(a - b for a, b in zip(m, lead_f, strict=True))
        if min(shift) < 0:
            return None
        q = c / lead_c
        quotient[shift] = q
        for mf, cf in rest_f:
            target = tuple(a + b for a, b in zip(shift, mf, strict=True))
            value = remainder.get(target)
            if value is None:
                remainder[target] = -q * cf
                heapq.heappush(heap, tuple(-e for e in target))
            else:
                remainder[target] = value - q * cf
    return num.ring.from_dict(quotient)


def _image(p: PolyElement, v: int) -> dict[int, int]:
    """``p`` with every generator but ``v`` replaced by its residue in ``_POINT``, modulo ``_PRIME``."""
    out: dict[int, int] = defaultdict(int)
    for m, c in p.items():
        rational = cast(Any, c)
        value = int(rational.numerator) * pow(int(rational.denominator), -1, _PRIME)
        for i, e in enumerate(m):
            if e and i != v:
                value = value * pow(_POINT[i], e, _PRIME) % _PRIME
        out[m[v]] = (out[m[v]] + value) % _PRIME
    return out


@functools.lru_cache(maxsize=64)
def field_for(exprs: tuple[sp.Expr, ...], coords: tuple[sp.Symbol, ...], depth: int) -> RationalField:
    """The shared :class:`RationalField` for ``exprs`` (raises :class:`Unsupported`)."""
    return RationalField(exprs, coords, depth)


def _matrix_field(matrix: sp.MatrixBase) -> tuple[RationalField, list[list[Frac]]]:
    field = RationalField(list(matrix), (), 0)
    n = matrix.shape[0]
    return field, [[field.element(matrix[i, j]) for j in range(n)] for i in range(n)]


def determinant(matrix: sp.MatrixBase) -> sp.Expr:
    """Exact determinant of a square SymPy matrix, readable; raises :class:`Unsupported` outside the field.

    Examples
    --------
    >>> th = sp.Symbol("theta")
    >>> determinant(sp.Matrix([[1, sp.sin(2*th)], [sp.sin(th), 2*sp.cos(th)]]))
    2*cos(theta)**3
    """
    field, g = _matrix_field(matrix)
    return field.to_sympy(field.determinant(g))


def inverse(matrix: sp.MatrixBase) -> sp.ImmutableMatrix:
    """Exact inverse of a square SymPy matrix, each entry readable; :class:`Unsupported` outside the field.

    Raises ``ZeroDivisionError`` for a singular ``matrix``.

    Examples
    --------
    >>> r = sp.Symbol("r")
    >>> inverse(sp.Matrix([[1, r], [0, r**2]]))
    Matrix([
    [1,     -1/r],
    [0, r**(-2)]])
    """
    field, g = _matrix_field(matrix)
    return sp.ImmutableMatrix([[field.to_sympy(x) for x in row] for row in field.inverse_matrix(g)])


def solve_linear(matrix: sp.MatrixBase, rhs: sp.MatrixBase) -> tuple[sp.Expr, ...]:
    """Solve ``matrix * x = rhs`` exactly; each entry of ``x`` comes back readable.

    Raises :class:`Unsupported` for entries outside the field and ``ZeroDivisionError``
    for a singular ``matrix``.

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

