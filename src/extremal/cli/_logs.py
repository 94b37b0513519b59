"""Reading logged training columns (gradient norms, distances, learning rates) for ``schedule`` and ``bound``.

A log is a ``.csv`` or ``.txt`` table, a ``.json`` document or a ``.npy`` array. Text is split
into numbers with :func:`float` and JSON is read with :func:`json.loads` (``NaN`` and
``Infinity`` refused); ``.npy`` files are loaded without pickle. Nothing in a file is ever
run. Every problem is an :class:`~extremal.errors.InputError` of one line naming the option,
the file and what to write instead.

Layouts:

- text: one number per line; or several columns separated by commas (``.csv``) or by commas
  or spaces (``.txt``), with a header line naming them (``step,grad_norm,distance``); ``#``
  starts a comment;
- JSON: a list of numbers, or an object whose keys name lists of numbers
  (``{"grad_norm": [...], "distance": [...]}``);
- ``.npy``: a 1-D array, or a 2-D array of one column.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from extremal._limits import current_limits
from extremal.cli._numbers import positive_int
from extremal.errors import InputError, LimitError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "DISTANCE_COLUMNS",
    "NORM_COLUMNS",
    "SUFFIXES",
    "Log",
    "add_log_args",
    "logged_norms",
    "logged_radius",
    "read_log",
]

SUFFIXES = ("csv", "txt", "json", "npy")
"""File suffixes a log may have."""

_BYTES_PER_NUMBER = 64
"""A text or JSON log may hold at most this many bytes per number allowed by ``--max-size``."""


@dataclass(frozen=True)
class Log:
    """The columns of a log by name; a log without a header has one column, named ``""``."""

    path: str
    option: str
    columns: dict[str, list[float]]

    def column(self, wanted: tuple[str, ...], what: str) -> NDArray[np.float64] | None:
        """The first column named in ``wanted`` (case-insensitive), the only column of a plain list, or None.

        A header-less log (one column) is taken for the first name asked for, so a list of numbers
        is the gradient norms, and a list of rates is the rates.
        """
        import numpy as np

        if list(self.columns) == [""]:
            values = self.columns[""]
        else:
            by_name = {name.strip().lower(): name for name in self.columns}
            found = next((by_name[w.lower()] for w in wanted if w.lower() in by_name), None)
            if found is None:
                return None
            values = self.columns[found]
        return _checked(np.asarray(values, dtype=np.float64), self, what)

    def require(self, wanted: tuple[str, ...], what: str) -> NDArray[np.float64]:
        """:meth:`column`, or an :class:`InputError` listing the columns the file has."""
        values = self.column(wanted, what)
        if values is None:
            raise InputError(
                f"{self.option} {self.path!r} has no column {wanted[0]!r} for the {what}; its columns are "
                f"{', '.join(repr(c) for c in self.columns)}. Name it with --column, or rename the header."
            )
        return values


def _checked(values: NDArray[np.float64], log: Log, what: str) -> NDArray[np.float64]:
    import numpy as np

    if values.size == 0:
        raise InputError(f"{log.option} {log.path!r} holds no {what}; write one number per line.")
    bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
    if bad.size:
        i = int(bad[0])
        raise InputError(
            f"{log.option} {log.path!r}: the {what} must be finite and non-negative; entry {i + 1} is {values[i]!r}. "
            "Drop the steps that were skipped (non-finite gradients) from the log."
        )
    return values


def _too_big(path: str, option: str, count: int) -> LimitError:
    limit = current_limits().max_size
    return LimitError(f"{option} {path!r} holds {count} numbers, over the limit of {limit} array elements; "
                      "shorten the log or raise --max-size.")


def _number(text: str, path: str, option: str, line: int) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{option} {path!r} line {line}: {text.strip()[:40]!r} is not a number; write numbers "
                         "only, with at most one header line naming the columns.") from None
    return value


def _text(data: str, path: str, option: str, comma_only: bool) -> dict[str, list[float]]:
    rows: list[tuple[int, list[str]]] = []
    for number, raw in enumerate(data.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if line:
            fields = line.split(",") if comma_only else line.replace(",", " ").split()
            rows.append((number, [f.strip() for f in fields]))
    if not rows:
        raise InputError(f"{option} {path!r} is empty; write one number per line.")
    header: list[str] | None = None
    first_line, first = rows[0]
    if any(not _is_number(f) for f in first):
        header, rows = first, rows[1:]
        if len(set(h.lower() for h in header)) != len(header) or any(not h for h in header):
            raise InputError(f"{option} {path!r} line {first_line}: the header {','.join(header)!r} needs distinct, "
                             "non-empty column names.")
    width = len(header) if header is not None else len(rows[0][1]) if rows else 1
    if header is None and width > 1:
        raise InputError(f"{option} {path!r} has {width} columns and no header line; add one naming them "
                         "(e.g. step,grad_norm), or write one number per line.")
    limit = current_limits().max_size
    if len(rows) * width > limit:
        raise _too_big(path, option, len(rows) * width)
    columns: list[list[float]] = [[] for _ in range(width)]
    for at, fields in rows:
        if len(fields) != width:
            raise InputError(f"{option} {path!r} line {at} has {len(fields)} fields; every line needs {width}.")
        for column, field in zip(columns, fields, strict=True):
            column.append(_number(field, path, option, at))
    names = header if header is not None else [""]
    return dict(zip(names, columns, strict=True))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def _json(data: str, path: str, option: str) -> dict[str, list[float]]:
    try:
        doc = json.loads(data, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        why = " ".join(str(exc).split())[:200]
        raise InputError(f"{option} {path!r} is not valid JSON ({why}); write a list of numbers or "
                         '{"grad_norm": [...]}.') from None
    items = {"": doc} if isinstance(doc, list) else doc
    if not isinstance(items, dict) or not items:
        raise InputError(f"{option} {path!r} holds a JSON {type(doc).__name__}; write a list of numbers or an object "
                         'of lists, e.g. {"grad_norm": [1.2, 0.9]}.')
    columns: dict[str, list[float]] = {}
    total = 0
    for name, values in items.items():
        if isinstance(values, list):
            total += len(values)
            if total > current_limits().max_size:
                raise _too_big(path, option, total)
            if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
                columns[name] = [float(v) for v in values]
                continue
        if name == "":
            raise InputError(f"{option} {path!r}: the JSON list must hold numbers only (no strings, booleans, null or "
                             "nested lists).")
    if not columns:
        raise InputError(f"{option} {path!r}: no key of the JSON object names a list of numbers; write e.g. "
                         '{"grad_norm": [1.2, 0.9]}.')
    return columns


def _npy(path: str, option: str) -> dict[str, list[float]]:
    import numpy as np

    try:
        values = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        why = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise InputError(f"{option} {path!r} could not be read as a .npy array ({why}).") from None
    if not isinstance(values, np.ndarray) or values.dtype.kind not in "biuf":
        raise InputError(f"{option} {path!r} holds {getattr(values, 'dtype', type(values).__name__)} values; it needs "
                         "numbers.")
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim != 1:
        raise InputError(f"{option} {path!r} has shape {values.shape}; it needs a 1-D array, one number per step.")
    if values.size > current_limits().max_size:
        raise _too_big(path, option, values.size)
    return {"": values.astype(np.float64).tolist()}


def read_log(path: str, option: str) -> Log:
    """Read the columns of the log at ``path`` (see the module docstring for the layouts).

    Raises
    ------
    InputError
        If the file is missing, has another suffix, is not UTF-8 text, is malformed, or holds
        no numbers.
    LimitError
        If it holds more numbers than ``--max-size`` allows.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     name = os.path.join(d, "log.csv")
    ...     with open(name, "w") as f:
    ...         _ = f.write("step,grad_norm\\n1,2.5\\n2,1.5\\n")
    ...     read_log(name, "--grad-norms").require(("grad_norm",), "gradient norms")
    array([2.5, 1.5])
    """
    suffix = path.rsplit(".", 1)[-1].lower() if "." in os.path.basename(path) else ""
    if suffix not in SUFFIXES:
        got = "." + suffix if suffix else "no suffix"
        raise InputError(f"{option} {path!r}: the name must end in {', '.join('.' + s for s in SUFFIXES)}; got {got}.")
    if not os.path.isfile(path):
        raise InputError(f"{option} {path!r}: no such file; check the name.")
    if suffix == "npy":
        return Log(path, option, _npy(path, option))
    limit = _BYTES_PER_NUMBER * current_limits().max_size
    try:
        with open(path, "rb") as f:
            raw = f.read(limit + 1)
    except OSError as exc:
        raise InputError(f"{option} {path!r} could not be read ({exc.strerror or exc}).") from None
    if len(raw) > limit:
        raise LimitError(f"{option} {path!r} is larger than {limit} bytes ({_BYTES_PER_NUMBER} per number allowed "
                         "by --max-size); shorten the log or raise --max-size.")
    try:
        data = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(
            f"{option} {path!r} is not UTF-8 text; write the numbers as text, or save a .npy array."
        ) from None
    if suffix == "json":
        return Log(path, option, _json(data, path, option))
    return Log(path, option, _text(data, path, option, comma_only=suffix == "csv"))


NORM_COLUMNS = ("grad_norm", "grad_norms", "norm", "norms", "G")
"""Column names taken for the gradient norms, in this order, when ``--column`` is not given."""

DISTANCE_COLUMNS = ("distance", "distances")
"""Column names whose largest value is taken for ``R`` when ``--radius`` is not given."""


def add_log_args(p: argparse.ArgumentParser) -> None:
    """The options that choose the gradient norms of a log: ``--grad-norms``, ``--column``, ``--smooth``."""
    p.add_argument("--grad-norms", required=True, metavar="FILE",
                   help="the log: .csv or .txt (one number per line, or columns under a header such as "
                   "step,grad_norm,distance), .json (a list, or {\"grad_norm\": [...]}) or .npy (1-D)")
    p.add_argument("--column", help=f"the header name of the norms (default: the first of {', '.join(NORM_COLUMNS)})")
    p.add_argument("--smooth", type=positive_int, default=1, metavar="K",
                   help="use sqrt of the trailing mean of G_t^2 over K steps, an estimate of the article's "
                   "G_t = sqrt(E|g_t|^2) from one noisy run (default 1: as logged)")


def logged_norms(args: argparse.Namespace) -> tuple[Log, NDArray[np.float64]]:
    """The log and its gradient norms, smoothed over ``--smooth`` steps."""
    import numpy as np

    log = read_log(args.grad_norms, "--grad-norms")
    wanted = (args.column,) if args.column else NORM_COLUMNS
    norms = log.require(wanted, "gradient norms")
    if args.smooth > 1:
        squares = np.concatenate(([0.0], np.cumsum(norms**2)))
        steps = np.arange(1, norms.size + 1)
        start = np.maximum(0, steps - args.smooth)
        norms = np.sqrt((squares[steps] - squares[start]) / (steps - start))
    return log, norms


def logged_radius(log: Log, given: float | None, hint: str) -> float:
    """``--radius``, else the largest logged distance, else an :class:`InputError` that says what to pass."""
    if given is not None:
        return given
    distances = log.column(DISTANCE_COLUMNS, "distances") if list(log.columns) != [""] else None
    if distances is None or not float(distances.max()) > 0:
        raise InputError(f"give --radius R, the distance |θ_1 - θ*| (e.g. the largest distance from the start in "
                         f"the logged run){hint}; {log.path!r} has no positive 'distance' column to take it from.")
    return float(distances.max())
