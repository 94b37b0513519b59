"""Exit codes of the command line, and the picture of a batch that may have failed rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from extremal.cli._files import OVERWRITE_RULE, Output, save_figure
from extremal.numerics._status import Status

__all__ = [
    "ALL_FAILED",
    "BROKEN_PIPE",
    "ERROR",
    "EXIT_STATUS",
    "INTERRUPTED",
    "OK",
    "ROWS_EPILOG",
    "SOME_FAILED",
    "failure",
    "finish_rows",
    "over_successful",
    "rows_exit_code",
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
rows only. The picture is written atomically; {OVERWRITE_RULE}.

exit status:
  0    every row succeeded
  2    error: bad input or usage, a limit or the time limit, write failure, bug
  3    some rows failed, at least one succeeded; the picture shows them all
  4    every row failed; no picture is written
  130  interrupted (Ctrl-C)"""


_MEANING = {
    Status.MAX_STEPS: "ran out of integration steps",
    Status.STEP_TOO_SMALL: "the step size collapsed",
    Status.NONFINITE: "the solution became NaN or infinite: it left the chart",
    Status.OUTSIDE_CHART: "a given point is outside the chart: det g is zero, NaN or infinite there",
    Status.NOT_CONVERGED: "the solve did not converge",
    Status.CONJUGATE: "the end points are (nearly) conjugate: the geodesic is not unique",
}


def failure(status: int) -> str:
    """The name of a failed row's status and what it means.

    Examples
    --------
    >>> failure(Status.NOT_CONVERGED)
    'NOT_CONVERGED (the solve did not converge)'
    """
    code = Status(int(status))
    meaning = _MEANING.get(code)
    return f"{code.name} ({meaning})" if meaning else code.name


def over_successful(ok: NDArray[np.bool_]) -> str:
    """``" (over the 2 successful rows of 3)"`` when some rows failed, else ``""``.

    Examples
    --------
    >>> over_successful(np.array([True, False, True]))
    ' (over the 2 successful rows of 3)'
    """
    ok = np.asarray(ok, dtype=bool)
    return "" if np.all(ok) else f" (over the {int(np.sum(ok))} successful rows of {ok.size})"


def rows_exit_code(ok: NDArray[np.bool_]) -> int:
    """0 if every row succeeded, 3 if only some did, 4 if none did.

    Examples
    --------
    >>> [rows_exit_code(np.array(ok)) for ok in ([True, True], [True, False], [False])]
    [0, 3, 4]
    """
    ok = np.asarray(ok, dtype=bool)
    if ok.size and np.all(ok):
        return OK
    return SOME_FAILED if np.any(ok) else ALL_FAILED


def finish_rows(ok: NDArray[np.bool_], target: Output, figure: Callable[[], Any], row: str) -> str:
    """Write ``figure()`` to ``target`` unless every row failed; return the closing line to print.

    ``row`` names a row in the message, e.g. ``"geodesic"``.
    """
    if not np.any(ok):
        return f"no picture written: every {row} failed"
    from extremal.plot._geodesics import pyplot

    plt = pyplot()
    fig = figure()
    try:
        save_figure(fig, target)
    finally:
        plt.close(fig)
    return f"wrote {target.path}"
