"""Entry point of the ``mics`` command: sub-commands, error reporting and exit codes.

A :class:`~mics_toolkit.errors.MicsError` (bad input) is printed to stderr as one plain line
and the command exits with status 2; any other exception keeps its traceback, because it is a
bug.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import logging
import sys
import warnings
from collections.abc import Sequence

from mics_toolkit.cli import build, estimate, index, inspect
from mics_toolkit.errors import MicsError

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``mics`` with one sub-parser per command."""
    parser = argparse.ArgumentParser(
        prog="mics",
        description="Design-based estimates from MICS-style survey files.",
    )
    parser.add_argument("--version", action="version", version=f"mics-toolkit {importlib.metadata.version('mics-toolkit')}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (inspect, estimate, build, index):
        module.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``mics`` with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = _show_warning
        try:
            return args.run(args)
        except MicsError as error:
            print(f"mics {args.command}: error: {error}", file=sys.stderr)
            return 2


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"warning: {message}", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
