"""Argument parsing that reads ``-1,0`` or ``-(x**2+y**2)/2`` as a value, and one-line usage errors.

Plain :mod:`argparse` takes any word that starts with ``-`` for an option, so
``--v0 -1,0`` or ``--potential "-(x**2 + y**2)/2"`` fail with "expected one argument". Two
rules fix this for every subcommand:

* :func:`normalize_argv` attaches the word after an option that takes one value to it
  (``--v0 -1,0`` becomes ``--v0=-1,0``), unless that word is itself an option of the parser;
* :class:`Parser` reads a word that starts with ``-`` as a value unless it is an option of the
  parser or looks like an option name (``--name``, ``--name=...``, ``-x``), so a positional
  line element ``-dt**2+dx**2`` is a value.
"""

from __future__ import annotations

import argparse
import re
import textwrap
from collections.abc import Sequence
from typing import Any, NoReturn

__all__ = ["FORMATS", "HelpFormatter", "Parser", "normalize_argv", "one_line"]

FORMATS = ("text", "latex", "json")
"""The choices of ``--format``; :mod:`extremal.cli.render` writes each."""

_OPTION_NAME = re.compile(r"--[A-Za-z][A-Za-z0-9_-]*(=.*)?|-[A-Za-z]", re.DOTALL)

_MAX_MESSAGE = 1000


def one_line(text: str) -> str:
    """``text`` on one line: whitespace runs become one space; cut after 1000 characters.

    Examples
    --------
    >>> one_line("could not parse\\n  x**\\n     ^")
    'could not parse x** ^'
    """
    text = " ".join(str(text).split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


class HelpFormatter(argparse.HelpFormatter):
    """Fill description and epilog paragraphs; keep lines that start with a space (tables) as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        blocks = []
        for paragraph in text.split("\n\n"):
            lines = paragraph.splitlines()
            if any(line.startswith(" ") for line in lines[1:]):
                blocks.append("\n".join(indent + line for line in lines))
            else:
                blocks.append(textwrap.fill(" ".join(paragraph.split()), width, initial_indent=indent,
                                            subsequent_indent=indent))
        return "\n\n".join(blocks)


class Parser(argparse.ArgumentParser):
    """An :class:`argparse.ArgumentParser` that reads ``-1,0`` and ``-x**2`` as values.

    Its errors are one line, ``extremal: error: ...``, with exit code 2. Subparsers made
    from it are of the same class.

    Examples
    --------
    >>> p = Parser(prog="demo")
    >>> _ = p.add_argument("expr")
    >>> p.parse_args(["-dt**2+dx**2"]).expr
    '-dt**2+dx**2'
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def _parse_optional(self, arg_string: str) -> Any:
        if (
            arg_string.startswith("-")
            and arg_string not in self._option_string_actions
            and not _OPTION_NAME.fullmatch(arg_string)
        ):
            return None
        return super()._parse_optional(arg_string)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"extremal: error: {one_line(message)} (see '{self.prog} --help')\n")


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _option(parser: argparse.ArgumentParser, token: str) -> tuple[argparse.Action, str, str | None] | None:
    """The action, full option string and attached value of ``token``, or None if it names no option.

    An abbreviation of a long option (``--pot`` for ``--potential``) counts when it is unique.
    """
    actions = parser._option_string_actions
    if token in actions:
        return actions[token], token, None
    if not token.startswith("--") or len(token) < 3:
        return None
    name, sep, value = token.partition("=")
    attached = value if sep else None
    if name in actions:
        return actions[name], name, attached
    matches = [s for s in actions if s.startswith("--") and s.startswith(name)]
    if len(matches) == 1 and parser.allow_abbrev:
        return actions[matches[0]], matches[0], attached
    return None


def _names_an_option(parser: argparse.ArgumentParser, token: str) -> bool:
    if _option(parser, token) is not None:
        return True
    name = token.partition("=")[0]
    return name.startswith("--") and len(name) > 2 and any(s.startswith(name) for s in parser._option_string_actions)


def normalize_argv(parser: argparse.ArgumentParser, argv: Sequence[str]) -> list[str]:
    """``argv`` with the value of every one-value option attached: ``--v0 -1,0`` → ``--v0=-1,0``.

    Options are looked up in ``parser`` until the subcommand name, then in that subcommand's
    parser. A value is not attached when it is itself an option of the parser (``--energy
    --x0``), so argparse still reports the missing value. Everything after ``--`` is kept.

    Examples
    --------
    >>> p = Parser(prog="demo")
    >>> _ = p.add_argument("--v0")
    >>> normalize_argv(p, ["--v0", "-1,0"])
    ['--v0=-1,0']
    >>> p.parse_args(normalize_argv(p, ["--v0", "-1,0"])).v0
    '-1,0'
    """
    argv = [str(a) for a in argv]
    out: list[str] = []
    current = parser
    seen_command = False
    i = 0
    while i < len(argv):
        token = argv[i]
        i += 1
        if token == "--":
            out.extend(argv[i - 1 :])
            break
        found = _option(current, token)
        if found is None:
            if not seen_command and not token.startswith("-"):
                sub = _subparsers(current)
                if token in sub:
                    current, seen_command = sub[token], True
            out.append(token)
            continue
        action, name, attached = found
        if attached is not None:
            out.append(f"{name}={attached}")
        elif action.nargs in (None, "?") and i < len(argv) and not _names_an_option(current, argv[i]):
            out.append(f"{name}={argv[i]}")
            i += 1
        else:
            out.append(name)
    return out
