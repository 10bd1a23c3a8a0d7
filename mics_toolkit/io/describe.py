"""A one-row-per-variable overview of a survey data set (used by ``mics inspect FILE``).

:func:`describe` lists every variable with its label, type, missing and distinct counts, a
summary of its value labels, its declared user-missing values and the special codes classified
from its labels together with how often each occurs.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from mics_toolkit.io.metadata import Metadata, SurveyData, to_survey_data
from mics_toolkit.io.missing import CATEGORIES, special_code_counts

__all__ = ["DESCRIBE_COLUMNS", "describe"]

DESCRIBE_COLUMNS = (
    "name",
    "label",
    "type",
    "n_missing",
    "n_distinct",
    "n_value_labels",
    "value_labels",
    "user_missing",
    "special_codes",
)


def describe(
    data: SurveyData | pd.DataFrame,
    *,
    meta: Metadata | None = None,
    max_labels: int = 6,
) -> pd.DataFrame:
    """Describe every variable of a data set.

    Parameters
    ----------
    data : SurveyData or pandas.DataFrame
        The data; a DataFrame is described with ``meta`` or without labels.
    meta : Metadata, optional
        Metadata to use instead of ``data.meta``.
    max_labels : int, default 6
        Value labels shown per variable before the summary is cut with "...".

    Returns
    -------
    pandas.DataFrame
        One row per variable in frame order, columns:

        ``name`` (str), ``label`` (str, "" when none), ``type`` ("numeric", "string",
        "datetime", "boolean", "categorical" or "other"), ``n_missing`` (int, NaN/None in
        the frame), ``n_distinct`` (int, distinct non-missing values), ``n_value_labels``
        (int), ``value_labels`` (str, e.g. ``"1=Urban; 2=Rural"``), ``user_missing``
        (str, e.g. ``"98, 99; 900 thru 999"``), ``special_codes`` (str, each classified code
        with its category and its count in the frame, e.g.
        ``"95=top_code (3); 99=no_response (12)"``).

    Examples
    --------
    >>> import pandas as pd
    >>> from mics_toolkit.io.metadata import Metadata, SurveyData
    >>> frame = pd.DataFrame({"LS2": [3.0, 99.0, 7.0]})
    >>> meta = Metadata(value_labels={"LS2": {0: "Worst", 10: "Best", 99: "No response"}},
    ...                 special_codes={"LS2": {99: "no_response"}})
    >>> describe(SurveyData(frame, meta)).loc[0, "special_codes"]
    '99=no_response (1)'
    """
    survey = to_survey_data(data, meta)
    frame, metadata = survey.frame, survey.meta
    rows = []
    for name in frame.columns:
        series = frame[name]
        labels = metadata.value_labels.get(name, {})
        declared = metadata.user_missing.get(name)
        counts = special_code_counts(metadata, name, series, categories=CATEGORIES)
        codes = metadata.special_codes.get(name, {})
        special = "; ".join(
            f"{_code_text(code)}={category} ({counts[code][1] if code in counts else 0})"
            for code, category in sorted(codes.items(), key=lambda item: _sort_key(item[0]))
        )
        rows.append(
            {
                "name": str(name),
                "label": metadata.variable_label(name),
                "type": _kind(series),
                "n_missing": int(series.isna().sum()),
                "n_distinct": int(series.nunique(dropna=True)),
                "n_value_labels": len(labels),
                "value_labels": _summarise_labels(labels, max_labels),
                "user_missing": declared.describe() if declared else "",
                "special_codes": special,
            }
        )
    out = pd.DataFrame(rows, columns=list(DESCRIBE_COLUMNS))
    return out.astype({"n_missing": "int64", "n_distinct": "int64", "n_value_labels": "int64"})


def _kind(series: pd.Series) -> str:
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return "categorical"
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_string_dtype(dtype):
        return "string"
    return "other"


def _sort_key(code: Any) -> tuple[bool, Any]:
    return (isinstance(code, str), code)


def _code_text(code: Any) -> str:
    return repr(code) if isinstance(code, str) else str(code)


def _summarise_labels(labels: dict[Any, str], max_labels: int) -> str:
    items = sorted(labels.items(), key=lambda item: _sort_key(item[0]))
    shown = "; ".join(f"{_code_text(code)}={text}" for code, text in items[:max_labels])
    if len(items) > max_labels:
        shown += f"; ... ({len(items)} labels)"
    return shown
