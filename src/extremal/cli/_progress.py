"""A progress bar for long batches: on a terminal only, after half a second, off with ``--no-progress``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

__all__ = ["progress_bar"]


@contextmanager
def progress_bar(
    what: str, enabled: bool = True, stream: TextIO | None = None
) -> Iterator[Callable[[int, int], None] | None]:
    """A ``progress(done, total)`` callback drawing a tqdm bar on ``stream`` (standard error), or ``None``.

    There is no bar when ``enabled`` is false or ``stream`` is not a terminal, and none for work
    that finishes within half a second.

    Examples
    --------
    >>> import io
    >>> with progress_bar("geodesics", stream=io.StringIO()) as update:
    ...     update is None
    True
    """
    stream = sys.stderr if stream is None else stream
    if not enabled or not stream.isatty():
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=0, unit=what, file=stream, delay=0.5, dynamic_ncols=True, leave=False) as bar:

        def update(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        yield update
