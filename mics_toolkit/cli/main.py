"""Entry point of the ``mics`` command: sub-commands, error reporting and exit codes.

The parser is built from light modules only (each command's module imports the library in
its ``run``), so that ``mics --help`` and argument errors start in a fraction of a second and
load neither pandas nor scipy.

A :class:`~mics_toolkit.errors.MicsError` (bad input) is printed to stderr as one plain line
and the command exits with status 2; any other exception keeps its traceback, because it is a
bug. Ctrl-C (SIGINT) and SIGTERM stop the command with one line on stderr and exit status
130 and 143 (128 + the signal number); the builds then leave their output folder as it was.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import signal
import sys
import threading
import warnings
from collections.abc import Sequence
from typing import NoReturn

from mics_toolkit.cli import build, estimate, index, inspect
from mics_toolkit.errors import MicsError

__all__ = ["Stopped", "build_parser", "main", "run_and_exit"]


class Stopped(BaseException):
    """SIGTERM received: raised in the main thread so that the command stops the way Ctrl-C
    does (``finally`` blocks run, a build's staging folder is removed).

    Attributes
    ----------
    signal_number : int
    """

    def __init__(self, signal_number: int) -> None:
        super().__init__(f"stopped by signal {signal_number}")
        self.signal_number = signal_number


class _Version(argparse.Action):
    """``--version``: the installed package's version, looked up only when asked."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                 help="show the version and exit"):
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0,
                         help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        import importlib.metadata

        parser.exit(message=f"mics-toolkit {importlib.metadata.version('mics-toolkit')}\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``mics`` with one sub-parser per command."""
    parser = argparse.ArgumentParser(
        prog="mics",
        description="Design-based estimates from MICS-style survey files.",
    )
    parser.add_argument("--version", action=_Version)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (inspect, estimate, build, index):
        module.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None, *, freeze: bool = False) -> int:
    """Run ``mics`` with ``argv`` (default: ``sys.argv[1:]``); return the exit status.

    With ``freeze`` (the ``mics`` command), the command's library module (``library`` of its
    parser's defaults) is imported first and every object then alive is left out of the
    garbage collector's later passes (:func:`gc.freeze`): the modules stay loaded for the
    life of the process, and a full pass over them costs 0.1-0.2 s in a build.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    previous = _stop_on_sigterm()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.showwarning = _show_warning
            if freeze and getattr(args, "library", None):
                importlib.import_module(args.library)
                gc.freeze()
            return args.run(args)
    except MicsError as error:
        print(f"mics {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"mics {args.command}: interrupted", file=sys.stderr)
        return 128 + signal.SIGINT
    except Stopped as stop:
        print(f"mics {args.command}: stopped (signal {stop.signal_number})", file=sys.stderr)
        return 128 + stop.signal_number
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def run_and_exit(argv: Sequence[str] | None = None) -> NoReturn:
    """The ``mics`` command: :func:`main`, then end the process at once with its status.

    The outputs are complete when :func:`main` returns (a build has written, synced and
    swapped in its folder), so the process ends without the interpreter's clean-up of every
    object and module, which takes 0.1-0.2 s after a build; standard output and error and
    the logging handlers are flushed first. A failed flush (the reader of a pipe gone)
    gives status 120, as Python's own exit does.
    """
    status = main(argv, freeze=True)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        status = status or 120
    if "logging" in sys.modules:
        sys.modules["logging"].shutdown()
    os._exit(status)


def _stop_on_sigterm():
    """Turn SIGTERM into :class:`Stopped` (main thread only); return the handler replaced."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(number, frame):
        raise Stopped(number)

    return signal.signal(signal.SIGTERM, stop)


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"warning: {message}", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    run_and_exit()
