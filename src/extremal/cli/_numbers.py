"""Parsing of the numeric options shared by the subcommands.

The ``*_int``, ``*_float`` and :func:`timeout_seconds` functions are argparse ``type=``
converters: they raise :class:`argparse.ArgumentTypeError`, which argparse reports as one line
naming the option. NumPy is imported by the functions that make arrays, so that building the
parser does not load it.
"""

from __future__ import annotations

import argparse
import math
import os
import warnings
from typing import TYPE_CHECKING

from extremal._limits import current_limits
from extremal.errors import InputError, LimitError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "file_help",
    "finite_float",
    "interval",
    "nonnegative_int",
    "positive_float",
    "positive_int",
    "read_rows",
    "rows",
    "timeout_seconds",
    "vector",
    "vectors",
]


def _integer(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"takes a whole number, e.g. 100; got {text!r}") from None


def positive_int(text: str) -> int:
    """A whole number of at least 1; ``true``, ``2.5``, ``0`` and ``-3`` are refused.

    Examples
    --------
    >>> positive_int("200")
    200
    >>> positive_int("0")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be a positive whole number, e.g. 100; got '0'
    """
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, e.g. 100; got {text!r}")
    return value


def nonnegative_int(text: str) -> int:
    """A whole number of at least 0, such as a coordinate index.

    Examples
    --------
    >>> nonnegative_int("0")
    0
    """
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, e.g. 1; got {text!r}")
    return value


def finite_float(text: str) -> float:
    """A finite number; ``nan``, ``inf`` and ``1e999`` are refused.

    Examples
    --------
    >>> finite_float("-1.5")
    -1.5
    """
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"takes a number, e.g. -1.5; got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number; got {text!r}")
    return value


def positive_float(text: str) -> float:
    """A finite number above 0, such as a tolerance.

    Examples
    --------
    >>> positive_float("1e-8")
    1e-08
    """
    value = finite_float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a number above 0, e.g. 1e-8; got {text!r}")
    return value


def timeout_seconds(text: str) -> float | None:
    """Seconds above 0, or ``0`` / ``none`` / ``off`` for no time limit (None).

    Examples
    --------
    >>> timeout_seconds("2.5"), timeout_seconds("none"), timeout_seconds("0")
    (2.5, None, None)
    """
    if text.strip().lower() in ("none", "off"):
        return None
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"takes seconds, or 0 / none for no limit; got {text!r}") from None
    if value == 0:
        return None
    if not (0 < value < math.inf):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, or 0 / none for no limit; "
                                         f"got {text!r}")
    return value


def vector(text: str, name: str) -> NDArray[np.float64]:
    """Numbers separated by commas or spaces, e.g. ``"1.57,0"``.

    Examples
    --------
    >>> vector("1.5, 0", "x0")
    array([1.5, 0. ])
    """
    import numpy as np

    try:
        values = np.array([float(c) for c in text.replace(",", " ").split()])
    except ValueError:
        raise InputError(f"--{name} takes numbers separated by commas, e.g. --{name} 1.57,0; got {text!r}.") from None
    if values.size == 0:
        raise InputError(f"--{name} needs at least one number, e.g. --{name} 1.57,0; got {text!r}.")
    return values


def vectors(texts: list[str], name: str) -> NDArray[np.float64]:
    """One row per repeated option, shape (N, n).

    Examples
    --------
    >>> vectors(["1,0", "0,1"], "v0").shape
    (2, 2)
    """
    import numpy as np

    rows = [vector(t, name) for t in texts]
    if len({r.size for r in rows}) != 1:
        raise InputError(f"every --{name} needs the same number of components; got {texts!r}.")
    return np.stack(rows)


def interval(text: str, name: str, count: int) -> NDArray[np.float64]:
    """``END`` or ``START:END`` as ``count`` evenly spaced samples.

    Examples
    --------
    >>> interval("0:2", "t", 3)
    array([0., 1., 2.])
    """
    import numpy as np

    parts = text.split(":")
    try:
        start, end = (0.0, float(parts[0])) if len(parts) == 1 else (float(parts[0]), float(parts[1]))
    except (ValueError, IndexError):
        raise InputError(f"--{name} takes END or START:END, e.g. --{name} 0:10; got {text!r}.") from None
    if len(parts) > 2 or not (math.isfinite(start) and math.isfinite(end)) or start == end:
        raise InputError(f"--{name} takes END or START:END with two different finite numbers; got {text!r}.")
    if count < 2:
        raise InputError(f"--samples must be at least 2; got {count}.")
    if count > current_limits().max_size:
        raise LimitError(f"--samples {count} is over the limit of {current_limits().max_size} array elements; "
                         "lower --samples or raise --max-size.")
    return np.linspace(start, end, count)


def read_rows(path: str, option: str) -> NDArray[np.float64]:
    r"""Rows of numbers from a ``.npy``, ``.csv`` (commas) or ``.txt`` (spaces) file, shape (N, n).

    One row per line (or per first index of a ``.npy`` array); ``#`` starts a comment in text
    files. ``.npy`` files are read without pickle. Every problem is an :class:`InputError` of one
    line naming ``option`` and the file.

    Examples
    --------
    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     name = os.path.join(d, "x0.csv")
    ...     with open(name, "w") as f:
    ...         _ = f.write("1,0\n2,0.5\n")
    ...     read_rows(name, "--x0-file")
    array([[1. , 0. ],
           [2. , 0.5]])
    """
    import numpy as np

    suffix = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if suffix not in ("npy", "csv", "txt"):
        got = "." + suffix if suffix else "no suffix"
        raise InputError(f"{option} {path!r}: the name must end in .npy, .csv or .txt; got {got}.")
    if not os.path.isfile(path):
        raise InputError(f"{option} {path!r}: no such file; check the name.")
    try:
        if suffix == "npy":
            values = np.load(path, allow_pickle=False)
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # an empty file: the shape check below says so
                values = np.loadtxt(path, delimiter="," if suffix == "csv" else None, ndmin=2, dtype=float)
    except (OSError, ValueError, EOFError) as exc:
        why = " ".join(str(exc).split()) or type(exc).__name__
        raise InputError(f"{option} {path!r} could not be read as rows of numbers ({why}); write one row per "
                         "line, e.g. 1.57,0.") from None
    if values.dtype.kind not in "biuf":
        raise InputError(f"{option} {path!r} holds {values.dtype} values; it needs numbers, shape (N, n).")
    if values.ndim != 2 or values.shape[0] == 0 or values.shape[1] == 0:
        raise InputError(f"{option} {path!r} has shape {values.shape}; it needs rows of numbers, shape (N, n) "
                         "with N, n >= 1: one row per initial condition.")
    if values.size > current_limits().max_size:
        raise LimitError(f"{option} {path!r} has {values.size} numbers, over the limit of "
                         f"{current_limits().max_size} array elements; split the file or raise --max-size.")
    return np.asarray(values, dtype=np.float64)


def rows(texts: list[str] | None, path: str | None, name: str) -> NDArray[np.float64]:
    """The rows of ``--NAME`` (repeated) or of ``--NAME-file``; exactly one of them must be given.

    Examples
    --------
    >>> rows(["1,0", "0,1"], None, "v0").shape
    (2, 2)
    """
    if texts and path is not None:
        raise InputError(f"give --{name} or --{name}-file, not both.")
    if path is not None:
        return read_rows(path, f"--{name}-file")
    if not texts:
        raise InputError(f"give the initial rows with --{name} (repeat it for a batch) or --{name}-file FILE.")
    return vectors(texts, name)


def file_help(what: str, name: str) -> str:
    """The ``--help`` line of a ``--NAME-file`` option."""
    return (f"{what} from a .npy, .csv or .txt file, one row per line (shape (N, n)), for large batches; "
            f"instead of --{name}")
