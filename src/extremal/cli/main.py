"""The ``extremal`` command line."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = argparse.ArgumentParser(prog="extremal")
    parser.parse_args(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
