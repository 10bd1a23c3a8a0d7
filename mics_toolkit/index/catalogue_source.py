"""Survey indicators of an index taken from the indicator catalogue, as PSU-level totals.

An index spec names its survey indicators by their catalogue id (``catalogue: EQ.9b``);
:func:`catalogue_totals` computes them by region on a survey file set
(:func:`mics_toolkit.open_survey`) and returns the
:class:`~mics_toolkit.index.sources.SurveyTotals` that the index engines need: for each
(PSU, region) cell the weighted sums of every indicator's numerator and denominator.

The catalogue's own computation is reused unchanged (:func:`mics_toolkit.indicators.prepare_indicators`:
files, completed records, universe, missing answers, weight expressions, pooled files), so an
index value equals the estimate of the report tables for that region. Indicators on the same
files share one design; the totals of different designs are put together by
(stratum, PSU) (:func:`~mics_toolkit.index.sources.combine_totals`), so a bootstrap replicate
resamples the same PSUs in every file and the correlation between indicators from the same
households and clusters is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from mics_toolkit.errors import SpecError
from mics_toolkit.index.sources import SurveyIndicator, SurveyTotals, combine_totals, survey_totals
from mics_toolkit.indicators import IndicatorSpec as CatalogueIndicator
from mics_toolkit.indicators import PreparedIndicator, prepare_indicators
from mics_toolkit.io.fileset import Survey

__all__ = ["CATALOGUE_KINDS", "catalogue_totals", "region_names"]

CATALOGUE_KINDS: dict[str, str] = {"percentage": "proportion", "mean": "mean", "ratio": "ratio"}
"""Catalogue ``type`` -> kind of survey estimate in the index (proportions are fractions)."""


def region_names(values: Any, labels: Mapping[Any, Any] | None) -> dict[Any, Any]:
    """Name of each region value: its value label, else the value (a whole number as ``int``).

    Parameters
    ----------
    values : iterable
        The region values found in the data.
    labels : mapping, optional
        Value labels of the region variable.

    Returns
    -------
    dict
        Value -> name, in the order of ``values``.

    Examples
    --------
    >>> region_names([1.0, 2.0, 3.5], {1: "Abai region"})
    {1.0: 'Abai region', 2.0: 2, 3.5: 3.5}
    """
    labels = labels or {}
    out: dict[Any, Any] = {}
    for value in values:
        if value in labels:
            out[value] = labels[value]
        elif isinstance(value, (float, np.floating)) and float(value).is_integer():
            out[value] = int(value)
        else:
            out[value] = value
    return out


def _definition(prepared: PreparedIndicator) -> SurveyIndicator:
    """The prepared indicator's value columns and universe as a :class:`SurveyIndicator`."""
    value, denominator, universe = prepared.value, prepared.denominator, prepared.universe

    def numerator(frame: pd.DataFrame) -> np.ndarray:
        return frame[value].to_numpy(dtype=np.float64)

    def denominator_values(frame: pd.DataFrame) -> np.ndarray:
        return frame[denominator].to_numpy(dtype=np.float64)

    def where(frame: pd.DataFrame) -> np.ndarray:
        return universe

    return SurveyIndicator(
        numerator=numerator,
        denominator=denominator_values if denominator is not None else None,
        where=where,
        kind=CATALOGUE_KINDS[prepared.spec.type],
        label=prepared.spec.label.get("en"),
    )


def catalogue_totals(
    survey: Survey,
    indicators: Mapping[str, CatalogueIndicator],
    region: str,
    *,
    lonely_psu: str = "fail",
    labels: bool = True,
    progress: Callable[[int, int, str], None] | None = None,
) -> SurveyTotals:
    """Compute catalogue indicators by region as PSU-level totals.

    Parameters
    ----------
    survey : Survey
        From :func:`mics_toolkit.open_survey`.
    indicators : mapping of str to indicators.IndicatorSpec
        Index indicator id -> catalogue spec (two index ids may name the same spec).
    region : str
        The region variable (``"HH7"``); it must be available in every indicator's files.
    lonely_psu : {"fail", "remove", "certainty", "adjust", "average"}
        Rule for strata with a single PSU (R's meanings), for every design.
    labels : bool
        Name the regions by the value labels of ``region`` (default); otherwise by its
        values.
    progress : callable, optional
        ``progress(done, total, message)`` after each design is prepared.

    Returns
    -------
    SurveyTotals
        Indicators under the index ids, in the order given; regions in the order of their
        values.

    Raises
    ------
    SpecError, ReadError, LinkError, VariableError, WeightError, DesignError
        As :func:`mics_toolkit.indicators.prepare_indicators` (an unknown variable is located
        in the catalogue file); SpecError also when ``indicators`` is empty.

    Notes
    -----
    For indicator k with universe U, value y (0/1 for a percentage) and, for a ratio,
    denominator x, row i of PSU p in region g adds ``w_i y_i`` to ``A_pgk`` and ``w_i`` (or
    ``w_i x_i``) to ``B_pgk`` when it is in U with known values, so
    ``sum_p A_pgk / sum_p B_pgk`` is the catalogue's estimate for region g (R ``svyby`` of
    ``svymean``/``svyratio`` over the subset design). The linearised SEs equal the report's
    for indicators on one file. After totals of several files are combined, a PSU that has no
    record in one file counts in that file's strata with zero totals (the full design of the
    survey), which can change those SEs slightly.
    """
    if not indicators:
        raise SpecError("catalogue_totals needs at least one indicator", key="indicators")
    unique: dict[str, CatalogueIndicator] = {}
    for spec in indicators.values():
        unique.setdefault(spec.id, spec)
    prepared = prepare_indicators(
        survey, list(unique.values()), breakdowns=[region], lonely_psu=lonely_psu,
        progress=progress,
    )
    by_design: dict[int, list[tuple[str, PreparedIndicator]]] = {}
    for index_id, spec in indicators.items():
        item = prepared[spec.id]
        by_design.setdefault(id(item.design), []).append((index_id, item))
    parts = []
    for members in by_design.values():
        design = members[0][1].design
        values = pd.unique(design.frame[region].dropna())
        names = region_names(
            sorted(values), design.meta.value_labels.get(region) if labels else None
        )
        definitions = {index_id: _definition(item) for index_id, item in members}
        parts.append(survey_totals(design, definitions, region, region_labels=names))
    combined = combine_totals(*parts)
    order = [combined.indicators.index(i) for i in indicators]
    if order == list(range(len(order))):
        return combined
    n_g, n_k = combined.estimates.shape
    flat = (np.arange(n_g)[:, None] * n_k + np.asarray(order)[None, :]).reshape(-1)
    return SurveyTotals(
        indicators=tuple(indicators),
        kinds=tuple(combined.kinds[k] for k in order),
        regions=combined.regions,
        numerator=combined.numerator[:, :, order],
        denominator=combined.denominator[:, :, order],
        n_unweighted=combined.n_unweighted[:, order],
        psu_stratum=combined.psu_stratum,
        fpc_factor=combined.fpc_factor,
        lonely_psu=combined.lonely_psu,
        psu_keys=combined.psu_keys,
        estimates=combined.estimates[:, order],
        covariances=combined.covariances[np.ix_(flat, flat)],
        psu_scores=None if combined.psu_scores is None else combined.psu_scores[:, flat],
        present=None if combined.present is None else combined.present[:, flat],
    )
