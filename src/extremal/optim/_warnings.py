"""Warnings that point at the user's line, through the frames of torch's optimizer wrappers.

``Optimizer.step`` reaches a hook or an optimizer's own ``step`` through a few wrappers of
torch (the step-hook wrapper, ``torch.no_grad``, the scheduler's step counter), so a fixed
``stacklevel`` would name a line inside torch. :func:`warn_at_caller` counts the frames of
extremal's optimizer modules and of torch instead and names the first frame outside them:
the ``optimizer.step()`` call in the user's training loop.
"""

from __future__ import annotations

import os
import sys
import warnings

__all__ = ["warn_at_caller"]

_HERE = os.path.dirname(os.path.abspath(__file__))


def _library_dirs() -> tuple[str, ...]:
    torch = sys.modules.get("torch")
    torch_dir = os.path.dirname(os.path.abspath(torch.__file__)) if torch is not None and torch.__file__ else None
    return (_HERE,) if torch_dir is None else (_HERE, torch_dir)


def warn_at_caller(message: str, category: type[Warning]) -> None:
    """``warnings.warn(message, category)`` at the first frame outside extremal.optim and torch.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_at_caller("careful", RuntimeWarning)
    >>> caught[0].filename == __file__ or caught[0].filename.startswith("<doctest")
    True
    """
    dirs = _library_dirs()
    level, frame = 2, sys._getframe(1)
    while frame.f_back is not None and os.path.abspath(frame.f_code.co_filename).startswith(dirs):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)
