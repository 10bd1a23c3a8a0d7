"""``mics build SPEC --out DIR``: the whole report of a report spec in one command.

Parses the arguments, shows the library's progress callback as a bar on stderr
(:class:`~mics_toolkit.cli.progress.ProgressBar`) and calls
:func:`mics_toolkit.report.build.build_report` (``mt.build_report``), which writes the
workbook, the tidy CSV and Parquet tables and ``manifest.json`` into ``--out``, replacing the
folder's content as a unit. The files written are listed on stdout and the time per stage
(open, read, estimate, tables, write) on stderr. The library is imported by :func:`run` only.
"""

from __future__ import annotations

import argparse
import sys

from mics_toolkit.cli.arguments import LANGUAGES
from mics_toolkit.cli.progress import ProgressBar

__all__ = ["add_parser", "run"]


def add_parser(commands) -> None:
    """Register the ``build`` sub-command."""
    parser = commands.add_parser(
        "build",
        help="build the report (workbook, tidy tables, manifest) of a report spec",
        description="Estimate every indicator of a report spec, fill the MICS tables and the "
        "sampling-error appendix and write report.xlsx, the tidy CSV/Parquet and "
        "manifest.json into --out; a rebuild from the same inputs gives identical files. "
        "The outputs replace the folder's content as a unit: an interrupted or failed build "
        "leaves the previous one as it was. The folder must not hold the build's inputs nor "
        "files that no build wrote.",
    )
    parser.add_argument("spec", help="report spec (YAML), e.g. examples/kz_mics/report.yaml")
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder")
    parser.add_argument("--lang", choices=LANGUAGES, default=None, metavar="LANG",
                        help="language of labels and headings: %(choices)s (default: the "
                        "spec's)")
    parser.add_argument("--survey", metavar="DIR", default=None,
                        help="survey folder replacing the spec's 'survey'")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(run=run, library="mics_toolkit.report.build")


def run(args: argparse.Namespace) -> int:
    """Build the report; return 0."""
    from mics_toolkit.report.build import build_report

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
