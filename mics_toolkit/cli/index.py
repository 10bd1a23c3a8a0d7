"""``mics index SPEC --out DIR``: a composite index by region with its survey uncertainty.

The command reads the index spec file (:func:`mics_toolkit.index.yaml_spec.load_index_spec`),
opens the survey folder it names (or ``--survey DIR``), estimates the survey indicators by
region from the catalogue as PSU-level totals, reads the objective table, builds the index,
runs the uncertainty engine of the spec (``--engine``, ``--replicates``, ``--seed``
override it) and the sensitivity analysis when the spec lists sources, and writes the
workbook, CSV tables, charts and manifest into ``--out``
(:func:`mics_toolkit.report.index_outputs.write_index_outputs`), the workbook and charts in the
language of ``--lang``. Progress goes to stderr,
the league table to stdout.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from mics_toolkit.index import assess_uncertainty, build_index, sensitivity_analysis
from mics_toolkit.index.spec import ENGINES
from mics_toolkit.index.yaml_spec import load_index_data, load_index_spec
from mics_toolkit.report.index_outputs import write_index_outputs
from mics_toolkit.report.manifest import BuildInfo, file_sha256
from mics_toolkit.tables import LANGUAGES

__all__ = ["Progress", "add_parser", "run"]


def add_parser(commands) -> None:
    """Register the ``index`` sub-command."""
    parser = commands.add_parser(
        "index",
        help="build a composite index by region with score and rank intervals",
        description="Build the composite index described by an index spec file: survey "
        "indicators by region from the catalogue, objective indicators from a table, score "
        "and rank intervals from the survey's sampling error, optional sensitivity analysis. "
        "Writes index.xlsx, CSV tables, league.png, domains.png and manifest.json.",
    )
    parser.add_argument("spec", help="index spec file (YAML), e.g. examples/kz_mics/index.yaml")
    parser.add_argument("--out", required=True, help="output folder (created if missing)")
    parser.add_argument("--survey", metavar="DIR",
                        help="survey folder (default: data.survey of the spec)")
    parser.add_argument("--engine", choices=ENGINES, help="uncertainty engine (default: spec)")
    parser.add_argument("--replicates", type=int, metavar="N",
                        help="replicates or draws (default: spec)")
    parser.add_argument("--seed", type=int, metavar="N", help="random seed (default: spec)")
    parser.add_argument("--no-sensitivity", action="store_true",
                        help="skip the sensitivity analysis listed in the spec")
    parser.add_argument("--no-charts", action="store_true", help="do not draw the PNG charts")
    parser.add_argument("--lang", choices=LANGUAGES, default="en",
                        help="language of the workbook and charts (default: en)")
    parser.add_argument("--quiet", action="store_true", help="no progress and no league table")
    parser.set_defaults(run=run)


class Progress:
    """A one-line progress bar on a text stream, fed by the library's progress callbacks.

    On a terminal the line is redrawn in place; otherwise one line is printed when a stage
    finishes, so logs stay readable.

    Parameters
    ----------
    stream : text stream
        Default ``sys.stderr``.
    width : int
        Characters of the bar.
    """

    def __init__(self, stream: TextIO | None = None, width: int = 30) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.interactive = bool(getattr(self.stream, "isatty", lambda: False)())

    def stage(self, label: str):
        """A callback ``(done, total, *message)`` drawing the bar of stage ``label``."""

        def update(done: int, total: int, *message: str) -> None:
            total = max(int(total), 1)
            done = min(int(done), total)
            filled = round(self.width * done / total)
            bar = "#" * filled + "-" * (self.width - filled)
            line = f"{label:<12} [{bar}] {done}/{total}"
            if self.interactive:
                end = "\n" if done >= total else ""
                self.stream.write(f"\r{line}{end}")
                self.stream.flush()
            elif done >= total:
                self.stream.write(line + "\n")
                self.stream.flush()

        return update

    def note(self, text: str) -> None:
        """A line of text between stages."""
        self.stream.write(text + "\n")
        self.stream.flush()


class _Silent:
    def stage(self, label: str):
        return None

    def note(self, text: str) -> None:
        pass


def run(args: argparse.Namespace) -> int:
    """Build the index and write its outputs; return 0."""
    progress = _Silent() if args.quiet else Progress()
    index_file = load_index_spec(args.spec)
    spec = index_file.spec
    out = Path(args.out)
    inputs = load_index_data(index_file, survey=args.survey,
                             progress=progress.stage("survey"))
    result = build_index(spec, inputs.data)
    uncertainty = assess_uncertainty(
        spec, inputs.data, engine=args.engine, replicates=args.replicates, seed=args.seed,
        progress=progress.stage(args.engine or spec.uncertainty.engine),
    )
    sensitivity = None
    if spec.sensitivity and not args.no_sensitivity:
        sampling = args.engine if args.engine != "delta" else None
        sensitivity = sensitivity_analysis(
            spec, inputs.data, n=index_file.sensitivity_n,
            method=index_file.sensitivity_method, n_boot=index_file.sensitivity_n_boot,
            seed=uncertainty.settings["seed"], engine=sampling, replicates=args.replicates,
            progress=progress.stage("sensitivity"),
        )
    info = BuildInfo(
        build_date=index_file.build_date,
        title=spec.name or spec.root,
        spec_hash=index_file.sha256,
        inputs={name: file_sha256(path) for name, path in sorted(inputs.files.items())},
        design=inputs.design,
        conventions={"lonely_psu": index_file.data.lonely_psu,
                     "region": index_file.data.region},
        lang=args.lang,
    )
    labels = {node.id: node.label for node in (*spec.groups, *spec.indicators) if node.label}
    written = write_index_outputs(out, result, uncertainty, inputs.data, sensitivity,
                                  info=info, labels=labels, charts=not args.no_charts,
                                  lang=args.lang)
    if not args.quiet:
        print(uncertainty.summary())
        print(f"\nwrote {len(written)} files to {out}")
    return 0
