"""Exit codes of the command line, and the picture of a batch that may have failed rows."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from extremal.cli._files import OVERWRITE_RULE, Output, save_arrays, save_figure

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "ALL_FAILED",
    "BROKEN_PIPE",
    "ERROR",
    "EXIT_MEANING",
    "EXIT_STATUS",
    "INTERRUPTED",
    "OK",
    "ROWS_EPILOG",
    "SOME_FAILED",
    "failure",
    "finish_data",
    "finish_rows",
    "json_document",
    "number",
    "numbers",
    "over_successful",
    "row_status",
    "rows_exit_code",
    "wants_json",
    "written",
]

OK = 0
ERROR = 2
SOME_FAILED = 3
ALL_FAILED = 4
INTERRUPTED = 130
BROKEN_PIPE = 141

EXIT_STATUS = """exit status:
  0    success (numerical subcommands: every row succeeded)
  2    error: bad input or usage, a limit or the time limit, write failure, bug
  3    numerical subcommands: some rows failed, at least one succeeded
  4    numerical subcommands: every row failed; no picture is written
  130  interrupted (Ctrl-C)
  141  standard output was closed early (e.g. piped into head)"""

ROWS_EPILOG = f"""A row is one initial condition (one --x0/--v0 or --q0/--v0 pair, or the --from/--to pair). \
Failed rows print their status instead of numbers; drift, length and gap summaries cover the successful \
rows only. The picture is written atomically; {OVERWRITE_RULE}. With the global --format json \
(extremal --format json SUBCOMMAND ...) one JSON document is printed instead of the text: per row the status \
name, whether it succeeded and its numbers (null for a failed row, never a made-up number), the exit code \
and its meaning, and the file written (null if none).

exit status:
  0    every row succeeded
  2    error: bad input or usage, a limit or the time limit, write failure, bug
  3    some rows failed, at least one succeeded; the picture shows them all
  4    every row failed; no picture is written (a .npz or .csv data file is, with the statuses)
  130  interrupted (Ctrl-C)"""

EXIT_MEANING = {
    OK: "every row succeeded",
    SOME_FAILED: "some rows failed, at least one succeeded",
    ALL_FAILED: "every row failed",
}


_MEANING = {  # by the name of the extremal.numerics.Status, so that the parser does not load the numerics
    "MAX_STEPS": "ran out of integration steps",
    "STEP_TOO_SMALL": "the step size collapsed",
    "NONFINITE": "the solution became NaN or infinite: it left the chart",
    "OUTSIDE_CHART": "a given point is outside the chart: det g is zero, NaN or infinite there",
    "NOT_CONVERGED": "the solve did not converge",
    "CONJUGATE": "the end points are (nearly) conjugate: the geodesic is not unique",
}


def failure(status: int) -> str:
    """The name of a failed row's status and what it means.

    Examples
    --------
    >>> from extremal.numerics import Status
    >>> failure(Status.NOT_CONVERGED)
    'NOT_CONVERGED (the solve did not converge)'
    """
    from extremal.numerics import Status

    code = Status(int(status))
    meaning = _MEANING.get(code.name)
    return f"{code.name} ({meaning})" if meaning else code.name


def over_successful(ok: NDArray[np.bool_]) -> str:
    """``" (over the 2 successful rows of 3)"`` when some rows failed, else ``""``.

    Examples
    --------
    >>> import numpy as np
    >>> over_successful(np.array([True, False, True]))
    ' (over the 2 successful rows of 3)'
    """
    import numpy as np

    ok = np.asarray(ok, dtype=bool)
    return "" if np.all(ok) else f" (over the {int(np.sum(ok))} successful rows of {ok.size})"


def rows_exit_code(ok: NDArray[np.bool_]) -> int:
    """0 if every row succeeded, 3 if only some did, 4 if none did.

    Examples
    --------
    >>> import numpy as np
    >>> [rows_exit_code(np.array(ok)) for ok in ([True, True], [True, False], [False])]
    [0, 3, 4]
    """
    import numpy as np

    ok = np.asarray(ok, dtype=bool)
    if ok.size and np.all(ok):
        return OK
    return SOME_FAILED if np.any(ok) else ALL_FAILED


def finish_rows(ok: NDArray[np.bool_], target: Output, figure: Callable[[], Any], row: str) -> str:
    """Write ``figure()`` to ``target`` unless every row failed; return the closing line to print.

    ``row`` names a row in the message, e.g. ``"geodesic"``.
    """
    if not any(ok):
        return f"no picture written: every {row} failed"
    from extremal.plot._geodesics import pyplot

    plt = pyplot()
    fig = figure()
    try:
        save_figure(fig, target)
    finally:
        plt.close(fig)
    return f"wrote {target.path}"


def finish_data(ok: NDArray[np.bool_], target: Output, arrays: Callable[[], dict[str, Any]],
                table: tuple[str, ...]) -> str:
    """Write the sampled ``arrays()`` to a ``.npz`` or ``.csv`` ``target``, even if every row failed.

    Failed rows keep their status and ``nan`` after they stopped; returns the closing line.
    """
    save_arrays(target, arrays(), table)
    return f"wrote {target.path}"


def written(ok: NDArray[np.bool_], target: Output) -> dict[str, str | None]:
    """The ``picture`` and ``data`` entries of a JSON document: the path written, or None.

    Examples
    --------
    >>> import pathlib
    >>> import numpy as np
    >>> written(np.array([False]), Output(pathlib.Path("g.png"), named=False))
    {'picture': None, 'data': None}
    """
    if target.is_data:
        return {"picture": None, "data": str(target.path)}
    return {"picture": str(target.path) if any(ok) else None, "data": None}


def wants_json(args: Any) -> bool:
    """Whether the global ``--format json`` was given (``args.format``; text when absent)."""
    return getattr(args, "format", "text") == "json"


def number(value: Any) -> float | None:
    """A finite float, or None (JSON ``null``) for NaN, infinity or None.

    Examples
    --------
    >>> import numpy as np
    >>> number(np.float64(1.5)), number(float("nan")), number(None)
    (1.5, None, None)
    """
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def numbers(values: Any) -> list[float | None]:
    """:func:`number` of each element.

    Examples
    --------
    >>> import numpy as np
    >>> numbers(np.array([1.0, np.inf]))
    [1.0, None]
    """
    import numpy as np

    return [number(v) for v in np.asarray(values, dtype=float).reshape(-1)]


def json_document(command: str, body: dict[str, Any], rows: list[dict[str, Any]], code: int,
                  files: dict[str, str | None]) -> str:
    """One JSON document: ``command``, ``body``, ``rows``, the exit code and its meaning, the files written.

    NaN and infinity are refused (:func:`number` turns them into null first), so the output is strict JSON.

    Examples
    --------
    >>> print(json_document("x", {}, [], 4, {"picture": None}))
    {"command": "x", "rows": [], "exit_code": 4, "exit_meaning": "every row failed", "picture": null}
    """
    doc = {"command": command, **body, "rows": rows, "exit_code": code, "exit_meaning": EXIT_MEANING.get(code, ""),
           **files}
    return json.dumps(doc, allow_nan=False)


def row_status(status: int, ok: bool) -> dict[str, Any]:
    """The ``status``, ``success`` and (for a failure) ``message`` entries of a JSON row."""
    from extremal.numerics import Status

    code = Status(int(status))
    entry: dict[str, Any] = {"status": code.name, "success": bool(ok)}
    if not ok:
        entry["message"] = failure(code) if code != Status.SUCCESS else f"{code.name} (no finite result)"
    return entry
