"""The sampling-error appendix: for selected indicators, one table per domain (the total, each
area, each region ...) with value, standard error, CV, DEFF, DEFT, weighted and unweighted
counts and the limits ``r - 2se`` and ``r + 2se``, rows grouped by universe (households,
women, children under 5 ...), as the MICS survey findings reports print them (domain.md
section 3). Medians and quantiles have no design effect: their DEFF and DEFT cells are blank.
Gaps (differences and ratios between two categories of a breakdown, from the gaps frame of
:func:`mics_toolkit.indicators.compute_gaps`) are rows of the total's table, under their own
heading, with value, SE, CV (ratios only) and limits.

:func:`sampling_errors` gathers the statistics from the long estimates frame into a
:class:`SamplingErrors` result (a frozen dataclass holding a DataFrame, with ``to_frames()``,
``summary()`` and ``to_tables(lang)`` for rendering).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mics_toolkit.errors import SpecError, check_option
from mics_toolkit.tables.estimates import TOTAL, category_key, check_estimates
from mics_toolkit.tables.mics_rules import FLAG_NO_CASES, LANGUAGES
from mics_toolkit.tables.model import Cell, Column, Row, StubGroup, Table, Text, localise
from mics_toolkit.tables.standard import Breakdown

__all__ = [
    "APPENDIX_COLUMNS",
    "APPENDIX_GAP_COLUMNS",
    "APPENDIX_TITLE",
    "AppendixGap",
    "AppendixIndicator",
    "SamplingErrors",
    "sampling_errors",
]

APPENDIX_COLUMNS: tuple[str, ...] = (
    "domain",
    "breakdown",
    "category",
    "indicator",
    "estimate",
    "se",
    "cv",
    "deff",
    "deft",
    "n_weighted",
    "n_unweighted",
    "r_minus_2se",
    "r_plus_2se",
)

APPENDIX_GAP_COLUMNS: tuple[str, ...] = (
    "indicator",
    "breakdown",
    "kind",
    "first",
    "second",
    "estimate",
    "se",
    "cv",
    "p_value",
    "r_minus_2se",
    "r_plus_2se",
)

APPENDIX_TITLE: dict[str, str] = {
    "en": "Sampling errors: {domain}",
    "ru": "Ошибки выборки: {domain}",
    "kk": "Іріктеме қателері: {domain}",
}

_HEADERS: dict[str, dict[str, str]] = {
    "en": {
        "mics_code": "MICS indicator",
        "sdg_code": "SDG indicator",
        "estimate": "Value (r)",
        "se": "Standard error (se)",
        "cv": "Coefficient of variation (se/r)",
        "deff": "Design effect (deff)",
        "deft": "Square root of design effect (deft)",
        "n_weighted": "Weighted count",
        "n_unweighted": "Unweighted count",
        "limits": "Confidence limits",
        "gaps": "Differences and ratios",
    },
    "ru": {
        "mics_code": "Индикатор MICS",
        "sdg_code": "Индикатор ЦУР",
        "estimate": "Значение (r)",
        "se": "Стандартная ошибка (se)",
        "cv": "Коэффициент вариации (se/r)",
        "deff": "Эффект дизайна (deff)",
        "deft": "Квадратный корень из эффекта дизайна (deft)",
        "n_weighted": "Взвешенное число",
        "n_unweighted": "Невзвешенное число",
        "limits": "Доверительные границы",
        "gaps": "Разницы и отношения",
    },
    "kk": {
        "mics_code": "MICS индикаторы",
        "sdg_code": "ТДМ индикаторы",
        "estimate": "Мәні (r)",
        "se": "Стандартты қате (se)",
        "cv": "Вариация коэффициенті (se/r)",
        "deff": "Дизайн әсері (deff)",
        "deft": "Дизайн әсерінің квадрат түбірі (deft)",
        "n_weighted": "Салмақталған саны",
        "n_unweighted": "Салмақталмаған саны",
        "limits": "Сенім шектері",
        "gaps": "Айырмалар мен қатынастар",
    },
}


@dataclass(frozen=True)
class AppendixIndicator:
    """An indicator of the appendix.

    Parameters
    ----------
    indicator : str
        Indicator id in the estimates frame.
    label : str or mapping
        Row label ("Percentage of children whose births are registered").
    universe : str or mapping
        Row group ("Children under 5"); indicators of one universe are shown together, in
        the order of first appearance.
    decimals : int
        Decimals of value, SE and limits (default 3: proportions are shown as fractions, as
        in MICS appendices).
    mics_code, sdg_code : str, optional
        Shown in their own columns when any indicator has one.
    design_effect : bool
        False for statistics without a design effect (medians, quantiles): their DEFF and
        DEFT cells are blank.
    """

    indicator: str
    label: Text
    universe: Text
    decimals: int = 3
    mics_code: str | None = None
    sdg_code: str | None = None
    design_effect: bool = True


@dataclass(frozen=True)
class AppendixGap:
    """A gap of the appendix: an indicator's difference or ratio between two categories of a
    breakdown, a row of the total's table.

    Parameters
    ----------
    indicator : str
    breakdown : str
        The breakdown variable (``"windex5"``).
    first, second : category codes
    label : str or mapping
        Row label ("Percentage very or somewhat happy, difference: Richest - Poorest").
    kind : {"difference", "ratio"}
    decimals : int
        Decimals of value, SE and limits (default 3).
    mics_code, sdg_code : str, optional
        The indicator's codes, shown as for the indicators.
    """

    indicator: str
    breakdown: str
    first: object
    second: object
    label: Text
    kind: str = "difference"
    decimals: int = 3
    mics_code: str | None = None
    sdg_code: str | None = None

    def __post_init__(self) -> None:
        check_option("kind", self.kind, ("difference", "ratio"))
        object.__setattr__(self, "first", category_key(self.first))
        object.__setattr__(self, "second", category_key(self.second))

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        """``(indicator, breakdown, kind, first, second)``: its row of the gaps frame."""
        return (self.indicator, self.breakdown, self.kind, self.first, self.second)


def _domain_key(breakdown: str, category: str) -> str:
    return TOTAL if breakdown == TOTAL else f"{breakdown}={category}"


@dataclass(frozen=True, eq=False)
class SamplingErrors:
    """Sampling errors of selected indicators in each domain.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per domain and indicator, domains in the order of ``domains`` then their
        categories, indicators in the order given. Columns :data:`APPENDIX_COLUMNS`:
        ``domain`` (``"total"`` or ``"HH7=3"``), ``breakdown``, ``category``, ``indicator``,
        ``estimate`` (r), ``se``, ``cv`` (se / r), ``deff``, ``deft``, ``n_weighted``,
        ``n_unweighted``, ``r_minus_2se``, ``r_plus_2se``; full precision, proportions as
        fractions. A domain without estimates has NaN statistics and 0 counts.
    indicators : tuple of AppendixIndicator
    domains : tuple of Breakdown
    gaps : pandas.DataFrame
        One row per gap of ``gap_items``, columns :data:`APPENDIX_GAP_COLUMNS`: the gap's
        identity, ``estimate`` (r), ``se``, ``cv`` (se / r for a ratio, NaN for a
        difference), ``p_value`` and the limits; empty without gaps.
    gap_items : tuple of AppendixGap
    """

    frame: pd.DataFrame
    indicators: tuple[AppendixIndicator, ...]
    domains: tuple[Breakdown, ...]
    gaps: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=list(APPENDIX_GAP_COLUMNS)))
    gap_items: tuple[AppendixGap, ...] = ()

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """One frame per domain, keyed by ``domain``, in domain order."""
        return {key: self.frame.take(rows).reset_index(drop=True)
                for key, rows in self._domain_rows().items()}

    def _records_by_domain(self) -> dict[str, list[dict]]:
        """The rows of :attr:`frame` as records, by ``domain`` in domain order (what
        :meth:`to_frames` holds, in one pass over the frame)."""
        records = self.frame.to_dict("records")
        return {key: [records[k] for k in rows] for key, rows in self._domain_rows().items()}

    def _domain_rows(self) -> dict[str, list[int]]:
        """Positions of the rows of :attr:`frame` by ``domain``, in domain order."""
        out: dict[str, list[int]] = {}
        for position, key in enumerate(self.frame["domain"].astype(str)):
            out.setdefault(key, []).append(position)
        return out

    def summary(self) -> str:
        """Plain text: per domain, indicator, r, se, deff and unweighted count."""
        lines = []
        for key, part in self.to_frames().items():
            lines.append(f"domain {key}")
            shown = part[["indicator", "estimate", "se", "deff", "n_unweighted"]]
            lines.append(shown.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
        return "\n".join(lines)

    def to_tables(
        self,
        lang: str = "en",
        *,
        title: Text | None = None,
        id_prefix: str = "SE",
    ) -> tuple[Table, ...]:
        """One table per domain, ready to render.

        Parameters
        ----------
        lang : {"en", "ru", "kk"}
        title : str or mapping, optional
            Title template with ``{domain}`` for the domain label; default
            :data:`APPENDIX_TITLE` ("Sampling errors: {domain}").
        id_prefix : str
            Table ids are ``"<id_prefix>.<n>"``, n = 1, 2, ... in domain order.

        Returns
        -------
        tuple of Table
            Columns: MICS and SDG codes (text, when any indicator has one), value (r), se,
            cv, deff, deft, weighted and unweighted counts, and the spanner "Confidence
            limits" over ``r - 2se`` and ``r + 2se``. Stub groups are the universes.
        """
        check_option("lang", lang, LANGUAGES)
        words = _HEADERS[lang]
        template = localise(APPENDIX_TITLE if title is None else title, lang,
                            what="title of the sampling-error tables")
        with_mics = any(i.mics_code for i in (*self.indicators, *self.gap_items))
        with_sdg = any(i.sdg_code for i in (*self.indicators, *self.gap_items))
        columns = []
        if with_mics:
            columns.append(Column("mics_code", (words["mics_code"],)))
        if with_sdg:
            columns.append(Column("sdg_code", (words["sdg_code"],)))
        for name in ("estimate", "se", "cv", "deff", "deft", "n_weighted", "n_unweighted"):
            columns.append(Column(name, (words[name],)))
        columns.append(Column("r_minus_2se", (words["limits"], "r - 2se")))
        columns.append(Column("r_plus_2se", (words["limits"], "r + 2se")))

        labels = self._domain_labels(lang)
        tables = []
        for number, (key, records) in enumerate(self._records_by_domain().items(), start=1):
            by_indicator = {row["indicator"]: row for row in records}
            groups: dict[str, list[Row]] = {}
            for item in self.indicators:
                universe = localise(item.universe, lang, what=f"universe of {item.indicator}")
                label = localise(item.label, lang, what=f"label of {item.indicator}")
                values = by_indicator[item.indicator]
                cells = []
                if with_mics:
                    cells.append(Cell(text=item.mics_code or ""))
                if with_sdg:
                    cells.append(Cell(text=item.sdg_code or ""))
                cells.extend(_statistic_cells(values, item.decimals, item.design_effect))
                groups.setdefault(universe, []).append(
                    Row(label, tuple(cells), breakdown=str(values["breakdown"]),
                        category=str(values["category"]))
                )
            if key == TOTAL and self.gap_items:
                groups[words["gaps"]] = self._gap_rows(lang, with_mics, with_sdg)
            tables.append(
                Table(
                    id=f"{id_prefix}.{number}",
                    title=template.format(domain=labels[key]),
                    columns=tuple(columns),
                    groups=tuple(StubGroup(u, tuple(rows)) for u, rows in groups.items()),
                )
            )
        return tuple(tables)

    def _gap_rows(self, lang: str, with_mics: bool, with_sdg: bool) -> list[Row]:
        """The rows of the gaps, in the order of :attr:`gap_items`."""
        rows = []
        for item, values in zip(self.gap_items, self.gaps.to_dict("records"), strict=True):
            cells = []
            if with_mics:
                cells.append(Cell(text=item.mics_code or ""))
            if with_sdg:
                cells.append(Cell(text=item.sdg_code or ""))

            def number(name: str, places: int, values=values) -> Cell:
                return Cell(float(values[name]), "number", places)

            blank = Cell(text="")
            cells += [number("estimate", item.decimals), number("se", item.decimals),
                      number("cv", 3) if item.kind == "ratio" else blank, blank, blank, blank,
                      blank, number("r_minus_2se", item.decimals),
                      number("r_plus_2se", item.decimals)]
            label = localise(item.label, lang, what=f"label of a gap of {item.indicator}")
            sign = "-" if item.kind == "difference" else "/"
            rows.append(Row(label, tuple(cells), breakdown=item.breakdown,
                            category=f"{item.first}{sign}{item.second}"))
        return rows

    def _domain_labels(self, lang: str) -> dict[str, str]:
        labels = {}
        for breakdown in self.domains:
            for category, label in breakdown.labelled_categories(lang):
                labels[_domain_key(breakdown.key, category)] = label
        return labels


def _statistic_cells(values: dict, decimals: int, design_effect: bool = True) -> list[Cell]:
    n_unweighted = int(values["n_unweighted"])
    marked = FLAG_NO_CASES if n_unweighted == 0 else ""

    def number(name: str, places: int) -> Cell:
        if not design_effect and name in ("deff", "deft"):
            return Cell(text="")
        return Cell(float(values[name]), "number", places, marked)

    return [
        number("estimate", decimals),
        number("se", decimals),
        number("cv", 3),
        number("deff", 2),
        number("deft", 2),
        Cell(float(values["n_weighted"]), "count", 0),
        Cell(float(n_unweighted), "count", 0),
        number("r_minus_2se", decimals),
        number("r_plus_2se", decimals),
    ]


def sampling_errors(
    estimates: pd.DataFrame,
    indicators: Sequence[AppendixIndicator],
    domains: Sequence[Breakdown],
    *,
    gaps: pd.DataFrame | None = None,
    gap_items: Sequence[AppendixGap] = (),
) -> SamplingErrors:
    """Gather the sampling errors of ``indicators`` in every category of ``domains``.

    Parameters
    ----------
    estimates : pandas.DataFrame
        The long estimates frame (:func:`~mics_toolkit.tables.estimates.stack_results`).
    indicators : sequence of AppendixIndicator
    domains : sequence of Breakdown
        ``[Breakdown.total(), area, region]``: one appendix table per category of each.
    gaps : pandas.DataFrame, optional
        The gaps frame (:data:`mics_toolkit.indicators.GAP_COLUMNS`) holding every gap of
        ``gap_items``.
    gap_items : sequence of AppendixGap
        Gaps shown in the total's table.

    Returns
    -------
    SamplingErrors

    Raises
    ------
    SpecError
        An indicator has no estimates by one of the domains' breakdowns, or is listed twice;
        gaps are asked without the total among the domains, or are not in ``gaps``.

    Notes
    -----
    ``cv = se / r`` and ``deff``, ``deft`` are the estimator's (R ``deff="replace"``); the
    limits are ``r - 2 se`` and ``r + 2 se`` whatever interval the estimates were made with.
    A gap's ``cv`` is ``se / r`` for a ratio; a difference has none (NaN, a blank cell).
    """
    check_estimates(estimates)
    ids = [i.indicator for i in indicators]
    if len(set(ids)) != len(ids):
        raise SpecError(f"the appendix lists an indicator twice: {ids}", key="appendix")
    statistics = ("estimate", "se", "cv", "deff", "deft", "n_weighted")
    lookup = {
        key: (dict(zip(statistics, values[:-1], strict=True)), int(values[-1]))
        for key, *values in zip(
            zip(estimates["indicator"].astype(str), estimates["breakdown"].astype(str),
                estimates["category"].astype(str), strict=True),
            *(estimates[name].to_numpy(dtype=float) for name in statistics),
            estimates["n_unweighted"].to_numpy(),
            strict=True,
        )
    }
    present = {(indicator, breakdown) for indicator, breakdown, _ in lookup}
    records = []
    for breakdown in domains:
        for item in indicators:
            if (item.indicator, breakdown.key) not in present:
                raise SpecError(
                    f"the appendix needs indicator {item.indicator!r} by {breakdown.key!r} "
                    "but it has no such estimates; estimate it or drop the domain",
                    key=f"appendix.{item.indicator}",
                )
        for category in _categories(breakdown):
            for item in indicators:
                found = lookup.get((item.indicator, breakdown.key, category))
                if found is not None:
                    stats = {name: float(value) for name, value in found[0].items()}
                    n_unweighted = found[1]
                else:
                    stats = dict.fromkeys(("estimate", "se", "cv", "deff", "deft"), math.nan)
                    stats["n_weighted"] = 0.0
                    n_unweighted = 0
                records.append(
                    {
                        "domain": _domain_key(breakdown.key, category),
                        "breakdown": breakdown.key,
                        "category": category,
                        "indicator": item.indicator,
                        **stats,
                        "n_unweighted": n_unweighted,
                        "r_minus_2se": stats["estimate"] - 2.0 * stats["se"],
                        "r_plus_2se": stats["estimate"] + 2.0 * stats["se"],
                    }
                )
    frame = pd.DataFrame.from_records(records, columns=list(APPENDIX_COLUMNS))
    for name in ("domain", "breakdown", "category", "indicator"):
        frame[name] = frame[name].astype("str")
    frame["n_unweighted"] = frame["n_unweighted"].astype(np.int64)
    return SamplingErrors(frame, tuple(indicators), tuple(domains),
                          _gap_frame(gaps, gap_items, domains), tuple(gap_items))


def _gap_frame(gaps: pd.DataFrame | None, items: Sequence[AppendixGap],
               domains: Sequence[Breakdown]) -> pd.DataFrame:
    """The appendix's rows of ``items`` (:data:`APPENDIX_GAP_COLUMNS`) from the gaps frame."""
    if not items:
        return pd.DataFrame(columns=list(APPENDIX_GAP_COLUMNS))
    if not any(d.variable is None for d in domains):
        raise SpecError("the appendix shows gaps in the table of the total; list the total "
                        "among its domains", key="appendix.gaps")
    if gaps is None:
        raise SpecError("the appendix has gaps; pass the gaps frame "
                        "(mics_toolkit.indicators.compute_gaps) as gaps=", key="appendix.gaps")
    keys = zip(*(gaps[name].astype(str).tolist()
                 for name in ("indicator", "breakdown", "kind", "first", "second")),
               strict=True)
    found = dict(zip(keys, gaps.to_dict("records"), strict=True))
    records = []
    for item in items:
        row = found.get(item.key)
        if row is None:
            raise SpecError(f"the appendix gap {item.first} {item.kind} {item.second} of "
                            f"{item.breakdown!r} for {item.indicator!r} is not in the gaps "
                            "frame; compute it with compute_gaps", key="appendix.gaps")
        estimate, se = float(row["estimate"]), float(row["se"])
        with np.errstate(divide="ignore", invalid="ignore"):
            cv = float(np.float64(se) / estimate) if item.kind == "ratio" else math.nan
        records.append({"indicator": item.indicator, "breakdown": item.breakdown,
                        "kind": item.kind, "first": item.first, "second": item.second,
                        "estimate": estimate, "se": se, "cv": cv,
                        "p_value": float(row["p_value"]), "r_minus_2se": estimate - 2.0 * se,
                        "r_plus_2se": estimate + 2.0 * se})
    return pd.DataFrame.from_records(records, columns=list(APPENDIX_GAP_COLUMNS))


def _categories(breakdown: Breakdown) -> list[str]:
    return [TOTAL] if breakdown.variable is None else list(breakdown.categories)
