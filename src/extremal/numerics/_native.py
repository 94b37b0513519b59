r"""The compiled integrator: its right-hand side and events as scalar code, cached on disk, and the call.

A system qualifies when its right-hand side is a :class:`CompiledFunction` (its expressions
are known) and every event function writes itself as scalar code (:class:`ScalarCode`:
:func:`crossing` and a chart's edges do); numba (extra ``fast``) must be installed. The
right-hand side (for one state, and for all lanes of the compiled loop at once) and the
events become small numba functions in generated module files under the cache directory (``$EXTREMAL_CACHE_DIR``, else
``$XDG_CACHE_HOME/extremal`` or ``~/.cache/extremal``), compiled with numba's on-disk cache,
so a second process loads them instead of compiling; the integrator itself
(:mod:`extremal.numerics._native_kernel`) is compiled once for all systems.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from extremal.errors import InputError
from extremal.numerics._compile import CompiledFunction, scalar_lines
from extremal.numerics._controller import ConstantStep, ErrorController
from extremal.numerics._events import Event, ScalarCode
from extremal.numerics._tableaux import ButcherTableau

__all__ = ["NativeSystem", "native_system", "numba_installed", "solve"]

_HEADER = """import math

import numba
import numpy

from extremal.numerics._native_kernel import {signature}


@numba.njit({signature}, cache=True, error_model="numpy")
def {name}(t, y, out):
"""
_LOCK = threading.Lock()
_ROWS_PER_THREAD = 64  # fewer rows than this per thread cost more to hand out than to integrate
_LANES = 32  # trajectories stepped together in the compiled loop
_MODULES: dict[str, ModuleType] = {}


def numba_installed() -> bool:
    """Whether numba can be imported (without importing it)."""
    return importlib.util.find_spec("numba") is not None


def cache_directory() -> Path:
    """Where generated kernels live: ``$EXTREMAL_CACHE_DIR``, else ``$XDG_CACHE_HOME/extremal`` (``~/.cache``)."""
    root = os.environ.get("EXTREMAL_CACHE_DIR")
    if root:
        return Path(root)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "extremal"


def _writable_directory() -> Path:
    """The cache directory's ``kernels`` folder, or a private temporary one when it cannot be written."""
    folder = cache_directory() / "kernels"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".probe-{os.getpid()}-{threading.get_ident()}"
        probe.write_text("")
        probe.unlink()
        return folder
    except OSError:
        return Path(tempfile.mkdtemp(prefix="extremal-kernels-"))


def _load(name: str, body: list[str], signature: str = "STATE_FUNCTION") -> Any:
    """The compiled function ``name`` whose body is ``body``, from a module file keyed by its source."""
    header = _HEADER.format(name=name, signature=signature)
    source = header + "".join(f"    {line}\n" for text in body for line in text.split("\n"))
    key = hashlib.sha256(source.encode()).hexdigest()[:24]
    with _LOCK:
        module = _MODULES.get(key)
        if module is None:
            folder = _writable_directory()
            path = folder / f"k{key}.py"
            if not path.exists() or path.read_text() != source:
                partial = folder / f".k{key}-{os.getpid()}-{threading.get_ident()}.tmp"
                partial.write_text(source)
                os.replace(partial, path)
            module_name = f"extremal_kernels.k{key}"
            spec = importlib.util.spec_from_file_location(module_name, path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[module_name] = module
            spec.loader.exec_module(module)
            _MODULES[key] = module
    return getattr(module, name)


@dataclass(frozen=True, slots=True, eq=False)
class NativeSystem:
    """A right-hand side and its events as compiled functions ``f(t, y, out)``, and the right-hand side for
    several trajectories at once, ``f(t[k], y[d, k], out[d, k])``."""

    rhs: Any
    rhs_lanes: Any
    events: Any
    n_events: int


def why_not_native(rhs: object, events: Sequence[Event]) -> str | None:
    """Why the compiled integrator cannot run this system (``None`` when it can)."""
    if not numba_installed():
        return "numba is not installed (pip install 'extremal[fast]')"
    if not isinstance(rhs, CompiledFunction):
        return "the right-hand side is a Python function, not compiled expressions"
    for ev in events:
        if not isinstance(ev.function, ScalarCode):
            return f"event {ev.name!r} is a Python function (crossing(...) events compile)"
    return None


def native_system(rhs: CompiledFunction, events: Sequence[Event]) -> NativeSystem:
    """Compile ``rhs`` and ``events`` for the native integrator (cached in memory and on disk).

    Raises
    ------
    InputError
        If an expression uses a function numba cannot compile (named in the message).
    """
    import numba

    try:
        f = _compiled_rhs(rhs)
        f_lanes = _compiled_rhs_lanes(rhs)
        g = _compiled_events(tuple(ev.function for ev in events))
    except numba.core.errors.NumbaError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"numba could not compile this system ({first}); use backend=NumPyBackend().") from None
    return NativeSystem(f, f_lanes, g, len(events))


@lru_cache(maxsize=256)
def _compiled_rhs(rhs: CompiledFunction) -> Any:
    lines, values = scalar_lines(rhs.expressions, rhs.inputs, rhs.time, prefix="_")
    return _address(_load("rhs", [*lines, *(f"out[{i}] = {v}" for i, v in enumerate(values))]))


@lru_cache(maxsize=256)
def _compiled_rhs_lanes(rhs: CompiledFunction) -> Any:
    lines, values = scalar_lines(rhs.expressions, rhs.inputs, rhs.time, prefix="_", state="y[{}, _l]", time_name="_t")
    body = ["for _l in range(y.shape[1]):", "    _t = t[_l]", *(f"    {line}" for line in lines)]
    body += [f"    out[{i}, _l] = {v}" for i, v in enumerate(values)]
    return _address(_load("rhs_lanes", body, "LANES_FUNCTION"), "LANES_FUNCTION")


@lru_cache(maxsize=256)
def _compiled_events(functions: tuple[ScalarCode, ...]) -> Any:
    if not functions:
        from extremal.numerics._native_kernel import no_events

        return _address(no_events)
    return _address(_load("events", [f.scalar_code(k) for k, f in enumerate(functions)]))


def _address(function: Any, signature: str = "STATE_FUNCTION") -> Any:
    """``function`` as the address of its compiled code, so a call does not look it up again (half the
    cost of a small call); the function itself where numba offers no such wrapper."""
    import numba

    try:
        from numba.experimental.function_type import _get_wrapper_address
    except ImportError:  # pragma: no cover - other numba versions
        return function
    from extremal.numerics import _native_kernel

    kind = getattr(_native_kernel, signature)

    class Address(numba.types.WrapperAddressProtocol):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            self.function = function  # kept alive with its compiled code
            self.address = _get_wrapper_address(function, kind)

        def __wrapper_address__(self) -> int:
            return int(self.address)

        def signature(self) -> Any:
            return kind

    return Address()


def solve(
    system: NativeSystem,
    tableau: ButcherTableau,
    controller: ErrorController | ConstantStep,
    max_steps: int,
    y0: NDArray[np.float64],
    t0: NDArray[np.float64],
    t1: NDArray[np.float64],
    t_eval: NDArray[np.float64],
    *,
    n_user_events: int,
    directions: NDArray[np.float64],
    threads: int | None,
) -> dict[str, Any]:
    """Run the compiled integrator over the rows of ``y0``; the outputs as a dict of arrays."""
    from extremal.numerics import _native_kernel as kernel

    n, d = y0.shape
    m = t_eval.shape[1]
    ints = np.zeros(5, dtype=np.int64)
    ints[kernel.N_STAGES], ints[kernel.MAX_STEPS] = tableau.n_stages, max_steps
    ints[kernel.N_EVENTS], ints[kernel.N_USER_EVENTS] = system.n_events, n_user_events
    reals = np.zeros(7)
    if isinstance(controller, ErrorController):
        ints[kernel.ADAPTIVE] = 1
        reals[kernel.RTOL], reals[kernel.ATOL] = controller.rtol, controller.atol
        reals[kernel.EXPONENT], reals[kernel.SAFETY] = controller.exponent, controller.safety
        reals[kernel.MIN_FACTOR], reals[kernel.MAX_FACTOR] = controller.min_factor, controller.max_factor
    else:
        reals[kernel.DT] = controller.dt
    error_low = np.zeros(0) if tableau.error_low is None else _array(tableau.error_low)
    out = {
        "y": np.full((n, m, d), np.nan),
        "t_final": np.empty(n),
        "y_final": np.array(y0, dtype=np.float64, copy=True, order="C"),
        "status": np.zeros(n, dtype=np.int8),
        "event": np.full(n, -1, dtype=np.int16),
        "n_steps": np.zeros(n, dtype=np.int64),
        "n_rejected": np.zeros(n, dtype=np.int64),
        "n_rhs": np.zeros(n, dtype=np.int64),
    }
    inputs = (*map(_array, (y0, t0, t1, t_eval, tableau.a, tableau.c, tableau.error)), error_low,
              _array(tableau.dense), ints, reals, _array(directions))
    outputs = (out["y"], out["t_final"], out["y_final"], out["status"], out["event"], out["n_steps"],
               out["n_rejected"], out["n_rhs"])

    def rows(lo: int, hi: int) -> None:
        lanes = min(_LANES, hi - lo)
        kernel.solve_lanes(  # type: ignore[call-arg]
            system.rhs, system.rhs_lanes, system.events, lo, hi, lanes, *inputs, *outputs
        )

    workers = 1 if n < _ROWS_PER_THREAD else min(threads or os.cpu_count() or 1, n // _ROWS_PER_THREAD)
    if workers == 1:
        rows(0, n)
        return out
    size = max(4 * _LANES, -(-n // (2 * workers)))  # two ranges per thread: few half-empty lanes at the ends
    starts = range(0, n, size)
    list(_pool(workers).map(lambda lo: rows(lo, min(n, lo + size)), starts))
    return out


@lru_cache(maxsize=8)
def _pool(workers: int) -> ThreadPoolExecutor:
    """A pool of ``workers`` threads, kept for the next call (the kernel releases the GIL)."""
    return ThreadPoolExecutor(workers, thread_name_prefix="extremal")


os.register_at_fork(after_in_child=_pool.cache_clear)  # a forked child has none of the parent's threads


def _array(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """``x`` as a writeable C-contiguous float64 array (the kernel's signature), copied only when needed."""
    return np.require(x, dtype=np.float64, requirements=["C", "W"])
