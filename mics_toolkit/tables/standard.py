"""MICS standard tables: a language-neutral table specification and the builder that fills it
from the long estimates frame.

A :class:`TableSpec` lists indicator columns (:class:`IndicatorColumn`: a percentage, mean,
ratio, median or quantile with its header path and footnote), denominator columns
(:class:`CountColumn`: "Number of women" from the weighted count, or the unweighted count),
percent distributions (:class:`DistributionColumns`: a column per category of a variable,
"Total" and "Number of ..."), row groups (:class:`Breakdown`: Total, Area, Region, Age ...
each mapping category codes to labels) and gap rows (:class:`GapRow`: "Difference: Richest -
Poorest" under its row group, read from the gaps frame of
:func:`mics_toolkit.indicators.compute_gaps`, marked where significant at 5%).
:func:`build_table` picks one language and returns a :class:`~mics_toolkit.tables.model.Table`
with every cell flagged by the MICS small-sample rule on its own unweighted denominator
(domain.md section 3). Values stay at full precision in the model.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from mics_toolkit.errors import SpecError, check_option
from mics_toolkit.indicators.gaps import SIGNIFICANCE_LEVEL
from mics_toolkit.tables.estimates import TOTAL, breakdown_key, category_key, check_estimates
from mics_toolkit.tables.mics_rules import (
    FLAG_NO_CASES,
    FLAG_NOT_APPLICABLE,
    LANGUAGES,
    MARK_SIGNIFICANT,
    PARENTHESES_BELOW,
    SUPPRESS_BELOW,
    flag,
    indicator_footnote,
    significance_footnote,
    standard_footnotes,
)
from mics_toolkit.tables.model import Cell, Column, Row, StubGroup, Table, Text, localise

__all__ = [
    "INDICATOR_KINDS",
    "TOTAL_TITLE",
    "Breakdown",
    "CountColumn",
    "DistributionColumns",
    "GapRow",
    "IndicatorColumn",
    "TableSpec",
    "build_table",
]

IndicatorKind = Literal["percentage", "mean", "ratio", "median", "quantile"]
INDICATOR_KINDS: tuple[str, ...] = ("percentage", "mean", "ratio", "median", "quantile")
_CELL_KIND = {"percentage": "percentage", "mean": "number", "ratio": "number",
              "median": "number", "quantile": "number"}
_DEFAULT_DECIMALS = {"percentage": 1, "mean": 1, "ratio": 2, "median": 1, "quantile": 1}
_GAP_KINDS = ("difference", "ratio")
_RATIO_DECIMALS = 2  # a ratio of two estimates, whatever the estimates' decimals

TOTAL_TITLE: dict[str, str] = {"en": "Total", "ru": "Всего", "kk": "Барлығы"}


def _header_path(header: Text | Sequence[Text]) -> tuple[Text, ...]:
    if isinstance(header, str | Mapping):
        return (header,)
    path = tuple(header)
    if not path:
        raise SpecError("a column header is empty; give at least one label", key="header")
    return path


@dataclass(frozen=True)
class Breakdown:
    """A background characteristic shown as a stub group (or a domain of the appendix).

    Parameters
    ----------
    variable : str, list of str or None
        The ``by`` variable(s) of the results (``"HH6"``); ``None`` for the total.
    title : str or mapping
        Group heading (``{"en": "Area", "ru": "Тип поселения", "kk": "Елді мекен түрі"}``);
        for the total, the label of its single row (``"Total"``).
    categories : mapping
        Category code -> label, in display order (``{1: "Urban", 2: "Rural"}``). Categories
        of the results that are not listed are not shown (they stay in the tidy table); a
        listed category without results is shown as 0 cases (``-``).

    Examples
    --------
    >>> area = Breakdown("HH6", {"en": "Area"}, {1: {"en": "Urban"}, 2: {"en": "Rural"}})
    >>> area.key, Breakdown.total().key
    ('HH6', 'total')
    """

    variable: str | Sequence[str] | None
    title: Text = field(default_factory=lambda: dict(TOTAL_TITLE))
    categories: Mapping[object, Text] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.variable is not None and not isinstance(self.variable, str):
            object.__setattr__(self, "variable", tuple(self.variable))
        labels: dict[str, Text] = {}
        for code, label in dict(self.categories).items():
            key = category_key(code)
            if key in labels:
                raise SpecError(
                    f"breakdown {self.key!r} lists category {code!r} twice", key=self.key
                )
            labels[key] = label
        if self.variable is not None and not labels:
            raise SpecError(
                f"breakdown {self.key!r} has no categories; map each code to its label",
                key=self.key,
            )
        object.__setattr__(self, "categories", labels)

    @classmethod
    def total(cls, title: Text | None = None) -> Breakdown:
        """The total row (no ``by`` variable), labelled ``Total`` in en/ru/kk by default."""
        return cls(None, dict(TOTAL_TITLE) if title is None else title)

    @property
    def key(self) -> str:
        """The ``breakdown`` value of its estimates: ``"total"`` or the variables."""
        return breakdown_key(self.variable)

    def labelled_categories(self, lang: str) -> list[tuple[str, str]]:
        """``(category, label)`` pairs in display order, in language ``lang``."""
        if self.variable is None:
            return [(TOTAL, localise(self.title, lang, what="title of the total row"))]
        return [
            (key, localise(label, lang, what=f"label of {self.key} category {key}"))
            for key, label in self.categories.items()
        ]


@dataclass(frozen=True)
class IndicatorColumn:
    """A column of indicator values.

    Parameters
    ----------
    indicator : str
        Indicator id in the estimates frame.
    header : str, mapping, or sequence of them
        Header path, top spanner first: ``[{"en": "Percentage of children who
        experienced:"}, {"en": "Any violent discipline method"}]``.
    kind : {"percentage", "mean", "ratio", "median", "quantile"}
        A percentage shows the proportion x 100.
    decimals : int, optional
        Default 1 for percentages, means, medians and quantiles, 2 for ratios.
    mics_code, sdg_code : str, optional
        MICS and SDG indicator codes; with either, the column gets a numbered footnote
        ``[1] MICS indicator PR.2 - <name>; SDG indicator 16.2.1``.
    name : str or mapping, optional
        Indicator name in the generated footnote.
    footnote : str or mapping, optional
        Footnote text (without the number) replacing the generated one.
    not_applicable : collection of str
        Breakdown keys (``"HL4"``) where the indicator does not apply: its cells show ``na``.
    """

    indicator: str
    header: Text | Sequence[Text]
    kind: IndicatorKind = "percentage"
    decimals: int | None = None
    mics_code: str | None = None
    sdg_code: str | None = None
    name: Text | None = None
    footnote: Text | None = None
    not_applicable: Collection[str] = ()

    def __post_init__(self) -> None:
        check_option("kind", self.kind, INDICATOR_KINDS)
        object.__setattr__(self, "header", _header_path(self.header))
        object.__setattr__(self, "not_applicable", frozenset(self.not_applicable))

    def footnote_text(self, lang: str) -> str | None:
        """The footnote in ``lang`` without its number, or None when the column has none."""
        if self.footnote is not None:
            return localise(self.footnote, lang, what=f"footnote of indicator {self.indicator}")
        if self.mics_code or self.sdg_code:
            name = localise(self.name, lang, what=f"name of indicator {self.indicator}")
            return indicator_footnote(
                None, mics_code=self.mics_code, name=name, sdg_code=self.sdg_code, lang=lang
            )
        return None


@dataclass(frozen=True)
class CountColumn:
    """A denominator column: the weighted count (``"Number of women age 15-49 years"``) or
    the unweighted count of the cases behind an indicator.

    Parameters
    ----------
    indicator : str
        The indicator whose denominator is shown.
    header : str, mapping, or sequence of them
        Header path.
    weighted : bool
        True (default): ``n_weighted``; False: ``n_unweighted``.
    not_applicable : collection of str
        Breakdown keys whose cells show ``na``.
    """

    indicator: str
    header: Text | Sequence[Text]
    weighted: bool = True
    not_applicable: Collection[str] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "header", _header_path(self.header))
        object.__setattr__(self, "not_applicable", frozenset(self.not_applicable))


@dataclass(frozen=True)
class DistributionColumns:
    """A percent distribution: one column per category of a distribution indicator, a
    "Total" column (100.0) and the weighted "Number of ..." column, as MICS tables print them.

    Parameters
    ----------
    indicator : str
        The distribution indicator's id; its estimates are the rows ``"<id>=<category>"`` of
        the estimates frame (:func:`mics_toolkit.indicators.level_id`).
    categories : mapping
        Category code -> column header (a label, or a header path of labels, top spanner
        first), in display order. Every category with a nonzero estimate must be listed, so
        that each row sums to 100.
    count_header : str, mapping, or sequence of them
        Header of the weighted count column ("Number of women age 15-49 years").
    header : str, mapping, or sequence of them, optional
        Spanner path above every category column ("Percent distribution of women by ...").
    total_header : str or mapping
        Header of the total column (default "Total" in en/ru/kk).
    decimals : int
        Decimals of the percentages (default 1).
    not_applicable : collection of str
        Breakdown keys whose cells show ``na``.
    """

    indicator: str
    categories: Mapping[object, Text | Sequence[Text]]
    count_header: Text | Sequence[Text]
    header: Text | Sequence[Text] | None = None
    total_header: Text = field(default_factory=lambda: dict(TOTAL_TITLE))
    decimals: int = 1
    not_applicable: Collection[str] = ()

    def __post_init__(self) -> None:
        headers: dict[str, tuple[Text, ...]] = {}
        for code, header in dict(self.categories).items():
            key = category_key(code)
            if key in headers:
                raise SpecError(f"distribution {self.indicator!r} lists category {code!r} "
                                "twice", key=self.indicator)
            headers[key] = _header_path(header)
        if not headers:
            raise SpecError(f"distribution {self.indicator!r} has no categories; map each "
                            "code to its column header", key=self.indicator)
        object.__setattr__(self, "categories", headers)
        object.__setattr__(self, "count_header", _header_path(self.count_header))
        if self.header is not None:
            object.__setattr__(self, "header", _header_path(self.header))
        object.__setattr__(self, "not_applicable", frozenset(self.not_applicable))

    def keys(self) -> list[str]:
        """Column keys: ``"<id>=<category>"`` per category, ``"<id>:total"``,
        ``"<id>:n_weighted"``."""
        return ([f"{self.indicator}={c}" for c in self.categories]
                + [f"{self.indicator}:total", f"{self.indicator}:n_weighted"])


@dataclass(frozen=True)
class GapRow:
    """A row of gaps under the row group of ``breakdown``: each column of a percentage, mean
    or ratio shows the difference (or ratio) of its indicator between two categories.

    Parameters
    ----------
    breakdown : str
        The key of a row group of the table (its variable, ``"windex5"``).
    first, second : category codes
        ``first - second`` (or ``first / second``).
    label : str or mapping
        Stub label ("Difference: Richest - Poorest").
    kind : {"difference", "ratio"}
        A difference of percentages is shown in percentage points with the column's
        decimals; a ratio with 2 decimals.
    """

    breakdown: str
    first: object
    second: object
    label: Text
    kind: str = "difference"

    def __post_init__(self) -> None:
        check_option("kind", self.kind, _GAP_KINDS)
        object.__setattr__(self, "first", category_key(self.first))
        object.__setattr__(self, "second", category_key(self.second))


@dataclass(frozen=True)
class TableSpec:
    """A MICS standard table, before choosing the language.

    Parameters
    ----------
    id : str
        Table number (``"PR.2.1"``); also the sheet name.
    title : str or mapping
        ``"Table PR.2.1: Child discipline"``.
    columns : sequence of IndicatorColumn, CountColumn and DistributionColumns
        In display order (a distribution takes as many columns as it has categories, plus
        two).
    rows : sequence of Breakdown
        Row groups in display order, usually ``Breakdown.total()`` first.
    subtitle : str or mapping, optional
        The line under the title ("Percentage of children age 1-14 years by ...").
    stub_header : str or mapping
        Header over the row labels.
    notes : sequence of str or mapping
        Further footnotes, after the indicator footnotes.
    gaps : sequence of GapRow
        Gap rows, each under the row group of its breakdown (after its categories).
    """

    id: str
    title: Text
    columns: Sequence[IndicatorColumn | CountColumn | DistributionColumns]
    rows: Sequence[Breakdown]
    subtitle: Text | None = None
    stub_header: Text = ""
    notes: Sequence[Text] = ()
    gaps: Sequence[GapRow] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(self.columns))
        object.__setattr__(self, "rows", tuple(self.rows))
        object.__setattr__(self, "notes", tuple(self.notes))
        object.__setattr__(self, "gaps", tuple(self.gaps))
        row_keys = [b.key for b in self.rows if b.variable is not None]
        for gap in self.gaps:
            if gap.breakdown not in row_keys:
                raise SpecError(
                    f"table {self.id!r}: a gap compares categories of {gap.breakdown!r}, which "
                    f"is not a row group of the table ({', '.join(row_keys) or 'none'})",
                    key=f"{self.id}.gaps")
        if not self.columns:
            raise SpecError(f"table {self.id!r} has no columns", key=f"{self.id}.columns")
        if not self.rows:
            raise SpecError(f"table {self.id!r} has no rows", key=f"{self.id}.rows")
        keys = [b.key for b in self.rows]
        if len(set(keys)) != len(keys):
            raise SpecError(
                f"table {self.id!r} lists a breakdown twice: {keys}", key=f"{self.id}.rows"
            )


def build_table(
    spec: TableSpec,
    estimates: pd.DataFrame,
    *,
    lang: str = "en",
    footnotes: Literal["used", "all"] = "used",
    suppress_below: int = SUPPRESS_BELOW,
    parentheses_below: int = PARENTHESES_BELOW,
    gaps: pd.DataFrame | None = None,
) -> Table:
    """Fill a table specification from the estimates frame, in one language.

    Parameters
    ----------
    spec : TableSpec
    estimates : pandas.DataFrame
        The long frame of :mod:`mics_toolkit.tables.estimates` (see :func:`stack_results`).
    lang : {"en", "ru", "kk"}
        Language of every label; each label mapping must have it.
    footnotes : {"used", "all"}
        Standard footnotes: only those of the marks present in the table (default), or all
        four.
    suppress_below, parentheses_below : int
        Small-sample thresholds (MICS: 25 and 50).
    gaps : pandas.DataFrame, optional
        The gaps frame (:data:`mics_toolkit.indicators.GAP_COLUMNS`, from
        :func:`mics_toolkit.indicators.compute_gaps`); required when ``spec.gaps`` is not
        empty.

    Returns
    -------
    Table
        One column per spec column (keys ``"<indicator>"``, ``"<indicator>:n_weighted"``,
        ``"<indicator>:n_unweighted"``; a distribution's :meth:`DistributionColumns.keys`),
        one stub group per breakdown (the total without a heading) with its gap rows last;
        footnotes: numbered indicator footnotes, then ``spec.notes``, then the standard
        footnotes, then the footnote of the significance mark when the table has gaps.

    Raises
    ------
    SpecError
        An indicator of the spec has no estimates, or none by a breakdown of the spec (mark
        the breakdown ``not_applicable`` or estimate it); a distribution has estimates for a
        category it does not list; a gap of the spec is not in ``gaps``; a label lacks
        ``lang``.

    Notes
    -----
    An indicator cell is flagged on its own ``n_unweighted`` (:func:`mics_rules.flag`):
    ``0 cases`` (also for a listed category with no estimate), ``<25``, ``25-49``. Count
    cells are not marked; a category without estimates counts 0. A distribution's cells are
    flagged on the row's unweighted count; its total is the sum of its shares (100.0). A gap
    cell is flagged on the smaller unweighted count of its two categories and carries
    :data:`~mics_toolkit.tables.mics_rules.MARK_SIGNIFICANT` when its p-value is below 0.05;
    medians, quantiles and distributions show ``na`` in a gap row, counts nothing.

    Examples
    --------
    >>> import mics_toolkit as mt
    >>> from mics_toolkit.tables import stack_results
    >>> frame = pd.DataFrame({"HH6": [1] * 30 + [2] * 60, "y": [0, 1, 1] * 30,
    ...                       "w": [1.0] * 90, "psu": list(range(90))})
    >>> design = mt.SurveyDesign(frame, weight="w", psu="psu")
    >>> estimates = stack_results("X.1", [design.mean("y"), design.mean("y", by="HH6")])
    >>> spec = TableSpec("T.1", "Table T.1", [IndicatorColumn("X.1", "Percentage")],
    ...                  [Breakdown.total(), Breakdown("HH6", "Area", {1: "Urban", 2: "Rural"})])
    >>> [row.cells[0].shown for _, row in build_table(spec, estimates).rows()]
    ['66.7', '(66.7)', '66.7']
    """
    check_option("lang", lang, LANGUAGES)
    check_option("footnotes", footnotes, ("used", "all"))
    check_estimates(estimates)
    lookup = _lookup(estimates)
    breakdowns_of = _breakdowns_by_indicator(lookup)
    columns, footnote_lines = _columns(spec, lang)
    _check_columns(spec, lookup, breakdowns_of)
    gap_lookup = _gap_lookup(spec, gaps)
    rules = (suppress_below, parentheses_below)

    groups = []
    for breakdown in spec.rows:
        rows = []
        for category, label in breakdown.labelled_categories(lang):
            cells = tuple(
                cell
                for column in spec.columns
                for cell in _cells(column, breakdown.key, category, lookup, rules)
            )
            rows.append(Row(label, cells, breakdown=breakdown.key, category=category))
        for gap in spec.gaps:
            if gap.breakdown == breakdown.key:
                cells = tuple(cell for column in spec.columns
                              for cell in _gap_cells(column, gap, gap_lookup, rules))
                label = localise(gap.label, lang, what=f"label of a gap of table {spec.id}")
                rows.append(Row(label, cells, breakdown=breakdown.key,
                                category=f"{gap.first}{'-' if gap.kind == 'difference' else '/'}"
                                         f"{gap.second}"))
        heading = (
            None if breakdown.variable is None
            else localise(breakdown.title, lang, what=f"title of breakdown {breakdown.key}")
        )
        groups.append(StubGroup(heading, tuple(rows)))

    notes = [localise(n, lang, what=f"note of table {spec.id}") for n in spec.notes]
    table = Table(
        id=spec.id,
        title=localise(spec.title, lang, what=f"title of table {spec.id}"),
        subtitle=localise(spec.subtitle, lang, what=f"subtitle of table {spec.id}"),
        stub_header=localise(spec.stub_header, lang, what=f"stub header of table {spec.id}"),
        columns=tuple(columns),
        groups=tuple(groups),
    )
    used = table.flags_used() if footnotes == "used" else None
    lines = [*footnote_lines, *notes, *standard_footnotes(used, lang=lang)]
    if spec.gaps:
        lines.append(significance_footnote(lang))
    return Table(
        id=table.id,
        title=table.title,
        subtitle=table.subtitle,
        stub_header=table.stub_header,
        columns=table.columns,
        groups=table.groups,
        footnotes=tuple(lines),
    )


def _check_columns(spec: TableSpec, lookup: Mapping, breakdowns_of: Mapping[str, set[str]]
                   ) -> None:
    """Every column's indicator has estimates by every row group it shows; a distribution
    lists every category with a nonzero estimate."""
    for column in spec.columns:
        indicator = column.indicator
        estimated = breakdowns_of.get(indicator)
        if isinstance(column, DistributionColumns):
            prefix = f"{indicator}="
            estimated = set().union(*(found for name, found in breakdowns_of.items()
                                      if name.startswith(prefix))) or None
            shares: dict[str, float] = {}
            for (name, _, _), (value, _, _) in lookup.items():
                if name.startswith(prefix) and math.isfinite(value):
                    category = name[len(prefix):]
                    shares[category] = max(shares.get(category, 0.0), value)
            unlisted = sorted(c for c, top in shares.items()
                              if top > 0 and c not in column.categories)
            if unlisted:
                raise SpecError(
                    f"table {spec.id!r}: categories {', '.join(unlisted)} of distribution "
                    f"{indicator!r} have estimates but no column; list them in its "
                    "categories so that each row sums to 100",
                    key=f"{spec.id}.columns.{indicator}")
        if estimated is None:
            known = sorted(breakdowns_of)
            raise SpecError(
                f"table {spec.id!r}: indicator {indicator!r} has no estimates (estimated: "
                f"{', '.join(known) or 'none'}); estimate it or remove the column",
                key=f"{spec.id}.columns.{indicator}",
            )
        for breakdown in spec.rows:
            if breakdown.key in column.not_applicable:
                continue
            if breakdown.key not in estimated:
                raise SpecError(
                    f"table {spec.id!r}: indicator {indicator!r} has no estimates by "
                    f"{breakdown.key!r}; estimate it by {breakdown.key!r} or list "
                    f"{breakdown.key!r} in the column's not_applicable",
                    key=f"{spec.id}.columns.{indicator}",
                )


def _columns(spec: TableSpec, lang: str) -> tuple[list[Column], list[str]]:
    """Columns with localised headers (footnote numbers after the leaf) and the numbered
    indicator footnotes; identical footnote texts share a number."""
    numbers: dict[str, int] = {}
    lines: list[str] = []
    columns = []
    for column in spec.columns:
        what = f"header of column {column.indicator} in table {spec.id}"

        def path(parts, what=what) -> list[str]:
            return [localise(part, lang, what=what) for part in parts]

        if isinstance(column, DistributionColumns):
            spanner = path(column.header) if column.header is not None else []
            keys = column.keys()
            for key, header in zip(keys, column.categories.values(), strict=False):
                columns.append(Column(key, tuple(spanner + path(header))))
            columns.append(Column(keys[-2], (localise(column.total_header, lang, what=what),)))
            columns.append(Column(keys[-1], tuple(path(column.count_header))))
            continue
        header = path(column.header)
        if isinstance(column, IndicatorColumn):
            key = column.indicator
            body = column.footnote_text(lang)
            if body is not None:
                if body not in numbers:
                    numbers[body] = len(numbers) + 1
                    lines.append(f"[{numbers[body]}] {body}")
                header[-1] = f"{header[-1]} [{numbers[body]}]"
        else:
            key = f"{column.indicator}:{'n_weighted' if column.weighted else 'n_unweighted'}"
        columns.append(Column(key, tuple(header)))
    keys = [c.key for c in columns]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise SpecError(
            f"table {spec.id!r} shows the same column twice: {repeated}",
            key=f"{spec.id}.columns",
        )
    return columns, lines


def _lookup(estimates: pd.DataFrame) -> dict[tuple[str, str, str], tuple[float, int, float]]:
    """(indicator, breakdown, category) -> (estimate, n_unweighted, n_weighted)."""
    keys = zip(
        map(str, estimates["indicator"].tolist()),
        map(str, estimates["breakdown"].tolist()),
        map(str, estimates["category"].tolist()),
        strict=True,
    )
    values = zip(
        estimates["estimate"].to_numpy(dtype=float).tolist(),
        estimates["n_unweighted"].to_numpy(dtype=np.int64).tolist(),
        estimates["n_weighted"].to_numpy(dtype=float).tolist(),
        strict=True,
    )
    return dict(zip(keys, values, strict=True))


def _breakdowns_by_indicator(
    lookup: Mapping[tuple[str, str, str], object],
) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for indicator, breakdown, _ in lookup:
        out.setdefault(indicator, set()).add(breakdown)
    return out


def _gap_lookup(spec: TableSpec, gaps: pd.DataFrame | None
                ) -> dict[tuple[str, str, str, str, str], tuple[float, float, int]]:
    """(indicator, breakdown, kind, first, second) -> (estimate, p_value, n_unweighted) of
    the gaps the table shows."""
    if not spec.gaps:
        return {}
    if gaps is None:
        raise SpecError(f"table {spec.id!r} has gap rows; pass the gaps frame "
                        "(mics_toolkit.indicators.compute_gaps) as gaps=",
                        key=f"{spec.id}.gaps")
    keys = zip(*(gaps[name].astype(str).tolist()
                 for name in ("indicator", "breakdown", "kind", "first", "second")),
               strict=True)
    values = zip(gaps["estimate"].to_numpy(dtype=float).tolist(),
                 gaps["p_value"].to_numpy(dtype=float).tolist(),
                 gaps["n_unweighted"].to_numpy(dtype=np.int64).tolist(), strict=True)
    return dict(zip(keys, values, strict=True))


def _cells(
    column: IndicatorColumn | CountColumn | DistributionColumns,
    breakdown: str,
    category: str,
    lookup: Mapping[tuple[str, str, str], tuple[float, int, float]],
    rules: tuple[int, int],
) -> list[Cell]:
    """The cells of ``column`` (several for a distribution) in one row."""
    suppress_below, parentheses_below = rules
    if isinstance(column, DistributionColumns):
        return _distribution_cells(column, breakdown, category, lookup, rules)
    found = lookup.get((column.indicator, breakdown, category))
    if isinstance(column, IndicatorColumn):
        kind = _CELL_KIND[column.kind]
        decimals = _DEFAULT_DECIMALS[column.kind] if column.decimals is None else column.decimals
        if breakdown in column.not_applicable:
            return [Cell(math.nan, kind, decimals, FLAG_NOT_APPLICABLE)]
        if found is None:
            return [Cell(math.nan, kind, decimals, FLAG_NO_CASES)]
        estimate, n_unweighted, _ = found
        marked = flag(
            n_unweighted, suppress_below=suppress_below, parentheses_below=parentheses_below
        )
        return [Cell(estimate, kind, decimals, marked)]
    if breakdown in column.not_applicable:
        return [Cell(math.nan, "count", 0, FLAG_NOT_APPLICABLE)]
    if found is None:
        return [Cell(0.0, "count", 0)]
    _, n_unweighted, n_weighted = found
    return [Cell(n_weighted if column.weighted else float(n_unweighted), "count", 0)]


def _distribution_cells(
    column: DistributionColumns,
    breakdown: str,
    category: str,
    lookup: Mapping[tuple[str, str, str], tuple[float, int, float]],
    rules: tuple[int, int],
) -> list[Cell]:
    """A distribution's cells in one row: the share of each category, their total and the
    weighted count of the row's domain; a category without an estimate in a domain with
    cases has the share 0."""
    n_columns = len(column.categories) + 1
    if breakdown in column.not_applicable:
        return ([Cell(math.nan, "percentage", column.decimals, FLAG_NOT_APPLICABLE)] * n_columns
                + [Cell(math.nan, "count", 0, FLAG_NOT_APPLICABLE)])
    found = [lookup.get((f"{column.indicator}={code}", breakdown, category))
             for code in column.categories]
    present = [f for f in found if f is not None]
    if not present:
        return [Cell(math.nan, "percentage", column.decimals, FLAG_NO_CASES)] * n_columns + [
            Cell(0.0, "count", 0)]
    _, n_unweighted, n_weighted = present[0]
    marked = flag(n_unweighted, suppress_below=rules[0], parentheses_below=rules[1])
    shares = [0.0 if f is None else f[0] for f in found]
    return ([Cell(share, "percentage", column.decimals, marked) for share in shares]
            + [Cell(math.fsum(shares), "percentage", column.decimals, marked),
               Cell(n_weighted, "count", 0)])


def _gap_cells(
    column: IndicatorColumn | CountColumn | DistributionColumns,
    gap: GapRow,
    gaps: Mapping[tuple[str, str, str, str, str], tuple[float, float, int]],
    rules: tuple[int, int],
) -> list[Cell]:
    """The cells of ``column`` in a gap row: the gap of an indicator column, ``na`` where
    gaps are not estimated (medians, quantiles, distributions), nothing under counts."""
    if isinstance(column, CountColumn):
        return [Cell(text="")]
    if isinstance(column, DistributionColumns):
        return ([Cell(math.nan, "percentage", column.decimals, FLAG_NOT_APPLICABLE)]
                * (len(column.categories) + 1) + [Cell(text="")])
    decimals = _DEFAULT_DECIMALS[column.kind] if column.decimals is None else column.decimals
    if gap.kind == "ratio":
        kind, decimals = "number", _RATIO_DECIMALS
    else:
        kind = _CELL_KIND[column.kind]
    if column.kind not in ("percentage", "mean", "ratio") or gap.breakdown in (
            column.not_applicable):
        return [Cell(math.nan, kind, decimals, FLAG_NOT_APPLICABLE)]
    found = gaps.get((column.indicator, gap.breakdown, gap.kind, gap.first, gap.second))
    if found is None:
        raise SpecError(
            f"the gap {gap.first} {'-' if gap.kind == 'difference' else '/'} {gap.second} "
            f"of {gap.breakdown!r} for indicator {column.indicator!r} is not in the gaps "
            "frame; compute it with compute_gaps", key=f"{column.indicator}.gaps")
    estimate, p_value, n_unweighted = found
    marked = flag(n_unweighted, suppress_below=rules[0], parentheses_below=rules[1])
    marker = MARK_SIGNIFICANT if p_value < SIGNIFICANCE_LEVEL else ""
    return [Cell(estimate, kind, decimals, marked, marker=marker)]
