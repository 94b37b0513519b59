"""A batch split into chunks of rows: run on an executor's workers (Dask's included), or here with progress.

Any object with ``submit(fn, *args)`` returning a future with ``result()`` is an executor:
:class:`concurrent.futures.ProcessPoolExecutor`, :class:`~concurrent.futures.ThreadPoolExecutor`,
``dask.distributed.Client`` (or its ``get_executor()``), ``mpi4py.futures.MPIPoolExecutor``.
The chunks do not depend on the executor, and the compiled integrator gives each row the same
bits whatever else runs beside it, so a batch run on a cluster equals the batch run here.
"""

from __future__ import annotations

import dataclasses
import math
import pickle
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from extremal.errors import InputError

__all__ = ["Executor", "Progress", "check_executor", "check_progress", "concatenate", "in_chunks", "row_chunks"]

Progress = Callable[[int, int], object]
"""``progress(done, total)``: called with the rows finished so far and the batch size."""

_MIN_ROWS, _MAX_TASKS = 256, 64


class Executor(Protocol):
    """What ``executor=`` needs: ``submit(fn, *args)`` returning a future with ``result()``."""

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Any: ...


def check_executor(executor: object) -> None:
    """Raise :class:`InputError` unless ``executor`` has a callable ``submit``."""
    if executor is not None and not callable(getattr(executor, "submit", None)):
        raise InputError(
            f"executor must have a submit(fn, *args) method, like concurrent.futures.ProcessPoolExecutor() or "
            f"dask.distributed.Client(); got {type(executor).__name__}."
        )


def check_progress(progress: object) -> None:
    """Raise :class:`InputError` unless ``progress`` is ``None`` or callable as ``progress(done, total)``."""
    if progress is not None and not callable(progress):
        raise InputError(f"progress must be callable as progress(done, total) or None; got {type(progress).__name__}.")


def row_chunks(n: int, progress: bool) -> list[slice]:
    """Chunks of at least 256 rows, at most 64 of them (50 when reporting progress, for a smooth bar)."""
    tasks = min(_MAX_TASKS, max(1, n // _MIN_ROWS))
    if progress:
        tasks = min(50, max(tasks, math.ceil(n / 2048)))
    size = math.ceil(n / tasks)
    return [slice(lo, min(n, lo + size)) for lo in range(0, n, size)]


def in_chunks(
    task: Callable[..., Any], rows: list[slice], args: Callable[[slice], tuple[Any, ...]],
    executor: Executor | None, progress: Progress | None,
) -> list[Any]:
    """``task(*args(chunk))`` for each chunk of rows, on ``executor`` or here, in order."""
    total = rows[-1].stop if rows else 0
    if executor is None:
        results = []
        for chunk in rows:
            results.append(task(*args(chunk)))
            if progress is not None:
                progress(chunk.stop, total)
        return results
    futures = [executor.submit(task, *args(chunk)) for chunk in rows]
    results = []
    for chunk, future in zip(rows, futures, strict=True):
        try:
            results.append(future.result())
        except (pickle.PicklingError, AttributeError, TypeError) as exc:
            if "pickle" not in str(exc).lower():
                raise
            raise InputError(
                f"the executor could not send this work to its workers ({exc}); a right-hand side from "
                "compile_rhs, a symbolic metric or Lagrangian and crossing(...) events can be sent, while a "
                "Python function must be importable by the workers."
            ) from None
        if progress is not None:
            progress(chunk.stop, total)
    return results


def concatenate(parts: list[Any], cls: type) -> Any:
    """One ``cls`` (a dataclass of row-major arrays) from ``parts``: arrays joined along rows, integers summed."""
    joined = {}
    for field in dataclasses.fields(cls):
        values = [getattr(p, field.name) for p in parts]
        joined[field.name] = sum(values) if isinstance(values[0], int) else np.concatenate(values, axis=0)
    return cls(**joined)
