"""Render results as terminal text, LaTeX or JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import sympy as sp
from sympy.printing.pretty.pretty import PrettyPrinter
from sympy.printing.pretty.stringpict import prettyForm

from extremal.cli._argv import FORMATS
from extremal.symbolic import Components, EquationsOfMotion, FieldLagrangian, Lagrangian, Metric

__all__ = ["FORMATS", "entries", "render", "render_sections"]


Entry = tuple[str | sp.Basic, str, sp.Basic]

#: How an unlabelled scalar of each section is written in LaTeX.
_SCALAR_SYMBOLS = {
    "Ricci scalar": "R",
    "Gaussian curvature": "K",
    "Kretschmann scalar": r"R_{abcd}R^{abcd}",
    "energy": "E",
    "Laplace-Beltrami operator on u": r"\Delta u",
    "Laplacian from the varied action": r"\Delta u",
}


def entries(obj: Any) -> list[Entry]:
    """Flatten a result into ``(label, LaTeX label, expression)`` rows; a label is text or SymPy."""
    if isinstance(obj, Metric):
        return [("ds**2", "ds^2", obj.display())]
    if isinstance(obj, Lagrangian):
        return [("L", "L", obj.expr)]
    if isinstance(obj, FieldLagrangian):
        return [("L", r"\mathcal{L}", obj.density)]
    if isinstance(obj, EquationsOfMotion):
        return [row for eq in obj.display() for row in entries(eq)]
    if isinstance(obj, Components):
        items = obj.nonzero()
        if not items:
            return [(obj.label((0,) * len(obj.upper)).split("^")[0].split("_")[0], obj.name, sp.S.Zero)]
        return [(obj.label(i), obj.label(i, latex=True), value) for i, value in items.items()]
    if isinstance(obj, sp.Eq):
        return [(obj.lhs, sp.latex(obj.lhs), obj.rhs)]
    if isinstance(obj, sp.Basic):
        return [("", "", obj)]
    if isinstance(obj, Iterable) and not isinstance(obj, str):
        return [row for item in obj for row in entries(item)]
    raise TypeError(f"cannot render {type(obj).__name__}")


def _pretty_form(obj: str | sp.Basic, keep_order: bool = False) -> prettyForm:
    if isinstance(obj, str):
        return prettyForm(obj)
    settings: dict[str, Any] = {"use_unicode": True, "wrap_line": False} | ({"order": "none"} if keep_order else {})
    return PrettyPrinter(settings)._print(obj)


def _text(rows: list[Entry]) -> str:
    if not rows:
        return "(none)"
    blocks = []
    for label, _, expr in rows:
        form = _pretty_form(expr, keep_order=label == "ds**2")  # a line element keeps its coordinate order
        if isinstance(label, sp.Basic) or label:
            form = prettyForm(*_pretty_form(label).right(" = ", form))
        blocks.append(form.render(wrap_line=False))
    return "\n".join(blocks)


def render(obj: Any, fmt: str = "text", label: str = "") -> str:
    """Render ``obj`` (a metric, Lagrangian, equations, tensor or expression) as ``fmt``.

    ``label`` is the LaTeX name given to an unlabelled scalar. In JSON, each component of a
    tensor carries its ``indices`` (a list of ints) and the tensor its ``coords``, so that
    results can be read back by index.

    Examples
    --------
    >>> print(render(sp.Eq(sp.Symbol("x"), 2), "latex"))
    x = 2
    >>> print(render(sp.Integer(2), "latex", label="R"))
    R = 2
    """
    rows = entries(obj)
    if fmt == "text":
        return _text(rows)
    if fmt == "latex":
        if isinstance(obj, Metric):
            return obj._repr_latex_().strip("$")
        return "\n".join(f"{tex or label} = {sp.latex(e)}" if tex or label else sp.latex(e) for _, tex, e in rows)
    if fmt == "json":
        if isinstance(obj, Metric):
            latex = obj._repr_latex_().strip("$").removeprefix("ds^2 = ")
            return json.dumps([{"label": "ds**2", "expr": sp.sstr(obj.line_element()), "latex": latex}])
        items = list(obj.nonzero()) if isinstance(obj, Components) else [None] * len(rows)
        coords = [q.name for q in obj.coords] if isinstance(obj, Components) else None
        return json.dumps(
            [
                {"label": sp.sstr(row_label), "expr": sp.sstr(e), "latex": sp.latex(e)}
                | ({"indices": list(index), "coords": coords} if index is not None else {})
                for (row_label, _, e), index in zip(rows, items or [None] * len(rows), strict=True)
            ],
            ensure_ascii=False,
        )
    raise ValueError(f"fmt must be one of {FORMATS}; got {fmt!r}")


def render_sections(sections: dict[str, Any], fmt: str = "text") -> str:
    """Render several titled results; JSON gives one object keyed by title."""
    if fmt == "json":
        return json.dumps({title: json.loads(render(obj, "json")) for title, obj in sections.items()},
                          ensure_ascii=False, indent=1)
    blocks = []
    for title, obj in sections.items():
        body = render(obj, fmt, label=_SCALAR_SYMBOLS.get(title, rf"\text{{{title}}}"))
        blocks.append(f"% {title}\n{body}" if fmt == "latex" else f"{title}:\n{_indent(body)}")
    return "\n\n".join(blocks)


def _indent(text: str) -> str:
    return "\n".join("  " + line if line else line for line in text.splitlines())
