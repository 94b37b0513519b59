"""Output files of the command line: checked before the work, written atomically, never clobbered by a default.

A file is written to a temporary file in the same folder and moved into place with
:func:`os.replace`, so a failure (in the computation, in matplotlib, a full disk) leaves an
older file as it was and no partial file behind. An existing file is replaced only when the
user named it (``--out NAME``); a default name such as ``geodesic.png`` never replaces one.
"""

from __future__ import annotations

import os
import pathlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from extremal.errors import InputError

__all__ = ["DATA_FORMATS", "OVERWRITE_RULE", "Output", "output", "save_arrays", "save_figure", "write_atomic"]

DATA_FORMATS = ("npz", "csv")
"""Suffixes of ``--out`` that ask for the sampled arrays instead of a picture."""

OVERWRITE_RULE = "an existing file is replaced only if you name it with --out"


@dataclass(frozen=True, slots=True)
class Output:
    """Where to write, and whether the user named the file (and so may replace it)."""

    path: pathlib.Path
    named: bool
    option: str = "--out"

    @property
    def format(self) -> str:
        """The figure format from the suffix; ``png`` when there is none."""
        return self.path.suffix.lstrip(".").lower() or "png"

    @property
    def is_data(self) -> bool:
        """Whether the suffix asks for arrays (``.npz`` or ``.csv``) rather than a picture."""
        return self.format in DATA_FORMATS


def _figure_formats() -> list[str]:
    from extremal._optional import require

    require("matplotlib", extra="plot")
    from matplotlib.backend_bases import FigureCanvasBase

    return sorted(FigureCanvasBase.get_supported_filetypes())


def _refuse_existing(path: pathlib.Path, option: str) -> InputError:
    return InputError(
        f"{str(path)!r} already exists and {option} was not given, so it is kept; pass {option} {path} to "
        f"replace it, or {option} with another name."
    )


def output(
    value: str | None, default: str, option: str = "--out", figure: bool = True, data: bool = False
) -> Output:
    """Check the output ``value`` (None: the user gave none, use ``default``) before any work is done.

    With ``data``, a ``.npz`` or ``.csv`` suffix is accepted too (see :func:`save_arrays`).

    Raises
    ------
    InputError
        If the folder does not exist, the path is a folder, the suffix is not a figure format
        matplotlib writes (nor, with ``data``, ``.npz`` or ``.csv``), or ``default`` is used and the
        file already exists.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     output(os.path.join(d, "g.png"), "geodesic.png").named
    True
    """
    named = value is not None
    if value is not None and not value.strip():
        raise InputError(f"{option} needs a file name, e.g. {option} {default}; got an empty string.")
    try:
        path = pathlib.Path(default if value is None else value)
        parent = path.parent
        if not parent.is_dir():
            raise InputError(f"{option} {str(path)!r}: the folder {str(parent)!r} does not exist; create it or "
                             "choose another path.")
        if path.is_dir():
            raise InputError(f"{option} {str(path)!r} is a folder; give a file name such as {path / default}.")
        exists = path.exists() or path.is_symlink()
    except (OSError, ValueError) as exc:
        raise InputError(f"{option} {value!r} is not a usable path ({exc}); choose another name.") from None
    target = Output(path, named, option)
    if data and target.is_data:
        figure = False
    if figure and target.format not in (formats := _figure_formats()):
        also = "; or .npz or .csv for the sampled arrays" if data else ""
        raise InputError(f"{option} {str(path)!r}: cannot write .{target.format} pictures; end the name with one "
                         f"of {', '.join('.' + f for f in formats)}{also}.")
    if exists and not named:
        raise _refuse_existing(path, option)
    return target


def _new_file_mode(path: pathlib.Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def write_atomic(target: Output, write: Callable[[IO[bytes]], Any]) -> None:
    """Call ``write(file)`` on a temporary file beside ``target.path``, then move it into place.

    On any failure the temporary file is removed and an existing file is left as it was.
    Unless ``target.named``, an existing file (even one that appeared while working) is kept
    and :class:`InputError` is raised.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     out = Output(pathlib.Path(d) / "a.txt", named=False)
    ...     write_atomic(out, lambda f: f.write(b"hello"))
    ...     out.path.read_bytes(), os.listdir(d)
    (b'hello', ['a.txt'])
    """
    path = target.path
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:100]}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _new_file_mode(path))
        if target.named:
            os.replace(tmp, path)
            return
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise _refuse_existing(path, target.option) from None
        except OSError:
            if path.exists() or path.is_symlink():
                raise _refuse_existing(path, target.option) from None
            os.replace(tmp, path)
    except OSError as exc:
        raise OSError(exc.errno, f"could not write {str(path)!r}: {exc.strerror or exc}") from None
    finally:
        if tmp is not None and os.path.lexists(tmp):
            os.unlink(tmp)


def save_figure(fig: Any, target: Output) -> None:
    """Save a matplotlib figure atomically in the format of ``target``'s suffix."""
    write_atomic(target, lambda f: fig.savefig(f, format=target.format, dpi=120))


def save_arrays(target: Output, arrays: dict[str, Any], table: tuple[str, ...]) -> None:
    """Write ``arrays`` atomically: every one into a ``.npz``, or the ``table`` columns into a ``.csv``.

    The CSV has a header line and one line per row and sample: ``row``, the parameter, each
    coordinate and velocity component, and the status code; ``table`` names the parameter,
    position, velocity and status arrays, shapes (N, m), (N, m, n), (N, m, n), (N,).
    Samples after a row stopped are ``nan``. The ``.npz`` holds plain arrays only, so
    ``numpy.load(path)`` reads it without ``allow_pickle``.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> arrays = {"s": np.zeros((1, 2)), "x": np.ones((1, 2, 1)), "v": np.ones((1, 2, 1)),
    ...           "status": np.zeros(1, np.int8), "coords": np.array(["r"])}
    >>> with tempfile.TemporaryDirectory() as d:
    ...     out = Output(pathlib.Path(d) / "a.csv", named=True)
    ...     save_arrays(out, arrays, ("s", "x", "v", "status"))
    ...     print(out.path.read_text().strip())
    row,s,r,v_r,status
    0,0,1,1,0
    0,0,1,1,0
    """
    import numpy as np

    if target.format == "npz":
        write_atomic(target, lambda f: np.savez(f, **arrays))
        return
    param, pos, vel, status = (np.asarray(arrays[name]) for name in table)
    coords = [str(c) for c in arrays["coords"]]
    n_rows, m = param.shape
    rows = np.repeat(np.arange(n_rows), m)
    columns = [rows, param.reshape(-1), *pos.reshape(n_rows * m, -1).T, *vel.reshape(n_rows * m, -1).T,
               np.repeat(status.astype(np.int64), m)]
    header = ",".join(["row", table[0], *coords, *(f"{table[2]}_{c}" for c in coords), "status"])
    fmt = ["%d"] + ["%.17g"] * (1 + 2 * len(coords)) + ["%d"]
    write_atomic(target, lambda f: np.savetxt(f, np.column_stack(columns), delimiter=",", header=header,
                                              comments="", fmt=fmt))
