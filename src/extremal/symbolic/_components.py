"""Indexed tensor components with readable display (terminal, LaTeX, JSON-ready dicts)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import sympy as sp

__all__ = ["Components"]


@dataclass(frozen=True)
class Components:
    r"""Components ``array[i, j, ...]`` of an indexed object in ``coords``.

    ``name`` is the LaTeX kernel (``\Gamma``, ``R``); ``upper`` says which index slots
    are contravariant. :meth:`nonzero` lists the nonzero components once each, skipping
    those that follow from the object's symmetries.
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
