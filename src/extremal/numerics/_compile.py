r"""SymPy expressions to vectorised NumPy functions, with common-subexpression elimination.

A system :math:`\dot y = F(t, y)` given as SymPy expressions becomes one generated Python
function whose body is the CSE of all components followed by one row assignment per
component; every operation acts on a whole batch at once (arrays of shape (k,) or any
shape), with no Python loop over components or trajectories. Small integer powers become
products, so ``r**3`` costs two multiplications instead of a call to ``pow``. Sines and
cosines come from the half-angle tangent :math:`u = \tan(x/2)`,

.. math:: \sin x = \frac{2u}{1+u^2}, \qquad \cos x = \frac{1-u^2}{1+u^2},

because NumPy's vectorised ``tan`` is about ten times faster than its ``sin`` and ``cos``
in double precision; the result differs from ``numpy.sin`` by at most 2 ulp.

With ``backend=NumbaBackend()`` (extra ``fast``) the same CSE becomes the body of one loop over the
batch, compiled by numba: each row is read once and every component is written in the same
pass, instead of one whole-array NumPy operation per node of the expression tree. Compiling
takes about a second, so it pays for batches of thousands of trajectories.

Special functions map to NumPy and ``scipy.special``: ``Abs``, ``sign``, ``Heaviside``,
``floor``, ``ceiling``, ``Min``, ``Max``, ``Piecewise``, ``KroneckerDelta``, ``erf``,
``erfc``, ``erfinv``, ``gamma``, ``loggamma``, ``polygamma``, ``factorial``, ``beta``, the
Bessel functions ``besselj``, ``bessely``, ``besseli``, ``besselk``, ``jn``, ``yn``, Airy,
Fresnel, elliptic and orthogonal-polynomial functions. The numba backend compiles those the
``math`` module has (``erf``, ``gamma``, ...) and refuses the others by name; anything else
that cannot be evaluated numerically (an undefined function ``f(x)``, ``DiracDelta``, an
unevaluated ``Derivative``, the imaginary unit) is refused with an :class:`InputError`.
"""

from __future__ import annotations

import functools
import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar

import numpy as np
import sympy as sp
from numpy.typing import ArrayLike, NDArray
from sympy.printing.codeprinter import PrintMethodNotImplementedError
from sympy.printing.numpy import SciPyPrinter
from sympy.printing.pycode import PythonCodePrinter

from extremal._optional import require
from extremal.errors import InputError
from extremal.symbolic._parsing import as_symbols, parse
from extremal.symbolic._values import as_sympy

__all__ = [
    "Backend",
    "CompiledFunction",
    "NumPyBackend",
    "NumbaBackend",
    "check_backend",
    "compile_function",
    "compile_rhs",
    "scalar_lines",
    "with_backend",
]
_PRINTER_SETTINGS = {"fully_qualified_modules": True, "inline": True, "allow_unknown_functions": False}


class _ExactPowers:
    """Printer mixin: small integer powers as products, floats printed exactly."""

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        return _expanded_power(self, expr) or super()._print_Pow(expr, rational=rational)  # type: ignore[misc]

    def _print_Float(self, expr: sp.Float) -> str:
        return repr(float(expr))


class _RealArguments:
    """Printer mixin for functions of real arguments (the inputs are real arrays)."""

    def _print_conjugate(self, expr: sp.Expr) -> str:
        return self._print(expr.args[0])  # type: ignore[attr-defined,no-any-return]

    def _print_factorial(self, expr: sp.Expr) -> str:
        return self._print(sp.gamma(expr.args[0] + 1, evaluate=False))  # type: ignore[attr-defined,no-any-return]


class _Printer(_ExactPowers, _RealArguments, SciPyPrinter):
    """Whole-array NumPy code; special functions from ``scipy.special``."""

    def _special(self, name: str, expr: sp.Expr) -> str:
        return f"scipy.special.{name}({', '.join(self._print(a) for a in expr.args)})"

    def _print_KroneckerDelta(self, expr: sp.Expr) -> str:
        a, b = (self._print(x) for x in expr.args)
        return f"numpy.where(numpy.equal({a}, {b}), 1.0, 0.0)"

    def _print_LambertW(self, expr: sp.Expr) -> str:
        return f"_real({self._special('lambertw', expr)})"

    def _print_erfinv(self, expr: sp.Expr) -> str:
        return self._special("erfinv", expr)

    def _print_erfcinv(self, expr: sp.Expr) -> str:
        return self._special("erfcinv", expr)

    def _print_elliptic_k(self, expr: sp.Expr) -> str:
        return self._special("ellipk", expr)

    def _print_jn(self, expr: sp.Expr) -> str:
        return self._special("spherical_jn", expr)

    def _print_yn(self, expr: sp.Expr) -> str:
        return self._special("spherical_yn", expr)

    def _print_zeta(self, expr: sp.Expr) -> str:
        if len(expr.args) != 1:
            return super()._print_Function(expr)  # type: ignore[no-any-return]
        return self._special("zeta", expr)


class _ScalarPrinter(_ExactPowers, _RealArguments, PythonCodePrinter):
    """``math``-module code for one row, the body of the numba loop."""


def _real(z: Any) -> Any:
    """The real part where the imaginary part is zero, NaN elsewhere (for complex-valued SciPy functions)."""
    z = np.asarray(z)
    return np.where(np.imag(z) == 0, np.real(z), np.nan)


def _check_numeric(exprs: Sequence[sp.Expr]) -> None:
    """Refuse what has no real floating-point value: I, DiracDelta, Derivative, undefined functions."""
    for i, e in enumerate(exprs):
        if e.has(sp.I):
            raise InputError(
                f"expression {i}, {e}, is complex (it contains I); compiled functions return real arrays. "
                "Pass real expressions, e.g. the parts from expr.as_real_imag()."
            )
        bad = e.atoms(sp.DiracDelta, sp.Derivative, sp.Subs, sp.Integral, sp.Sum, sp.Product)
        bad |= {f for f in e.atoms(sp.Function) if isinstance(f, sp.core.function.AppliedUndef)}
        if bad:
            first = sorted(map(str, bad))[0]
            raise InputError(
                f"expression {i} contains {first}, which has no numerical value here (an undefined function, a "
                "delta function or an unevaluated derivative, integral or sum). Replace it by a closed form first."
            )


def _unsupported(printer: Any, exprs: Sequence[sp.Expr]) -> str | None:
    """The first function in ``exprs`` that ``printer`` cannot print, or ``None``."""
    for e in exprs:
        for f in sorted(e.atoms(sp.Function), key=sp.default_sort_key):
            try:
                printer.doprint(f)
            except PrintMethodNotImplementedError:
                return str(f)
    return None


def _refuse(culprit: str, backend: str) -> InputError:
    hint = (
        "use NumPyBackend(), which evaluates it with NumPy and SciPy"
        if backend == "numba"
        else "rewrite it with NumPy/SciPy functions (exp, log, sin, erf, gamma, besselj, ...)"
    )
    return InputError(f"the {backend} backend cannot compile {culprit}: it has no numerical function there; {hint}.")


def _print_all(printer: Any, exprs: Sequence[sp.Expr], backend: str) -> list[str]:
    """``printer.doprint`` of each expression; an unsupported function becomes an :class:`InputError` naming it."""
    try:
        return [printer.doprint(e) for e in exprs]
    except PrintMethodNotImplementedError:
        raise _refuse(_unsupported(printer, exprs) or "these expressions", backend) from None


def _check_printable(printer: Any, exprs: Sequence[sp.Expr], label: str) -> None:
    culprit = _unsupported(printer, exprs)
    if culprit is not None:
        raise _refuse(culprit, label)


def _expanded_power(printer: Any, expr: sp.Pow) -> str | None:
    """``b**k`` for ``|k| <= 4`` as a product (``numpy.square`` for a compound base squared)."""
    base, exponent = expr.as_base_exp()
    if not exponent.is_Integer or not 1 <= abs(int(exponent)) <= 4:
        return None
    if isinstance(printer, _Printer) and abs(int(exponent)) == 2 and not base.is_Atom:
        square = f"numpy.square({printer._print(base)})"
        return square if exponent > 0 else f"(1/{square})"
    b = printer.parenthesize(base, sp.printing.precedence.PRECEDENCE["Mul"] + 1)
    product = "*".join([b] * abs(int(exponent)))
    return f"({product})" if exponent > 0 else f"(1/({product}))"


class Backend(ABC):
    """How compiled expressions run; pass an instance as ``backend=`` (strategy object).

    A backend checks that it can evaluate the expressions (:meth:`check`) and turns them into
    generated source and a callable ``f(t, y, out, scale)`` (:meth:`compile`); everything
    specific to one backend lives in its class, so a new backend is one new subclass.

    Attributes
    ----------
    runs_python_functions : bool
        Whether a plain Python right-hand side (a metric function differentiated numerically)
        can run in its place.
    splits_second_order : bool
        Whether the acceleration half of a second-order system is worth compiling on its own
        (cheap for whole-array code, about a second more for numba).

    Examples
    --------
    >>> isinstance(NumPyBackend(), Backend), NumPyBackend().runs_python_functions
    (True, True)
    """

    __slots__ = ()

    runs_python_functions: ClassVar[bool]
    splits_second_order: ClassVar[bool]

    @abstractmethod
    def check(self, exprs: Sequence[sp.Expr]) -> None:
        """Raise :class:`InputError` naming the first function in ``exprs`` this backend cannot evaluate."""

    @abstractmethod
    def compile(self, exprs: Sequence[sp.Expr], names: dict[sp.Symbol, str], uses_time: bool) -> tuple[str, Any]:
        """The generated source and ``f(t, y, out, scale)`` for ``exprs`` in the symbols ``y_0, y_1, ..., t``.

        ``names`` maps each of those symbols to its name; ``uses_time`` says whether ``t`` appears.
        """


@dataclass(frozen=True, slots=True)
class NumPyBackend(Backend):
    """Generated code made of whole-array NumPy operations (the default).

    Examples
    --------
    >>> NumPyBackend() == NumPyBackend()
    True
    """

    runs_python_functions: ClassVar[bool] = True
    splits_second_order: ClassVar[bool] = True

    def check(self, exprs: Sequence[sp.Expr]) -> None:
        _check_printable(_Printer(_PRINTER_SETTINGS), exprs, "NumPy")

    def compile(self, exprs: Sequence[sp.Expr], names: dict[sp.Symbol, str], uses_time: bool) -> tuple[str, Any]:
        source = _source(exprs, names)
        namespace = _namespace(source)
        exec(compile(source, "<extremal.compile>", "exec"), namespace)
        return source, namespace["_generated"]


@dataclass(frozen=True, slots=True)
class NumbaBackend(Backend):
    """Generated code compiled by numba (extra ``fast``) into one loop over the batch.

    Several times faster on thousands of rows, after about a second of compilation. Passed to
    :func:`integrate`, :func:`geodesics` or :func:`trajectories`, it asks for the compiled
    integrator on ``threads`` threads (default all cores).

    Parameters
    ----------
    threads : int or None
        Threads of the compiled integrator; ``None`` uses all cores.

    Examples
    --------
    >>> NumbaBackend(threads=2)
    NumbaBackend(threads=2)
    """

    threads: int | None = None
    runs_python_functions: ClassVar[bool] = False
    splits_second_order: ClassVar[bool] = False

    def __post_init__(self) -> None:
        if self.threads is not None and (
            isinstance(self.threads, bool) or not isinstance(self.threads, int | np.integer) or self.threads < 1
        ):
            raise InputError(f"threads must be a positive integer or None (all cores); got {self.threads!r}.")

    def check(self, exprs: Sequence[sp.Expr]) -> None:
        _check_printable(_Printer(_PRINTER_SETTINGS), exprs, "NumPy")
        _check_printable(_ScalarPrinter(_PRINTER_SETTINGS), exprs, "numba")

    def compile(self, exprs: Sequence[sp.Expr], names: dict[sp.Symbol, str], uses_time: bool) -> tuple[str, Any]:
        source = _loop_source(exprs, names)
        return source, _numba_function(source, len(exprs), uses_time)


@dataclass(frozen=True, slots=True, eq=False)
class CompiledFunction:
    r"""A generated NumPy function :math:`(t, y) \mapsto (F_1, \dots, F_M)`.

    Call it as ``f(t, y)`` with ``y`` of shape (d, ...) (component-major) and ``t`` a number or
    an array broadcasting against ``y[0]``; it returns shape (M, ...). Pass ``out=`` to write
    into an existing array, and ``scale=`` (broadcasting against ``y[0]``) to get
    ``scale * F`` at the cost of ``F`` (the product is fused into each component's last operation).

    Attributes
    ----------
    inputs : tuple of Symbol
        The symbols bound to ``y[0], y[1], ...``.
    time : Symbol
        The symbol bound to ``t``.
    expressions : tuple of Expr
        The compiled expressions, in output order.
    source : str
        The generated Python source (for inspection).
    backend : Backend
        What runs it: whole-array NumPy operations, or one numba-compiled loop over the batch.
    """

    inputs: tuple[sp.Symbol, ...]
    time: sp.Symbol
    expressions: tuple[sp.Expr, ...]
    source: str
    backend: Backend
    _function: Any = field(repr=False)

    def __call__(
        self,
        t: ArrayLike,
        y: NDArray[np.float64],
        out: NDArray[np.float64] | None = None,
        scale: NDArray[np.float64] | None = None,
    ) -> NDArray[np.float64]:
        result: NDArray[np.float64] = self._function(t, y, out, scale)
        return result

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its expressions and compiled again where it is loaded (process pools, Dask workers)."""
        return (_recompile, (self.inputs, self.expressions, self.time, self.backend))

    def __dask_tokenize__(self) -> tuple[str, ...]:
        """Dask's key for the function: its generated source (tokenizing the expressions costs ~30 ms)."""
        return ("extremal.CompiledFunction", repr(self.backend), *(q.name for q in self.inputs), self.source)


@lru_cache(maxsize=64)
def _recompile(
    inputs: tuple[sp.Symbol, ...], expressions: tuple[sp.Expr, ...], time: sp.Symbol, backend: Backend
) -> CompiledFunction:
    """The unpickled function, compiled once per process for every task that sends it."""
    return compile_function(inputs, expressions, time, backend=backend)


def _half_angle(expr: sp.Expr) -> sp.Expr:
    while expr.has(sp.sin, sp.cos):
        mapping = {}
        for f in expr.atoms(sp.sin, sp.cos):
            u = sp.tan(f.args[0] / 2)
            mapping[f] = (2 * u if isinstance(f, sp.sin) else 1 - u**2) / (1 + u**2)
        expr = expr.xreplace(mapping)
    return expr


def _cse(exprs: Sequence[sp.Expr]) -> tuple[list[tuple[sp.Symbol, sp.Expr]], list[sp.Expr], set[sp.Symbol]]:
    """Shared subexpressions, the reduced expressions, and the free symbols they use."""
    replacements, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("_c"), order="none", optimizations="basic")
    used = set().union(*(e.free_symbols for _, e in replacements), *(e.free_symbols for e in reduced))
    return replacements, reduced, used


def _source(exprs: Sequence[sp.Expr], names: dict[sp.Symbol, str]) -> str:
    replacements, reduced, used = _cse([_half_angle(e) for e in exprs])
    printer = _Printer(_PRINTER_SETTINGS)
    lines = ["def _generated(t, y, out, scale):"]
    lines.append(f"    if out is None:\n        out = numpy.empty(({len(exprs)},) + numpy.shape(y)[1:])")
    for symbol, name in names.items():
        if symbol in used and name != "t":
            lines.append(f"    {name} = y[{name[2:]}]")
    printed = _print_all(printer, [rhs for _, rhs in replacements] + list(reduced), "NumPy")
    for (lhs, _), text in zip(replacements, printed, strict=False):
        lines.append(f"    {lhs} = {text}")
    outputs = printed[len(replacements) :]
    lines.append("    if scale is None:")
    lines.extend(f"        out[{i}] = {rhs}" for i, rhs in enumerate(outputs))
    lines.append("    else:")
    lines.extend(f"        numpy.multiply({rhs}, scale, out=out[{i}, ...])" for i, rhs in enumerate(outputs))
    lines.append("    return out")
    return "\n".join(lines) + "\n"


def _loop_source(exprs: Sequence[sp.Expr], names: dict[sp.Symbol, str]) -> str:
    """NumPy ``_tangents(t, y)`` for the half-angle tangents, and a loop over the rows ``i`` writing
    ``out[:, i] = scale[i] * F`` from ``y[:, i]`` and those tangents (numba compiles the loop)."""
    exprs = [_half_angle(e) for e in exprs]
    tangents = sorted(
        {a for e in exprs for a in e.atoms(sp.tan) if not a.args[0].atoms(sp.Function)}, key=sp.default_sort_key
    )
    hoisted = {a: sp.Symbol(f"_tan{j}") for j, a in enumerate(tangents)}
    replacements, reduced, used = _cse([e.xreplace(hoisted) for e in exprs])
    array_printer = _Printer(_PRINTER_SETTINGS)
    printer = _ScalarPrinter(_PRINTER_SETTINGS)
    lines = ["def _tangents(t, y):", f"    a = numpy.empty(({len(tangents)},) + y.shape[1:])"]
    in_tangents = set().union(*(a.free_symbols for a in tangents))
    lines.extend(f"    {name} = y[{name[2:]}]" for q, name in names.items() if q in in_tangents and name != "t")
    lines.extend(f"    a[{j}] = {text}" for j, text in enumerate(_print_all(array_printer, tangents, "NumPy")))
    lines += ["    return a", "", "", "def _generated(times, y, a, out, scale):", "    for i in range(y.shape[1]):"]
    for symbol, name in names.items():
        if symbol in used:
            lines.append(f"        {name} = times[i]" if name == "t" else f"        {name} = y[{name[2:]}, i]")
    lines.extend(f"        {symbol} = a[{j}, i]" for j, symbol in enumerate(hoisted.values()) if symbol in used)
    printed = _print_all(printer, [rhs for _, rhs in replacements] + list(reduced), "numba")
    lines.extend(f"        {lhs} = {text}" for (lhs, _), text in zip(replacements, printed, strict=False))
    lines.append("        s = scale[i]")
    lines.extend(f"        out[{i}, i] = s*({text})" for i, text in enumerate(printed[len(replacements) :]))
    return "\n".join(lines) + "\n"


def scalar_lines(
    exprs: Sequence[sp.Expr], inputs: Sequence[sp.Symbol], time: sp.Symbol | None, prefix: str,
    state: str = "y[{}]", time_name: str = "t",
) -> tuple[list[str], list[str]]:
    """Scalar ``math``-module code for ``exprs`` at one state: the statements, then one printed value per expression.

    ``inputs`` are read from ``state.format(i)`` (``y[0], y[1], ...``) and ``time`` is
    ``time_name``; the names the statements define start with ``prefix``, so the code of
    several functions can share one body.

    Examples
    --------
    >>> x, v = sp.symbols("x v")
    >>> scalar_lines([v, -sp.sin(x)], [x, v], None, "_f")
    (['_fy0 = y[0]', '_fy1 = y[1]'], ['_fy1', '-math.sin(_fy0)'])
    """
    names = {q: sp.Symbol(f"{prefix}y{i}") for i, q in enumerate(inputs)}
    if time is not None:
        names[time] = sp.Symbol(time_name)
    replacements, reduced = sp.cse(
        [e.xreplace(names) for e in exprs], symbols=sp.numbered_symbols(f"{prefix}c"), order="none",
        optimizations="basic",
    )
    used = set().union(*(e.free_symbols for _, e in replacements), *(e.free_symbols for e in reduced))
    lines = [f"{names[q]} = {state.format(i)}" for i, q in enumerate(inputs) if names[q] in used]
    printed = _print_all(_ScalarPrinter(_PRINTER_SETTINGS), [rhs for _, rhs in replacements] + list(reduced), "numba")
    lines.extend(f"{lhs} = {text}" for (lhs, _), text in zip(replacements, printed, strict=False))
    return lines, printed[len(replacements) :]


def _numba_function(source: str, n_out: int, uses_time: bool) -> Any:
    """Compile ``_loop_source`` output with numba; wrap it to take ``f(t, y, out, scale)`` like the NumPy one."""
    numba = require("numba", "fast")
    namespace = _namespace(source)
    exec(compile(source, "<extremal.compile>", "exec"), namespace)
    tangents = namespace["_tangents"]
    vector = numba.types.Array(numba.float64, 1, "C", readonly=True)
    matrix = numba.types.Array(numba.float64, 2, "C", readonly=True)
    signature = numba.void(vector, matrix, matrix, numba.float64[:, ::1], vector)
    try:
        kernel = numba.njit(signature, error_model="numpy", nogil=True)(namespace["_generated"])
    except numba.core.errors.NumbaError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(
            f"numba could not compile these expressions ({first}); use NumPyBackend() for them."
        ) from None
    no_times = np.zeros(0)

    def call(t: ArrayLike, y: NDArray[np.float64], out: NDArray[np.float64] | None, scale: ArrayLike | None) -> Any:
        y = np.asarray(y, dtype=np.float64)
        batch = y.shape[1:]
        rows = np.ascontiguousarray(y.reshape(len(y), -1))
        times = _flat(t, batch) if uses_time else no_times
        result = np.empty((n_out, *batch)) if out is None else out
        direct = result.ndim == 2 and result.flags.c_contiguous
        target = result if direct else np.empty((n_out, rows.shape[1]))
        kernel(times, rows, tangents(times, rows), target, _flat(1.0 if scale is None else scale, batch))
        if not direct:
            result[...] = target.reshape(result.shape)
        return result

    return call


def _namespace(source: str) -> dict[str, Any]:
    """The modules the generated ``source`` refers to (``scipy.special`` only when it is used)."""
    namespace: dict[str, Any] = {"math": math, "numpy": np, "functools": functools, "_real": _real}
    if "scipy." in source:
        import scipy.special

        namespace["scipy"] = scipy
    return namespace


def _flat(value: ArrayLike, batch: tuple[int, ...]) -> NDArray[np.float64]:
    """``value`` broadcast to ``batch`` as a contiguous 1-D float array (no copy when it already is one)."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.shape != batch or not arr.flags.c_contiguous:
        arr = np.ascontiguousarray(np.broadcast_to(arr, batch))
    return arr.reshape(-1)


def compile_function(
    inputs: Sequence[sp.Symbol] | str,
    expressions: Sequence[sp.Expr | str],
    time: sp.Symbol | str = "t",
    *,
    backend: Backend = NumPyBackend(),
) -> CompiledFunction:
    r"""Compile expressions in ``inputs`` (and ``time``) to one vectorised NumPy function.

    Parameters
    ----------
    inputs : sequence of Symbol or str
        Symbols bound, in order, to the rows ``y[0], y[1], ...`` of the array argument.
    expressions : sequence of Expr or str
        Expressions in ``inputs`` and ``time`` only.
    time : Symbol or str
        Symbol bound to the scalar or array argument ``t``.
    backend : Backend
        ``NumbaBackend()`` (extra ``fast``) compiles one loop over the batch: several times faster
        on thousands of rows, after about a second of compilation.

    Returns
    -------
    CompiledFunction
        ``f(t, y) -> out`` with ``out[i] = expressions[i]`` of shape (M, ...).

    Raises
    ------
    InputError
        If an expression uses a symbol that is neither an input nor ``time``, is complex, or uses a
        function with no numerical counterpart for the backend (named in the message), or the
        backend is unknown.
    MissingDependencyError
        For ``NumbaBackend()`` without numba installed.

    Examples
    --------
    >>> r, th = sp.symbols("r theta")
    >>> f = compile_function([r, th], [r*sp.cos(th), r*sp.sin(th), 1])
    >>> f(0.0, np.array([[2.0, 1.0], [0.0, np.pi/2]])).round(12) + 0.0
    array([[2., 0.],
           [0., 1.],
           [1., 1.]])
    """
    check_backend(backend)
    symbols = as_symbols(inputs, "inputs")
    t = as_symbols([time], "time")[0]
    names = {q.name: q for q in (*symbols, t)}
    if isinstance(expressions, str | sp.Basic) or not isinstance(expressions, Sequence):
        raise InputError(
            f"expressions must be a list of expressions or strings; got {type(expressions).__name__}. "
            "Pass e.g. ['x**2', 'sin(x)'], even for one expression."
        )
    exprs = tuple(parse(e if isinstance(e, str) else _as_expression(e), names, "expression") for e in expressions)
    _check_numeric(exprs)
    backend.check(exprs)
    allowed = set(symbols) | {t}
    unknown = sorted({s.name for e in exprs for s in e.free_symbols if s not in allowed})
    if unknown:
        raise InputError(
            f"the expressions use {', '.join(unknown)}, which are neither inputs "
            f"({', '.join(q.name for q in symbols)}) nor the time {t.name}. Substitute numbers for "
            "parameters first, e.g. expr.subs({'M': 1}), or add them as inputs."
        )
    safe = {q: sp.Symbol(f"y_{i}") for i, q in enumerate(symbols)} | {t: sp.Symbol("t")}
    renamed = [e.xreplace(safe) for e in exprs]
    names = {v: v.name for v in safe.values()}
    source, function = backend.compile(renamed, names, any(e.has(t) for e in exprs))
    return CompiledFunction(symbols, t, exprs, source, backend, function)


def _as_expression(e: object) -> sp.Expr:
    if isinstance(e, bool | np.bool_):
        raise InputError(f"expressions must be SymPy expressions, numbers or strings; got {e!r} (bool).")
    try:
        return as_sympy(e)
    except TypeError:
        raise InputError(
            f"expressions must be SymPy expressions, numbers or strings; got {e!r} ({type(e).__name__})."
        ) from None


def check_backend(backend: object) -> None:
    """Raise :class:`InputError` unless ``backend`` is a :class:`Backend` such as ``NumPyBackend()``.

    Examples
    --------
    >>> check_backend(NumbaBackend())
    """
    if not isinstance(backend, Backend):
        raise InputError(
            f"backend must be NumPyBackend() or NumbaBackend(); got {backend!r}. Any instance of a Backend "
            "subclass works too."
        )


@lru_cache(maxsize=64)
def with_backend(f: CompiledFunction, backend: Backend) -> CompiledFunction:
    """``f`` recompiled for ``backend`` (``f`` itself if it already uses it); cached.

    Examples
    --------
    >>> f = compile_function("x", ["x**2"])
    >>> with_backend(f, NumPyBackend()) is f
    True
    """
    if backend == f.backend:
        return f
    return compile_function(f.inputs, f.expressions, f.time, backend=backend)


def compile_rhs(
    states: Sequence[sp.Symbol] | str,
    derivatives: Sequence[sp.Expr | str],
    time: sp.Symbol | str = "t",
    *,
    backend: Backend = NumPyBackend(),
) -> CompiledFunction:
    r"""Compile the first-order system :math:`\dot y_i = F_i(t, y)` for :func:`integrate`.

    Parameters
    ----------
    states : sequence of Symbol or str
        The state variables :math:`y_i`.
    derivatives : sequence of Expr or str, same length as ``states``
        The right-hand sides :math:`F_i`.
    time : Symbol or str
        The independent variable.
    backend : Backend
        See :func:`compile_function`.

    Returns
    -------
    CompiledFunction
        ``rhs(t, y)`` with ``y`` of shape (d, k), returning shape (d, k).

    Raises
    ------
    InputError
        If the lengths differ or an unknown symbol appears.

    Examples
    --------
    >>> rhs = compile_rhs("x v", ["v", "-x"])
    >>> rhs(0.0, np.array([[1.0], [0.0]]))
    array([[ 0.],
           [-1.]])
    """
    symbols = as_symbols(states, "states")
    if isinstance(derivatives, str | sp.Basic) or not isinstance(derivatives, Sequence):
        raise InputError(
            f"derivatives must be a list of expressions or strings; got {type(derivatives).__name__}. "
            "Pass e.g. ['v', '-x'], one per state."
        )
    if len(derivatives) != len(symbols):
        raise InputError(
            f"there are {len(symbols)} states but {len(derivatives)} derivatives; give one derivative per state."
        )
    return compile_function(symbols, derivatives, time, backend=backend)


@lru_cache(maxsize=64)
def second_order_part(f: CompiledFunction) -> CompiledFunction | None:
    r"""The acceleration half of :math:`(\dot x, \dot v) = (v, a(t, x, v))`, or ``None`` for other systems.

    When the first ``n`` of ``2n`` components of ``f`` are the last ``n`` inputs, the returned
    function computes only :math:`a`, shape (n, ...), from the same ``y`` of shape (2n, ...).
    """
    d = len(f.inputs)
    n = d // 2
    if d == 0 or d % 2 or len(f.expressions) != d or f.expressions[:n] != f.inputs[n:]:
        return None
    return compile_function(f.inputs, f.expressions[n:], f.time, backend=f.backend)
