"""Indexed tensor components with readable display (terminal, LaTeX, JSON-ready dicts)."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import sympy as sp

from extremal.symbolic._values import as_sympy

__all__ = ["Components"]

C = TypeVar("C", bound="Components")


@dataclass(frozen=True)
class Components:
    r"""Components ``array[i, j, ...]`` of an indexed object in ``coords``.

    ``name`` is the LaTeX kernel (``\Gamma``, ``R``); ``upper`` says which index slots
    are contravariant. :meth:`nonzero` lists the nonzero components once each, skipping
    those that follow from the object's symmetries.

    It also behaves like a SymPy array: ``sympy.Array(T)``, ``sympy.sympify(T)`` and
    :meth:`as_array` give the :class:`~sympy.ImmutableDenseNDimArray`; iteration runs over
    the first index (sub-arrays, or expressions for rank 1); ``len(T)`` counts all
    components, as for a SymPy array; :meth:`subs`, :meth:`simplify` and :meth:`applyfunc`
    return the same type with the same index positions.

    Examples
    --------
    >>> from extremal.symbolic import Metric, christoffel
    >>> m = Metric.from_line_element("dtheta**2 + sin(theta)**2*dphi**2", "theta phi")
    >>> G = christoffel(m)
    >>> G.shape, G.rank, len(G)
    ((2, 2, 2), 3, 8)
    >>> list(G)[0]
    [[0, 0], [0, -sin(theta)*cos(theta)]]
    >>> sp.Array(G)[1, 0, 1]
    cos(theta)/sin(theta)
    >>> G.subs(sp.Symbol("theta"), sp.pi / 4)[0, 1, 1]
    -1/2
    """

    coords: tuple[sp.Symbol, ...]
    array: sp.ImmutableDenseNDimArray
    name: str
    upper: tuple[bool, ...]

    def __getitem__(self, index: tuple[int, ...] | int) -> sp.Expr:
        return self.array[index]

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of the component array."""
        return tuple(self.array.shape)

    @property
    def rank(self) -> int:
        """Number of indices."""
        return len(self.shape)

    def as_array(self) -> sp.ImmutableDenseNDimArray:
        """The components as a SymPy array (what ``sympy.Array(T)`` returns)."""
        return self.array

    def _sympy_(self) -> sp.ImmutableDenseNDimArray:
        return self.array

    def tolist(self) -> list[Any]:
        """Nested lists of the components, first index outermost."""
        return self.array.tolist()  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.array)

    def __len__(self) -> int:
        return len(self.array)

    def applyfunc(self: C, f: Callable[[sp.Expr], sp.Expr]) -> C:
        """``f`` applied to every component; same type, coordinates and index positions."""
        return dataclasses.replace(self, array=sp.ImmutableDenseNDimArray(self.array.applyfunc(f)))

    def subs(self: C, *args: Any, **kwargs: Any) -> C:
        """Substitute in every component (arguments as for :meth:`sympy.Basic.subs`)."""
        return self.applyfunc(lambda c: as_sympy(c).subs(*args, **kwargs))

    def simplify(self: C, **kwargs: Any) -> C:
        """:func:`sympy.simplify` of every component (keyword arguments passed on)."""
        return self.applyfunc(lambda c: sp.simplify(c, **kwargs))

    def is_representative(self, index: tuple[int, ...]) -> bool:
        """True for the one index tuple shown per symmetry class (all, by default)."""
        return True

    def nonzero(self) -> dict[tuple[int, ...], sp.Expr]:
        """Nonzero components, one per symmetry class, keyed by index tuple."""
        ranges = [range(n) for n in self.shape]
        return {
            index: self.array[index]
            for index in itertools.product(*ranges)
            if self.array[index] != 0 and self.is_representative(index)
        }

    def is_zero(self) -> bool:
        """True when every component is zero."""
        return all(c == 0 for c in sp.flatten(self.array.tolist()))

    def label(self, index: tuple[int, ...], latex: bool = False) -> str:
        """``Γ^r_θθ``-style label of one component (LaTeX: ``\\Gamma^{r}_{\\theta \\theta}``)."""
        names = [sp.latex(self.coords[i]) if latex else sp.pretty(self.coords[i], use_unicode=True) for i in index]
        up = [n for n, u in zip(names, self.upper, strict=True) if u]
        down = [n for n, u in zip(names, self.upper, strict=True) if not u]
        if latex:
            sup = f"^{{{' '.join(up)}}}" if up else ""
            sub = f"_{{{' '.join(down)}}}" if down else ""
            return f"{self.name}{sup}{sub}"
        kernel = sp.pretty(sp.Symbol(self.name.lstrip("\\")), use_unicode=True)
        sup = f"^{''.join(up)}" if up else ""
        sub = f"_{''.join(down)}" if down else ""
        return f"{kernel}{sup}{sub}"

    def __str__(self) -> str:
        items = self.nonzero()
        if not items:
            return f"{self.name.lstrip(chr(92))}: all components are zero"
        return "\n".join(f"{self.label(i)} = {sp.sstr(c)}" for i, c in items.items())

    def _repr_latex_(self) -> str:
        items = self.nonzero()
        if not items:
            return f"${self.name} = 0$"
        rows = r" \\ ".join(f"{self.label(i, latex=True)} &= {sp.latex(c)}" for i, c in items.items())
        return rf"$\begin{{aligned}} {rows} \end{{aligned}}$"
