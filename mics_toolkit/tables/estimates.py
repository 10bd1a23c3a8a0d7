"""The long estimates frame: every estimate of a report, one row per indicator, breakdown and
category.

Tables, the sampling-error appendix and the tidy outputs all read the one canonical frame of
:data:`~mics_toolkit.estimate.frame.ESTIMATE_COLUMNS` as it is: ``indicator`` (an id such as
``"PR.2"``), ``breakdown`` (the ``by`` variables joined by ``+``, or ``"total"``),
``category`` (the domain's codes as text, ``1.0`` written ``"1"``, joined by ``+``; ``"total"``
for the total) and the estimator result columns at full precision.
:func:`mics_toolkit.indicators.compute_indicators` makes it where the estimates are computed;
:func:`stack_results` makes it from estimator result frames; :func:`to_estimates` brings
another long frame with those columns (category codes as found in the data, NaN on the total
rows) to it; :func:`check_estimates` is what the consumers ask of it.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from mics_toolkit.errors import OptionError, SpecError, VariableError
from mics_toolkit.estimate import RESULT_COLUMNS
from mics_toolkit.estimate.frame import (
    ESTIMATE_COLUMNS,
    TOTAL,
    breakdown_label,
    category_key,
    estimates_frame,
)

__all__ = [
    "ESTIMATE_COLUMNS",
    "TOTAL",
    "breakdown_key",
    "category_key",
    "check_estimates",
    "stack_results",
    "to_estimates",
]

# the ``breakdown`` of ``by`` variables: "total" for none, names joined by "+", the same text
# as the ``breakdown`` column of :func:`mics_toolkit.estimate.tabulate`
breakdown_key = breakdown_label


def stack_results(
    indicator: str,
    results: pd.DataFrame | Iterable[pd.DataFrame],
    *,
    level: object = None,
) -> pd.DataFrame:
    """Stack the result frames of one indicator (one per breakdown) into the long frame.

    Parameters
    ----------
    indicator : str
        The indicator id written in the ``indicator`` column.
    results : DataFrame or iterable of DataFrame
        Estimator results (``SurveyDesign.mean``, ``proportion`` ...), typically one without
        ``by`` (the total) and one per background variable. Their ``by`` columns are the
        columns before ``level``/``estimate``.
    level : object, optional
        For proportion results: the category whose proportion is the indicator (``1`` for a
        0/1 variable). Required when a frame has a ``level`` column, refused otherwise.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ESTIMATE_COLUMNS`, rows in the order of ``results``; values at full
        precision.

    Raises
    ------
    OptionError
        ``level`` is missing for a proportion, given for another estimator, or not among the
        categories of the result.
    SpecError
        Two results have the same breakdown.

    Examples
    --------
    >>> frame = pd.DataFrame({"HH6": [1, 2], "estimate": [0.5, 0.7], "se": [0.1, 0.1],
    ...     "ci_lower": [0.3, 0.5], "ci_upper": [0.7, 0.9], "cv": [0.2, 0.14], "deff": [1.0, 1.0],
    ...     "deft": [1.0, 1.0], "df": [10.0, 10.0], "n_unweighted": [40, 60],
    ...     "n_weighted": [41.0, 59.0]})
    >>> stack_results("X.1", frame)[["indicator", "breakdown", "category"]].values.tolist()
    [['X.1', 'HH6', '1'], ['X.1', 'HH6', '2']]
    """
    if isinstance(results, pd.DataFrame):
        results = [results]
    parts = []
    seen: set[str] = set()
    for result in results:
        part = _one_result(indicator, result, level)
        breakdown = part["breakdown"].iloc[0] if len(part) else None
        if breakdown in seen:
            raise SpecError(
                f"indicator {indicator!r} has two results by {breakdown!r}; give each "
                "breakdown once",
                key=f"{indicator}:{breakdown}",
            )
        seen.add(breakdown)
        parts.append(part)
    if not parts:
        return _empty()
    out = pd.concat(parts, ignore_index=True)
    return out


def _one_result(indicator: str, result: pd.DataFrame, level: object) -> pd.DataFrame:
    missing = [c for c in RESULT_COLUMNS if c not in result.columns]
    if missing:
        raise VariableError(
            f"the results of indicator {indicator!r} lack the columns {missing}; pass "
            "estimator result frames",
            variable=missing[0],
        )
    by = [c for c in result.columns if c not in RESULT_COLUMNS and c != "level"]
    if "level" in result.columns:
        levels = [category_key(v) for v in result["level"]]
        if level is None:
            raise OptionError(
                f"the results of indicator {indicator!r} are proportions of the categories "
                f"{sorted(set(levels))}; say which one is the indicator with level=",
                option="level",
                value=None,
                valid=tuple(sorted(set(levels))),
            )
        wanted = category_key(level)
        keep = np.array([v == wanted for v in levels], dtype=bool)
        if not keep.any():
            raise OptionError(
                f"level={level!r} is not a category of the results of indicator {indicator!r}; "
                f"they have {sorted(set(levels))}",
                option="level",
                value=level,
                valid=tuple(sorted(set(levels))),
            )
        result = result.loc[keep]
    elif level is not None:
        raise OptionError(
            f"level={level!r} is given but the results of indicator {indicator!r} are not "
            "proportions (no level column); leave level out",
            option="level",
            value=level,
            valid=(),
        )
    statistics = {name: result[name].to_numpy() for name in RESULT_COLUMNS}
    return estimates_frame([(indicator, tuple(by), result[by], statistics)])


def _empty() -> pd.DataFrame:
    return estimates_frame([])


def check_estimates(estimates: pd.DataFrame) -> None:
    """Check that a frame has :data:`ESTIMATE_COLUMNS` and one row per indicator, breakdown
    and category.

    Raises
    ------
    VariableError
        A column is missing.
    SpecError
        A row is repeated (the same indicator stacked twice); ``key`` names it.
    """
    missing = [c for c in ESTIMATE_COLUMNS if c not in estimates.columns]
    if missing:
        raise VariableError(
            f"the estimates frame lacks the columns {missing}; make it with stack_results()",
            variable=missing[0],
            close_matches=[],
        )
    codes = [v for v in estimates["category"].head(1000).tolist() if not isinstance(v, str)]
    if codes:
        raise VariableError(
            f"the category column of the estimates frame holds codes ({codes[0]!r}), not the "
            "text keys of the canonical frame; convert the frame with to_estimates()",
            variable="category",
            close_matches=[],
        )
    keys = estimates[["indicator", "breakdown", "category"]]
    repeated = keys.duplicated()
    if repeated.any():
        first = keys.loc[repeated].iloc[0]
        key = f"{first['indicator']}:{first['breakdown']}:{first['category']}"
        raise SpecError(
            f"the estimates frame has {int(repeated.sum())} repeated rows, first {key}; "
            "stack each indicator once",
            key=key,
        )


def to_estimates(frame: pd.DataFrame) -> pd.DataFrame:
    """The long estimates frame in its canonical form, from any frame with its columns.

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns :data:`ESTIMATE_COLUMNS` (others are dropped); ``category`` may hold the
        codes as found in the data (``1.0``, ``"a"``) and NaN or None on the ``"total"``
        rows, as a long frame computed by indicator code.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ESTIMATE_COLUMNS`; ``indicator``, ``breakdown``, ``category`` as text
        (``category_key`` of each code, ``"total"`` on the total rows), ``n_unweighted``
        int64, the statistics float64; rows in the same order. A frame already in this form
        comes back equal.

    Raises
    ------
    VariableError
        A column is missing.
    SpecError
        A row of a breakdown has no category, or a row is repeated.

    Examples
    --------
    >>> frame = pd.DataFrame({"indicator": ["X", "X"], "breakdown": ["total", "HH6"],
    ...     "category": [None, 1.0], **{c: [0.5, 0.5] for c in ESTIMATE_COLUMNS[3:]}})
    >>> to_estimates(frame)["category"].tolist()
    ['total', '1']
    """
    missing = [c for c in ESTIMATE_COLUMNS if c not in frame.columns]
    if missing:
        raise VariableError(
            f"the estimates frame lacks the columns {missing}; it needs "
            f"{', '.join(ESTIMATE_COLUMNS)}",
            variable=missing[0],
        )
    breakdowns = [str(b) for b in frame["breakdown"].tolist()]
    categories = []
    for row, (breakdown, code) in enumerate(zip(breakdowns, frame["category"].tolist(),
                                                strict=True)):
        absent = code is None or (isinstance(code, float) and np.isnan(code)) or code is pd.NA
        if breakdown == TOTAL and (absent or code == TOTAL):
            categories.append(TOTAL)
        elif absent:
            indicator = frame["indicator"].iloc[row]
            raise SpecError(
                f"the estimates of indicator {indicator!r} by {breakdown!r} have a row "
                f"without a category (row {row})",
                key=f"{indicator}:{breakdown}",
            )
        else:
            categories.append(category_key(code))
    columns: dict[str, object] = {
        "indicator": pd.array([str(v) for v in frame["indicator"].tolist()], dtype="str"),
        "breakdown": pd.array(breakdowns, dtype="str"),
        "category": pd.array(categories, dtype="str"),
    }
    for name in RESULT_COLUMNS:
        dtype = np.int64 if name == "n_unweighted" else np.float64
        columns[name] = frame[name].to_numpy(dtype=dtype)
    out = pd.DataFrame(columns)
    check_estimates(out)
    return out
