"""Gaps between the categories of a breakdown: differences and ratios of an indicator's
estimates, with their design-based tests.

A :class:`Gap` names an indicator, a breakdown variable and two of its categories (the
richest and the poorest wealth quintile, urban and rural); :func:`compute_gaps` estimates
every gap asked of indicators already prepared (:func:`~mics_toolkit.indicators.prepare_indicators`)
with :func:`mics_toolkit.estimate.compare` (the joint design covariance of the two domains'
estimates), one call per indicator, breakdown and kind, and returns the canonical gaps
frame, :data:`GAP_COLUMNS`. Tables mark a gap whose p-value is below
:data:`SIGNIFICANCE_LEVEL` and the report writes the frame as its own tidy table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mics_toolkit.errors import OptionError, check_option
from mics_toolkit.estimate.frame import category_key, new_frame
from mics_toolkit.indicators.compute import PreparedIndicator

__all__ = [
    "GAP_COLUMNS",
    "GAP_KINDS",
    "GAP_TYPES",
    "SIGNIFICANCE_LEVEL",
    "Gap",
    "compute_gaps",
]

GAP_KINDS: tuple[str, ...] = ("difference", "ratio")
"""``difference``: first category's estimate minus the second's; ``ratio``: first / second."""

GAP_TYPES: tuple[str, ...] = ("percentage", "mean", "ratio")
"""Indicator types whose gaps can be estimated (the statistics of
:func:`mics_toolkit.estimate.compare`)."""

SIGNIFICANCE_LEVEL = 0.05
"""A gap is marked significant when its two-sided p-value is below this."""

GAP_COLUMNS: tuple[str, ...] = (
    "indicator",
    "breakdown",
    "kind",
    "first",
    "second",
    "contrast",
    "estimate",
    "se",
    "ci_lower",
    "ci_upper",
    "df",
    "statistic",
    "p_value",
    "n_unweighted",
)
"""Columns of the gaps frame: ``indicator`` (id), ``breakdown`` (the variable), ``kind``,
``first`` and ``second`` (the categories as text, as the ``category`` of the estimates
frame), ``contrast`` (``"5 - 1"``, ``"1 / 2"``), then :func:`mics_toolkit.estimate.compare`'s
``estimate, se, ci_lower, ci_upper, df, statistic, p_value`` and ``n_unweighted``, the
smaller of the two categories' unweighted counts (the count the MICS small-sample rule is
applied to)."""


@dataclass(frozen=True)
class Gap:
    """A gap asked of an indicator: two categories of a breakdown compared.

    Parameters
    ----------
    indicator : str
        Indicator id (of type percentage, mean or ratio).
    breakdown : str
        The breakdown variable (``"windex5"``).
    first, second : category codes
        The categories compared: ``first - second`` or ``first / second``.
    kind : {"difference", "ratio"}
    """

    indicator: str
    breakdown: str
    first: object
    second: object
    kind: str = "difference"

    def __post_init__(self) -> None:
        check_option("kind", self.kind, GAP_KINDS)

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        """``(indicator, breakdown, kind, first, second)`` with the categories as text: the
        row of the gaps frame."""
        return (self.indicator, self.breakdown, self.kind, category_key(self.first),
                category_key(self.second))


def compute_gaps(
    prepared: Mapping[str, PreparedIndicator],
    gaps: Iterable[Gap],
    *,
    level: float = 0.95,
    ci: str = "t",
    df: str = "design",
) -> pd.DataFrame:
    """Estimate gaps between categories of breakdowns, with their SEs and tests.

    Parameters
    ----------
    prepared : mapping of str to PreparedIndicator
        From :func:`~mics_toolkit.indicators.prepare_indicators`, with every gap's breakdown
        among the indicators' breakdowns.
    gaps : iterable of Gap
        A gap asked twice is estimated once.
    level, ci, df
        As for the estimators: the interval's level and quantile, the degrees of freedom.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`GAP_COLUMNS`, one row per gap in the order given.

    Raises
    ------
    OptionError
        An indicator is not prepared or not of a type in :data:`GAP_TYPES`, or a category
        is not a domain of the breakdown (from :func:`mics_toolkit.estimate.compare`).

    Notes
    -----
    A percentage's gap compares the proportions of category 1 of its 0/1 value
    (``design.compare("proportion", value, by, level=1, pairs=..., kind=...,
    where=universe)``; the mean of the value when no record has the attribute), a mean's the
    means, a ratio's the ratios. Difference: ``d = e_a - e_b``,
    ``Var(d) = V_a + V_b - 2 C_ab``; ratio: ``r = e_a / e_b`` by the delta method, tested
    against 1. p-values are two-sided (t on ``df``, Normal with ``ci="normal"``).
    """
    unique = list(dict.fromkeys(gaps))
    groups: dict[tuple[str, str, str], list[Gap]] = {}
    for gap in unique:
        item = prepared.get(gap.indicator)
        if item is None:
            raise OptionError(f"gap of indicator {gap.indicator!r}: the indicator is not "
                              "prepared", option="indicator", value=gap.indicator,
                              valid=tuple(prepared))
        if item.spec.type not in GAP_TYPES:
            raise OptionError(
                f"gap of indicator {gap.indicator!r}: a {item.spec.type} has no gaps (they "
                f"compare a {', '.join(GAP_TYPES[:-1])} or {GAP_TYPES[-1]})",
                option="indicator", value=gap.indicator, valid=GAP_TYPES)
        groups.setdefault((gap.indicator, gap.breakdown, gap.kind), []).append(gap)
    rows: dict[tuple, dict] = {}
    for (indicator, breakdown, kind), members in groups.items():
        rows.update(_group_rows(prepared[indicator], breakdown, kind, members, level, ci, df))
    columns: dict[str, list] = {name: [] for name in GAP_COLUMNS}
    for gap in unique:
        for name, value in rows[gap.key].items():
            columns[name].append(value)
    out = {
        name: (pd.array(columns[name], dtype="str") if name in _TEXT
               else np.asarray(columns[name], dtype=np.int64 if name == "n_unweighted"
                               else np.float64))
        for name in GAP_COLUMNS
    }
    return new_frame(out)


_TEXT = ("indicator", "breakdown", "kind", "first", "second", "contrast")


def _group_rows(item: PreparedIndicator, breakdown: str, kind: str, gaps: list[Gap],
                level: float, ci: str, df: str) -> dict[tuple, dict]:
    """The gaps frame's rows of the gaps of one indicator, breakdown and kind, from one
    comparison; keyed by :attr:`Gap.key`."""
    spec, design = item.spec, item.design
    pairs = [(gap.first, gap.second) for gap in gaps]
    options = {"by": breakdown, "pairs": pairs, "kind": kind, "where": item.universe,
               "confidence": level, "ci": ci, "df": df}
    counts = item.estimate(breakdown, level=level, ci=ci, df=df)
    if spec.type == "ratio":
        result = design.compare("ratio", (item.value, item.denominator), **options)
    elif spec.type == "mean":
        result = design.compare("mean", item.value, **options)
    else:
        try:
            result = design.compare("proportion", item.value, level=1, **options)
        except OptionError as error:
            if error.option != "level":
                raise
            # nobody in the file has the attribute: the mean of the 0/1 value (0)
            result = design.compare("mean", item.value, **options)
    n_of = dict(zip(map(category_key, counts[breakdown].tolist()),
                    counts["n_unweighted"].to_numpy(dtype=np.int64).tolist(), strict=True))
    out = {}
    for gap, row in zip(gaps, result.to_dict("records"), strict=True):
        key = gap.key
        out[key] = {
            "indicator": spec.id, "breakdown": breakdown, "kind": kind, "first": key[3],
            "second": key[4], "contrast": row["contrast"],
            **{name: row[name] for name in ("estimate", "se", "ci_lower", "ci_upper", "df",
                                            "statistic", "p_value")},
            "n_unweighted": min(n_of.get(key[3], 0), n_of.get(key[4], 0)),
        }
    return out
