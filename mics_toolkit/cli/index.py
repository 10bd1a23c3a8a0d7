"""``mics index SPEC --out DIR``: a composite index by region with its survey uncertainty.

Parses the arguments and calls :func:`mics_toolkit.report.index_build.build_index_report`
(``mt.build_index_report``), which reads the index spec file, opens the survey folder it
names (or ``--survey DIR``), estimates the survey indicators by region from the catalogue,
reads the objective table, builds the index, runs the uncertainty engine of the spec
(``--engine``, ``--replicates``, ``--seed`` override it) and the sensitivity analysis when
the spec lists sources, and writes the workbook, CSV tables, charts and manifest into
``--out`` (replacing the folder's content as a unit), the workbook and charts in the language
of ``--lang``. Progress goes to stderr, the league table to stdout. The library is imported
by :func:`run` only.
"""

from __future__ import annotations

import argparse
import sys

from mics_toolkit.cli.arguments import LANGUAGES, LibraryChoices
from mics_toolkit.cli.progress import ProgressBar

__all__ = ["add_parser", "run"]


def add_parser(commands) -> None:
    """Register the ``index`` sub-command."""
    parser = commands.add_parser(
        "index",
        help="build a composite index by region with score and rank intervals",
        description="Build the composite index described by an index spec file: survey "
        "indicators by region from the catalogue, objective indicators from a table, score "
        "and rank intervals from the survey's sampling error, optional sensitivity analysis. "
        "Writes index.xlsx, CSV tables, league.png, domains.png and manifest.json, replacing "
        "the content of --out as a unit; the folder must not hold the build's inputs (such "
        "as the objective table) nor files that no build wrote.",
    )
    parser.add_argument("spec", help="index spec file (YAML), e.g. examples/kz_mics/index.yaml")
    parser.add_argument("--out", required=True, help="output folder (created if missing)")
    parser.add_argument("--survey", metavar="DIR",
                        help="survey folder (default: data.survey of the spec)")
    parser.add_argument("--engine", metavar="ENGINE",
                        choices=LibraryChoices("mics_toolkit.index.spec", "ENGINES"),
                        help="uncertainty engine: %(choices)s (default: the spec's)")
    parser.add_argument("--replicates", type=int, metavar="N",
                        help="replicates or draws (default: spec)")
    parser.add_argument("--seed", type=int, metavar="N", help="random seed (default: spec)")
    parser.add_argument("--no-sensitivity", action="store_true",
                        help="skip the sensitivity analysis listed in the spec")
    parser.add_argument("--no-charts", action="store_true", help="do not draw the PNG charts")
    parser.add_argument("--lang", choices=LANGUAGES, default="en", metavar="LANG",
                        help="language of the workbook and charts: %(choices)s (default: en)")
    parser.add_argument("--quiet", action="store_true", help="no progress and no league table")
    parser.set_defaults(run=run, library="mics_toolkit.report.index_build")


def run(args: argparse.Namespace) -> int:
    """Build the index and write its outputs; return 0."""
    from mics_toolkit.report.index_build import build_index_report

    bar = None if args.quiet else ProgressBar(sys.stderr)
    try:
        build = build_index_report(
            args.spec, args.out, survey=args.survey, engine=args.engine,
            replicates=args.replicates, seed=args.seed, sensitivity=not args.no_sensitivity,
            charts=not args.no_charts, lang=args.lang, progress=bar,
        )
    finally:
        if bar is not None:
            bar.close()
    if not args.quiet:
        print(build.uncertainty.summary())
        print(f"\nwrote {len(build.files)} files to {args.out}")
    return 0
