"""The report build: from a report spec to a folder of outputs, as one library call.

:func:`build_report` (``mt.build_report``, behind ``mics build``) loads a report spec
(:func:`~mics_toolkit.report.spec.load_report_spec`), checks the output folder before any work
(:func:`~mics_toolkit.report.output_folder.check_output_folder`: no input of the build inside
it, no file in it that no build wrote), opens the survey, reads once the columns the
indicators need, estimates every indicator by every breakdown it is shown by and every gap
the tables and the appendix ask for, fills the tables and the appendix, renders the workbook,
the tidy CSV/Parquet (and those of the gaps) and ``manifest.json`` in memory and replaces
the folder's content with them as a unit. With two CPUs it works in two processes at once
(the files parsed by two reader processes, the estimates of different designs and then the
workbook in a forked process; :data:`_WORKERS`), with the same bytes as in one. It reports
progress through an optional callback ``progress(done, total, message)`` and returns a frozen
:class:`ReportBuild`: the files written (name, path, size, SHA-256), the manifest, the
estimates and the time per stage.

:func:`write_report` renders and writes the outputs of tables and estimates made elsewhere.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import math
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from mics_toolkit.errors import MicsError, OutputError, SpecError, close_matches
from mics_toolkit.expr import parse
from mics_toolkit.indicators import (
    GAP_TYPES,
    Gap,
    IndicatorSpec,
    compute_gaps,
    estimate_indicators,
)
from mics_toolkit.io import Survey, open_survey
from mics_toolkit.io.forked import fork_call
from mics_toolkit.io.reader_process import start_readers
from mics_toolkit.report.manifest import MANIFEST_NAME, BuildInfo, file_sha256, manifest_bytes
from mics_toolkit.report.output_folder import OutputFile, check_output_folder
from mics_toolkit.report.spec import GapSpec, ReportSpec, WeightingStep, load_report_spec
from mics_toolkit.report.tidy import (
    csv_bytes,
    gaps_csv_bytes,
    gaps_parquet_bytes,
    parquet_bytes,
    tidy_frame,
    tidy_gaps_frame,
)
from mics_toolkit.report.words import GAP_WORDS, gap_label
from mics_toolkit.specfile import LANGUAGES
from mics_toolkit.tables import (
    AppendixGap,
    AppendixIndicator,
    Breakdown,
    CountColumn,
    DistributionColumns,
    GapRow,
    IndicatorColumn,
    Table,
    TableSpec,
    build_table,
    category_key,
    localise,
    sampling_errors,
)

__all__ = [
    "MANIFEST_NAME",
    "Progress",
    "ReportBuild",
    "StageClock",
    "build_report",
    "report_inputs",
    "report_outputs",
    "write_report",
]

Progress = Callable[[int, int, str], None]
"""A progress callback: ``progress(done, total, message)``."""

_WORKERS = 2 if (os.cpu_count() or 1) > 1 else 1
"""Processes a build computes in: with two CPUs, the indicators of some designs, and then the
tables and the workbook (while this process renders the tidy files), are computed in a forked
child process; the outputs are the same bytes. See :func:`_workers`."""


def _workers() -> int:
    """:data:`_WORKERS`, or 1 while other threads run in this process (a notebook's kernel):
    a fork copies only the calling thread, and a lock another thread holds at that moment
    would stay held in the child."""
    return _WORKERS if threading.active_count() == 1 else 1


_LATER_MODULES = ("scipy.special", "mics_toolkit.report.excel")
"""Modules a build needs after reading its files (the interval quantiles, the workbook with
openpyxl), imported while the reader processes parse the files; spec checking and reading
need neither."""

_WEIGHTING_MODULES = ("scipy.linalg", "scipy.sparse")
"""Modules the weighting steps (calibration) need, imported the same way."""

_UNWEIGHTED_HEADER = {
    "en": "Number of cases (unweighted)",
    "ru": "Число случаев (невзвешенное)",
    "kk": "Жағдайлар саны (салмақталмаған)",
}
_WEIGHTED_HEADER = {"en": "Weighted number", "ru": "Взвешенное число", "kk": "Салмақталған саны"}


# --------------------------------------------------------------------------------------------
# Rendering and writing


def report_outputs(
    *,
    tables: Sequence[Table],
    estimates: pd.DataFrame,
    info: BuildInfo,
    breakdowns: Sequence[Breakdown] = (),
    notes: Sequence[str] = (),
    name: str = "report",
    parquet: bool = True,
    gaps: pd.DataFrame | None = None,
) -> dict[str, bytes]:
    """Every output of a report, rendered in memory (the parameters of :func:`write_report`).

    Returns
    -------
    dict of str to bytes
        ``<name>.xlsx``, ``<name>_estimates.csv``, ``<name>_estimates.parquet`` (unless
        ``parquet=False``), with gaps ``<name>_gaps.csv`` and ``<name>_gaps.parquet``, then
        ``manifest.json`` with the SHA-256 and size of the others.

    Raises
    ------
    OutputError
        pyarrow is missing for Parquet.
    """
    return _with_manifest(name, _workbook(tables, info, notes),
                          _tidy_outputs(estimates, gaps, info, breakdowns, name, parquet), info)


def _workbook(tables: Sequence[Table], info: BuildInfo, notes: Sequence[str]) -> bytes:
    from mics_toolkit.report.excel import workbook_bytes  # with openpyxl

    return workbook_bytes(tables, info=info, notes=notes)


def _with_manifest(name: str, workbook: bytes, tidy: Mapping[str, bytes], info: BuildInfo
                   ) -> dict[str, bytes]:
    """The outputs in writing order: the workbook, the tidy files, ``manifest.json``."""
    outputs = {f"{name}.xlsx": workbook, **tidy}
    outputs[MANIFEST_NAME] = manifest_bytes(info, outputs)
    return outputs


def _tidy_outputs(estimates: pd.DataFrame, gaps: pd.DataFrame | None, info: BuildInfo,
                  breakdowns: Sequence[Breakdown], name: str, parquet: bool
                  ) -> dict[str, bytes]:
    """The tidy CSV and Parquet files of the estimates and of the gaps."""
    tidy = tidy_frame(estimates, breakdowns=breakdowns, lang=info.lang)
    tables_of = [(f"{name}_estimates", tidy, csv_bytes, parquet_bytes)]
    if gaps is not None and len(gaps):
        tidy_gaps = tidy_gaps_frame(gaps, breakdowns=breakdowns, lang=info.lang)
        tables_of.append((f"{name}_gaps", tidy_gaps, gaps_csv_bytes, gaps_parquet_bytes))
    outputs: dict[str, bytes] = {}
    for stem, frame, to_csv, to_parquet in tables_of:
        outputs[f"{stem}.csv"] = to_csv(frame)
        if not parquet:
            continue
        try:
            outputs[f"{stem}.parquet"] = to_parquet(frame)
        except ImportError as error:
            raise OutputError(
                "cannot write the Parquet output: it needs pyarrow (pip install pyarrow), "
                "or pass parquet=False",
                path=f"{stem}.parquet",
            ) from error
    return outputs


def write_report(
    folder: str | os.PathLike[str],
    *,
    tables: Sequence[Table],
    estimates: pd.DataFrame,
    info: BuildInfo,
    breakdowns: Sequence[Breakdown] = (),
    notes: Sequence[str] = (),
    name: str = "report",
    parquet: bool = True,
    gaps: pd.DataFrame | None = None,
) -> dict[str, Path]:
    """Write the report outputs into ``folder``, replacing its content as a unit.

    Parameters
    ----------
    folder : path
        Output folder (created if missing). It may hold an earlier build (files listed in
        its ``manifest.json``), which the new outputs replace as a whole.
    tables : sequence of Table
        Sheets of the workbook in order: standard tables, then the appendix tables
        (``SamplingErrors.to_tables(lang)``).
    estimates : pandas.DataFrame
        The long estimates frame behind the tables (the tidy outputs hold all of it).
    info : BuildInfo
        Build facts; ``info.lang`` is the language of labels and headings.
    breakdowns : sequence of Breakdown
        Category labels for the tidy table.
    notes : sequence of str
        Lines of the notes sheet.
    name : str
        Base name: ``<name>.xlsx``, ``<name>_estimates.csv``, ``<name>_estimates.parquet``.
    parquet : bool
        Also write the Parquet file (needs pyarrow).
    gaps : pandas.DataFrame, optional
        The gaps behind the tables (:func:`mics_toolkit.indicators.compute_gaps`): written
        as ``<name>_gaps.csv`` and ``<name>_gaps.parquet`` when it has rows.

    Returns
    -------
    dict
        Output name -> path written, in writing order, ``manifest.json`` last.

    Raises
    ------
    OutputError
        ``folder`` is a file or cannot be created, holds files that no build wrote (a
        directory named like an output included; ``path`` names it), a file cannot be
        written, or pyarrow is missing for Parquet. The folder is then as it was.
    """
    target = check_output_folder(folder, {})
    outputs = report_outputs(tables=tables, estimates=estimates, info=info,
                             breakdowns=breakdowns, notes=notes, name=name, parquet=parquet,
                             gaps=gaps)
    return {f.name: f.path for f in target.write(outputs)}


# --------------------------------------------------------------------------------------------
# The build


@dataclass(frozen=True)
class ReportBuild:
    """What :func:`build_report` did.

    Attributes
    ----------
    files : tuple of OutputFile
        The files written (name, path, size, SHA-256), ``manifest.json`` last.
    manifest : dict
        The content of ``manifest.json`` (build facts, inputs with their SHA-256, outputs).
    estimates : pandas.DataFrame
        The long estimates frame (``indicator, breakdown, category`` and the result columns).
    timings : dict of str to float
        Seconds spent per stage: ``open`` (spec, survey, checks), ``read``, ``estimate``,
        ``tables`` (the tables, the workbook and the tidy files rendered), ``write`` (the
        files written and swapped in), ``total`` (wall time; never written into an output).
    n_tables : int
        Sheets of tables written (standard tables and appendix tables).
    gaps : pandas.DataFrame
        The gaps of the tables and the appendix
        (:data:`mics_toolkit.indicators.GAP_COLUMNS`; no rows when none is asked).
    """

    files: tuple[OutputFile, ...]
    manifest: dict[str, Any] = field(repr=False)
    estimates: pd.DataFrame = field(repr=False)
    timings: dict[str, float] = field(default_factory=dict)
    n_tables: int = 0
    gaps: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def outputs(self) -> dict[str, Path]:
        """Output name -> path, in writing order (``manifest.json`` last)."""
        return {f.name: f.path for f in self.files}

    def summary(self) -> str:
        """One line: tables, estimates and the time per stage."""
        stages = ", ".join(f"{k} {v:.2f} s" for k, v in self.timings.items() if k != "total")
        return (f"{self.n_tables} tables, {len(self.estimates)} estimates in "
                f"{self.timings['total']:.2f} s ({stages})")


def report_inputs(spec: ReportSpec, survey: str | os.PathLike[str] | None = None
                  ) -> dict[str, Path]:
    """What a build of ``spec`` reads, for the check of its output folder: the spec, the
    survey folder (``survey`` replacing the spec's), the survey configuration, the indicator
    files and the totals of the weighting steps (description -> path)."""
    inputs: dict[str, Path] = {"report spec": spec.path,
                               "survey folder": Path(spec.survey if survey is None else survey)}
    if spec.survey_config is not None:
        inputs["survey configuration"] = spec.survey_config
    for source in sorted({s.source for s in spec.catalogue.specs if s.source}):
        inputs[f"indicator file {Path(source).name}"] = Path(source)
    for step in spec.weighting:
        inputs[f"totals of {step.key}"] = step.totals_path
    return inputs


class _Steps:
    """Counts the build's steps and forwards them to the progress callback."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.done, self.total, self.progress = 0, total, progress

    def __call__(self, message: str) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total, message)


class StageClock:
    """Wall time per stage of a build (never written into an output): :meth:`lap` ends a
    stage, :meth:`stop` adds ``total`` and returns the timings."""

    def __init__(self) -> None:
        self.start = self.mark = time.perf_counter()
        self.timings: dict[str, float] = {}

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = now - self.mark
        self.mark = now

    def stop(self) -> dict[str, float]:
        self.timings["total"] = time.perf_counter() - self.start
        return self.timings


@dataclass(frozen=True, eq=False)
class _Plan:
    """The opened survey and what the build estimates and reads from it."""

    survey: Survey
    plan: dict[str, list[str]]
    specs: list[IndicatorSpec]
    needed: dict[str, list[str]]

    @classmethod
    def prepare(cls, spec: ReportSpec, folder: str | os.PathLike[str] | None) -> _Plan:
        survey = open_survey(spec.survey if folder is None else folder,
                             None if spec.survey_config is None else spec.survey_config)
        plan = spec.plan()
        specs = [spec.catalogue[i] for i in plan]
        _check_variables(spec, survey, plan)
        _check_weighting(spec, survey, specs)
        return cls(survey, plan, specs, _needed_columns(survey, specs, plan, spec.weighting))

    def n_steps(self, spec: ReportSpec) -> int:
        """Files read, estimates, gaps, tables and the writing."""
        n_estimates = sum(1 + len(v) for v in self.plan.values())
        n_tables = len(spec.tables) + (1 if spec.appendix_items or spec.appendix_gaps else 0)
        n_gaps = 1 if _gap_requests(spec) else 0
        return len(self.needed) + n_estimates + n_gaps + n_tables + 1

    def estimate(self, spec: ReportSpec, steps: _Steps) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Every indicator by its breakdowns, and every gap asked, with the spec's options
        and weighting: the estimates frame and the gaps frame."""
        options = spec.options
        requests = _gap_requests(spec)
        found: dict[str, Any] = {}

        def gaps_of(prepared: dict) -> None:
            # while the forked process estimates its part; a category that is not a domain
            # is reported at the spec's line by _check_gap_categories, once estimates exist
            try:
                found["gaps"] = compute_gaps(prepared, [gap for gap, _ in requests],
                                             level=options.level, ci=options.ci, df=options.df)
            except MicsError as error:
                found["error"] = error

        estimates, _ = estimate_indicators(
            self.survey, self.specs, breakdowns=self.plan, lonely_psu=options.lonely_psu,
            adjustments=[step.adjustment() for step in spec.weighting], level=options.level,
            ci=options.ci, ci_method=options.ci_method, df=options.df,
            progress=lambda _done, _total, message: steps(f"estimate {message}"),
            workers=_workers(), keep={gap.indicator for gap, _ in requests}, meanwhile=gaps_of,
        )
        _check_gap_categories(spec, requests, estimates)
        if "error" in found:
            raise found["error"]
        gaps = found["gaps"]
        if requests:
            steps("gaps")
        return estimates, gaps

    def read(self, steps: _Steps, later: Sequence[str] = (),
             meanwhile: Callable[[], object] | None = None) -> None:
        """Read the needed columns of every file; import the modules ``later`` and call
        ``meanwhile`` while the reader processes parse."""
        household = self.survey.config.household_file

        def work_while_reading() -> None:
            _import_all(later)
            if meanwhile is not None:
                meanwhile()

        # the files side by side, in two reader processes; this process works meanwhile
        self.survey.prefetch(self.needed, meanwhile=work_while_reading)
        # the files are linked (household variables joined, keys checked) where their
        # indicators are prepared: in two processes at once (estimate_indicators)
        for file in sorted(self.needed, key=lambda f: (f != household, f)):
            steps(f"read {self.survey.paths[file].name}")


def build_report(
    spec: ReportSpec | str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    lang: str | None = None,
    survey: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
) -> ReportBuild:
    """Build the report of a report spec into folder ``out``.

    Parameters
    ----------
    spec : ReportSpec or path
        The report spec (a path is loaded with :func:`load_report_spec`).
    out : path
        Output folder (created if missing): ``<name>.xlsx``, ``<name>_estimates.csv``,
        ``<name>_estimates.parquet`` and ``manifest.json``.
    lang : {"en", "ru", "kk"}, optional
        Language of labels and headings; default the spec's ``language``.
    survey : path, optional
        Survey folder replacing the spec's ``survey``.
    progress : callable, optional
        Called as ``progress(done, total, message)`` after each file read, each estimate,
        each table and the writing; ``total`` is fixed for the whole build.

    Returns
    -------
    ReportBuild
        The files written with their sizes and SHA-256, the manifest, the estimates.

    Raises
    ------
    SpecError
        The spec is invalid; a breakdown of a table is not available in the files of one of
        its indicators; a weighting step adjusts no indicator, covers only some files of a
        design or names a variable the files lack (located at the table or step).
    ReadError, LinkError, VariableError, WeightError, DesignError
        From opening and reading the survey and building designs (a stratum with one PSU
        under ``lonely_psu: fail``: set ``options: lonely_psu`` in the spec).
    CalibrationError
        A weighting step's figures do not fit the sample (a level absent from it, a level
        of the sample without a count, margins of different totals, bounds not met).
    OutputError
        Before any work: ``out`` is a file or not writable, an input of the build (the spec,
        the survey folder or a file in it, the survey configuration, an indicator file, a
        weighting step's totals) lies inside ``out`` (real paths compared, so links and
        relative paths count), or ``out`` holds files that no build wrote or that changed
        since (named in the message). At the end: a file cannot be written (a full disk).
        The folder is then as it was.

    Notes
    -----
    Each indicator is estimated overall and by every breakdown variable it is shown by
    (:meth:`ReportSpec.plan`) with :func:`mics_toolkit.indicators.compute_indicators` and the
    spec's options; the tables follow the MICS display rules (domain.md section 3). Only the
    columns the indicators need are read, each once. The build date, the SHA-256 of every
    survey file read, the spec hash, the design variables and the conventions go into the
    workbook's metadata sheet and ``manifest.json``; nothing depends on the clock, so a
    rebuild gives byte-identical files. Weighting steps (:class:`WeightingStep`) adjust the
    designs of their files before any estimate; each step is described under
    ``conventions: weighting`` and its totals file's SHA-256 is among the inputs.

    The outputs are written into a staging folder beside ``out`` and swapped in
    (:mod:`~mics_toolkit.report.output_folder`): a build that fails or is interrupted (an
    exception, one raised by ``progress`` included; ``KeyboardInterrupt``) leaves the
    previous build intact; what a killed build left is removed by the next.

    Examples
    --------
    >>> build = mt.build_report("examples/kz_mics/report.yaml", "build/report")  # doctest: +SKIP
    >>> [f.name for f in build.files][-1]  # doctest: +SKIP
    'manifest.json'
    """
    start_readers(2, preload=("pyreadstat",))  # they load the C reader while we check
    clock = StageClock()
    if not isinstance(spec, ReportSpec):
        spec = load_report_spec(spec)
    lang = _language(spec, lang)
    folder = check_output_folder(out, report_inputs(spec, survey))
    plan = _Plan.prepare(spec, survey)
    steps = _Steps(plan.n_steps(spec), progress)
    clock.lap("open")
    info: list[BuildInfo] = []  # the build facts (file hashes) found while the files are read
    plan.read(steps, later=_LATER_MODULES + (_WEIGHTING_MODULES if spec.weighting else ()),
              meanwhile=lambda: info.append(_build_info(spec, plan, lang)))
    clock.lap("read")
    estimates, gaps = plan.estimate(spec, steps)
    clock.lap("estimate")
    outputs, n_tables = _render_outputs(spec, plan, estimates, gaps, lang, info[0], steps)
    clock.lap("tables")
    files = folder.write(outputs)
    steps("wrote the report")
    clock.lap("write")
    return ReportBuild(files=files, manifest=json.loads(outputs[MANIFEST_NAME]), gaps=gaps,
                       estimates=estimates, timings=clock.stop(), n_tables=n_tables)


def _render_outputs(spec: ReportSpec, plan: _Plan, estimates: pd.DataFrame, gaps: pd.DataFrame,
                    lang: str, info: BuildInfo, steps: _Steps) -> tuple[dict[str, bytes], int]:
    """Every output of the build in memory, and the number of tables: the tables and the
    workbook in a forked process while this one renders the tidy files (one CPU: in turn)."""
    named, extra = _resolve_breakdowns(spec, plan.survey, plan.plan)
    notes = [_localised(n, lang) for n in spec.notes]

    def workbook() -> tuple[bytes, list[str], int]:
        tables, messages = _render_tables(spec, named, estimates, gaps, lang, plan.survey)
        return _workbook(tables, info, notes), messages, len(tables)

    with fork_call(workbook) if _workers() > 1 else contextlib.nullcontext() as book:
        done = workbook() if book is None else None
        tidy = _tidy_outputs(estimates, gaps, info, [*named.values(), *extra], spec.name, True)
        workbook_data, messages, n_tables = done if book is None else book.result()
    for message in messages:
        steps(message)
    return _with_manifest(spec.name, workbook_data, tidy, info), n_tables


def _import_all(names: Sequence[str]) -> None:
    for name in names:
        importlib.import_module(name)


def _language(spec: ReportSpec, lang: str | None) -> str:
    """The build's language: ``lang``, or the spec's."""
    lang = spec.language if lang is None else lang
    if lang not in LANGUAGES:
        raise SpecError(f"language {lang!r} is not one of {', '.join(LANGUAGES)}", key="language")
    return lang


def _render_tables(spec: ReportSpec, named: Mapping[str, Breakdown], estimates: pd.DataFrame,
                   gaps: pd.DataFrame, lang: str, survey: Survey
                   ) -> tuple[list[Table], list[str]]:
    """The standard tables, then the sampling-error appendix tables; a progress message for
    each table and for the appendix."""
    tables, messages = [], []
    for table_spec in _table_specs(spec, named, estimates, survey, lang):
        tables.append(build_table(table_spec, estimates, lang=lang, gaps=gaps))
        messages.append(f"table {table_spec.id}")
    if spec.appendix_items or spec.appendix_gaps:
        appendix = sampling_errors(
            estimates,
            [AppendixIndicator(i.indicator, i.label, i.universe, i.decimals,
                               mics_code=spec.catalogue[i.indicator].mics,
                               sdg_code=", ".join(spec.catalogue[i.indicator].sdg) or None,
                               design_effect=i.design_effect)
             for i in spec.appendix_items],
            [named[d] for d in spec.appendix_domains],
            gaps=gaps,
            gap_items=[_appendix_gap(spec, named, gap, lang) for gap in spec.appendix_gaps],
        )
        tables.extend(appendix.to_tables(lang, title=spec.appendix_title))
        messages.append("sampling-error appendix")
    return tables, messages


def _gap_requests(spec: ReportSpec) -> list[tuple[Gap, GapSpec]]:
    """The gaps the tables and the appendix show, each with the spec entry asking for it: a
    table's gaps for each of its percentage, mean and ratio columns."""
    requests = []
    for table in spec.tables:
        for gap in table.gaps:
            variable = spec.breakdowns[gap.breakdown].variable
            for column in table.columns:
                indicator = spec.catalogue[column.indicator]
                if column.count or indicator.type not in GAP_TYPES:
                    continue
                if gap.breakdown in column.not_applicable:
                    continue
                requests.append((Gap(indicator.id, variable, gap.first, gap.second, gap.kind),
                                 gap))
    for gap in spec.appendix_gaps:
        variable = spec.breakdowns[gap.breakdown].variable
        requests.append((Gap(gap.indicator, variable, gap.first, gap.second, gap.kind), gap))
    return requests


def _check_gap_categories(spec: ReportSpec, requests: Sequence[tuple[Gap, GapSpec]],
                          estimates: pd.DataFrame) -> None:
    """Both categories of every gap have estimates with cases; errors point at the gap in
    the spec."""
    cases = estimates["n_unweighted"].to_numpy() > 0
    present = set(zip(estimates["indicator"].astype(str)[cases],
                      estimates["breakdown"].astype(str)[cases],
                      estimates["category"].astype(str)[cases], strict=True))
    for gap, entry in requests:
        for side in ("first", "second"):
            code = getattr(gap, side)
            if (gap.indicator, gap.breakdown, category_key(code)) not in present:
                raise spec.error(
                    f"category {category_key(code)} of {entry.breakdown!r} ({gap.breakdown}) "
                    f"has no cases of indicator {gap.indicator}; compare categories that do",
                    f"{entry.key}.{side}", entry.line)


def _gap_text(named: Mapping[str, Breakdown], gap: GapSpec, lang: str) -> str:
    """The label of a gap row in ``lang``: the spec's, else "Difference: <first> -
    <second>" with the categories' labels."""
    if gap.label is not None:
        return _localised(gap.label, lang)
    breakdown = named[gap.breakdown]
    labels = dict(breakdown.labelled_categories(lang))
    first, second = category_key(gap.first), category_key(gap.second)
    return gap_label(gap.kind, labels.get(first, first), labels.get(second, second), lang)


def _appendix_gap(spec: ReportSpec, named: Mapping[str, Breakdown], gap: GapSpec,
                  lang: str) -> AppendixGap:
    indicator = spec.catalogue[gap.indicator]
    label = _gap_text(named, gap, lang)
    if gap.label is None:
        label = GAP_WORDS[lang]["appendix"].format(
            indicator=_localised(indicator.label, lang), gap=label)
    return AppendixGap(indicator.id, named[gap.breakdown].key, gap.first, gap.second, label,
                       kind=gap.kind, decimals=gap.decimals, mics_code=indicator.mics,
                       sdg_code=", ".join(indicator.sdg) or None)


def _build_info(spec: ReportSpec, plan: _Plan, lang: str) -> BuildInfo:
    """The build facts: date, title, spec hash, inputs, design, conventions, language."""
    conventions = spec.options.conventions()
    inputs = _inputs(plan.survey, plan.specs, plan.needed)
    if spec.weighting:
        conventions["weighting"] = "; ".join(step.describe() for step in spec.weighting)
        inputs.update({step.name: step.sha256 for step in spec.weighting})
    return BuildInfo(
        build_date=spec.build_date,
        title=_localised(spec.title, lang),
        spec_hash=spec.sha256,
        inputs=inputs,
        design=_design(plan.survey, plan.specs),
        conventions=conventions,
        lang=lang,
    )


def _localised(text: Any, lang: str) -> str:
    return localise(text, lang, what="report text") or ""


def _resolve_breakdowns(spec: ReportSpec, survey: Survey, plan: Mapping[str, list[str]]
                        ) -> tuple[dict[str, Breakdown], list[Breakdown]]:
    """Report breakdowns by name (labels from the spec, else the survey's value labels) and
    label-only breakdowns for the other variables of the tidy outputs."""
    files_of: dict[str, list[str]] = {}
    for indicator, variables in plan.items():
        for variable in variables:
            files_of.setdefault(variable, []).extend(spec.catalogue[indicator].files)

    def survey_labels(variable: str) -> dict[Any, str]:
        for file in files_of.get(variable, []):
            for source in (file, survey.config.household_file):
                if survey.has(source) and variable in survey.variables(source):
                    labels = survey.metadata(source).labels(variable)
                    if labels:
                        return labels
        return {}

    named: dict[str, Breakdown] = {}
    for name, item in spec.breakdowns.items():
        if item.variable is None:
            named[name] = Breakdown.total(item.title)
            continue
        categories = item.categories
        if categories is None:
            categories = survey_labels(item.variable)
            if not categories:
                raise spec.error(
                    f"breakdown {name!r}: variable {item.variable!r} has no value labels in "
                    "the survey; list its categories", f"breakdowns.{name}", item.line,
                )
        named[name] = Breakdown(item.variable, item.title, categories)
    covered = {b.variable for b in named.values()}
    extra = []
    for variable in dict.fromkeys(v for vs in plan.values() for v in vs):
        if variable not in covered:
            labels = survey_labels(variable)
            if labels:
                extra.append(Breakdown(variable, variable, labels))
    return named, extra


def _check_variables(spec: ReportSpec, survey: Survey, plan: Mapping[str, list[str]]) -> None:
    """Every file of the report's indicators is present and every breakdown variable of the
    report is available in them; errors point at the table (or appendix) in the spec."""
    for table in spec.tables:
        for column in table.columns:
            indicator = spec.catalogue[column.indicator]
            for file in indicator.files:
                survey.require(file)
                available = set(survey.available(file))
                for name in table.rows:
                    variable = spec.breakdowns[name].variable
                    if variable is not None and variable not in available:
                        raise spec.error(
                            f"breakdown {name!r} ({variable}) is not available for indicator "
                            f"{indicator.id} in {survey.paths[file].name}; use a breakdown of "
                            "that file", f"{table.key}.rows", table.line,
                        )
    for gap in spec.appendix_gaps:
        indicator = spec.catalogue[gap.indicator]
        variable = spec.breakdowns[gap.breakdown].variable
        for file in indicator.files:
            survey.require(file)
            if variable not in survey.available(file):
                raise spec.error(
                    f"breakdown {gap.breakdown!r} ({variable}) is not available for indicator "
                    f"{indicator.id} in {survey.paths[file].name}", f"{gap.key}.breakdown",
                    gap.line)
    for item in spec.appendix_items:
        indicator = spec.catalogue[item.indicator]
        for file in indicator.files:
            survey.require(file)
            available = set(survey.available(file))
            for name in spec.appendix_domains:
                variable = spec.breakdowns[name].variable
                if variable is not None and variable not in available:
                    raise spec.error(
                        f"domain {name!r} ({variable}) is not available for indicator "
                        f"{indicator.id} in {survey.paths[file].name}", "appendix.domains",
                        spec.appendix_line,
                    )


def _check_weighting(spec: ReportSpec, survey: Survey, specs: Sequence[IndicatorSpec]
                     ) -> None:
    """Each weighting step adjusts the design of some indicator of the build, covers every
    file of the designs it touches, and its variables are available in those files; errors
    point at the step in the spec."""
    for step in spec.weighting:
        used = False
        for indicator in specs:
            weights = [indicator.expression("weight", f) or survey.config.file(f).weight
                       for f in indicator.files]
            if step.weight is not None and any(w != step.weight for w in weights):
                continue
            shared = set(indicator.files) & set(step.files)
            if not shared:
                continue
            if shared != set(indicator.files):
                raise spec.error(
                    f"indicator {indicator.id} is estimated on one design over "
                    f"{' + '.join(indicator.files)}; list all of them in 'file' "
                    f"(file: [{', '.join(indicator.files)}])", f"{step.key}.file", step.line)
            used = True
            for file in indicator.files:
                available = survey.available(file)
                for variable in step.totals:
                    if variable not in available:
                        matches = close_matches(variable, available)
                        hint = f"; did you mean {', '.join(matches)}?" if matches else ""
                        raise spec.error(
                            f"variable {variable!r} of {step.name} is not available in "
                            f"{survey.paths[file].name}{hint}", f"{step.key}.totals",
                            step.line)
        if not used:
            what = "" if step.weight is None else f" with weight {step.weight}"
            raise spec.error(
                f"the step adjusts no indicator of the report: none is estimated on "
                f"{', '.join(step.files)}{what}", step.key, step.line)


def _needed_columns(survey: Survey, specs: Sequence[IndicatorSpec],
                    plan: Mapping[str, list[str]],
                    weighting: Sequence[WeightingStep] = ()) -> dict[str, list[str]]:
    """Per file, the columns the indicators read (expressions, breakdowns, design,
    weighting variables)."""
    needed: dict[str, set[str]] = {}
    for spec in specs:
        for file in spec.files:
            design = [n for n in survey.design_variables(file).values() if n is not None]
            needed.setdefault(file, set()).update(spec.variables(file), plan[spec.id], design)
            for step in weighting:
                if file in step.files:
                    needed[file].update(step.totals)
    return {file: sorted(names) for file, names in needed.items()}


def _table_specs(spec: ReportSpec, named: Mapping[str, Breakdown], estimates: pd.DataFrame,
                 survey: Survey, lang: str) -> list[TableSpec]:
    out = []
    for table in spec.tables:
        columns = []
        for column in table.columns:
            indicator = spec.catalogue[column.indicator]
            not_applicable = [named[n].key for n in column.not_applicable]
            if column.distribution:
                columns.append(DistributionColumns(
                    indicator.id,
                    _distribution_categories(spec, column, indicator, estimates, survey),
                    count_header=(column.count_header if column.count_header is not None
                                  else indicator.denominator_label or dict(_WEIGHTED_HEADER)),
                    header=column.header,
                    decimals=1 if column.decimals is None else column.decimals,
                    not_applicable=not_applicable,
                ))
            elif column.count:
                if column.header is not None:
                    header = column.header
                elif not column.weighted:
                    header = dict(_UNWEIGHTED_HEADER)
                else:
                    header = indicator.denominator_label or dict(_WEIGHTED_HEADER)
                columns.append(CountColumn(indicator.id, header, weighted=column.weighted,
                                           not_applicable=not_applicable))
            else:
                columns.append(IndicatorColumn(
                    indicator.id,
                    column.header if column.header is not None else dict(indicator.label),
                    kind=indicator.type,
                    decimals=column.decimals,
                    mics_code=indicator.mics,
                    sdg_code=", ".join(indicator.sdg) or None,
                    name=dict(indicator.label),
                    footnote=column.footnote if column.footnote is not None
                    else indicator.footnote,
                    not_applicable=not_applicable,
                ))
        out.append(TableSpec(
            id=table.id,
            title=table.title,
            columns=columns,
            rows=[named[r] for r in table.rows],
            subtitle=table.subtitle,
            stub_header=table.stub_header,
            notes=table.notes,
            gaps=[GapRow(named[g.breakdown].key, g.first, g.second, _gap_text(named, g, lang),
                         kind=g.kind) for g in table.gaps],
        ))
    return out


def _distribution_categories(spec: ReportSpec, column, indicator: IndicatorSpec,
                             estimates: pd.DataFrame, survey: Survey) -> dict[Any, Any]:
    """The columns of a distribution: the spec's categories, else the categories estimated
    in the order of the value labels of the indicator's variable (a category without a label
    named by its code, after the labelled ones)."""
    if column.categories is not None:
        return column.categories
    prefix = f"{indicator.id}="
    estimated = sorted({name[len(prefix):] for name in estimates["indicator"].astype(str)
                        if name.startswith(prefix)},
                       key=lambda c: (float(c), c) if _is_number(c) else (math.inf, c))
    labels: dict[str, Any] = {}
    for file in indicator.files:
        text = indicator.expression("variable", file)
        names = parse(text).variables
        if len(names) == 1 and text.strip() in names:
            variable = text.strip()
            source = file if variable in survey.variables(file) else \
                survey.config.household_file
            if survey.has(source) and variable in survey.variables(source):
                for code, label in survey.metadata(source).labels(variable).items():
                    labels.setdefault(category_key(code), label)
    if not labels:
        raise spec.error(
            f"the distribution {indicator.id} has no value labels to name its columns "
            "(its variable is an expression or unlabelled); list its categories",
            f"{column.key}.categories", column.line)
    ordered = [c for c in labels if c in estimated] + [c for c in estimated if c not in labels]
    return {c: labels.get(c, c) for c in ordered}


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _inputs(survey: Survey, specs: Sequence[IndicatorSpec], needed: Mapping[str, list[str]]
            ) -> dict[str, str]:
    """SHA-256 of every survey file the build reads."""
    files = set(needed)
    household = survey.config.household_file
    if survey.has(household):
        files.add(household)
    mother_names = set(survey.config.mother_variables)
    for file, names in needed.items():
        if survey.config.file(file).mother_line is not None and mother_names & (
            set(names) - set(survey.variables(file))
        ):
            files.add(survey.config.mother_file)
    return {survey.paths[f].name: file_sha256(survey.paths[f])
            for f in sorted(files, key=lambda f: survey.paths[f].name)}


def _design(survey: Survey, specs: Sequence[IndicatorSpec]) -> dict[str, dict[str, str]]:
    design: dict[str, dict[str, str]] = {}
    for spec in specs:
        for file in spec.files:
            if file not in design:
                values = survey.design_variables(file)
                entry = {k: str(v) for k, v in values.items() if v is not None}
                completed = survey.config.file(file).completed_values
                if "completed" in entry and completed:
                    entry["completed"] += " in " + ", ".join(str(c) for c in completed)
                design[file] = entry
            weight = spec.expression("weight", file)
            if weight is not None:
                key = f"weight {weight}"
                ids = design[file].get(key)
                design[file][key] = spec.id if ids is None else f"{ids}, {spec.id}"
    return design
