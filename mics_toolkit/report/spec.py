"""The report spec behind ``mics build``.

A report spec is a YAML file (read and checked by the spec layer, :mod:`mics_toolkit.specfile`,
so every error names ``file:line`` and the key) that says what a report holds: its title, the survey
folder (relative to the spec), the build date (fixed in the spec, never the clock), the
language, the estimation options, the named breakdowns (background characteristics with
their labels), the standard tables (indicator and count columns, breakdowns as row groups),
the sampling-error appendix, whether the tidy outputs hold every catalogue indicator, and
optional weighting steps (calibration of the designs of a file to population totals read from
a CSV file) applied before estimation.
:func:`load_report_spec` checks it against the indicator catalogue and returns a frozen
:class:`ReportSpec`; :func:`mics_toolkit.report.build.build_report` builds the report it
describes.

Top-level keys of a report spec (``examples/kz_mics/report.yaml`` is a complete example):

=================  ===========================================================================
``title``          report title (text, or a text per language ``en``/``ru``/``kk``); required
``survey``         folder of the survey files, relative to the spec; required
``survey_config``  YAML file overriding the MICS6 file settings (relative to the spec)
``indicators``     indicator spec file(s) or folder(s), relative to the spec; default: the
                   shipped catalogue ``mics_toolkit/catalogue``
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
``tables``         list of ``{id, title, subtitle, stub_header, rows, columns, notes, gaps}``;
                   ``rows`` lists breakdown names; a column is ``{indicator: ID}`` (header,
                   decimals, footnote, not_applicable optional), ``{count: ID}`` (weighted
                   count of the indicator's denominator; ``weighted: false`` for the
                   unweighted count) or ``{distribution: ID}`` (a percent distribution: a
                   column per category, "Total" and "Number of ..."; header, categories,
                   count_header, decimals, not_applicable optional); ``gaps`` lists
                   ``{breakdown, first, second, kind, label}``: rows with the difference (or
                   ratio) of every percentage, mean and ratio column between two categories
                   of a row group, marked where significant at 5%
``appendix``       ``{title, domains, groups, gaps}``: ``domains`` lists breakdown names (one
                   table per category), ``groups`` lists ``{universe, indicators}``, ``gaps``
                   lists ``{indicator, breakdown, first, second, kind, label, decimals}``
                   shown in the total's table
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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mics_toolkit.design import LONELY_PSU_OPTIONS
from mics_toolkit.design.calibration import CALIBRATION_METHODS, read_totals
from mics_toolkit.errors import ReadError, SpecError, close_matches
from mics_toolkit.estimate import SurveyDesign
from mics_toolkit.estimate.estimators import CI_METHODS, CI_OPTIONS, DF_OPTIONS
from mics_toolkit.indicators import (
    GAP_KINDS,
    GAP_TYPES,
    QUANTILE_TYPES,
    Catalogue,
    IndicatorSpec,
    load_catalogue,
)
from mics_toolkit.indicators.compute import DesignAdjustment
from mics_toolkit.io import SurveyConfig
from mics_toolkit.report.manifest import file_sha256
from mics_toolkit.specfile import (
    LANGUAGES,
    SpecChecker,
    line_of,
    load_spec,
    require_regular_file,
    spec_error,
)
from mics_toolkit.tables import TOTAL_TITLE, category_key

__all__ = [
    "REPORT_FIELDS",
    "WEIGHTING_METHODS",
    "BreakdownSpec",
    "GapSpec",
    "ReportOptions",
    "ReportSpec",
    "WeightingStep",
    "load_report_spec",
]

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
_TABLE_FIELDS = ("id", "title", "subtitle", "stub_header", "rows", "columns", "notes", "gaps")
_INDICATOR_COLUMN_FIELDS = ("indicator", "header", "decimals", "footnote", "not_applicable")
_COUNT_COLUMN_FIELDS = ("count", "header", "weighted", "not_applicable")
_DISTRIBUTION_COLUMN_FIELDS = ("distribution", "header", "categories", "count_header",
                               "decimals", "not_applicable")
_COLUMN_KINDS = ("indicator", "count", "distribution")
_GAP_FIELDS = ("breakdown", "first", "second", "kind", "label")
_APPENDIX_FIELDS = ("title", "domains", "groups", "gaps")
_GROUP_FIELDS = ("universe", "indicators")
_ITEM_FIELDS = ("indicator", "label", "decimals")
_APPENDIX_GAP_FIELDS = ("indicator", "breakdown", "first", "second", "kind", "label",
                        "decimals")
_ESTIMATES = ("tables", "catalogue")
_WEIGHTING_FIELDS = ("file", "totals", "method", "bounds", "weight")
TOTAL_NAME = "total"

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
    distribution: bool = False
    categories: Mapping[Any, Any] | None = None
    count_header: Any = None


@dataclass(frozen=True)
class GapSpec:
    """A gap of a table or of the appendix: two categories of a breakdown compared.

    Attributes
    ----------
    breakdown : str
        The breakdown's name in the spec (``"wealth"``).
    first, second : category codes
        ``first - second`` (or ``first / second``).
    kind : {"difference", "ratio"}
    label : str, mapping or None
        Row label; None: ``"Difference: <first> - <second>"`` with the categories' labels.
    indicator : str or None
        The indicator (appendix gaps); None for a table's gaps (every percentage, mean and
        ratio column of the table).
    decimals : int
        Decimals of the appendix row.
    line : int or None
    key : str
        Its key in the spec (``tables[0].gaps[1]``).
    """

    breakdown: str
    first: Any
    second: Any
    kind: str = "difference"
    label: Any = None
    indicator: str | None = None
    decimals: int = 3
    line: int | None = None
    key: str = "gaps"


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
    gaps: tuple[GapSpec, ...] = ()


@dataclass(frozen=True)
class _AppendixItem:
    indicator: str
    universe: Any
    label: Any
    decimals: int
    line: int | None
    design_effect: bool = True


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
    appendix_gaps : tuple of GapSpec
        Gaps of the appendix (shown in the total's table).
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
    appendix_gaps: tuple[GapSpec, ...] = field(default=(), repr=False)

    def indicator_ids(self) -> list[str]:
        """Indicators shown in the tables and the appendix, in order of first use."""
        ids = [c.indicator for t in self.tables for c in t.columns]
        ids += [i.indicator for i in self.appendix_items]
        ids += [g.indicator for g in self.appendix_gaps]
        return list(dict.fromkeys(ids))

    def plan(self) -> dict[str, list[str]]:
        """Indicator id -> breakdown variables to estimate it by.

        Each indicator of a table is estimated by the variables of the table's rows, each of
        the appendix by the domains' variables (and an appendix gap's indicator by the gap's
        breakdown); with ``estimates: catalogue`` every catalogue indicator is also estimated
        by its default breakdowns. Order: indicators in order of first use, then the rest of
        the catalogue; breakdowns of the report first.
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
        for gap in self.appendix_gaps:
            add(gap.indicator, [gap.breakdown])
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
    domains, items, appendix_title, appendix_gaps = (), (), None, ()
    if "appendix" in document:
        domains, items, appendix_title, appendix_gaps = _appendix(check, document, catalogue,
                                                                  breakdowns)
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
        appendix_gaps=appendix_gaps,
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
        gaps = ()
        if "gaps" in item:
            gaps = _table_gaps(check, item, key, rows, breakdowns)
            if not any(catalogue[c.indicator].type in GAP_TYPES for c in columns
                       if not c.count):
                raise check.error(
                    f"gaps compare the table's {', '.join(GAP_TYPES)} columns; the table has "
                    "none", f"{key}.gaps", item, "gaps")
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
                gaps=gaps,
            )
        )
    return tuple(tables)


def _gap(check: SpecChecker, node: Mapping, key: str, parent: Any, index: int,
         breakdowns: Mapping[str, BreakdownSpec], names: Sequence[str]) -> dict[str, Any]:
    """The checked fields of one gap (a mapping whose keys the caller checked):
    ``breakdown`` (one of ``names``), ``first`` and ``second`` (different category codes,
    among the breakdown's listed categories), ``kind`` and ``label``."""
    for required in ("breakdown", "first", "second"):
        if required not in node:
            raise check.error(f"{required!r} is required", f"{key}.{required}", node)
    name = check.name(node["breakdown"], f"{key}.breakdown", node, "breakdown")
    if name not in names or name == TOTAL_NAME:
        choices = [n for n in names if n != TOTAL_NAME]
        raise check.error(f"{name!r} is not a breakdown whose categories can be compared "
                          f"here; use one of {', '.join(choices) or 'none'}",
                          f"{key}.breakdown", node, "breakdown")
    codes = {}
    listed = breakdowns[name].categories
    for side in ("first", "second"):
        code = node[side]
        if isinstance(code, bool) or not isinstance(code, int | float | str):
            raise check.error(f"must be a category code of {name!r}, not {code!r}",
                              f"{key}.{side}", node, side)
        if listed is not None and category_key(code) not in {category_key(c) for c in listed}:
            raise check.error(
                f"{code!r} is not a category of breakdown {name!r} (its categories: "
                f"{', '.join(category_key(c) for c in listed)})", f"{key}.{side}", node, side)
        codes[side] = code
    if category_key(codes["first"]) == category_key(codes["second"]):
        raise check.error("a gap compares two different categories", f"{key}.second", node,
                          "second")
    kind = "difference"
    if "kind" in node:
        kind = check.choice(node["kind"], f"{key}.kind", GAP_KINDS, node, "kind")
    label = None
    if "label" in node:
        label = check.label(node["label"], f"{key}.label", node, "label")
    return {"breakdown": name, "first": codes["first"], "second": codes["second"],
            "kind": kind, "label": label, "line": line_of(parent, index), "key": key}


def _table_gaps(check: SpecChecker, item: Mapping, key: str, rows: Sequence[str],
                breakdowns: Mapping[str, BreakdownSpec]) -> tuple[GapSpec, ...]:
    nodes = check.items(item["gaps"], f"{key}.gaps", item, "gaps")
    gaps = []
    for index, node in enumerate(nodes):
        check.mapping(node, f"{key}.gaps[{index}]", _GAP_FIELDS, nodes, index)
        values = _gap(check, node, f"{key}.gaps[{index}]", nodes, index, breakdowns, rows)
        gap = GapSpec(**values)
        if any((g.breakdown, g.kind, category_key(g.first), category_key(g.second))
               == (gap.breakdown, gap.kind, category_key(gap.first), category_key(gap.second))
               for g in gaps):
            raise check.error("this gap is listed twice", gap.key, nodes, index)
        gaps.append(gap)
    return tuple(gaps)


def _column(check: SpecChecker, node: Any, key: str, parent: Any, index: int,
            catalogue: Catalogue, breakdowns: Mapping[str, BreakdownSpec],
            rows: Sequence[str]) -> _Column:
    if not isinstance(node, Mapping) or sum(k in node for k in _COLUMN_KINDS) != 1:
        raise check.error("a column is a mapping with one of 'indicator: ID', 'count: ID' or "
                          "'distribution: ID'", key, parent, index)
    if "distribution" in node:
        return _distribution_column(check, node, key, parent, index, catalogue, breakdowns,
                                    rows)
    count = "count" in node
    allowed = _COUNT_COLUMN_FIELDS if count else _INDICATOR_COLUMN_FIELDS
    check.mapping(node, key, allowed, parent, index)
    field_name = "count" if count else "indicator"
    spec = _indicator(check, catalogue, node[field_name], f"{key}.{field_name}", node,
                      field_name)
    if spec.type == "distribution":
        raise check.error(
            f"indicator {spec.id!r} is a distribution: show it with 'distribution: "
            f"{spec.id}' (a column per category, the total and the number of cases)",
            f"{key}.{field_name}", node, field_name)
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
    not_applicable = _not_applicable(check, node, key, breakdowns, rows)
    return _Column(spec.id, count, header, decimals, footnote, weighted, not_applicable,
                   line_of(parent, index), key)


def _not_applicable(check: SpecChecker, node: Mapping, key: str,
                    breakdowns: Mapping[str, BreakdownSpec], rows: Sequence[str]
                    ) -> tuple[str, ...]:
    if "not_applicable" not in node:
        return ()
    names = _breakdown_names(check, node["not_applicable"], f"{key}.not_applicable", node,
                             "not_applicable", breakdowns)
    for name in names:
        if name not in rows:
            raise check.error(f"{name!r} is not a row of the table", f"{key}.not_applicable",
                              node, "not_applicable")
    return names


def _distribution_column(check: SpecChecker, node: Mapping, key: str, parent: Any, index: int,
                         catalogue: Catalogue, breakdowns: Mapping[str, BreakdownSpec],
                         rows: Sequence[str]) -> _Column:
    """A percent distribution: ``distribution`` (an indicator of type distribution),
    ``header`` (spanner over the categories), ``categories`` (code -> header, display order;
    default the value labels of the categories estimated), ``count_header``, ``decimals``,
    ``not_applicable``."""
    check.mapping(node, key, _DISTRIBUTION_COLUMN_FIELDS, parent, index)
    spec = _indicator(check, catalogue, node["distribution"], f"{key}.distribution", node,
                      "distribution")
    if spec.type != "distribution":
        raise check.error(
            f"indicator {spec.id!r} is a {spec.type}, not a distribution; show it with "
            f"'indicator: {spec.id}'", f"{key}.distribution", node, "distribution")
    header = count_header = categories = None
    if "header" in node:
        header = check.labels(node["header"], f"{key}.header", node, "header")
    if "count_header" in node:
        count_header = check.labels(node["count_header"], f"{key}.count_header", node,
                                    "count_header")
    if "categories" in node:
        mapping = node["categories"]
        if not isinstance(mapping, Mapping) or not mapping:
            raise check.error("must be a mapping of category code to column header",
                              f"{key}.categories", node, "categories")
        categories = {code: check.labels(label, f"{key}.categories.{code}", mapping, code)
                      for code, label in mapping.items()}
        keys = [category_key(code) for code in categories]
        if len(set(keys)) != len(keys):
            raise check.error("a category is listed twice", f"{key}.categories", node,
                              "categories")
    decimals = None
    if "decimals" in node:
        decimals = check.integer(node["decimals"], f"{key}.decimals", node, "decimals",
                                 high=10)
    not_applicable = _not_applicable(check, node, key, breakdowns, rows)
    return _Column(spec.id, False, header, decimals, None, True, not_applicable,
                   line_of(parent, index), key, distribution=True, categories=categories,
                   count_header=count_header)


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
            if spec.type == "distribution":
                raise check.error(
                    f"indicator {spec.id!r} is a distribution (a share per category); the "
                    "appendix shows indicators with one value", item_key, members, index)
            if spec.id in seen:
                raise check.error(f"indicator {spec.id!r} is listed twice in the appendix",
                                  item_key, members, index)
            seen.add(spec.id)
            items.append(_AppendixItem(spec.id, universe, label if label is not None
                                       else dict(spec.label), decimals,
                                       line_of(members, index),
                                       spec.type not in QUANTILE_TYPES))
    gaps = ()
    if "gaps" in node:
        gaps = _appendix_gaps(check, node, catalogue, breakdowns, domains)
    return domains, tuple(items), title, gaps


def _appendix_gaps(check: SpecChecker, node: Mapping, catalogue: Catalogue,
                   breakdowns: Mapping[str, BreakdownSpec], domains: Sequence[str]
                   ) -> tuple[GapSpec, ...]:
    nodes = check.items(node["gaps"], "appendix.gaps", node, "gaps")
    if TOTAL_NAME not in domains:
        raise check.error("the appendix shows gaps in the table of the total; add 'total' to "
                          "its domains", "appendix.gaps", node, "gaps")
    out = []
    for index, item in enumerate(nodes):
        key = f"appendix.gaps[{index}]"
        check.mapping(item, key, _APPENDIX_GAP_FIELDS, nodes, index, ("indicator",))
        spec = _indicator(check, catalogue, item["indicator"], f"{key}.indicator", item,
                          "indicator")
        if spec.type not in GAP_TYPES:
            raise check.error(
                f"indicator {spec.id!r} is a {spec.type}; gaps compare a "
                f"{', '.join(GAP_TYPES[:-1])} or {GAP_TYPES[-1]}", f"{key}.indicator", item,
                "indicator")
        values = _gap(check, item, key, nodes, index, breakdowns, list(breakdowns))
        decimals = 3
        if "decimals" in item:
            decimals = check.integer(item["decimals"], f"{key}.decimals", item, "decimals",
                                     high=10)
        gap = GapSpec(**values, indicator=spec.id, decimals=decimals)
        if any((g.indicator, g.breakdown, g.kind, category_key(g.first),
                category_key(g.second)) == (gap.indicator, gap.breakdown, gap.kind,
                                            category_key(gap.first), category_key(gap.second))
               for g in out):
            raise check.error("this gap is listed twice", key, nodes, index)
        out.append(gap)
    return tuple(out)


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
