"""Value labels on result frames: codes of ``by`` columns and ``level`` replaced by labels.

Estimators keep the codes found in the data (stable dtypes, exact joins); this module turns
them into the labels of the file's metadata for display, leaving codes without a label as
they are.
"""

from __future__ import annotations

import pandas as pd

from mics_toolkit.io import Metadata

__all__ = ["with_labels"]


def with_labels(result: pd.DataFrame, meta: Metadata) -> pd.DataFrame:
    """Return a copy of ``result`` with value labels in place of codes.

    Parameters
    ----------
    result : DataFrame
        An estimator result (its ``attrs["mics"]`` names the ``by`` variables and, for a
        proportion, the variable behind ``level``).
    meta : Metadata
        Metadata holding the value labels (``design.meta`` or ``SurveyData.meta``).

    Returns
    -------
    DataFrame
        The same rows and columns; labelled columns hold text.

    Examples
    --------
    >>> import pandas as pd
    >>> from mics_toolkit.io import Metadata
    >>> frame = pd.DataFrame({"HH6": [1, 2], "estimate": [0.5, 0.7]})
    >>> frame.attrs["mics"] = {"by": ["HH6"]}
    >>> with_labels(frame, Metadata(value_labels={"HH6": {1: "Urban", 2: "Rural"}}))["HH6"].tolist()
    ['Urban', 'Rural']
    """
    out = result.copy()
    conventions = result.attrs.get("mics", {})
    columns = {name: name for name in conventions.get("by", [])}
    if "level" in out.columns and conventions.get("variable"):
        columns["level"] = conventions["variable"]
    for column, variable in columns.items():
        labels = meta.value_labels.get(variable)
        if not labels or column not in out.columns:
            continue
        out[column] = [_label(value, labels) for value in out[column]]
    return out


def _label(value, labels: dict) -> object:
    if value in labels:
        return labels[value]
    try:
        as_float = float(value)
    except (TypeError, ValueError):
        return value
    if as_float.is_integer() and int(as_float) in labels:
        return labels[int(as_float)]
    return value
