"""The data of an index, linked to its spec: one value (and SE) per region and indicator.

:func:`link_data` lines up the spec's indicators with their sources (survey totals or
estimates, the objective table) and the regions of the survey with those of the objective
table, and returns :class:`IndexData`, the input of :func:`~mics_toolkit.index.build.build_index`
and of the uncertainty and sensitivity engines. Every mismatch is an error that names the
item: a spec indicator missing from its source (:class:`~mics_toolkit.errors.SpecError`, with
close names), a region in the objective table that the survey lacks or the reverse
(:class:`~mics_toolkit.errors.LinkError`, listing both sides), an infinite value (a LinkError
naming the indicator and the region; missing values, NaN, are imputed by the spec's rule).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mics_toolkit.errors import LinkError, SpecError, close_matches
from mics_toolkit.index.sources import (
    ObjectiveTable,
    SurveyEstimates,
    SurveyTotals,
    combine_totals,
)
from mics_toolkit.index.spec import IndexSpec

__all__ = ["IndexData", "link_data"]


@dataclass(frozen=True, eq=False)
class IndexData:
    """Indicator values by region, in the spec's indicator order, with their sources.

    Attributes
    ----------
    regions : tuple
        Region labels (the survey's order when there is a survey).
    indicators : tuple of str
        Indicator ids in the spec's order (K).
    sources : tuple of str
        ``"survey"`` or ``"objective"`` per indicator.
    kinds : tuple of str
        ``"proportion"``, ``"mean"``, ``"ratio"`` (survey) or ``"objective"``.
    values : numpy.ndarray, shape (R, K)
        Nominal values (NaN missing).
    se : numpy.ndarray, shape (R, K)
        Standard errors (0 for objective indicators given without SE).
    survey : SurveyTotals, SurveyEstimates or None
        The survey source.
    survey_columns : numpy.ndarray
        Positions (in K) of the survey indicators.
    survey_source_index : numpy.ndarray
        Their positions among the survey source's indicators.
    survey_region_index : numpy.ndarray, shape (R,)
        Position of each region among the survey source's regions.
    """

    regions: tuple[Any, ...]
    indicators: tuple[str, ...]
    sources: tuple[str, ...]
    kinds: tuple[str, ...]
    values: np.ndarray
    se: np.ndarray
    survey: SurveyTotals | SurveyEstimates | None = None
    survey_columns: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    survey_source_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    survey_region_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))

    @property
    def n_regions(self) -> int:
        """Number of regions R."""
        return len(self.regions)

    def values_frame(self) -> pd.DataFrame:
        """Region x indicator values (index ``region``)."""
        return pd.DataFrame(
            self.values, index=pd.Index(self.regions, name="region"), columns=list(self.indicators)
        )

    def se_frame(self) -> pd.DataFrame:
        """Region x indicator standard errors (index ``region``)."""
        return pd.DataFrame(
            self.se, index=pd.Index(self.regions, name="region"), columns=list(self.indicators)
        )

    def survey_flat_index(self) -> np.ndarray:
        """Positions in the survey source's ``g * K_src + k`` order of the (region, survey
        indicator) pairs, in the order ``r * K_survey + j``."""
        if self.survey is None:
            return np.zeros(0, dtype=np.intp)
        n_src = len(self.survey.indicators)
        return (
            self.survey_region_index[:, None] * n_src + self.survey_source_index[None, :]
        ).reshape(-1)

    def survey_covariance(self) -> np.ndarray | None:
        """Covariance of the survey values in the order ``r * K_survey + j`` (None when the
        source has none)."""
        if self.survey is None:
            return None
        if isinstance(self.survey, SurveyTotals):
            cov = self.survey.covariance()
        else:
            cov = self.survey.covariance
            if cov is None:
                return None
        index = self.survey_flat_index()
        return cov[np.ix_(index, index)]


def link_data(
    spec: IndexSpec,
    survey: SurveyTotals | SurveyEstimates | Sequence[SurveyTotals] | None = None,
    objective: ObjectiveTable | pd.DataFrame | None = None,
) -> IndexData:
    """Link the spec's indicators to their data and check that the regions match.

    Parameters
    ----------
    spec : IndexSpec
    survey : SurveyTotals, SurveyEstimates or sequence of SurveyTotals, optional
        The survey indicators by region, under the spec's ids (several SurveyTotals, one
        per file, are combined with :func:`~mics_toolkit.index.sources.combine_totals`).
    objective : ObjectiveTable or pandas.DataFrame, optional
        The objective indicators (a DataFrame is taken as values without SEs).

    Returns
    -------
    IndexData

    Raises
    ------
    SpecError
        A survey or objective indicator of the spec is not in its source (the message names
        it and suggests close names), or the spec needs a source that is not given.
    LinkError
        A region is in the objective table but not in the survey, or the reverse (both lists
        are in the message and in ``keys``), or a survey estimate is infinite (``keys`` are
        the indicator and the region). An infinite objective value is a SpecError of
        :class:`~mics_toolkit.index.sources.ObjectiveTable`.
    """
    if isinstance(survey, (list, tuple)):
        survey = combine_totals(*survey)
    if isinstance(objective, pd.DataFrame):
        objective = ObjectiveTable(objective)
    survey_ids = [i.id for i in spec.indicators if i.source == "survey"]
    objective_ids = [i.id for i in spec.indicators if i.source == "objective"]
    if survey_ids and survey is None:
        raise SpecError(
            f"the spec has survey indicators ({', '.join(map(repr, survey_ids[:5]))}) but no "
            "survey data was given",
            file=spec.file,
            key=survey_ids[0],
        )
    if objective_ids and objective is None:
        raise SpecError(
            f"the spec has objective indicators ({', '.join(map(repr, objective_ids[:5]))}) "
            "but no objective table was given",
            file=spec.file,
            key=objective_ids[0],
        )
    if survey is not None:
        regions = tuple(survey.regions)
        if objective is not None:
            _check_regions(regions, objective.regions)
    elif objective is not None:
        regions = objective.regions
    else:  # pragma: no cover - a spec always has indicators
        raise SpecError("no data given")

    n_r, n_k = len(regions), len(spec.indicators)
    values = np.full((n_r, n_k), np.nan)
    se = np.zeros((n_r, n_k))
    kinds: list[str] = []
    survey_columns, source_index = [], []
    region_index = np.zeros(0, dtype=np.intp)
    if survey is not None:
        position = {r: i for i, r in enumerate(survey.regions)}
        region_index = np.array([position[r] for r in regions], dtype=np.intp)
        if isinstance(survey, SurveyTotals):
            estimate, error = survey.estimate(), survey.standard_error()
        else:
            estimate, error = survey.estimate, survey.se
    if objective is not None:
        objective_position = {r: i for i, r in enumerate(objective.regions)}
        objective_rows = np.array([objective_position[r] for r in regions], dtype=np.intp)
    for k, item in enumerate(spec.indicators):
        if item.source == "survey":
            ids = list(survey.indicators)
            if item.id not in ids:
                matches = close_matches(item.id, ids)
                hint = f"; close ids: {', '.join(matches)}" if matches else ""
                raise SpecError(
                    f"survey indicator {item.id!r} is not among the survey estimates given "
                    f"({len(ids)} indicators){hint}",
                    file=spec.file,
                    key=item.id,
                )
            j = ids.index(item.id)
            values[:, k] = estimate[region_index, j]
            se[:, k] = error[region_index, j]
            kinds.append(survey.kinds[j])
            survey_columns.append(k)
            source_index.append(j)
        else:
            column, column_se = objective.lookup(item.id)
            values[:, k] = column[objective_rows]
            se[:, k] = column_se[objective_rows]
            kinds.append("objective")
    _refuse_infinite_survey_values(values, regions, spec)
    return IndexData(
        regions=regions,
        indicators=tuple(i.id for i in spec.indicators),
        sources=tuple(i.source for i in spec.indicators),
        kinds=tuple(kinds),
        values=values,
        se=np.nan_to_num(se, nan=0.0),
        survey=survey,
        survey_columns=np.array(survey_columns, dtype=np.intp),
        survey_source_index=np.array(source_index, dtype=np.intp),
        survey_region_index=region_index,
    )


def _refuse_infinite_survey_values(
    values: np.ndarray, regions: Sequence[Any], spec: IndexSpec
) -> None:
    """Raise LinkError at the first infinite survey value (objective ones are refused by
    :class:`ObjectiveTable`); a missing value (NaN) is left to the imputation rule."""
    infinite = np.isinf(values)
    if not infinite.any():
        return
    r, k = np.argwhere(infinite)[0]
    indicator = spec.indicators[k].id
    n_more = int(infinite.sum()) - 1
    more = f" (and {n_more} more infinite values)" if n_more else ""
    raise LinkError(
        f"survey indicator {indicator!r} is {values[r, k]} in region {regions[r]!r}{more}; "
        "an estimate must be finite (a ratio whose denominator is 0 has no value: give NaN)",
        files=["survey"],
        keys=[indicator, str(regions[r])],
        count=int(infinite.sum()),
    )


def _check_regions(survey_regions: Sequence[Any], table_regions: Sequence[Any]) -> None:
    survey_set, table_set = set(survey_regions), set(table_regions)
    only_table = [r for r in table_regions if r not in survey_set]
    only_survey = [r for r in survey_regions if r not in table_set]
    if not only_table and not only_survey:
        return
    parts = []
    if only_table:
        parts.append(
            f"in the objective table but not in the survey: {', '.join(map(repr, only_table))}"
        )
    if only_survey:
        parts.append(
            f"in the survey but not in the objective table: {', '.join(map(repr, only_survey))}"
        )
    hint = ""
    if any(isinstance(r, str) for r in survey_regions) != any(
        isinstance(r, str) for r in table_regions
    ):
        hint = (" The survey's regions are codes and the table's are names (or the reverse): "
                "pass region_labels= to survey_totals.")
    raise LinkError(
        f"regions differ between the survey and the objective table: {'; '.join(parts)}.{hint}",
        files=["objective table", "survey"],
        keys=[str(r) for r in only_table + only_survey],
        count=len(only_table) + len(only_survey),
    )
