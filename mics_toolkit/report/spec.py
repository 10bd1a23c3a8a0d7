"""The report spec and the one-call report build behind ``mics build``.

A report spec is a YAML file (read and checked by the spec layer, :mod:`mics_toolkit.specfile`,
so every error names ``file:line`` and the key) that says what a report holds: its title, the survey
folder (relative to the spec), the build date (fixed in the spec, never the clock), the
language, the estimation options, the named breakdowns (background characteristics with
their labels), the standard tables (indicator and count columns, breakdowns as row groups),
the sampling-error appendix, whether the tidy outputs hold every catalogue indicator, and
optional weighting steps (calibration of the designs of a file to population totals read from
a CSV file) applied before estimation.
:func:`load_report_spec` checks it against the indicator catalogue and returns a frozen
:class:`ReportSpec`; :func:`build_report` opens the survey, reads once the columns the
indicators need, estimates every indicator by every breakdown it is shown by, fills the
tables and the appendix and writes the workbook, the tidy CSV/Parquet and ``manifest.json``
(:func:`mics_toolkit.report.write_report`) into one folder. It reports progress through an
optional callback ``progress(done, total, message)`` and returns the files written and the
time spent per stage (:class:`ReportBuild`).

Top-level keys of a report spec (``examples/kz_mics/report.yaml`` is a complete example):

=================  ===========================================================================
``title``          report title (text, or a text per language ``en``/``ru``/``kk``); required
``survey``         folder of the survey files, relative to the spec; required
``survey_config``  YAML file overriding the MICS6 file settings (relative to the spec)
``indicators``     indicator spec file(s) or folder(s), relative to the spec; default: the
                   shipped catalogue ``specs/indicators``
``build_date``     ISO 8601 date written into the workbook and manifest; required
``language``       ``en`` (default), ``ru`` or ``kk``; ``mics build --lang`` overrides it
``name``           base name of the outputs (default ``report``: ``report.xlsx`` ...)
``options``        ``lonely_psu`` (default ``fail``), ``level`` (0.95), ``ci`` (``t``),
                   ``ci_method`` (``logit``), ``df`` (``design``)
``estimates``      ``tables`` (default: only what the tables and appendix show) or
                   ``catalogue`` (also every catalogue indicator by its default breakdowns)
``notes``          lines of the notes sheet (text or a text per language)
``breakdowns``     name -> ``{variable, title, categories}``; ``categories`` maps code to
                   label, in display order; without it the survey's value labels are used.
                   ``total`` is predefined (override its ``title`` to relabel it)
``tables``         list of ``{id, title, subtitle, stub_header, rows, columns, notes}``;
                   ``rows`` lists breakdown names; a column is ``{indicator: ID}`` (header,
                   decimals, footnote, not_applicable optional) or ``{count: ID}`` (weighted
                   count of the indicator's denominator; ``weighted: false`` for the
                   unweighted count)
``appendix``       ``{title, domains, groups}``: ``domains`` lists breakdown names (one table
                   per category), ``groups`` lists ``{universe, indicators}``
``weighting``      list of ``{file, totals, method, bounds, weight}``: the designs built on
                   ``file`` (a survey file or a list of them) are adjusted to the population
                   figures of the CSV file ``totals`` (relative to the spec; format of
                   :func:`mics_toolkit.read_totals`: ``variable,level,total``) by ``method``
                   (``linear``, ``raking``, ``logit``: :meth:`SurveyDesign.calibrate`, with
                   ``bounds: [lower, upper]`` on ``w_new / w``, required for ``logit``;
                   ``rake``: :meth:`SurveyDesign.rake`; ``poststratify``, one variable:
                   :meth:`SurveyDesign.poststratify`); ``weight`` limits the step to the
                   designs of that weight (a weight variable or an indicator's weight
                   expression as written); steps apply in order
=================  ===========================================================================
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from mics_toolkit.design import LONELY_PSU_OPTIONS
from mics_toolkit.design.calibration import CALIBRATION_METHODS, read_totals
from mics_toolkit.errors import OutputError, ReadError, SpecError, close_matches
from mics_toolkit.estimate import SurveyDesign
from mics_toolkit.estimate.estimators import CI_METHODS, CI_OPTIONS, DF_OPTIONS
from mics_toolkit.indicators import Catalogue, IndicatorSpec, compute_indicators, load_catalogue
from mics_toolkit.indicators.compute import DesignAdjustment
from mics_toolkit.io import Survey, SurveyConfig, open_survey
from mics_toolkit.report.build import write_report
from mics_toolkit.report.manifest import BuildInfo, file_sha256
from mics_toolkit.specfile import (
    LANGUAGES,
    SpecChecker,
    line_of,
    load_spec,
    require_regular_file,
    spec_error,
)
from mics_toolkit.tables import (
    TOTAL_TITLE,
    AppendixIndicator,
    Breakdown,
    CountColumn,
    IndicatorColumn,
    TableSpec,
    build_table,
    localise,
    sampling_errors,
)

__all__ = [
    "REPORT_FIELDS",
    "WEIGHTING_METHODS",
    "BreakdownSpec",
    "ReportBuild",
    "ReportOptions",
    "ReportSpec",
    "WeightingStep",
    "build_report",
    "load_report_spec",
]

Progress = Callable[[int, int, str], None]

REPORT_FIELDS: tuple[str, ...] = (
    "title",
    "survey",
    "survey_config",
    "indicators",
    "build_date",
    "language",
    "name",
    "options",
    "estimates",
    "notes",
    "breakdowns",
    "tables",
    "appendix",
    "weighting",
)
"""Top-level keys of a report spec."""

WEIGHTING_METHODS: tuple[str, ...] = (*CALIBRATION_METHODS, "poststratify", "rake")
"""Methods of a weighting step: calibration distances, post-stratification, raking."""

_REQUIRED = ("title", "survey", "build_date", "tables")
_OPTION_FIELDS = ("lonely_psu", "level", "ci", "ci_method", "df")
_BREAKDOWN_FIELDS = ("variable", "title", "categories")
_TABLE_FIELDS = ("id", "title", "subtitle", "stub_header", "rows", "columns", "notes")
_INDICATOR_COLUMN_FIELDS = ("indicator", "header", "decimals", "footnote", "not_applicable")
_COUNT_COLUMN_FIELDS = ("count", "header", "weighted", "not_applicable")
_APPENDIX_FIELDS = ("title", "domains", "groups")
_GROUP_FIELDS = ("universe", "indicators")
_ITEM_FIELDS = ("indicator", "label", "decimals")
_ESTIMATES = ("tables", "catalogue")
_WEIGHTING_FIELDS = ("file", "totals", "method", "bounds", "weight")
TOTAL_NAME = "total"

_UNWEIGHTED_HEADER = {
    "en": "Number of cases (unweighted)",
    "ru": "Число случаев (невзвешенное)",
    "kk": "Жағдайлар саны (салмақталмаған)",
}
_WEIGHTED_HEADER = {"en": "Weighted number", "ru": "Взвешенное число", "kk": "Салмақталған саны"}

CONVENTIONS_FIXED: dict[str, str] = {
    "variance": "Taylor linearisation, first stage with replacement",
    "deff": "with-replacement SRS variance on the domain's own n (R deff='replace')",
    "percentages": "fractions in the tidy outputs, x 100 in the tables",
    "small samples": "(value) on 25-49 unweighted cases, * below 25, - for 0 cases",
    "missing answers": "per indicator spec ('missing': exclude or in_denominator)",
}


# --------------------------------------------------------------------------------------------
# The spec


@dataclass(frozen=True)
class ReportOptions:
    """Estimation conventions of a report (each as the engine's argument of that name).

    Parameters
    ----------
    lonely_psu : {"fail", "remove", "certainty", "adjust", "average"}
        R's ``survey.lonely.psu`` meanings; small or subset surveys may need ``"adjust"``.
    level : float
        Confidence level of ``ci_lower``/``ci_upper``.
    ci : {"t", "normal", "mics"}
    ci_method : {"logit", "korn-graubard", "wald"}
        Interval of a percentage.
    df : {"design", "domain"}
    """

    lonely_psu: str = "fail"
    level: float = 0.95
    ci: str = "t"
    ci_method: str = "logit"
    df: str = "design"

    def conventions(self) -> dict[str, str]:
        """The options and the fixed conventions as text, for the metadata sheet."""
        return {
            "lonely_psu": self.lonely_psu,
            "level": f"{self.level:g}",
            "ci": self.ci,
            "ci_method": self.ci_method,
            "df": self.df,
            **CONVENTIONS_FIXED,
        }


@dataclass(frozen=True)
class BreakdownSpec:
    """A named breakdown of the report spec.

    Attributes
    ----------
    name : str
        Name used by ``rows`` and ``domains`` (``"area"``).
    variable : str or None
        Survey variable (``"HH6"``); None for ``total``.
    title : str or mapping
    categories : mapping or None
        Code -> label in display order; None: the survey's value labels.
    line : int or None
        Line in the spec file.
    """

    name: str
    variable: str | None
    title: Any
    categories: Mapping[Any, Any] | None = None
    line: int | None = None


@dataclass(frozen=True)
class _Column:
    indicator: str
    count: bool
    header: Any
    decimals: int | None
    footnote: Any
    weighted: bool
    not_applicable: tuple[str, ...]
    line: int | None
    key: str


@dataclass(frozen=True)
class _Table:
    id: str
    title: Any
    subtitle: Any
    stub_header: Any
    rows: tuple[str, ...]
    columns: tuple[_Column, ...]
    notes: tuple[Any, ...]
    line: int | None
    key: str


@dataclass(frozen=True)
class _AppendixItem:
    indicator: str
    universe: Any
    label: Any
    decimals: int
    line: int | None


@dataclass(frozen=True, eq=False)
class WeightingStep:
    """A weighting step of the report spec: population figures the designs of some survey
    files are adjusted to before estimation.

    Attributes
    ----------
    files : tuple of str
        Survey files whose designs are adjusted (a design on several files when all are
        listed).
    totals_path : pathlib.Path
        The CSV file of population figures (resolved against the spec's folder).
    totals : dict
        Its content, as :func:`mics_toolkit.read_totals` returns it.
    method : {"linear", "raking", "logit", "poststratify", "rake"}
    bounds : tuple of (float or None) or None
        ``(lower, upper)`` on ``w_new / w`` (calibration methods only).
    weight : str or None
        Only the designs of this weight; None: every design on ``files``.
    sha256 : str
        SHA-256 of the CSV file.
    name : str
        The CSV file as the spec names it (the key of its hash among the build's inputs).
    line : int or None
        Line of the step in the spec file.
    key : str
        Its key (``weighting[0]``).
    """

    files: tuple[str, ...]
    totals_path: Path
    totals: dict
    method: str
    bounds: tuple[float | None, float | None] | None
    weight: str | None
    sha256: str
    name: str = ""
    line: int | None = None
    key: str = "weighting"

    def apply(self, design: SurveyDesign) -> SurveyDesign:
        """The design with adjusted weights.

        Notes
        -----
        ``linear``/``raking``/``logit``: ``design.calibrate(totals, method, bounds)`` (R
        ``calibrate(design, formula, population, calfun=, bounds=)``); ``rake``:
        ``design.rake(totals)`` (R ``rake``); ``poststratify``:
        ``design.poststratify(variable, totals[variable])`` (R ``postStratify``). The
        variance accounts for the adjustment as R's survey does.
        """
        if self.method == "rake":
            return design.rake(self.totals)
        if self.method == "poststratify":
            ((variable, counts),) = self.totals.items()
            return design.poststratify(variable, counts)
        return design.calibrate(self.totals, method=self.method, bounds=self.bounds)

    def adjustment(self) -> DesignAdjustment:
        """The step as the indicator computation's :class:`DesignAdjustment`."""
        return DesignAdjustment(files=self.files, variables=tuple(self.totals),
                                apply=self.apply, weight=self.weight)

    def describe(self) -> str:
        """One line for the conventions: method, files, weight, variables, file, bounds."""
        text = (f"{self.method} of the {' + '.join(self.files)} designs"
                f"{'' if self.weight is None else f' of weight {self.weight}'} to the totals "
                f"of {', '.join(self.totals)} in {self.name or self.totals_path.name}")
        if self.bounds is not None:
            lower, upper = ("-" if b is None else f"{b:g}" for b in self.bounds)
            text += f", bounds [{lower}, {upper}] on w_new / w"
        return text


@dataclass(frozen=True, eq=False)
class ReportSpec:
    """A checked report spec; create it with :func:`load_report_spec`.

    Attributes
    ----------
    path : pathlib.Path
        The spec file.
    title : str or mapping
    survey : pathlib.Path
        Survey folder (resolved against the spec's folder).
    survey_config : pathlib.Path or None
    catalogue : Catalogue
        The indicator specs the report draws on.
    build_date : str
        ISO 8601 date.
    language : {"en", "ru", "kk"}
    name : str
        Base name of the outputs.
    options : ReportOptions
    estimates : {"tables", "catalogue"}
    notes : tuple
    breakdowns : dict of str to BreakdownSpec
        ``total`` first, then in spec order.
    sha256 : str
        SHA-256 over the report spec and every indicator spec file (names and bytes).
    weighting : tuple of WeightingStep
        Weight adjustments applied before estimation, in order.
    """

    path: Path
    title: Any
    survey: Path
    survey_config: Path | None
    catalogue: Catalogue
    build_date: str
    language: str
    name: str
    options: ReportOptions
    estimates: str
    notes: tuple[Any, ...]
    breakdowns: dict[str, BreakdownSpec]
    tables: tuple[_Table, ...] = field(repr=False)
    appendix_domains: tuple[str, ...] = field(repr=False)
    appendix_items: tuple[_AppendixItem, ...] = field(repr=False)
    appendix_title: Any = field(default=None, repr=False)
    appendix_line: int | None = field(default=None, repr=False)
    sha256: str = ""
    weighting: tuple[WeightingStep, ...] = ()

    def indicator_ids(self) -> list[str]:
        """Indicators shown in the tables and the appendix, in order of first use."""
        ids = [c.indicator for t in self.tables for c in t.columns]
        ids += [i.indicator for i in self.appendix_items]
        return list(dict.fromkeys(ids))

    def plan(self) -> dict[str, list[str]]:
        """Indicator id -> breakdown variables to estimate it by.

        Each indicator of a table is estimated by the variables of the table's rows, each of
        the appendix by the domains' variables; with ``estimates: catalogue`` every catalogue
        indicator is also estimated by its default breakdowns. Order: indicators in order of
        first use, then the rest of the catalogue; breakdowns of the report first.
        """
        plan: dict[str, list[str]] = {}

        def add(indicator: str, names: Sequence[str]) -> None:
            variables = [self.breakdowns[n].variable for n in names]
            plan.setdefault(indicator, [])
            plan[indicator] += [v for v in variables if v is not None]

        for table in self.tables:
            for column in table.columns:
                add(column.indicator, table.rows)
        for item in self.appendix_items:
            add(item.indicator, self.appendix_domains)
        if self.estimates == "catalogue":
            for spec in self.catalogue.specs:
                plan.setdefault(spec.id, [])
                plan[spec.id] += list(spec.breakdowns)
        return {k: list(dict.fromkeys(v)) for k, v in plan.items()}

    def error(self, message: str, key: str | None, line: int | None) -> SpecError:
        """A SpecError located at ``line`` of the spec file and naming ``key``."""
        return spec_error(message, file=str(self.path), line=line, key=key)


def _spec_sha256(path: Path, text: bytes, catalogue: Catalogue) -> str:
    digest = hashlib.sha256()
    digest.update(b"report\0" + path.name.encode("utf-8") + b"\0" + text + b"\0")
    for source in sorted({s.source for s in catalogue.specs if s.source}):
        digest.update(b"indicators\0" + Path(source).name.encode("utf-8") + b"\0")
        digest.update(Path(source).read_bytes() + b"\0")
    return digest.hexdigest()


def load_report_spec(path: str | os.PathLike[str]) -> ReportSpec:
    """Load and check a report spec.

    Parameters
    ----------
    path : str or path-like
        The YAML file (see the module docstring for its keys).

    Returns
    -------
    ReportSpec

    Raises
    ------
    ReadError
        The spec, an indicator spec file it names or a weighting step's totals file cannot
        be read, is not a regular file (a FIFO, a device) or (a spec) is too large; the
        error names the path.
    SpecError
        Invalid YAML (aliases that loop or expand too far, tags, repeated keys, deep nesting
        included); an impossible ``build_date``; a ``name`` or id with control characters or
        over 200 characters; an unknown or missing key; a value of the wrong kind; an unknown
        indicator id (close ids suggested), breakdown name, language, option, weighting
        method or survey file; a table id or breakdown used twice. The message starts
        ``file:line:`` and names the key (``tables[1].columns[0].indicator``).

    Examples
    --------
    >>> spec = load_report_spec("examples/kz_mics/report.yaml")  # doctest: +SKIP
    >>> [t.id for t in spec.tables][:2]  # doctest: +SKIP
    ['EQ.1', 'PR.1']
    """
    path = Path(path)
    loaded = load_spec(path, what="report spec")
    document, raw = loaded.document, loaded.raw
    check = loaded.checker()
    check.mapping(document, "", REPORT_FIELDS, document, None, _REQUIRED)
    base = path.parent

    title = check.label(document["title"], "title", document, "title")
    survey = base / check.text(document["survey"], "survey", document, "survey")
    survey_config = None
    if "survey_config" in document:
        survey_config = base / check.text(document["survey_config"], "survey_config", document,
                                          "survey_config")
    if "indicators" in document:
        sources = [base / n for n in check.names(document["indicators"], "indicators",
                                                  document, "indicators")]
        catalogue = load_catalogue(sources)
    else:
        catalogue = load_catalogue()
    build_date = check.build_date(document["build_date"], "build_date", document, "build_date")
    language = check.choice(document.get("language", "en"), "language", LANGUAGES, document,
                            "language")
    out_name = check.name(document.get("name", "report"), "name", document, "name")
    if any(c in out_name for c in "/\\") or out_name.startswith("."):
        raise check.error("must be a plain file name without folders", "name", document, "name")
    options = _options(check, document)
    estimates = check.choice(document.get("estimates", "tables"), "estimates", _ESTIMATES,
                             document, "estimates")
    notes = ()
    if "notes" in document:
        notes = check.labels(document["notes"], "notes", document, "notes")
    breakdowns = _breakdowns(check, document)
    tables = _tables(check, document, catalogue, breakdowns)
    domains, items, appendix_title = (), (), None
    if "appendix" in document:
        domains, items, appendix_title = _appendix(check, document, catalogue, breakdowns)
    weighting = _weighting(check, document, base, survey_config)
    return ReportSpec(
        path=path,
        title=title,
        survey=survey,
        survey_config=survey_config,
        catalogue=catalogue,
        build_date=build_date,
        language=language,
        name=out_name,
        options=options,
        estimates=estimates,
        notes=notes,
        breakdowns=breakdowns,
        tables=tables,
        appendix_domains=domains,
        appendix_items=items,
        appendix_title=appendix_title,
        appendix_line=line_of(document, "appendix"),
        sha256=_spec_sha256(path, raw, catalogue),
        weighting=weighting,
    )


def _options(check: SpecChecker, document: Mapping) -> ReportOptions:
    node = document.get("options", {})
    check.mapping(node, "options", _OPTION_FIELDS, document, "options")
    values: dict[str, Any] = {}
    for key, choices in (("lonely_psu", LONELY_PSU_OPTIONS), ("ci", CI_OPTIONS),
                         ("ci_method", CI_METHODS), ("df", DF_OPTIONS)):
        if key in node:
            values[key] = check.choice(node[key], f"options.{key}", choices, node, key)
    if "level" in node:
        level = node["level"]
        if isinstance(level, bool) or not isinstance(level, int | float) or not 0 < level < 1:
            raise check.error(f"{level!r} must be a number between 0 and 1 (e.g. 0.95)",
                              "options.level", node, "level")
        values["level"] = float(level)
    return ReportOptions(**values)


def _breakdowns(check: SpecChecker, document: Mapping) -> dict[str, BreakdownSpec]:
    node = document.get("breakdowns", {})
    if not isinstance(node, Mapping):
        raise check.error("must be a mapping of breakdown name to {variable, title, "
                          "categories}", "breakdowns", document, "breakdowns")
    out = {TOTAL_NAME: BreakdownSpec(TOTAL_NAME, None, dict(TOTAL_TITLE))}
    for name, item in node.items():
        key = f"breakdowns.{name}"
        check.name(str(name), key, node, name)
        if name == TOTAL_NAME:
            check.mapping(item, key, ("title",), node, name)
            title = check.label(item.get("title", dict(TOTAL_TITLE)), f"{key}.title", item,
                                "title")
            out[TOTAL_NAME] = BreakdownSpec(TOTAL_NAME, None, title, None, line_of(node, name))
            continue
        check.mapping(item, key, _BREAKDOWN_FIELDS, node, name, ("variable", "title"))
        variable = check.name(item["variable"], f"{key}.variable", item, "variable")
        title = check.label(item["title"], f"{key}.title", item, "title")
        categories = None
        if "categories" in item:
            mapping = item["categories"]
            if not isinstance(mapping, Mapping) or not mapping:
                raise check.error("must be a mapping of category code to label",
                                  f"{key}.categories", item, "categories")
            categories = {
                code: check.label(label, f"{key}.categories.{code}", mapping, code)
                for code, label in mapping.items()
            }
        out[str(name)] = BreakdownSpec(str(name), variable, title, categories,
                                       line_of(node, name))
    return out


def _indicator(check: SpecChecker, catalogue: Catalogue, value: Any, key: str, node: Any,
               at: Any) -> IndicatorSpec:
    text = check.text(value, key, node, at)
    try:
        return catalogue[text]
    except SpecError as error:
        raise check.error(str(error), key, node, at) from error


def _breakdown_names(check: SpecChecker, value: Any, key: str, node: Any, at: Any,
                     breakdowns: Mapping[str, BreakdownSpec]) -> tuple[str, ...]:
    names = check.names(value, key, node, at)
    for i, name in enumerate(names):
        if name not in breakdowns:
            raise check.error(
                f"unknown breakdown {name!r}; the spec defines {', '.join(breakdowns)}",
                f"{key}[{i}]", value if isinstance(value, list) else node,
                i if isinstance(value, list) else at,
            )
    if len(set(names)) != len(names):
        raise check.error("a breakdown is listed twice", key, node, at)
    return names


def _tables(check: SpecChecker, document: Mapping, catalogue: Catalogue,
            breakdowns: Mapping[str, BreakdownSpec]) -> tuple[_Table, ...]:
    items = check.items(document["tables"], "tables", document, "tables")
    tables: list[_Table] = []
    seen: dict[str, int | None] = {}
    for number, item in enumerate(items):
        key = f"tables[{number}]"
        check.mapping(item, key, _TABLE_FIELDS, items, number, ("id", "title", "rows",
                                                                  "columns"))
        table_id = check.name(item["id"], f"{key}.id", item, "id")
        if table_id in seen:
            raise check.error(f"table id {table_id!r} is used twice (first at line "
                              f"{seen[table_id]})", f"{key}.id", item, "id")
        seen[table_id] = line_of(item, "id")
        rows = _breakdown_names(check, item["rows"], f"{key}.rows", item, "rows", breakdowns)
        variables = [breakdowns[r].variable for r in rows]
        if len(set(variables)) != len(variables):
            raise check.error("two rows use the same variable", f"{key}.rows", item, "rows")
        columns_node = check.items(item["columns"], f"{key}.columns", item, "columns")
        columns = []
        for index, column in enumerate(columns_node):
            columns.append(_column(check, column, f"{key}.columns[{index}]", columns_node,
                                   index, catalogue, breakdowns, rows))
        tables.append(
            _Table(
                id=table_id,
                title=check.label(item["title"], f"{key}.title", item, "title"),
                subtitle=(check.label(item["subtitle"], f"{key}.subtitle", item, "subtitle")
                          if "subtitle" in item else None),
                stub_header=(check.label(item["stub_header"], f"{key}.stub_header", item,
                                         "stub_header") if "stub_header" in item else ""),
                rows=rows,
                columns=tuple(columns),
                notes=(check.labels(item["notes"], f"{key}.notes", item, "notes")
                       if "notes" in item else ()),
                line=line_of(items, number),
                key=key,
            )
        )
    return tuple(tables)


def _column(check: SpecChecker, node: Any, key: str, parent: Any, index: int,
            catalogue: Catalogue, breakdowns: Mapping[str, BreakdownSpec],
            rows: Sequence[str]) -> _Column:
    if not isinstance(node, Mapping) or ("indicator" in node) == ("count" in node):
        raise check.error("a column is a mapping with either 'indicator: ID' or 'count: ID'",
                          key, parent, index)
    count = "count" in node
    allowed = _COUNT_COLUMN_FIELDS if count else _INDICATOR_COLUMN_FIELDS
    check.mapping(node, key, allowed, parent, index)
    field_name = "count" if count else "indicator"
    spec = _indicator(check, catalogue, node[field_name], f"{key}.{field_name}", node,
                      field_name)
    header = None
    if "header" in node:
        header = check.labels(node["header"], f"{key}.header", node, "header")
    decimals = None
    if "decimals" in node:
        decimals = check.integer(node["decimals"], f"{key}.decimals", node, "decimals")
    footnote = None
    if "footnote" in node:
        footnote = check.label(node["footnote"], f"{key}.footnote", node, "footnote")
    weighted = True
    if "weighted" in node:
        if not isinstance(node["weighted"], bool):
            raise check.error("must be true or false", f"{key}.weighted", node, "weighted")
        weighted = node["weighted"]
    not_applicable = ()
    if "not_applicable" in node:
        not_applicable = _breakdown_names(check, node["not_applicable"],
                                          f"{key}.not_applicable", node, "not_applicable",
                                          breakdowns)
        for name in not_applicable:
            if name not in rows:
                raise check.error(f"{name!r} is not a row of the table",
                                  f"{key}.not_applicable", node, "not_applicable")
    return _Column(spec.id, count, header, decimals, footnote, weighted, not_applicable,
                   line_of(parent, index), key)


def _appendix(check: SpecChecker, document: Mapping, catalogue: Catalogue,
              breakdowns: Mapping[str, BreakdownSpec]):
    node = document["appendix"]
    check.mapping(node, "appendix", _APPENDIX_FIELDS, document, "appendix",
                  ("domains", "groups"))
    domains = _breakdown_names(check, node["domains"], "appendix.domains", node, "domains",
                               breakdowns)
    title = None
    if "title" in node:
        title = check.label(node["title"], "appendix.title", node, "title")
    groups = check.items(node["groups"], "appendix.groups", node, "groups")
    items: list[_AppendixItem] = []
    seen: set[str] = set()
    for number, group in enumerate(groups):
        key = f"appendix.groups[{number}]"
        check.mapping(group, key, _GROUP_FIELDS, groups, number, _GROUP_FIELDS)
        universe = check.label(group["universe"], f"{key}.universe", group, "universe")
        members = check.items(group["indicators"], f"{key}.indicators", group, "indicators")
        for index, member in enumerate(members):
            item_key = f"{key}.indicators[{index}]"
            label, decimals = None, 3
            if isinstance(member, Mapping):
                check.mapping(member, item_key, _ITEM_FIELDS, members, index, ("indicator",))
                spec = _indicator(check, catalogue, member["indicator"],
                                  f"{item_key}.indicator", member, "indicator")
                if "label" in member:
                    label = check.label(member["label"], f"{item_key}.label", member, "label")
                if "decimals" in member:
                    decimals = check.integer(member["decimals"], f"{item_key}.decimals",
                                             member, "decimals")
            else:
                spec = _indicator(check, catalogue, member, item_key, members, index)
            if spec.id in seen:
                raise check.error(f"indicator {spec.id!r} is listed twice in the appendix",
                                  item_key, members, index)
            seen.add(spec.id)
            items.append(_AppendixItem(spec.id, universe, label if label is not None
                                       else dict(spec.label), decimals,
                                       line_of(members, index)))
    return domains, tuple(items), title


def _weighting(check: SpecChecker, document: Mapping, base: Path,
               survey_config: Path | None) -> tuple[WeightingStep, ...]:
    """The ``weighting`` steps, their totals files read and checked."""
    if "weighting" not in document:
        return ()
    steps = check.items(document["weighting"], "weighting", document, "weighting")
    config = SurveyConfig.default() if survey_config is None else SurveyConfig.load(
        survey_config)
    out = []
    for number, item in enumerate(steps):
        key = f"weighting[{number}]"
        check.mapping(item, key, _WEIGHTING_FIELDS, steps, number, ("file", "totals", "method"))
        files = check.names(item["file"], f"{key}.file", item, "file")
        for file in files:
            if file not in config.files:
                matches = close_matches(file, list(config.files))
                hint = f"; did you mean {', '.join(matches)}?" if matches else ""
                raise check.error(f"{file!r} is not a file of the survey (files: "
                                  f"{', '.join(config.files)}){hint}", f"{key}.file", item,
                                  "file")
        method = check.choice(item["method"], f"{key}.method", WEIGHTING_METHODS, item,
                              "method")
        name = check.text(item["totals"], f"{key}.totals", item, "totals")
        path = base / name
        try:
            totals = read_totals(require_regular_file(path, what="totals file"))
        except ReadError as error:
            line = line_of(item, "totals")
            raise ReadError(f"{check.file}:{line}: key '{key}.totals': {error}",
                            path=str(path)) from None
        if not totals:
            raise check.error(f"the totals file {str(path)!r} has no rows", f"{key}.totals",
                              item, "totals")
        numeric = [v for v, figure in totals.items() if not isinstance(figure, dict)]
        if method in ("rake", "poststratify") and numeric:
            raise check.error(
                f"{method} takes counts per level; {numeric[0]!r} in {str(path)!r} has a "
                "total without a level (use method linear, raking or logit)", f"{key}.method",
                item, "method")
        if method == "poststratify" and len(totals) != 1:
            raise check.error(
                f"poststratify takes one variable; {str(path)!r} gives {', '.join(totals)} "
                "(use method rake or raking)", f"{key}.method", item, "method")
        bounds = None
        if "bounds" in item:
            bounds = _bounds(check, item["bounds"], f"{key}.bounds", item, method)
        elif method == "logit":
            raise check.error("method logit needs bounds: [lower, upper] with lower < 1 < "
                              "upper", f"{key}.bounds", item, "method")
        weight = None
        if "weight" in item:
            weight = check.text(item["weight"], f"{key}.weight", item, "weight")
        out.append(WeightingStep(
            files=files, totals_path=path, totals=totals, method=method, bounds=bounds,
            weight=weight, sha256=file_sha256(path), name=Path(name).as_posix(),
            line=line_of(steps, number), key=key,
        ))
    return tuple(out)


def _bounds(check: SpecChecker, value: Any, key: str, item: Mapping, method: str
            ) -> tuple[float | None, float | None]:
    if method not in CALIBRATION_METHODS:
        raise check.error(f"bounds apply to methods {', '.join(CALIBRATION_METHODS)}, not "
                          f"{method}", key, item, "bounds")
    message = ("must be [lower, upper] with lower < 1 < upper (null for an open side"
               f"{'' if method != 'logit' else '; both finite for logit'})")
    if not isinstance(value, list) or len(value) != 2:
        raise check.error(message, key, item, "bounds")
    numbers = []
    for bound in value:
        if bound is None and method != "logit":
            numbers.append(None)
        elif isinstance(bound, int | float) and not isinstance(bound, bool):
            numbers.append(float(bound))
        else:
            raise check.error(message, key, item, "bounds")
    lower, upper = numbers
    if (lower is not None and not lower < 1) or (upper is not None and not upper > 1):
        raise check.error(message, key, item, "bounds")
    return lower, upper


# --------------------------------------------------------------------------------------------
# The build


@dataclass(frozen=True)
class ReportBuild:
    """What :func:`build_report` did.

    Attributes
    ----------
    outputs : dict of str to pathlib.Path
        Output name -> path, ``manifest.json`` last.
    estimates : pandas.DataFrame
        The long estimates frame (``indicator, breakdown, category`` and the result columns).
    timings : dict of str to float
        Seconds spent per stage: ``open``, ``read``, ``estimate``, ``tables``, ``write``,
        ``total`` (wall time; never written into an output).
    n_tables : int
        Sheets of tables written (standard tables and appendix tables).
    """

    outputs: dict[str, Path]
    estimates: pd.DataFrame = field(repr=False)
    timings: dict[str, float]
    n_tables: int

    def summary(self) -> str:
        """One line: tables, estimates and the time per stage."""
        stages = ", ".join(f"{k} {v:.2f} s" for k, v in self.timings.items() if k != "total")
        return (f"{self.n_tables} tables, {len(self.estimates)} estimates in "
                f"{self.timings['total']:.2f} s ({stages})")


def _check_folder(folder: Path) -> None:
    """Fail before any work when the output folder cannot be written."""
    if folder.exists():
        if not folder.is_dir():
            raise OutputError(f"cannot write the report into {folder}: it is a file; give a "
                              "folder", path=str(folder))
        probe = folder
    else:
        probe = folder.parent
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        if not probe.is_dir():
            raise OutputError(f"cannot create the report folder {folder}: {probe} is a file",
                              path=str(folder))
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write the report into {folder}: {probe} is not writable",
                          path=str(folder))


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


def _table_specs(spec: ReportSpec, named: Mapping[str, Breakdown]) -> list[TableSpec]:
    out = []
    for table in spec.tables:
        columns = []
        for column in table.columns:
            indicator = spec.catalogue[column.indicator]
            not_applicable = [named[n].key for n in column.not_applicable]
            if column.count:
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
        ))
    return out


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

    Raises
    ------
    SpecError
        The spec is invalid, or a breakdown of a table is not available in the files of one
        of its indicators (located at the table in the spec).
    ReadError, LinkError, VariableError, WeightError, DesignError
        From opening and reading the survey and building designs (a stratum with one PSU
        under ``lonely_psu: fail``: set ``options: lonely_psu`` in the spec).
    SpecError
        A weighting step adjusts no indicator, covers only some files of a design, or names
        a variable the files lack (located at the step).
    CalibrationError
        A weighting step's figures do not fit the sample (a level absent from it, a level
        of the sample without a count, margins of different totals, bounds not met).
    OutputError
        ``out`` is a file or not writable, or an output path is a directory; nothing is
        written then. Every file is written atomically, so a failed build never leaves a
        half-written workbook.

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
    """
    start = time.perf_counter()
    timings: dict[str, float] = {}
    if not isinstance(spec, ReportSpec):
        spec = load_report_spec(spec)
    lang = spec.language if lang is None else lang
    if lang not in LANGUAGES:
        raise SpecError(f"language {lang!r} is not one of {', '.join(LANGUAGES)}", key="language")
    folder = Path(out)
    _check_folder(folder)
    survey_set = open_survey(spec.survey if survey is None else survey,
                             None if spec.survey_config is None else spec.survey_config)
    plan = spec.plan()
    specs = [spec.catalogue[i] for i in plan]
    _check_variables(spec, survey_set, plan)
    _check_weighting(spec, survey_set, specs)
    needed = _needed_columns(survey_set, specs, plan, spec.weighting)
    n_steps = sum(1 + len(v) for v in plan.values())
    n_tables = len(spec.tables) + (1 if spec.appendix_items else 0)
    total = len(needed) + n_steps + n_tables + 1
    done = 0

    def report(message: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total, message)

    timings["open"] = time.perf_counter() - start
    mark = time.perf_counter()
    household = survey_set.config.household_file
    for file in sorted(needed, key=lambda f: (f != household, f)):
        survey_set.data(file, needed[file])
        report(f"read {survey_set.paths[file].name}")
    timings["read"] = time.perf_counter() - mark

    mark = time.perf_counter()
    options = spec.options
    estimates = compute_indicators(
        survey_set, specs, breakdowns=plan, lonely_psu=options.lonely_psu, level=options.level,
        ci=options.ci, ci_method=options.ci_method, df=options.df,
        adjustments=[step.adjustment() for step in spec.weighting],
        progress=lambda _done, _total, message: report(f"estimate {message}"),
    )
    timings["estimate"] = time.perf_counter() - mark

    mark = time.perf_counter()
    named, extra = _resolve_breakdowns(spec, survey_set, plan)
    tables = []
    for table_spec in _table_specs(spec, named):
        tables.append(build_table(table_spec, estimates, lang=lang))
        report(f"table {table_spec.id}")
    if spec.appendix_items:
        appendix = sampling_errors(
            estimates,
            [AppendixIndicator(i.indicator, i.label, i.universe, i.decimals,
                               mics_code=spec.catalogue[i.indicator].mics,
                               sdg_code=", ".join(spec.catalogue[i.indicator].sdg) or None)
             for i in spec.appendix_items],
            [named[d] for d in spec.appendix_domains],
        )
        tables.extend(appendix.to_tables(lang, title=spec.appendix_title))
        report("sampling-error appendix")
    timings["tables"] = time.perf_counter() - mark

    mark = time.perf_counter()
    conventions = options.conventions()
    inputs = _inputs(survey_set, specs, needed)
    if spec.weighting:
        conventions["weighting"] = "; ".join(step.describe() for step in spec.weighting)
        inputs.update({step.name: step.sha256 for step in spec.weighting})
    info = BuildInfo(
        build_date=spec.build_date,
        title=_localised(spec.title, lang),
        spec_hash=spec.sha256,
        inputs=inputs,
        design=_design(survey_set, specs),
        conventions=conventions,
        lang=lang,
    )
    notes = [_localised(n, lang) for n in spec.notes]
    labelled = [*named.values(), *extra]
    written = write_report(folder, tables=tables, estimates=estimates, info=info,
                           breakdowns=labelled, notes=notes, name=spec.name)
    report("wrote the report")
    timings["write"] = time.perf_counter() - mark
    timings["total"] = time.perf_counter() - start
    return ReportBuild(outputs=written, estimates=estimates, timings=timings,
                       n_tables=len(tables))


def _localised(text: Any, lang: str) -> str:
    return localise(text, lang, what="report text") or ""
