"""``mics build SPEC --out DIR``: the whole report of a report spec in one command.

Parses the arguments, shows the library's progress callback as a simple bar on stderr and
calls :func:`mics_toolkit.report.spec.build_report`, which writes the workbook, the tidy CSV
and Parquet tables and ``manifest.json`` into ``--out``. The files written are listed on
stdout and the time per stage (open, read, estimate, tables, write) on stderr.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from mics_toolkit.report.spec import build_report
from mics_toolkit.tables import LANGUAGES

__all__ = ["ProgressBar", "add_parser", "run"]


def add_parser(commands) -> None:
    """Register the ``build`` sub-command."""
    parser = commands.add_parser(
        "build",
        help="build the report (workbook, tidy tables, manifest) of a report spec",
        description="Estimate every indicator of a report spec, fill the MICS tables and the "
        "sampling-error appendix and write report.xlsx, the tidy CSV/Parquet and "
        "manifest.json into --out; a rebuild from the same inputs gives identical files.",
    )
    parser.add_argument("spec", help="report spec (YAML), e.g. examples/kz_mics/report.yaml")
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder")
    parser.add_argument("--lang", choices=LANGUAGES, default=None,
                        help="language of labels and headings (default: the spec's)")
    parser.add_argument("--survey", metavar="DIR", default=None,
                        help="survey folder replacing the spec's 'survey'")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(run=run)


class ProgressBar:
    """A one-line progress bar for ``progress(done, total, message)`` callbacks.

    On a terminal the line is redrawn in place; otherwise a line is written at each tenth
    of the way, so logs stay short.

    Parameters
    ----------
    stream : text stream
        Where to draw (stderr).
    width : int
        Characters of the bar.
    """

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.interactive = bool(getattr(stream, "isatty", lambda: False)())
        self.last_tenth = -1
        self.drawn = False

    def __call__(self, done: int, total: int, message: str) -> None:
        fraction = done / total if total else 1.0
        filled = round(fraction * self.width)
        line = f"[{'#' * filled}{'-' * (self.width - filled)}] {fraction:4.0%} {message}"
        if self.interactive:
            self.stream.write("\r" + line[:100].ljust(100))
            self.drawn = True
        else:
            tenth = int(fraction * 10)
            if tenth == self.last_tenth:
                return
            self.last_tenth = tenth
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line (terminal only)."""
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False


def run(args: argparse.Namespace) -> int:
    """Build the report; return 0."""
    bar = None if args.quiet else ProgressBar(sys.stderr)
    try:
        result = build_report(args.spec, args.out, lang=args.lang, survey=args.survey,
                              progress=bar)
    finally:
        if bar is not None:
            bar.close()
    for path in result.outputs.values():
        print(f"wrote {path}")
    print(f"mics build: {result.summary()}", file=sys.stderr)
    return 0
